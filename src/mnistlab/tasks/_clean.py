"""Dataset cleaning: likely mislabelled training images, found with cleanlab."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.evaluation import cross_val_outputs, fit_predict
from mnistlab.tasks._common import build_for_cv

DEFAULT_CLEAN_MODEL = defaults.CLEAN_MODEL


def find_label_issues(
    labels: np.ndarray, probabilities: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of likely label errors, worst first, and every sample's label quality.

    Confident learning (cleanlab's ``find_label_issues``, pruned by noise rate)
    on out-of-fold probabilities; ranked by self-confidence, the probability
    the model gives the label it was given.
    """
    from cleanlab.filter import find_label_issues as cl_find
    from cleanlab.rank import get_label_quality_scores

    issues = cl_find(labels, probabilities, return_indices_ranked_by="self_confidence")
    quality = get_label_quality_scores(labels, probabilities, method="self_confidence")
    return np.asarray(issues, dtype=np.int64), quality


@dataclass
class CleanResult:
    """Likely mislabelled training images and what removing them does to test accuracy."""

    model: str
    issues: np.ndarray  # training indices, worst first
    quality: np.ndarray  # label quality of every training image (0 bad .. 1 good)
    suggested: np.ndarray  # the out-of-fold prediction of every training image
    given: np.ndarray
    cv_accuracy: float
    test_accuracy_all: float
    test_accuracy_cleaned: float
    seconds: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per likely issue, worst first: index, given and suggested label, quality."""
        return pd.DataFrame(
            {
                "index": self.issues,
                "given": self.given[self.issues],
                "suggested": self.suggested[self.issues],
                "quality": self.quality[self.issues],
            }
        )

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": {"model": self.model, "n_train": len(self.given)},
            self.model: {
                "cv": {"accuracy": {"out_of_fold": self.cv_accuracy}},
                "test": {
                    "accuracy_all": self.test_accuracy_all,
                    "accuracy_cleaned": self.test_accuracy_cleaned,
                    "accuracy": self.test_accuracy_cleaned,
                },
                "n_issues": len(self.issues),
                "share_of_training_set": len(self.issues) / len(self.given),
                "fit_seconds": self.seconds.get("fit", 0.0),
                "predict_seconds": self.seconds.get("predict", 0.0),
                "issues": self.table().head(100).to_dict(orient="records"),
            },
        }


def run_clean(
    dataset: Dataset,
    model: str = DEFAULT_CLEAN_MODEL,
    *,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> CleanResult:
    """Find likely mislabelled training images and measure the effect of removing them.

    Out-of-fold probabilities of ``model`` feed cleanlab's confident learning.
    The model is then trained twice, on all training images and on those not
    flagged, and both score the (untouched) test set.
    """
    X, y = dataset.X_train, dataset.y_train
    est, cv_jobs, final = build_for_cv(
        model, random_state=random_state, n_jobs=n_jobs, cv=cv, multiclass=True
    )
    if not hasattr(est, "predict_proba"):
        raise InputError(f"model {model!r} has no predict_proba; cleaning needs probabilities")
    oof = cross_val_outputs(
        est,
        X,
        y,
        cv=cv,
        method="predict_proba",
        n_jobs=cv_jobs,
        progress=progress,
        description=f"{model}: {cv}-fold CV probabilities",
    )
    issues, quality = find_label_issues(y, oof.scores)
    classes = np.unique(y)
    suggested = classes[np.argmax(oof.scores, axis=1)]
    keep = np.ones(len(y), dtype=bool)
    keep[issues] = False
    accuracies = []
    seconds = {"fit": 0.0, "predict": 0.0}
    with progress.task(f"{model}: test accuracy with and without the issues", 2) as task:
        for mask in (np.ones(len(y), dtype=bool), keep):
            out = fit_predict(final, X[mask], y[mask], dataset.X_test)
            seconds["fit"] += out.fit_seconds
            seconds["predict"] += out.predict_seconds
            accuracies.append(float(np.mean(out.predictions == dataset.y_test)))
            task.advance()
    return CleanResult(
        model,
        issues,
        quality,
        suggested,
        y,
        float(np.mean(oof.predictions == y)),
        accuracies[0],
        accuracies[1],
        seconds,
    )
