"""Manual data augmentation: shifted and rotated copies of the training images, and what
they do to the test accuracy of the same models with the same seed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mnistlab import models
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented, rotate_images, shift_images
from mnistlab.tasks._common import parse_names, single_label_names


def shift_name(dr: int, dc: int) -> str:
    """A shift in words, e.g. ``(0, 1)`` -> "1 px right", ``(-2, 1)`` -> "2 px up, 1 px right"."""
    parts = [f"{abs(dr)} px {'down' if dr > 0 else 'up'}"] if dr else []
    parts += [f"{abs(dc)} px {'right' if dc > 0 else 'left'}"] if dc else []
    return ", ".join(parts) or "not shifted"


def augmentation_columns(shifts: Sequence[Sequence[int]], angles: Sequence[float]) -> list[str]:
    """The name of each copy :func:`~mnistlab.preprocessing.augment` makes, original first
    (a positive angle turns the digit anticlockwise as it is drawn)."""
    return (
        ["original"]
        + [f"shifted {shift_name(dr, dc)}" for dr, dc in shifts]
        + [f"rotated {abs(a):g}° {'anticlockwise' if a > 0 else 'clockwise'}" for a in angles]
    )


@dataclass
class AugmentModelResult:
    """One model trained without and with the augmented copies, each scored once on the test
    set."""

    name: str
    plain_accuracy: float
    augmented_accuracy: float
    n_train: int
    n_augmented: int
    plain_seconds: float  # fit and predict
    augmented_seconds: float


@dataclass
class AugmentResult:
    """Results of :func:`run_augment`: example copies of a few digits and each model's scores."""

    shifts: list[tuple[int, int]]
    angles: list[float]
    examples: np.ndarray  # (n_digits, 1 + n_copies, n_pixels)
    example_labels: list[int]
    columns: list[str]
    models: dict[str, AugmentModelResult] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per model: test accuracy without and with augmentation, and times."""
        return pd.DataFrame(
            [
                {
                    "model": n,
                    "training images": r.n_train,
                    "with copies": r.n_train + r.n_augmented,
                    "test accuracy": r.plain_accuracy,
                    "augmented: test accuracy": r.augmented_accuracy,
                    "change (points)": 100 * (r.augmented_accuracy - r.plain_accuracy),
                    "s": r.plain_seconds,
                    "augmented s": r.augmented_seconds,
                }
                for n, r in self.models.items()
            ]
        )

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": {
                "shifts": [list(s) for s in self.shifts],
                "angles": self.angles,
                "copies": self.columns[1:],
            },
            **{
                n: {
                    "test": {"accuracy": r.plain_accuracy},
                    "augmented": {
                        "test": {"accuracy": r.augmented_accuracy},
                        "n_augmented": r.n_augmented,
                        "seconds": r.augmented_seconds,
                    },
                    "n_train": r.n_train,
                    "seconds": r.plain_seconds,
                }
                for n, r in self.models.items()
            },
        }


def augmentation_examples(
    X: np.ndarray,
    y: np.ndarray,
    image_shape: tuple[int, int],
    n: int,
    shifts: Sequence[Sequence[int]],
    angles: Sequence[float],
) -> tuple[np.ndarray, list[int]]:
    """The first image of each of the first ``n`` distinct digits and its copies:
    an array ``(n, 1 + len(shifts) + len(angles), n_pixels)`` and the digits."""
    _, first = np.unique(y, return_index=True)
    idx = np.sort(first)[:n]
    originals = np.asarray(X)[idx]
    copies = [originals]
    copies += [shift_images(originals, image_shape, dr, dc) for dr, dc in shifts]
    copies += [rotate_images(originals, image_shape, a) for a in angles]
    return np.stack(copies, axis=1), [int(v) for v in np.asarray(y)[idx]]


def _fit_score(est, dataset: Dataset) -> tuple[float, float]:
    start = time.perf_counter()
    est.fit(dataset.X_train, dataset.y_train)
    accuracy = float(np.mean(est.predict(dataset.X_test) == dataset.y_test))
    return accuracy, time.perf_counter() - start


def run_augment(
    dataset: Dataset,
    model_names: str | Sequence[str] = ("knn", "fast"),
    *,
    shifts: Sequence[Sequence[int]] = TEXTBOOK_SHIFTS,
    angles: Sequence[float] = (-10, 10),
    n_examples: int = 4,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> AugmentResult:
    """Train each model on the training images, then on them plus their shifted and rotated
    copies (:class:`~mnistlab.preprocessing.Augmented`, same seed), and score both once on the
    test set.

    Parameters
    ----------
    dataset : Dataset
    model_names : str or sequence of str
        Registry names.
    shifts : sequence of (rows, columns)
        One copy per shift; the textbook's four 1-pixel shifts by default.
    angles : sequence of float
        One rotated copy per angle, in degrees.
    n_examples : int
        Digits whose copies are kept for the figure.
    random_state, n_jobs, progress
    """
    names = parse_names(model_names, single_label_names(), "model")
    shifts = [(int(dr), int(dc)) for dr, dc in shifts]
    angles = [float(a) for a in angles]
    examples, labels = augmentation_examples(
        dataset.X_train, dataset.y_train, dataset.image_shape, n_examples, shifts, angles
    )
    result = AugmentResult(shifts, angles, examples, labels, augmentation_columns(shifts, angles))
    for name in names:
        with progress.task(f"{name}: without and with augmentation", 2) as task:
            plain, plain_s = _fit_score(
                models.get(name, random_state=random_state, n_jobs=n_jobs), dataset
            )
            task.advance()
            augmented = Augmented(
                models.get(name, random_state=random_state, n_jobs=n_jobs),
                shifts=shifts,
                angles=angles,
                image_shape=dataset.image_shape,
            )
            aug, aug_s = _fit_score(augmented, dataset)
            task.advance()
        result.models[name] = AugmentModelResult(
            name, plain, aug, dataset.n_train, augmented.n_augmented_, plain_s, aug_s
        )
    return result
