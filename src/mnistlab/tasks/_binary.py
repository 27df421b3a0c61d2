"""Binary detectors: one digit against the rest, or one digit against another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mnistlab import _defaults as defaults
from mnistlab import models
from mnistlab._errors import InputError
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.evaluation import (
    CVOutput,
    Threshold,
    binary_metrics,
    cross_val_outputs,
    fit_predict,
    metrics_at_threshold,
    threshold_for_best_f1,
    threshold_for_precision,
    threshold_for_recall,
)
from mnistlab.tasks._common import build_for_cv, capped_indices, parse_names, single_label_names

DEFAULT_BINARY_MODELS = defaults.BINARY_MODELS


@dataclass(frozen=True)
class BinaryProblem:
    """A detector's data: ``positive`` against ``negative`` (or against every other digit)."""

    positive: int
    negative: int | None
    X_train: np.ndarray
    y_train: np.ndarray  # bool: is the positive digit
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def name(self) -> str:
        """E.g. ``"5 vs rest"`` or ``"3 vs 5"``."""
        return f"{self.positive} vs {'rest' if self.negative is None else self.negative}"


def binary_problem(dataset: Dataset, positive: int, negative: int | None = None) -> BinaryProblem:
    """Build the detector data for ``positive`` (vs ``negative``, or vs the rest).

    A pair keeps only the images of its two digits, in the data's order.
    """
    digits = set(np.unique(dataset.y_train).tolist())
    for d, what in ((positive, "positive"), (negative, "negative")):
        if d is not None and d not in digits:
            raise InputError(f"{what} digit {d} is not in the dataset (it has {sorted(digits)})")
    if positive == negative:
        raise InputError(f"positive and negative are both {positive}; choose two different digits")
    X_train, y_train = dataset.X_train, dataset.y_train
    X_test, y_test = dataset.X_test, dataset.y_test
    if negative is not None:
        tr = np.isin(y_train, (positive, negative))
        te = np.isin(y_test, (positive, negative))
        X_train, y_train, X_test, y_test = X_train[tr], y_train[tr], X_test[te], y_test[te]
    return BinaryProblem(
        positive, negative, X_train, y_train == positive, X_test, y_test == positive
    )


@dataclass
class DetectorResult:
    """One model's results on a :class:`BinaryProblem`.

    ``cv`` holds the out-of-fold metrics, ``test`` those of the model refitted on
    the whole training set; ``thresholds`` were chosen on the out-of-fold scores
    and ``test_thresholds`` are what they give on the test set.
    """

    name: str
    oof: CVOutput
    y_cv: np.ndarray
    cv_scores: np.ndarray
    test_scores: np.ndarray
    test_pred: np.ndarray
    cv: dict
    test: dict
    thresholds: dict[str, Threshold]
    test_thresholds: dict[str, dict | None]
    fit_seconds: float
    predict_seconds: float
    n_train: int

    def to_metrics(self) -> dict:
        """The ``results.<model>`` block of ``metrics.json``.

        Each CV metric holds its value on every fold, their mean, and the value on
        all out-of-fold predictions pooled (what ``cross_val_predict`` and the
        textbook compute).
        """
        folds = self.oof.per_fold(binary_metrics, self.y_cv, self.cv_scores)
        keys = [k for k in self.cv if k != "confusion_matrix"]
        return {
            "cv": {
                **self.oof.summary(folds, self.cv, keys),
                "confusion_matrix": self.cv["confusion_matrix"],
                "fit_seconds": self.oof.seconds_summary("fit"),
                "thresholds": {k: t.to_dict() for k, t in self.thresholds.items()},
            },
            "test": {**self.test, "thresholds": self.test_thresholds},
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            "n_train": self.n_train,
            "scores_from": self.oof.method,
        }


@dataclass
class BinaryResult:
    """Results of :func:`run_binary`: the problem, the baseline and each model's results."""

    problem: BinaryProblem
    models: dict[str, DetectorResult] = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def best(self) -> str:
        """The model with the highest cross-validated ROC AUC (the test set only reports)."""
        return max(self.models, key=lambda n: self.models[n].cv["roc_auc"])

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": {
                "positive": self.problem.positive,
                "negative": self.problem.negative,
                "name": self.problem.name,
                "best": self.best(),
                "best_chosen_on": "cross-validation ROC AUC",
                **self.settings,
            },
            "never_positive": self.baseline,
            **{name: r.to_metrics() for name, r in self.models.items()},
        }


def positive_scores(scores: np.ndarray) -> np.ndarray:
    """The positive class's column of ``predict_proba``; a decision function as it is."""
    return scores[:, 1] if scores.ndim == 2 else scores


def _thresholds(y, scores, target_precision, target_recall) -> dict[str, Threshold]:
    out = {}
    if target_precision is not None:
        out["precision"] = threshold_for_precision(y, scores, target_precision)
    if target_recall is not None:
        out["recall"] = threshold_for_recall(y, scores, target_recall)
    out["f1"] = threshold_for_best_f1(y, scores)
    return out


def evaluate_detector(
    problem: BinaryProblem,
    name: str,
    *,
    cv: int = 3,
    target_precision: float | None = 0.9,
    target_recall: float | None = None,
    random_state: int = 42,
    n_jobs: int | None = None,
    max_train: int | None = None,
    progress: Progress = SILENT,
) -> DetectorResult:
    """Cross-validate registry model ``name`` on ``problem``, then score it once on the test set.

    Out-of-fold predictions and scores give the CV metrics and the thresholds;
    the model refitted on all training images gives the test metrics, and the
    thresholds are applied to its test scores.
    """
    est, cv_jobs, final = build_for_cv(name, random_state=random_state, n_jobs=n_jobs, cv=cv)
    idx = capped_indices(problem.y_train, max_train, random_state)
    X, y = problem.X_train[idx], problem.y_train[idx]
    oof = cross_val_outputs(
        est, X, y, cv=cv, n_jobs=cv_jobs, progress=progress, description=f"{name}: {cv}-fold CV"
    )
    oof_scores = positive_scores(oof.scores)
    with progress.task(f"{name}: final fit and test", 1) as task:
        test = fit_predict(final, X, y, problem.X_test, method=oof.method)
        test_pred, test_scores = test.predictions, positive_scores(test.scores)
        task.advance()
    thresholds = _thresholds(y, oof_scores, target_precision, target_recall)
    test_thresholds = {
        k: (
            {"value": t.value, **metrics_at_threshold(problem.y_test, test_scores, t.value)}
            if t.reached
            else None
        )
        for k, t in thresholds.items()
    }
    return DetectorResult(
        name=name,
        oof=oof,
        y_cv=y,
        cv_scores=oof_scores,
        test_scores=test_scores,
        test_pred=test_pred,
        cv=binary_metrics(y, oof.predictions, oof_scores),
        test=binary_metrics(problem.y_test, test_pred, test_scores),
        thresholds=thresholds,
        test_thresholds=test_thresholds,
        fit_seconds=test.fit_seconds,
        predict_seconds=test.predict_seconds,
        n_train=len(y),
    )


def run_binary(
    dataset: Dataset,
    positive: int,
    negative: int | None = None,
    model_names: str | Sequence[str] = DEFAULT_BINARY_MODELS,
    *,
    cv: int = 3,
    target_precision: float | None = 0.9,
    target_recall: float | None = None,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> BinaryResult:
    """Train and judge binary detectors, as in Hands-On ML chapter 3.

    Parameters
    ----------
    dataset : Dataset
    positive : int
        The digit to detect.
    negative : int, optional
        The other digit of a pair; None means "against every other digit".
    model_names : str or sequence of str
        Registry names (comma-separated string accepted).
    cv : int
        Folds of the stratified, unshuffled cross-validation (the textbook's 3).
    target_precision, target_recall : float in (0, 1], optional
        Thresholds chosen on the out-of-fold scores to reach these.
    random_state : int
        Seed of every model.
    n_jobs : int, optional
        Parallel jobs, used either inside a model or across folds, never both.
    progress : Progress

    Returns
    -------
    BinaryResult
    """
    names = parse_names(model_names, single_label_names(), "model")
    for target, what in ((target_precision, "target precision"), (target_recall, "target recall")):
        if target is not None and not 0 < target <= 1:
            raise InputError(f"{what} {target:g} is outside (0, 1]; give a value such as 0.9")
    problem = binary_problem(dataset, positive, negative)
    if problem.y_train.all() or not problem.y_train.any():
        raise InputError(f"{problem.name}: the training set has only one class")
    result = BinaryResult(
        problem,
        settings={"cv": cv, "target_precision": target_precision, "target_recall": target_recall},
    )
    result.baseline = {
        "cv": {"accuracy": float(1 - problem.y_train.mean())},
        "test": {"accuracy": float(1 - problem.y_test.mean())},
    }
    for name in names:
        result.models[name] = evaluate_detector(
            problem,
            name,
            cv=cv,
            target_precision=target_precision,
            target_recall=target_recall,
            random_state=random_state,
            n_jobs=n_jobs,
            max_train=models.entry(name).max_train,
            progress=progress,
        )
    return result
