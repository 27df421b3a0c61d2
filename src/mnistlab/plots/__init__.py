"""Plots: functions that take task results and return matplotlib figures (no pyplot state).

Each name is imported on first use (``lazy_loader``).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_binary": [
            "binary_confusion",
            "pair_error_heatmap",
            "pr_curves",
            "precision_recall_vs_threshold",
            "reliability_diagram",
            "roc_curves",
        ],
        "_denoise": ["denoise_grid", "denoise_scores", "label_issue_gallery"],
        "_errors": ["confusion_matrices", "mistakes_gallery", "multilabel_scores", "pair_grid"],
        "_images": ["augmentation_grid", "digit_grid"],
        "_search": ["halving_rounds", "search_scores"],
        "_style": ["styled_figure"],
        "_summary": ["accuracy_bars", "compare_histories", "training_history"],
    },
)
