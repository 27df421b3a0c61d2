"""Benchmark multiclass classification on full MNIST.

1. The textbook's SGD, ``cross_val_score(SGDClassifier(random_state=42), X, y, cv=3)``
   in one process (the baseline), against mnistlab's CV (the one-vs-rest fits spread
   over all cores): the figures must be identical; the ratio is the speed-up.
2. The default model set (``sgd,logreg,rf,knn,svc``) as ``mnistlab multiclass`` runs it:
   CV and test accuracy, times, against the 10-minute budget.
3. Optional (``--scaled``): ``sgd-scaled``, about 16 minutes of CV.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_multiclass.py [--skip-baseline]

Results: ``benchmarks/results/bench_multiclass.json``. Exits 1 if the SGD figures differ
between the two runs, or from the ones pinned below for scikit-learn 1.9, or if the
default model set is over its budget.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import Target, finish
from sklearn.model_selection import cross_val_score

from mnistlab import models
from mnistlab.data import load
from mnistlab.tasks import run_multiclass

BUDGET_SECONDS = 600
# cross_val_score of the textbook SGD with scikit-learn 1.9. The book (sklearn 1.0)
# printed [0.87365, 0.85835, 0.8689]: the middle fold still agrees; SGD's
# implementation has changed since.
PINNED_SGD_FOLDS = [0.87745, 0.85835, 0.8698]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-baseline",
        action="store_true",
        help="skip the single-process cross_val_score (about 5 minutes)",
    )
    parser.add_argument("--scaled", action="store_true", help="also run sgd-scaled")
    args = parser.parse_args()
    ds = load("mnist")
    targets = []
    figures: dict = {}

    if not args.skip_baseline:
        start = time.perf_counter()
        base = cross_val_score(models.get("sgd"), ds.X_train, ds.y_train, cv=3)
        t_base = time.perf_counter() - start
    start = time.perf_counter()
    result = run_multiclass(ds, "sgd,logreg,rf,knn,svc", n_jobs=-1)
    t_all = time.perf_counter() - start
    sgd = result.models["sgd"]
    ours = sgd.oof.fold_accuracy
    cv_seconds = sgd.cv_seconds
    print("textbook SGD, 3-fold CV on 60,000 images:", ours.tolist())
    if not args.skip_baseline:
        same = np.array_equal(base, ours)
        targets.append(Target("SGD folds identical to cross_val_score's", same, "==", True))
        figures["cross_val_score_seconds"] = t_base
        figures["time_ratio"] = cv_seconds / t_base
        print(f"  {'cross_val_score, one process':34} {t_base:8.1f} s   1.00")
        print(
            f"  {'mnistlab, folds side by side':34} {cv_seconds:8.1f} s   "
            f"{cv_seconds / t_base:.2f}   identical: {same}"
        )
    pinned = ours.tolist() == PINNED_SGD_FOLDS
    targets.append(
        Target("SGD folds = pinned (scikit-learn 1.9)", ours.tolist(), "==", PINNED_SGD_FOLDS)
    )
    print(f"  pinned figures (scikit-learn 1.9) reproduced: {pinned}")

    print(
        f"\ndefault model set on full MNIST: {t_all:.1f} s (budget {BUDGET_SECONDS} s: "
        f"{'within' if t_all <= BUDGET_SECONDS else 'OVER'}, {t_all / BUDGET_SECONDS:.2f})"
    )
    print(result.table().round(4).to_string(index=False))

    if args.scaled:
        start = time.perf_counter()
        scaled = run_multiclass(ds, "sgd-scaled", n_jobs=-1).models["sgd-scaled"]
        print(
            f"\nsgd-scaled: CV folds {scaled.oof.fold_accuracy.tolist()}, test "
            f"{scaled.test_accuracy:.4f}, {time.perf_counter() - start:.0f} s "
            "(the book, scaling before its CV: [0.8983, 0.891, 0.9018])"
        )
        figures["sgd_scaled"] = {
            "fold_accuracy": scaled.oof.fold_accuracy,
            "test_accuracy": scaled.test_accuracy,
        }
    figures |= {
        "sgd_fold_accuracy": ours,
        "sgd_cv_seconds": cv_seconds,
        "default_set_seconds": t_all,
        "models": result.table().to_dict(orient="records"),
    }
    targets.append(Target("default model set seconds", t_all, "<=", BUDGET_SECONDS, " s"))
    finish("bench_multiclass", figures, targets)


if __name__ == "__main__":
    main()
