"""Evaluation: cross-validation outputs, metrics, thresholds, error analysis."""

from mnistlab.evaluation._cv import CVOutput, cross_val_outputs, fold_summary, score_method
from mnistlab.evaluation._errors import (
    confidence,
    confident_mistakes,
    n_binary_estimators,
    per_class_report,
    test_summary,
    top_confusions,
)
from mnistlab.evaluation._fit import (
    FitPredict,
    ModelEvaluation,
    evaluate_model,
    fit_predict,
    predict_with_scores,
    timed_predict,
)
from mnistlab.evaluation._metrics import binary_metrics, metrics_at_threshold, multilabel_metrics
from mnistlab.evaluation._thresholds import (
    Threshold,
    threshold_for_best_f1,
    threshold_for_precision,
    threshold_for_recall,
)

__all__ = [
    "CVOutput",
    "FitPredict",
    "ModelEvaluation",
    "Threshold",
    "binary_metrics",
    "confidence",
    "confident_mistakes",
    "cross_val_outputs",
    "evaluate_model",
    "fit_predict",
    "fold_summary",
    "metrics_at_threshold",
    "multilabel_metrics",
    "n_binary_estimators",
    "per_class_report",
    "predict_with_scores",
    "score_method",
    "test_summary",
    "threshold_for_best_f1",
    "threshold_for_precision",
    "threshold_for_recall",
    "timed_predict",
    "top_confusions",
]
