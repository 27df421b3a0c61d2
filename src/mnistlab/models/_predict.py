"""Predictions with probabilities: what ``predict`` prints and ``serve`` answers."""

from __future__ import annotations

from typing import Any

import numpy as np


def probabilities(estimator: Any, X: np.ndarray) -> np.ndarray:
    """Class probabilities, or a softmax of the decision scores for models without them.

    Parameters
    ----------
    estimator : fitted classifier
    X : ndarray of shape (n, n_features)

    Returns
    -------
    ndarray of shape (n, n_classes)
    """
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X), dtype=float)
    from scipy.special import softmax

    return softmax(np.asarray(estimator.decision_function(X), dtype=float), axis=1)


def predict_digits(
    estimator: Any, X: np.ndarray, classes: Any = None, *, top: int = 3
) -> list[dict[str, Any]]:
    """The digit, its probability, all probabilities and the ``top`` best of each row.

    Parameters
    ----------
    estimator : fitted classifier
    X : ndarray of shape (n, n_features)
    classes : array-like, optional
        The class labels (from the model's card); default ``estimator.classes_``.
    top : int, default=3

    Returns
    -------
    list of dict
        ``{"digit", "probability", "probabilities", "top"}`` per row; ``top`` is a list of
        ``[digit, probability]`` pairs, best first.
    """
    probs = probabilities(estimator, X)
    if classes is None:
        classes = getattr(estimator, "classes_", range(probs.shape[1]))
    labels = [int(c) for c in np.asarray(classes)]
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top]
    return [
        {
            "digit": labels[o[0]],
            "probability": float(p[o[0]]),
            "probabilities": [float(q) for q in p],
            "top": [[labels[k], float(p[k])] for k in o],
        }
        for p, o in zip(probs, order, strict=True)
    ]
