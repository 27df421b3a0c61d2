"""Metrics of binary detectors."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)


def binary_metrics(y_true, y_pred, scores) -> dict:
    """Accuracy, precision, recall, F1, confusion matrix, ROC AUC and average precision.

    ``scores`` are continuous (a decision function or the positive class's
    probability), so ROC AUC and average precision use the full ranking, not
    hard predictions.
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
        "roc_auc": float(roc_auc_score(y_true, scores)),
        "average_precision": float(average_precision_score(y_true, scores)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=[False, True]).tolist(),
    }


def metrics_at_threshold(y_true, scores, threshold: float) -> dict:
    """Precision, recall and F1 when predicting positive for ``scores >= threshold``."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(scores) >= threshold
    return {
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
    }


def multilabel_metrics(Y_true, Y_pred, labels: list[str]) -> dict:
    """F1 (macro and weighted), Hamming loss, subset accuracy and per-label P/R/F1."""
    Y_true = np.asarray(Y_true, dtype=bool)
    Y_pred = np.asarray(Y_pred, dtype=bool)
    p, r, f, s = precision_recall_fscore_support(Y_true, Y_pred, zero_division=0)
    return {
        "f1_macro": float(f1_score(Y_true, Y_pred, average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(Y_true, Y_pred, average="weighted", zero_division=0)),
        "hamming_loss": float(hamming_loss(Y_true, Y_pred)),
        "subset_accuracy": float(accuracy_score(Y_true, Y_pred)),
        "per_label": {
            name: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, name in enumerate(labels)
        },
    }
