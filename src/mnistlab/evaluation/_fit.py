"""Fit, predict and time: once, for the tasks' folds and final fits, the study and the CLI."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from mnistlab._progress import SILENT, Progress

if TYPE_CHECKING:
    import pandas as pd

#: Classifiers whose ``predict`` is exactly ``classes_[argmax(predict_proba)]``: their
#: predictions are derived from the probabilities instead of a second neighbour search
#: or pass through the trees. Named by module, so that ``train`` (which only fits)
#: imports none of them: an estimator of a class whose module was never imported
#: cannot exist.
_ARGMAX_OF_PROBA = {
    "sklearn.neighbors": ("KNeighborsClassifier",),
    "sklearn.ensemble": ("RandomForestClassifier", "ExtraTreesClassifier"),
    "sklearn.tree": ("DecisionTreeClassifier",),
}


def _predicts_argmax_of_proba(estimator) -> bool:
    """Whether ``estimator`` is one of :data:`_ARGMAX_OF_PROBA` (or a subclass)."""
    for module, names in _ARGMAX_OF_PROBA.items():
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(estimator, tuple(getattr(loaded, n) for n in names)):
            return True
    return False


def predict_with_scores(estimator, X, method: str | None):
    """``(estimator.predict(X), getattr(estimator, method)(X))``, predicting once where possible."""
    if method is None:
        return estimator.predict(X), None
    scores = getattr(estimator, method)(X)
    last = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    if method == "predict_proba" and _predicts_argmax_of_proba(last) and np.ndim(scores) == 2:
        return last.classes_[np.argmax(scores, axis=1)], scores
    return estimator.predict(X), scores


@dataclass
class FitPredict:
    """What :func:`fit_predict` returns.

    Attributes
    ----------
    estimator : estimator
        Fitted.
    predictions, scores : ndarray or None
        On the rows predicted (None when none were; ``scores`` None without a method).
    fit_seconds, predict_seconds : float or None
        None for the step that was not done here.
    """

    estimator: BaseEstimator
    predictions: np.ndarray | None = None
    scores: np.ndarray | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None


def fit_predict(
    estimator: BaseEstimator, X, y, X_test=None, *, method: str | None = None
) -> FitPredict:
    """Fit ``estimator`` on ``(X, y)``, then predict ``X_test`` if given; time both steps.

    Parameters
    ----------
    estimator : estimator
        Fitted in place (not cloned).
    X, y : arrays
    X_test : array, optional
    method : {"decision_function", "predict_proba"} or None
        Scores to compute with the predictions (see :func:`predict_with_scores`).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mnistlab.evaluation import fit_predict
    >>> X, y = load_digits(return_X_y=True)
    >>> out = fit_predict(KNeighborsClassifier(), X[:1000], y[:1000], X[1000:])
    >>> round(float((out.predictions == y[1000:]).mean()), 2), out.fit_seconds >= 0
    (0.96, True)
    """
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_seconds = time.perf_counter() - start
    if X_test is None:
        return FitPredict(estimator, fit_seconds=fit_seconds)
    out = timed_predict(estimator, X_test, method=method)
    out.fit_seconds = fit_seconds
    return out


def timed_predict(estimator: BaseEstimator, X, *, method: str | None = None) -> FitPredict:
    """Predict ``X`` with a fitted estimator (and its scores by ``method``), timed."""
    start = time.perf_counter()
    pred, scores = predict_with_scores(estimator, X, method)
    return FitPredict(estimator, pred, scores, predict_seconds=time.perf_counter() - start)


@dataclass
class ModelEvaluation:
    """One model scored once on the test set (what :func:`evaluate_model` returns).

    Attributes
    ----------
    y_test, predictions : ndarray
    fit_seconds : float or None
        None when the model came fitted.
    predict_seconds : float
    test : dict
        Accuracy, per-class table and top confusions, as ``metrics.json`` holds them.
    """

    y_test: np.ndarray
    predictions: np.ndarray
    fit_seconds: float | None
    predict_seconds: float
    test: dict = field(init=False)

    def __post_init__(self) -> None:
        from mnistlab.evaluation._errors import test_summary  # metrics: not for train

        self.test = test_summary(self.y_test, self.predictions)

    @property
    def accuracy(self) -> float:
        """Test accuracy."""
        return self.test["accuracy"]

    def per_class(self) -> pd.DataFrame:
        """Precision, recall, F1 and support of every class on the test set."""
        from mnistlab.evaluation._errors import per_class_report

        return per_class_report(self.y_test, self.predictions)

    def to_metrics(self) -> dict:
        """The ``results.<model>`` block of ``metrics.json``."""
        return {
            "test": self.test,
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
        }


def evaluate_model(
    estimator: BaseEstimator,
    X_test,
    y_test,
    *,
    X_train=None,
    y_train=None,
    progress: Progress = SILENT,
    name: str = "model",
) -> ModelEvaluation:
    """Score a model once on the test set; with training data, fit it there first.

    Parameters
    ----------
    estimator : estimator
        Fitted, or fitted here (in place) when ``X_train`` is given.
    X_test, y_test : arrays
    X_train, y_train : arrays, optional
    progress : Progress
        One step for the fit (if any) and one for the test set.
    name : str
        The model's name in the progress steps.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mnistlab.evaluation import evaluate_model
    >>> X, y = load_digits(return_X_y=True)
    >>> ev = evaluate_model(KNeighborsClassifier(), X[1000:], y[1000:],
    ...                     X_train=X[:1000], y_train=y[:1000])
    >>> round(ev.accuracy, 2), sorted(ev.to_metrics())
    (0.96, ['fit_seconds', 'predict_seconds', 'test'])
    """
    fit_seconds = None
    if X_train is not None:
        with progress.task(f"{name}: train on {len(X_train):,} images", 1) as task:
            fit_seconds = fit_predict(estimator, X_train, y_train).fit_seconds
            task.advance()
    with progress.task(f"{name}: score the test set once", 1) as task:
        out = timed_predict(estimator, X_test)
        task.advance()
    return ModelEvaluation(np.asarray(y_test), out.predictions, fit_seconds, out.predict_seconds)
