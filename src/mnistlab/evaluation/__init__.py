"""Evaluation: cross-validation outputs, metrics, thresholds, error analysis.

Each name is imported on first use (``lazy_loader``).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_cv": ["CVOutput", "cross_val_outputs", "fold_summary", "score_method"],
        "_errors": [
            "confidence",
            "confident_mistakes",
            "n_binary_estimators",
            "per_class_report",
            "test_summary",
            "top_confusions",
        ],
        "_fit": [
            "FitPredict",
            "ModelEvaluation",
            "evaluate_model",
            "fit_predict",
            "predict_with_scores",
            "timed_predict",
        ],
        "_metrics": ["binary_metrics", "metrics_at_threshold", "multilabel_metrics"],
        "_thresholds": [
            "Threshold",
            "rule_label",
            "threshold_for_best_f1",
            "threshold_for_precision",
            "threshold_for_recall",
        ],
    },
)
