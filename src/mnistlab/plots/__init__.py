"""Plots: functions that take task results and return matplotlib figures (no pyplot state)."""

from mnistlab.plots._binary import (
    binary_confusion,
    pair_error_heatmap,
    pr_curves,
    precision_recall_vs_threshold,
    reliability_diagram,
    roc_curves,
)
from mnistlab.plots._denoise import denoise_grid, denoise_scores, label_issue_gallery
from mnistlab.plots._errors import (
    confusion_matrices,
    mistakes_gallery,
    multilabel_scores,
    pair_grid,
)
from mnistlab.plots._images import augmentation_grid, digit_grid
from mnistlab.plots._search import halving_rounds, search_scores
from mnistlab.plots._style import styled_figure
from mnistlab.plots._summary import accuracy_bars, compare_histories, training_history

__all__ = [
    "accuracy_bars",
    "augmentation_grid",
    "binary_confusion",
    "compare_histories",
    "confusion_matrices",
    "denoise_grid",
    "denoise_scores",
    "digit_grid",
    "halving_rounds",
    "label_issue_gallery",
    "mistakes_gallery",
    "multilabel_scores",
    "pair_error_heatmap",
    "pair_grid",
    "pr_curves",
    "precision_recall_vs_threshold",
    "reliability_diagram",
    "roc_curves",
    "search_scores",
    "styled_figure",
    "training_history",
]
