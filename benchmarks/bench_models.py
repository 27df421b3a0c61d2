"""Benchmark the accurate-model zoo on full MNIST: train once, score the test set once.

Prints, for each model named (default: the textbook ``knn`` as the baseline, then
``fast``), the train and evaluate times with ``n_jobs=-1`` and the test accuracy, side
by side with the baseline, as ratios. Targets: ``fast`` >= 98.5% in <= 1/4 of the
textbook knn's train + evaluate time; ``best`` >= 99.5% (aim 99.6%), train <= 15 min,
the 10,000 test images predicted in <= 60 s.
Results: ``benchmarks/results/bench_models.json``; exits 1 when a target is missed.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_models.py [--models knn,fast,...]

The plain run is the headline: registry models whose parameters were chosen on
validation (below), trained on all 60,000 training images, each scored once on the test
set. A variant (``--augment shift,rotate``) is a choice being tried, so it is trained on
50,000 training images and scored on the other 10,000 (seed 0), never on the test set,
unless ``--test`` is given (then: all 60,000, the test set, once; results
``bench_models_augment_test.json``, else ``bench_models_augment_validation.json``).

``--fast-table`` re-derives the validation table that chose ``fast``'s PCA size and
neighbours (every ``pca__n_components`` x ``knn__n_neighbors`` x ``knn__weights`` of its
search space, on the same 50,000/10,000 split; about 2 minutes on 2 cores):

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_models.py --fast-table

writes ``benchmarks/results/fast_validation.json``.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from _common import Target, finish, split_record, validation_split
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from mnistlab import models
from mnistlab.data import load
from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented, Deskew

FAST_REDERIVE = "MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_models.py --fast-table"


def _vote(labels: np.ndarray, dist: np.ndarray, weights: str, n_classes: int) -> np.ndarray:
    """KNeighborsClassifier's vote over precomputed neighbours (ties: the smallest label)."""
    if weights == "uniform":
        w = np.ones_like(dist)
    else:
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = dist == 0  # as scikit-learn: an exact match outvotes everything else
        rows = exact.any(axis=1)
        w[rows] = exact[rows]
    votes = np.zeros((len(labels), n_classes))
    for j in range(labels.shape[1]):
        np.add.at(votes, (np.arange(len(labels)), labels[:, j]), w[:, j])
    return votes.argmax(axis=1)


def fast_table(ds) -> None:
    """Validation accuracy of every setting in ``fast``'s search space."""
    space = models.entry("fast").search_space
    sizes, ks, weightings = (
        space["pca__n_components"],
        space["knn__n_neighbors"],
        space["knn__weights"],
    )
    fit, va = validation_split(ds.n_train)
    y = ds.y_train
    start = time.perf_counter()
    D = Deskew().fit_transform(ds.X_train)
    rows = []
    for n in sizes:
        p = PCA(n, svd_solver="covariance_eigh", random_state=42).fit(D[fit])
        nn = NearestNeighbors(n_neighbors=max(ks), n_jobs=-1).fit(p.transform(D[fit]))
        dist, ind = nn.kneighbors(p.transform(D[va]))
        for k, weights in itertools.product(ks, weightings):
            pred = _vote(y[fit][ind[:, :k]], dist[:, :k], weights, int(y.max()) + 1)
            acc = float(np.mean(pred == y[va]))
            rows.append(
                {
                    "pca__n_components": n,
                    "knn__n_neighbors": k,
                    "knn__weights": weights,
                    "validation_accuracy": acc,
                }
            )
            print(f"PCA {n:3}, k {k}, {weights:8}: validation {acc:.4f}", flush=True)
    seconds = time.perf_counter() - start
    best = max(rows, key=lambda r: r["validation_accuracy"])  # first of equals, in grid order
    chosen = {k: v for k, v in best.items() if k != "validation_accuracy"}
    # the table's vote must be the estimator's: refit the registry's pipeline on the winner
    est = models.get("fast", n_jobs=-1).set_params(**chosen).fit(ds.X_train[fit], y[fit])
    check = float(est.score(ds.X_train[va], y[va]))
    registry = {k: v for k, v in models.get("fast").get_params().items() if k in chosen}
    print(
        f"chosen {chosen}: {best['validation_accuracy']:.4f} (pipeline refit: {check:.4f}); "
        f"registry {registry}; {seconds:.0f} s"
    )
    finish(
        "fast_validation",
        {
            "table": rows,
            "chosen": chosen,
            "chosen_validation_accuracy": best["validation_accuracy"],
            "pipeline_validation_accuracy": check,
            "registry": registry,
            "registry_matches": registry == chosen,
            "seconds": seconds,
        },
        [Target("table vote = pipeline", check, "==", best["validation_accuracy"])],
        extra={
            "split": split_record(fit, va),
            "rederive": FAST_REDERIVE,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default="knn,fast", help="comma-separated; first is the baseline"
    )
    parser.add_argument(
        "--augment", default="", help="shift and/or rotate, for every model but the baseline"
    )
    parser.add_argument(
        "--test", action="store_true", help="score a variant (--augment) on the test set, once"
    )
    parser.add_argument(
        "--fast-table", action="store_true", help="re-derive fast_validation.json and stop"
    )
    args = parser.parse_args()
    ds = load("mnist")
    if args.fast_table:
        fast_table(ds)
        return
    kinds = [k for k in args.augment.split(",") if k]
    on_test = not kinds or args.test
    if on_test:
        X_fit, y_fit, X_score, y_score = ds.X_train, ds.y_train, ds.X_test, ds.y_test
    else:
        fit, va = validation_split(ds.n_train)
        X_fit, y_fit = ds.X_train[fit], ds.y_train[fit]
        X_score, y_score = ds.X_train[va], ds.y_train[va]
    scored = "test" if on_test else "validation"
    names = args.models.split(",")
    rows = []
    for i, name in enumerate(names):
        est = models.get(name, n_jobs=-1)
        if i > 0 and kinds:
            est = Augmented(
                est,
                shifts=TEXTBOOK_SHIFTS if "shift" in kinds else (),
                angles=(-10, 10) if "rotate" in kinds else (),
            )
        start = time.perf_counter()
        est.fit(X_fit, y_fit)
        fitted = time.perf_counter()
        acc = float(np.mean(est.predict(X_score) == y_score))
        done = time.perf_counter()
        rows.append((name, fitted - start, done - fitted, acc))
        print(
            f"{name}: {scored} accuracy {acc:.4f}, train {fitted - start:.1f} s, "
            f"evaluate {done - fitted:.1f} s",
            flush=True,
        )
    base = rows[0][1] + rows[0][2]
    print(
        f"\n{'model':14} {'train s':>8} {'eval s':>8} {'total / ' + names[0]:>14} "
        f"{scored + ' acc':>9}"
    )
    for name, fit_s, ev, acc in rows:
        print(f"{name:14} {fit_s:8.1f} {ev:8.1f} {(fit_s + ev) / base:14.2f} {acc:9.4f}")

    figures = {
        name: {
            "train_seconds": f,
            "evaluate_seconds": e,
            f"{scored}_accuracy": a,
            "time_ratio_to_baseline": (f + e) / base,
        }
        for name, f, e, a in rows
    }
    targets = []
    if not kinds:  # the targets are on the registry's models, not on variants
        for name, f, e, a in rows:
            if name == "fast":
                targets.append(Target("fast test accuracy", a, ">=", 0.985))
                if names[0] == "knn":
                    targets.append(Target("fast time / knn time", (f + e) / base, "<=", 0.25))
            if name == "best":  # issue 16: above every classical result in the literature
                targets.append(Target("best test accuracy", a, ">=", 0.995))
                targets.append(Target("best train seconds", f, "<=", 900, " s"))
                targets.append(Target("best evaluate seconds", e, "<=", 60, " s"))
    suffix = "" if not kinds else f"_augment_{scored}"
    finish(
        f"bench_models{suffix}",
        figures,
        targets,
        extra={"scored_on": scored, "augment": kinds, "baseline": names[0]},
    )


if __name__ == "__main__":
    main()
