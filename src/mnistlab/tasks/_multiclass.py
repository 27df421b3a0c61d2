"""Multiclass classification of the ten digits, with strategies and error analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier

from mnistlab import _defaults as defaults
from mnistlab import models
from mnistlab._errors import InputError
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.evaluation import (
    CVOutput,
    confidence,
    cross_val_outputs,
    fit_predict,
    fold_summary,
    n_binary_estimators,
    per_class_report,
    top_confusions,
)
from mnistlab.tasks._common import (
    build_for_cv,
    capped_indices,
    parse_names,
    single_label_names,
)

DEFAULT_MULTICLASS_MODELS = defaults.MULTICLASS_MODELS
STRATEGIES = {
    "native": "the model's own multiclass handling",
    "ovr": "one-vs-rest: one binary classifier per digit (OneVsRestClassifier)",
    "ovo": "one-vs-one: one binary classifier per pair of digits (OneVsOneClassifier)",
}


@dataclass
class ClassifierResult:
    """One model's multiclass results: out-of-fold (CV) and on the test set (once)."""

    name: str
    strategy: str
    oof: CVOutput
    y_cv: np.ndarray
    train_index: np.ndarray
    cv_confidence: np.ndarray
    test_pred: np.ndarray
    test_confidence: np.ndarray
    test_accuracy: float
    fit_seconds: float
    predict_seconds: float
    n_estimators: int
    score_shape: tuple[int, ...]
    n_train: int
    cv_seconds: float = 0.0  # wall time of the whole cross-validation

    @property
    def cv_accuracy(self) -> float:
        """Mean accuracy over the folds (``cross_val_score(...).mean()``)."""
        return float(self.oof.fold_accuracy.mean())

    def cv_report(self) -> pd.DataFrame:
        """Per-class precision, recall, F1 of the out-of-fold predictions."""
        return per_class_report(self.y_cv, self.oof.predictions)

    def to_metrics(self, y_test: np.ndarray) -> dict:
        """The ``results.<model>`` block of ``metrics.json``."""

        def table(frame: pd.DataFrame) -> dict:
            return {
                str(k): {c: float(v) if c != "support" else int(v) for c, v in row.items()}
                for k, row in frame.iterrows()
            }

        pooled = float(np.mean(self.oof.predictions == self.y_cv))
        return {
            "cv": {
                "accuracy": fold_summary(self.oof.fold_accuracy, pooled),
                "fit_seconds": self.oof.seconds_summary("fit"),
                "predict_seconds": self.oof.seconds_summary("predict"),
                "wall_seconds": self.cv_seconds,
                "per_class": table(self.cv_report()),
                "top_confusions": top_confusions(self.y_cv, self.oof.predictions).to_dict(
                    orient="records"
                ),
            },
            "test": {
                "accuracy": self.test_accuracy,
                "per_class": table(per_class_report(y_test, self.test_pred)),
                "top_confusions": top_confusions(y_test, self.test_pred).to_dict(orient="records"),
            },
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            "strategy": self.strategy,
            "n_binary_estimators": self.n_estimators,
            "score_shape": list(self.score_shape),
            "scores_from": self.oof.method,
            "n_train": self.n_train,
        }


@dataclass
class MulticlassResult:
    """Results of :func:`run_multiclass`."""

    y_test: np.ndarray
    models: dict[str, ClassifierResult] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per model: CV and test accuracy, times, estimators."""
        return pd.DataFrame(
            [
                {
                    "model": n,
                    "strategy": r.strategy,
                    "n_train": r.n_train,
                    "cv_accuracy": r.cv_accuracy,
                    "test_accuracy": r.test_accuracy,
                    "fit_seconds": r.fit_seconds,
                    "predict_seconds": r.predict_seconds,
                    "n_estimators": r.n_estimators,
                }
                for n, r in self.models.items()
            ]
        )

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": self.settings,
            **{n: r.to_metrics(self.y_test) for n, r in self.models.items()},
        }


def wrap_strategy(estimator: BaseEstimator, strategy: str, n_jobs: int | None = None):
    """Wrap ``estimator`` for a multiclass strategy (``native`` leaves it as it is)."""
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if strategy == "native":
        return estimator
    if not (hasattr(estimator, "decision_function") or hasattr(estimator, "predict_proba")):
        raise InputError(
            f"{type(estimator).__name__} has neither decision_function nor predict_proba, "
            f"so it cannot be wrapped one-vs-{'rest' if strategy == 'ovr' else 'one'}"
        )
    wrapper = OneVsRestClassifier if strategy == "ovr" else OneVsOneClassifier
    return wrapper(estimator, n_jobs=n_jobs)


def _build(name: str, strategy: str, random_state: int, n_jobs: int | None, cv: int):
    """The estimator for CV, the CV's n_jobs, and the estimator for the final fit.

    A one-vs-rest or one-vs-one wrapper fits its binary classifiers in parallel, so it
    takes the jobs itself; a native model's are planned by :func:`mnistlab.models.plan_jobs`.
    """
    if strategy == "native":
        return build_for_cv(name, random_state=random_state, n_jobs=n_jobs, cv=cv, multiclass=True)
    plan = models.plan_jobs(models.Parallelism.INSIDE, n_jobs, n_folds=cv, multiclass=True)
    return (
        wrap_strategy(models.get(name, random_state=random_state), strategy, plan.model),
        plan.folds,
        wrap_strategy(models.get(name, random_state=random_state), strategy, plan.final),
    )


def evaluate_classifier(
    dataset: Dataset,
    name: str,
    *,
    strategy: str = "native",
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    max_train: int | None = None,
    progress: Progress = SILENT,
) -> ClassifierResult:
    """Cross-validate registry model ``name`` on the training set, then score the test set once."""
    est, cv_jobs, final = _build(name, strategy, random_state, n_jobs, cv)
    idx = capped_indices(dataset.y_train, max_train, random_state)
    X, y = dataset.X_train[idx], dataset.y_train[idx]
    oof = cross_val_outputs(
        est,
        X,
        y,
        cv=cv,
        n_jobs=cv_jobs,
        progress=progress,
        description=f"{name} ({strategy}): {cv}-fold CV",
    )
    with progress.task(f"{name} ({strategy}): final fit and test", 1) as task:
        test = fit_predict(final, X, y, dataset.X_test, method=oof.method)
        test_pred, test_scores = test.predictions, test.scores
        task.advance()
    return ClassifierResult(
        name=name,
        strategy=strategy,
        oof=oof,
        y_cv=y,
        train_index=idx,
        cv_confidence=confidence(oof.scores, oof.method),
        test_pred=test_pred,
        test_confidence=confidence(test_scores, oof.method),
        test_accuracy=float(np.mean(test_pred == dataset.y_test)),
        fit_seconds=test.fit_seconds,
        predict_seconds=test.predict_seconds,
        n_estimators=n_binary_estimators(final, len(np.unique(y))),
        score_shape=tuple(test_scores.shape),
        n_train=len(y),
        cv_seconds=oof.seconds,
    )


def run_multiclass(
    dataset: Dataset,
    model_names: str | Sequence[str] = DEFAULT_MULTICLASS_MODELS,
    *,
    strategy: str = "native",
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> MulticlassResult:
    """Classify the ten digits with each model: CV on the training set, then the test set once.

    Parameters
    ----------
    dataset : Dataset
    model_names : str or sequence of str
        Registry names; models with ``max_train`` run on a stated stratified subset.
    strategy : str
        ``native`` (the model's own multiclass handling), ``ovr`` or ``ovo`` (a
        one-vs-rest / one-vs-one wrapper), or several, comma-separated, to compare
        them: results are then keyed ``model[strategy]``.
    cv : int
        Folds (stratified, unshuffled: ``cross_val_score``'s default).
    random_state : int
    n_jobs : int, optional
        Used inside the model (or wrapper) when it parallelises well, else across folds.
    progress : Progress

    Returns
    -------
    MulticlassResult
    """
    names = parse_names(model_names, single_label_names(), "model")
    strategies = parse_names(strategy, list(STRATEGIES), "strategy")
    result = MulticlassResult(dataset.y_test, settings={"strategy": ",".join(strategies), "cv": cv})
    for strat in strategies:
        for name in names:
            key = name if len(strategies) == 1 else f"{name}[{strat}]"
            result.models[key] = evaluate_classifier(
                dataset,
                name,
                strategy=strat,
                cv=cv,
                random_state=random_state,
                n_jobs=n_jobs,
                max_train=models.entry(name).max_train,
                progress=progress,
            )
    return result
