"""Evaluation: cross-validation outputs, metrics, thresholds, error analysis."""

from mnistlab.evaluation._cv import CVOutput, cross_val_outputs, score_method
from mnistlab.evaluation._metrics import binary_metrics, metrics_at_threshold
from mnistlab.evaluation._thresholds import (
    Threshold,
    threshold_for_best_f1,
    threshold_for_precision,
    threshold_for_recall,
)

__all__ = [
    "CVOutput",
    "Threshold",
    "binary_metrics",
    "cross_val_outputs",
    "metrics_at_threshold",
    "score_method",
    "threshold_for_best_f1",
    "threshold_for_precision",
    "threshold_for_recall",
]
