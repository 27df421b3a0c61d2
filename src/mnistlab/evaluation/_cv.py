"""Cross-validation that keeps what an analysis needs: out-of-fold predictions and scores."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import check_cv
from sklearn.utils.parallel import Parallel, delayed  # workers inherit config and warning filters

from mnistlab._progress import SILENT, Progress
from mnistlab.evaluation._fit import fit_predict


def score_method(estimator: BaseEstimator) -> str:
    """``"decision_function"`` where the estimator has one, else ``"predict_proba"``."""
    if hasattr(estimator, "decision_function"):
        return "decision_function"
    if hasattr(estimator, "predict_proba"):
        return "predict_proba"
    raise ValueError(f"{type(estimator).__name__} has neither decision_function nor predict_proba")


@dataclass
class CVOutput:
    """Out-of-fold results of one estimator.

    Attributes
    ----------
    predictions : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Each sample's prediction by the model that did not see it (as ``cross_val_predict``).
    scores : ndarray of shape (n_samples,) or (n_samples, n_classes), or None
        The matching ``decision_function`` or ``predict_proba`` output (None when
        only predictions were asked for).
    method : str or None
        Which of the two ``scores`` came from.
    folds : list of ndarray
        The test indices of each fold, in fold order.
    fold_accuracy : ndarray of shape (n_folds,)
        Accuracy on each fold (as ``cross_val_score`` computes it).
    fit_seconds, predict_seconds : ndarray of shape (n_folds,)
    seconds : float
        Wall time of the whole cross-validation.
    """

    predictions: np.ndarray
    scores: np.ndarray | None
    method: str | None
    folds: list[np.ndarray]
    fold_accuracy: np.ndarray
    fit_seconds: np.ndarray
    predict_seconds: np.ndarray
    seconds: float = 0.0

    def per_fold(self, metric: Callable[..., dict], y, scores=None, **kwargs) -> list[dict]:
        """``metric(y[test], predictions[test][, scores[test]], **kwargs)`` of every fold."""
        y = np.asarray(y)
        return [
            metric(y[t], self.predictions[t], *(() if scores is None else (scores[t],)), **kwargs)
            for t in self.folds
        ]

    def summary(self, metrics: list[dict], out_of_fold: dict, keys) -> dict:
        """:func:`fold_summary` of each of ``keys`` from per-fold ``metrics`` and pooled ones."""
        return {k: fold_summary([m[k] for m in metrics], out_of_fold[k]) for k in keys}

    def seconds_summary(self, step: str = "fit") -> dict:
        """``{"folds": [...], "mean": ...}`` of the fit (or ``"predict"``) seconds."""
        return fold_summary(self.fit_seconds if step == "fit" else self.predict_seconds)


def _fit_fold(estimator, X, y, train, test, method):
    out = fit_predict(estimator, X[train], y[train], X[test], method=method)
    return test, out.predictions, out.scores, out.fit_seconds, out.predict_seconds


def fold_summary(folds, out_of_fold=None) -> dict:
    """One cross-validated figure as ``metrics.json`` holds it: every fold's, their mean,
    and (when given) the value on all out-of-fold predictions pooled.

    Examples
    --------
    >>> from mnistlab.evaluation import fold_summary
    >>> fold_summary([0.5, 1.0], out_of_fold=0.8)
    {'folds': [0.5, 1.0], 'mean': 0.75, 'out_of_fold': 0.8}
    """
    values = [float(v) for v in folds]
    out = {"folds": values, "mean": float(np.mean(values))}
    if out_of_fold is not None:
        out["out_of_fold"] = out_of_fold
    return out


def cross_val_outputs(
    estimator: BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    *,
    cv: int = 3,
    method: str | None = "auto",
    n_jobs: int | None = None,
    progress: Progress = SILENT,
    description: str = "cross-validation",
) -> CVOutput:
    """Fit one clone per fold and keep out-of-fold predictions, scores and fold accuracies.

    With an integer ``cv`` the folds are those of ``cross_val_score`` and
    ``cross_val_predict`` (``StratifiedKFold`` without shuffling for a
    classifier), so the figures equal theirs, but each fold is fitted once for
    predictions, scores and accuracy together.

    Parameters
    ----------
    estimator : estimator
        Unfitted; cloned for every fold.
    X, y : arrays
    cv : int or cross-validation generator
    method : {"auto", "decision_function", "predict_proba"} or None
        Which scores to keep: "auto" means :func:`score_method`; None keeps only
        predictions (multilabel models, whose scores come as lists).
    n_jobs : int, optional
        Folds fitted in parallel (scikit-learn's joblib wrapper: the workers see the
        caller's warning filters and scikit-learn configuration).
    progress : Progress
        Advanced once per finished fold.
    description : str
        Label of the progress step.
    """
    splitter = check_cv(cv, y, classifier=True)
    splits = list(splitter.split(X, y))
    if method == "auto":
        method = score_method(estimator)
    outputs = {}
    start = time.perf_counter()
    with progress.task(description, len(splits)) as task:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for out in parallel(
            delayed(_fit_fold)(clone(estimator), X, y, train, test, method)
            for train, test in splits
        ):
            outputs[out[0][0]] = out  # keyed by the fold's first test index
            task.advance()
    ordered = [outputs[test[0]] for _, test in splits]
    n = len(y)
    first_pred, first_scores = ordered[0][1], ordered[0][2]
    predictions = np.empty((n, *first_pred.shape[1:]), dtype=first_pred.dtype)
    scores = None
    if first_scores is not None:
        scores = np.empty((n, *first_scores.shape[1:]), dtype=first_scores.dtype)
    for test, pred, sc, _, _ in ordered:
        predictions[test] = pred
        if scores is not None:
            scores[test] = sc
    y = np.asarray(y)
    return CVOutput(
        predictions=predictions,
        scores=scores,
        method=method,
        folds=[test for _, test in splits],
        # subset accuracy for multilabel targets, as accuracy_score computes it
        fold_accuracy=np.array(
            [np.mean(np.all((p == y[t]).reshape(len(t), -1), axis=1)) for t, p, *_ in ordered]
        ),
        fit_seconds=np.array([o[3] for o in ordered]),
        predict_seconds=np.array([o[4] for o in ordered]),
        seconds=time.perf_counter() - start,
    )
