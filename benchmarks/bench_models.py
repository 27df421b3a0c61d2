"""Benchmark the accurate-model zoo on full MNIST: train once, score the test set once.

Prints, for each model named (default: the textbook ``knn`` as the baseline, then
``fast``), the train and evaluate times with ``n_jobs=-1`` and the test accuracy, side
by side with the baseline, as ratios. Targets: ``fast`` >= 98.5% in <= 1/4 of the
textbook knn's train + evaluate time; ``best`` >= 99.3% (aim 99.4%), train <= 15 min.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_models.py [--models knn,fast,...]
    [--augment shift]

Parameters come from the registry (chosen by validation with ``mnistlab search``);
the test set scores each final model once, here.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mnistlab import models
from mnistlab.data import load
from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default="knn,fast", help="comma-separated; first is the baseline"
    )
    parser.add_argument(
        "--augment", default="", help="shift and/or rotate, for every model but the baseline"
    )
    args = parser.parse_args()
    ds = load("mnist")
    names = args.models.split(",")
    rows = []
    for i, name in enumerate(names):
        est = models.get(name, n_jobs=-1)
        kinds = [k for k in args.augment.split(",") if k]
        if i > 0 and kinds:
            est = Augmented(
                est,
                shifts=TEXTBOOK_SHIFTS if "shift" in kinds else (),
                angles=(-10, 10) if "rotate" in kinds else (),
            )
        start = time.perf_counter()
        est.fit(ds.X_train, ds.y_train)
        fitted = time.perf_counter()
        acc = float(np.mean(est.predict(ds.X_test) == ds.y_test))
        done = time.perf_counter()
        rows.append((name, fitted - start, done - fitted, acc))
        print(
            f"{name}: test accuracy {acc:.4f}, train {fitted - start:.1f} s, "
            f"evaluate {done - fitted:.1f} s",
            flush=True,
        )
    base = rows[0][1] + rows[0][2]
    print(
        f"\n{'model':14} {'train s':>8} {'eval s':>8} {'total / ' + names[0]:>14} {'test acc':>9}"
    )
    for name, fit, ev, acc in rows:
        print(f"{name:14} {fit:8.1f} {ev:8.1f} {(fit + ev) / base:14.2f} {acc:9.4f}")


if __name__ == "__main__":
    main()
