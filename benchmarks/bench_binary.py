"""Benchmark the binary detectors and the digit pairs on full MNIST.

1. The textbook's "5 vs rest" SGD analysis, done as the book does it (``cross_val_score``,
   then ``cross_val_predict`` for predictions, then again for decision scores: three
   cross-validations, one process) against mnistlab's single pass
   (``cross_val_outputs``: each fold fitted once, folds on all cores). Both must give
   identical figures; the ratio is the speed-up.
2. ``run_pairs`` over all 45 digit pairs with all cores, against its 3-minute budget,
   side by side with the same run on one core.

Results: ``benchmarks/results/bench_binary.json``; exits 1 when the figures differ or the
pairs run is over its budget. Cross-validation only reports here; the pairs' test
figures come from ``run_pairs``, which chooses nothing on them.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_binary.py [--skip-serial-pairs]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import Target, finish
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict, cross_val_score

from mnistlab import models
from mnistlab.data import load
from mnistlab.evaluation import cross_val_outputs
from mnistlab.tasks import run_pairs

PAIRS_BUDGET_SECONDS = 180


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def textbook_sgd(X, y):
    """The book's three cross-validations, single process."""
    sgd = models.get("sgd")
    folds = cross_val_score(sgd, X, y, cv=3, scoring="accuracy")
    cross_val_predict(sgd, X, y, cv=3)
    scores = cross_val_predict(sgd, X, y, cv=3, method="decision_function")
    return folds, roc_auc_score(y, scores)


def mnistlab_sgd(X, y):
    out = cross_val_outputs(models.get("sgd"), X, y, cv=3, n_jobs=-1)
    return out.fold_accuracy, roc_auc_score(y, out.scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-serial-pairs",
        action="store_true",
        help="do not run the one-core pairs baseline (saves ~2 minutes)",
    )
    args = parser.parse_args()
    ds = load("mnist")
    X, y = ds.X_train, ds.y_train == 5

    (base_folds, base_auc), t_base = _timed(lambda: textbook_sgd(X, y))
    (ours_folds, ours_auc), t_ours = _timed(lambda: mnistlab_sgd(X, y))
    same = np.array_equal(base_folds, ours_folds) and base_auc == ours_auc
    print("5 vs rest, SGDClassifier(random_state=42), 3-fold CV on 60,000 images")
    print(f"  fold accuracy {ours_folds.tolist()}, out-of-fold ROC AUC {ours_auc!r}")
    print(f"  {'textbook (3 CVs, 1 process)':34} {t_base:8.1f} s   1.00")
    print(
        f"  {'mnistlab (1 CV, all cores)':34} {t_ours:8.1f} s   {t_ours / t_base:.2f}"
        f"   identical figures: {same}"
    )

    r_par, t_par = _timed(lambda: run_pairs(ds, n_jobs=-1))
    print(f"\nall 45 pairs, {r_par.model}, 3-fold CV + test each")
    print(
        f"  hardest: {', '.join(r_par.hardest(3)['pair'])}; "
        f"mean CV error {np.nanmean(r_par.cv_error):.4%}"
    )
    t_ser = None
    if not args.skip_serial_pairs:
        _, t_ser = _timed(lambda: run_pairs(ds, n_jobs=1))
        print(f"  {'one core':34} {t_ser:8.1f} s   1.00")
        print(f"  {'all cores':34} {t_par:8.1f} s   {t_par / t_ser:.2f}")
    else:
        print(f"  {'all cores':34} {t_par:8.1f} s")
    verdict = "within" if t_par <= PAIRS_BUDGET_SECONDS else "OVER"
    print(f"  budget {PAIRS_BUDGET_SECONDS} s: {verdict} ({t_par / PAIRS_BUDGET_SECONDS:.2f})")
    finish(
        "bench_binary",
        {
            "sgd_5_vs_rest": {
                "fold_accuracy": ours_folds,
                "roc_auc": ours_auc,
                "textbook_seconds": t_base,
                "mnistlab_seconds": t_ours,
                "time_ratio": t_ours / t_base,
            },
            "pairs": {
                "model": r_par.model,
                "hardest": list(r_par.hardest(3)["pair"]),
                "mean_cv_error": float(np.nanmean(r_par.cv_error)),
                "all_cores_seconds": t_par,
                "one_core_seconds": t_ser,
                "time_ratio": None if t_ser is None else t_par / t_ser,
            },
        },
        [
            Target("5-vs-rest figures identical to the textbook's", same, "==", True),
            Target("all pairs seconds", t_par, "<=", PAIRS_BUDGET_SECONDS, " s"),
        ],
    )


if __name__ == "__main__":
    main()
