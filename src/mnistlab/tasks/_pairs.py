"""All digit pairs: one detector per pair, and which pairs are hard to tell apart."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils.parallel import Parallel, delayed  # workers inherit config and warning filters

from mnistlab import _defaults as defaults
from mnistlab import models
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.tasks._binary import binary_problem, evaluate_detector

DEFAULT_PAIRS_MODEL = defaults.PAIRS_MODEL


@dataclass
class PairsResult:
    """Pairwise error rates of one model over every pair of digits.

    ``cv_error[a, b]`` is the out-of-fold error rate of the "a vs b" detector
    (symmetric, NaN on the diagonal); ``test_error`` the test-set error of the
    detector refitted on all of the pair's training images.
    """

    model: str
    digits: list[int]
    cv_error: np.ndarray
    test_error: np.ndarray
    pairs: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    def hardest(self, k: int = 10) -> pd.DataFrame:
        """The ``k`` pairs with the highest out-of-fold error, with their test error."""
        rows = [
            {
                "pair": key,
                "cv_error": p["cv"]["error"],
                "test_error": p["test"]["error"],
                "cv_roc_auc": p["cv"]["roc_auc"],
                "n_train": p["n_train"],
            }
            for key, p in self.pairs.items()
        ]
        frame = pd.DataFrame(rows).sort_values(["cv_error", "pair"], ascending=[False, True])
        return frame.head(k).reset_index(drop=True)

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""

        def matrix(m):
            return [[None if np.isnan(v) else float(v) for v in row] for row in m]

        upper = np.triu_indices(len(self.digits), 1)
        return {
            "task": {"digits": self.digits, **self.settings},
            self.model: {
                "cv": {
                    "error_matrix": matrix(self.cv_error),
                    "mean_error": float(np.mean(self.cv_error[upper])),
                },
                "test": {
                    "error_matrix": matrix(self.test_error),
                    "mean_error": float(np.mean(self.test_error[upper])),
                },
                "fit_seconds": float(sum(p["fit_seconds"] for p in self.pairs.values())),
                "predict_seconds": float(sum(p["predict_seconds"] for p in self.pairs.values())),
                "wall_seconds": self.seconds,
                "pairs": self.pairs,
                "hardest": self.hardest().to_dict(orient="records"),
            },
        }


def _one_pair(dataset: Dataset, a: int, b: int, model: str, cv: int, random_state: int) -> dict:
    problem = binary_problem(dataset, a, b)
    r = evaluate_detector(
        problem, model, cv=cv, target_precision=None, random_state=random_state, n_jobs=None
    )
    return {
        "pair": f"{a}-{b}",
        "n_train": r.n_train,
        "cv": {
            "error": 1 - float(r.oof.fold_accuracy.mean()),
            "accuracy": {
                "folds": r.oof.fold_accuracy.tolist(),
                "mean": float(r.oof.fold_accuracy.mean()),
            },
            "roc_auc": r.cv["roc_auc"],
        },
        "test": {
            "error": 1 - r.test["accuracy"],
            "accuracy": r.test["accuracy"],
            "roc_auc": r.test["roc_auc"],
        },
        "fit_seconds": r.fit_seconds,
        "predict_seconds": r.predict_seconds,
    }


def run_pairs(
    dataset: Dataset,
    model: str = DEFAULT_PAIRS_MODEL,
    *,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> PairsResult:
    """Train a detector for every pair of digits and measure how often it errs.

    The pairs run in parallel (``n_jobs``), each model on one core.

    Parameters
    ----------
    dataset : Dataset
    model : str
        A registry name; the default is fast and accurate (PCA + KNN).
    cv : int
        Stratified folds per pair.
    random_state : int
    n_jobs : int, optional
    progress : Progress
        Advanced once per finished pair.
    """
    models.entry(model)  # fail fast on an unknown name
    digits = sorted(np.unique(dataset.y_train).tolist())
    pairs = list(itertools.combinations(digits, 2))
    index = {d: i for i, d in enumerate(digits)}
    cv_error = np.full((len(digits), len(digits)), np.nan)
    test_error = cv_error.copy()
    results = {}
    start = time.perf_counter()
    with progress.task(f"{model}: {len(pairs)} digit pairs", len(pairs)) as task:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for out in parallel(
            delayed(_one_pair)(dataset, a, b, model, cv, random_state) for a, b in pairs
        ):
            a, b = (int(x) for x in out["pair"].split("-"))
            i, j = index[a], index[b]
            cv_error[i, j] = cv_error[j, i] = out["cv"]["error"]
            test_error[i, j] = test_error[j, i] = out["test"]["error"]
            results[out["pair"]] = out
            task.advance()
    ordered = {f"{a}-{b}": results[f"{a}-{b}"] for a, b in pairs}
    return PairsResult(
        model,
        digits,
        cv_error,
        test_error,
        ordered,
        time.perf_counter() - start,
        {"cv": cv, "model": model},
    )
