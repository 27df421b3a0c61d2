"""Cross-validation that keeps what an analysis needs: out-of-fold predictions and scores."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.model_selection import check_cv
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from mnistlab._progress import SILENT, Progress


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
    """

    predictions: np.ndarray
    scores: np.ndarray | None
    method: str | None
    folds: list[np.ndarray]
    fold_accuracy: np.ndarray
    fit_seconds: np.ndarray
    predict_seconds: np.ndarray


#: Classifiers whose ``predict`` is exactly ``classes_[argmax(predict_proba)]``: their
#: predictions are derived from the probabilities instead of a second neighbour search
#: or pass through the trees.
_ARGMAX_OF_PROBA = (
    KNeighborsClassifier,
    RandomForestClassifier,
    ExtraTreesClassifier,
    DecisionTreeClassifier,
)


def predict_with_scores(estimator, X, method: str | None):
    """``(estimator.predict(X), getattr(estimator, method)(X))``, predicting once where possible."""
    if method is None:
        return estimator.predict(X), None
    scores = getattr(estimator, method)(X)
    last = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    if method == "predict_proba" and isinstance(last, _ARGMAX_OF_PROBA) and np.ndim(scores) == 2:
        return last.classes_[np.argmax(scores, axis=1)], scores
    return estimator.predict(X), scores


def _fit_fold(estimator, X, y, train, test, method):
    start = time.perf_counter()
    estimator.fit(X[train], y[train])
    fitted = time.perf_counter()
    pred, scores = predict_with_scores(estimator, X[test], method)
    done = time.perf_counter()
    return test, pred, scores, fitted - start, done - fitted


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
        Folds fitted in parallel (joblib).
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
    )
