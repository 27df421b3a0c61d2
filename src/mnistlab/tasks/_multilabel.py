"""Multilabel classification: several yes/no labels derived from each digit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mnistlab import _defaults as defaults
from mnistlab import models
from mnistlab._errors import InputError
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.evaluation import CVOutput, cross_val_outputs, fit_predict, multilabel_metrics
from mnistlab.tasks._common import build_for_cv, capped_indices, parse_names

#: Labels derived from the digit: name -> (description, function of the digit array).
LABELS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "large": ("the digit is 7, 8 or 9 (>= 7), as in the textbook", lambda y: y >= 7),
    "odd": ("the digit is odd, as in the textbook", lambda y: y % 2 == 1),
    "prime": ("the digit is prime: 2, 3, 5 or 7", lambda y: np.isin(y, (2, 3, 5, 7))),
    "loop": (
        "the digit is drawn with a closed loop: 0, 6, 8 or 9",
        lambda y: np.isin(y, (0, 6, 8, 9)),
    ),
}
DEFAULT_LABELS = defaults.LABELS
DEFAULT_MULTILABEL_MODELS = defaults.MULTILABEL_MODELS


def multilabel_names() -> list[str]:
    """Registry names of models that predict several labels at once."""
    return [e.name for e in models.MODELS.entries() if e.multilabel]


def make_labels(y: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """The (n, len(labels)) boolean matrix of the named labels of digits ``y``."""
    return np.column_stack([LABELS[name][1](np.asarray(y)) for name in labels])


@dataclass
class MultilabelModelResult:
    """One model's multilabel results: out-of-fold and on the test set (once)."""

    name: str
    oof: CVOutput
    Y_cv: np.ndarray
    cv: dict
    cv_folds: list[dict]
    test: dict
    fit_seconds: float
    predict_seconds: float
    n_train: int

    def to_metrics(self) -> dict:
        """The ``results.<model>`` block of ``metrics.json``."""
        scalars = ("f1_macro", "f1_weighted", "hamming_loss", "subset_accuracy")
        return {
            "cv": {
                **self.oof.summary(self.cv_folds, self.cv, scalars),
                "per_label": self.cv["per_label"],
                "fit_seconds": self.oof.seconds_summary("fit"),
            },
            "test": self.test,
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            "n_train": self.n_train,
        }


@dataclass
class MultilabelResult:
    """Results of :func:`run_multilabel`."""

    labels: list[str]
    models: dict[str, MultilabelModelResult] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": {"labels": self.labels, **self.settings},
            **{n: r.to_metrics() for n, r in self.models.items()},
        }


def run_multilabel(
    dataset: Dataset,
    labels: str | Sequence[str] = DEFAULT_LABELS,
    model_names: str | Sequence[str] = DEFAULT_MULTILABEL_MODELS,
    *,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> MultilabelResult:
    """Predict several labels of each digit at once (e.g. large and odd).

    Each model is cross-validated (unshuffled k-fold, as ``cross_val_predict``
    does for multilabel targets), then refitted on the training set and
    scored once on the test set.

    Parameters
    ----------
    dataset : Dataset
    labels : str or sequence of str
        Names from :data:`LABELS`.
    model_names : str or sequence of str
        Registry names tagged ``multilabel``.
    cv : int
    random_state : int
    n_jobs : int, optional
        Given to models that parallelise well, else to the folds.
    progress : Progress
    """
    label_names = parse_names(labels, list(LABELS), "label")
    names = parse_names(model_names, multilabel_names(), "multilabel model")
    Y_test = make_labels(dataset.y_test, label_names)
    result = MultilabelResult(label_names, settings={"cv": cv})
    for name in names:
        est, cv_jobs, final = build_for_cv(name, random_state=random_state, n_jobs=n_jobs, cv=cv)
        idx = capped_indices(dataset.y_train, models.entry(name).max_train, random_state)
        X, Y = dataset.X_train[idx], make_labels(dataset.y_train[idx], label_names)
        oof = cross_val_outputs(
            est,
            X,
            Y,
            cv=cv,
            method=None,
            n_jobs=cv_jobs,
            progress=progress,
            description=f"{name}: {cv}-fold CV",
        )
        with progress.task(f"{name}: final fit and test", 1) as task:
            test = fit_predict(final, X, Y, dataset.X_test)
            task.advance()
        result.models[name] = MultilabelModelResult(
            name=name,
            oof=oof,
            Y_cv=Y,
            cv=multilabel_metrics(Y, oof.predictions, label_names),
            cv_folds=oof.per_fold(multilabel_metrics, Y, labels=label_names),
            test=multilabel_metrics(Y_test, test.predictions, label_names),
            fit_seconds=test.fit_seconds,
            predict_seconds=test.predict_seconds,
            n_train=len(Y),
        )
    if not result.models:
        raise InputError("no multilabel model to run")
    return result
