"""Plots: functions that take task results and return matplotlib figures (no pyplot state)."""

from mnistlab.plots._binary import (
    pair_error_heatmap,
    pr_curves,
    precision_recall_vs_threshold,
    roc_curves,
)
from mnistlab.plots._images import digit_grid
from mnistlab.plots._style import styled_figure

__all__ = [
    "digit_grid",
    "pair_error_heatmap",
    "pr_curves",
    "precision_recall_vs_threshold",
    "roc_curves",
    "styled_figure",
]
