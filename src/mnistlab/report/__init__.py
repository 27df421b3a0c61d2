"""Report: the ``metrics.json`` document, the figures of each part of the study, and the
HTML report of the whole study."""

from mnistlab.report._figures import (
    binary_figures,
    clean_figures,
    data_figures,
    denoise_figures,
    evaluate_figures,
    multiclass_figures,
    multilabel_figures,
    pairs_figures,
)
from mnistlab.report._metrics import metrics_document

__all__ = [
    "binary_figures",
    "clean_figures",
    "data_figures",
    "denoise_figures",
    "evaluate_figures",
    "metrics_document",
    "multiclass_figures",
    "multilabel_figures",
    "pairs_figures",
]
