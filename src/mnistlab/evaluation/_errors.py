"""Error analysis of multiclass classifiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import softmax
from sklearn.base import BaseEstimator
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.pipeline import Pipeline


def per_class_report(y_true, y_pred) -> pd.DataFrame:
    """Precision, recall, F1 and support of every class (rows), plus macro and weighted means."""
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    report.pop("accuracy", None)
    frame = pd.DataFrame(report).T
    frame["support"] = frame["support"].astype(int)
    return frame


def top_confusions(y_true, y_pred, k: int = 10) -> pd.DataFrame:
    """The ``k`` most frequent (true, predicted) mistakes, with their share of the true class."""
    labels = np.unique(np.concatenate([np.unique(y_true), np.unique(y_pred)]))
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    support = cm.sum(axis=1)
    np.fill_diagonal(cm, 0)
    order = np.argsort(cm, axis=None, kind="stable")[::-1][:k]
    rows = []
    for flat in order:
        i, j = np.unravel_index(flat, cm.shape)
        if cm[i, j] == 0:
            break
        rows.append(
            {
                "true": int(labels[i]),
                "predicted": int(labels[j]),
                "count": int(cm[i, j]),
                "rate": float(cm[i, j] / support[i]),
            }
        )
    return pd.DataFrame(rows, columns=["true", "predicted", "count", "rate"])


def confidence(scores: np.ndarray, method: str) -> np.ndarray:
    """How sure the model was of its top class: its probability, or a softmax of decision scores.

    A softmax of decision scores is not a calibrated probability, but it ranks
    mistakes by how far the winning class was ahead.
    """
    scores = np.asarray(scores, dtype=float)
    probs = scores if method == "predict_proba" else softmax(scores, axis=1)
    return probs.max(axis=1)


def confident_mistakes(y_true, y_pred, conf: np.ndarray, k: int = 25) -> np.ndarray:
    """Indices of up to ``k`` misclassified samples, the most confident mistakes first."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    return wrong[np.argsort(-conf[wrong], kind="stable")][:k]


def n_binary_estimators(estimator: BaseEstimator, n_classes: int) -> int:
    """How many binary classifiers a fitted multiclass estimator is made of (1 if natively
    multiclass): OvR and OvO wrappers count theirs, SGD-style linear models train one per
    class, SVC trains one per pair of classes."""
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    if isinstance(estimator, (OneVsRestClassifier, OneVsOneClassifier)):
        return len(estimator.estimators_)
    name = type(estimator).__name__
    if name in ("SGDClassifier", "LinearSVC", "Perceptron", "PassiveAggressiveClassifier"):
        return n_classes
    if name in ("SVC", "NuSVC"):
        return n_classes * (n_classes - 1) // 2
    return 1


def test_summary(y_true, y_pred) -> dict:
    """Accuracy, the per-class table and the top confusions as the ``test`` block of
    ``metrics.json`` (what ``evaluate`` and the study's model section report)."""
    per_class = per_class_report(y_true, y_pred)
    return {
        "accuracy": float(np.mean(np.asarray(y_pred) == np.asarray(y_true))),
        "per_class": {
            str(k): {c: float(v) for c, v in row.items()} for k, row in per_class.iterrows()
        },
        "top_confusions": top_confusions(y_true, y_pred).to_dict(orient="records"),
    }
