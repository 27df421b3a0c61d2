"""An ensemble of classifiers that averages their decision functions."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from joblib import cpu_count, effective_n_jobs
from sklearn.base import ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._params import N_JOBS


def _fit(estimator, X, y):
    return clone(estimator).fit(X, y)


def _decision(estimator, X) -> np.ndarray:
    return np.asarray(estimator.decision_function(X), dtype=float)


class DecisionAveragingClassifier(MetaEstimatorMixin, ClassifierMixin, _BaseComposition):
    """Fit several classifiers on the same data and average their decision functions.

    scikit-learn's ``VotingClassifier`` counts votes or averages class probabilities,
    which a support vector machine only gives through an internal cross-validation (five
    more fits); this averages ``decision_function`` instead, so SVMs over different
    features (one on pixels and HOG, one on wavelet scattering) vote with the scores they
    already have. Members must score one-vs-rest (scikit-learn's default shape).
    The estimators are fitted, and score, side by side in threads: scikit-learn's libsvm
    releases the GIL, so two SVMs use two cores without copying the data.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named classifiers with ``decision_function``, all of the same form (scikit-learn's
        ``"ovr"`` shape for SVC, the default). Their nested parameters are set as
        ``name__param``.
    weights : array-like of shape (n_estimators,), default=None
        Weight of each decision function in the average; equal weights by default.
    n_jobs : int, default=None
        Threads that fit and score the estimators (``-1``: one per core).

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted clones, in the order of ``estimators``.
    named_estimators_ : dict
        The same, by name.
    classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn.svm import SVC
    >>> from mnistlab.models import DecisionAveragingClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = DecisionAveragingClassifier(
    ...     [("svc", SVC()), ("ridge", RidgeClassifier())], weights=[2, 1]
    ... ).fit(X[:1000], y[:1000])
    >>> model.decision_function(X[1000:1002]).shape
    (2, 10)
    >>> round(model.score(X[1000:], y[1000:]), 2)
    0.96
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimators": [list],
        "weights": ["array-like", None],
        "n_jobs": N_JOBS,
    }

    def __init__(self, estimators, *, weights=None, n_jobs=None):
        self.estimators = estimators
        self.weights = weights
        self.n_jobs = n_jobs

    def get_params(self, deep=True):
        """Parameters, with each estimator's as ``name__param`` (when ``deep``)."""
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, an estimator's as ``name__param``."""
        self._set_params("estimators", **params)
        return self

    def _weights(self) -> np.ndarray:
        n = len(self.estimators)
        if self.weights is None:
            return np.full(n, 1.0 / n)
        w = np.asarray(self.weights, dtype=float)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.max() <= 0:
            raise ValueError(
                f"weights must be {n} non-negative numbers, not all zero; got {self.weights!r}"
            )
        w = w / w.max()  # first: a sum of huge weights would overflow to inf
        return w / w.sum()

    def _threads(self, n_members: int) -> int:
        # never more threads than members or cores, whatever n_jobs a model file holds
        # (joblib starts every thread of its pool up front)
        return max(1, min(effective_n_jobs(self.n_jobs), n_members, cpu_count()))

    @_fit_context(prefer_skip_nested_validation=False)  # each estimator validates in its fit
    def fit(self, X, y):
        """Fit a clone of every estimator on ``(X, y)``."""
        if not self.estimators:
            raise ValueError("estimators is empty: give at least one (name, classifier)")
        names, ests = zip(*self.estimators, strict=True)
        self._validate_names(names)
        for name, est in self.estimators:
            if not hasattr(est, "decision_function"):
                raise ValueError(f"estimator {name!r} has no decision_function to average")
            # one-vs-one scores are per pair of classes: not comparable with per-class ones
            params = est.get_params(deep=True) if hasattr(est, "get_params") else {}
            if getattr(est, "decision_function_shape", None) == "ovo" or any(
                k.endswith("decision_function_shape") and v == "ovo" for k, v in params.items()
            ):
                raise ValueError(f"estimator {name!r} scores one-vs-one: set 'ovr' to average")
        self._weights()
        X, y = validate_data(self, X, y, dtype=None)
        fitted = Parallel(n_jobs=self._threads(len(ests)), prefer="threads")(
            delayed(_fit)(est, X, y) for est in ests
        )
        for name, est in zip(names[1:], fitted[1:], strict=True):
            if not np.array_equal(est.classes_, fitted[0].classes_):
                raise ValueError(f"estimator {name!r} learnt other classes than {names[0]!r}")
        self.estimators_ = fitted
        self.named_estimators_ = dict(zip(names, fitted, strict=True))
        self.classes_ = fitted[0].classes_
        return self

    def decision_function(self, X):
        """The weighted average of the estimators' decision functions."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=None)
        scores = Parallel(n_jobs=self._threads(len(self.estimators_)), prefer="threads")(
            delayed(_decision)(est, X) for est in self.estimators_
        )
        n_classes = len(self.classes_)
        shape = (len(X),) if n_classes == 2 else (len(X), n_classes)
        for (name, _), s in zip(self.estimators, scores, strict=True):
            if s.shape != shape:
                raise ValueError(f"estimator {name!r} gave scores of shape {s.shape}, not {shape}")
        return sum(w * s for w, s in zip(self._weights(), scores, strict=True))

    def predict(self, X):
        """The class with the highest average decision."""
        scores = self.decision_function(X)
        if scores.ndim == 1:  # two classes: scikit-learn's convention, > 0 for the second
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
