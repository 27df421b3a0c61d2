"""The CNN on full MNIST: validation of its configurations, then the final fit and one test score.

1. ``--validate``: for each configuration in ``--configs`` (``NxE``: N networks of E
   epochs each, averaged; default: the registry's), train on 50,000 training images with
   10,000 held out (stratified, seed 42), recording each network's loss and validation
   accuracy per epoch and the accuracy of the averages of its first 1, 2, ... networks.
   The test set is not touched. Writes ``benchmarks/results/cnn_validation.json``, the
   table that chose the registry's configuration:

       MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_cnn.py --validate \\
           --configs 1x10,2x5 --parallel

   About a minute an epoch on 2 idle cores, so 10 minutes hold about 10 epochs in all;
   the JSON records which configurations were run.
2. The plain run is the headline: the registry's model trained on all 60,000 training
   images, then the 10,000 test images scored once; training and prediction times.
   Targets: >= 99.7% test accuracy, training <= 10 minutes, prediction of the test set
   <= 10 s, on 2 cores. Results: ``benchmarks/results/bench_cnn.json``; exits 1 when a
   target is missed.

       MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_cnn.py

``--configs NxE`` (one) without ``--validate`` is a variant: it is scored on the validation
split like step 1 (results ``bench_cnn_variant_validation.json``) unless ``--test`` is
given, which trains it on all 60,000 images and scores the test set once.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import Target, finish, write_results

from mnistlab import models
from mnistlab.data import load

CNN_REDERIVE = (
    "MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_cnn.py --validate "
    "--configs 1x10,2x5 --parallel"
)


def _config(text: str) -> tuple[int, int]:
    n, _, e = text.lower().partition("x")
    return (int(n), int(e)) if e else (1, int(n))


def _registry() -> tuple[int, int]:
    p = models.get("cnn").get_params()
    return int(p["n_estimators"]), int(p["epochs"])


def _validate_one(ds, n: int, e: int, threads: int) -> dict:
    m = models.get("cnn", n_jobs=threads).set_params(
        validation_fraction=1 / 6, n_estimators=n, epochs=e, verbose=1
    )
    start = time.perf_counter()
    m.fit(ds.X_train, ds.y_train)
    seconds = time.perf_counter() - start
    print(f"{n}x{e}: {seconds:.0f} s, {m.n_parameters_:,} parameters", flush=True)
    print(f"  averaged: first 1, 2, ... networks {m.validation_['valid_acc_first']}", flush=True)
    return {
        "n_estimators": n,
        "epochs": e,
        "validation_accuracy": m.validation_["valid_acc"],
        "validation_loss": m.validation_["valid_loss"],
        "validation_accuracy_first_networks": m.validation_["valid_acc_first"],
        "seconds": seconds,
        "threads": threads,
        "history": m.history_,
    }


def validate(ds, configs: list[tuple[int, int]], name: str, parallel: bool = False) -> None:
    """One validation run per configuration; the test set is not read.

    ``parallel``: all configurations at once, one thread each (their times are then
    not comparable with the timed run's).
    """
    if parallel:
        from joblib import Parallel, delayed

        runs = Parallel(n_jobs=len(configs))(
            delayed(_validate_one)(ds, n, e, 1) for n, e in configs
        )
        _write(name, runs, configs, ds.n_train, final=True)
        return
    runs = []
    for n, e in configs:
        runs.append(_validate_one(ds, n, e, -1))
        _write(name, runs, configs, ds.n_train, final=len(runs) == len(configs))


def _write(name: str, runs: list[dict], planned, n_train: int, *, final: bool) -> None:
    """Write the table so far (after every run, so that a cut-short run leaves a record)."""
    # most accurate; among equals, fewer epochs in all (cheaper)
    top = max(runs, key=lambda r: (r["validation_accuracy"], -r["n_estimators"] * r["epochs"]))
    n, e = _registry()
    figures = {
        "runs": runs,
        "chosen": {"n_estimators": top["n_estimators"], "epochs": top["epochs"]},
        "chosen_validation_accuracy": top["validation_accuracy"],
        "registry": {"n_estimators": n, "epochs": e},
        "registry_matches": (n, e) == (top["n_estimators"], top["epochs"]),
    }
    extra = {
        "split": {
            "fit": n_train - round(n_train / 6),
            "validation": round(n_train / 6),
            "seed": 42,
            "stratified": True,
            "source": "MNIST training set (train_test_split); the test set is not read",
        },
        "configs_planned": [f"{a}x{b}" for a, b in planned],
        "configs_run": [f"{r['n_estimators']}x{r['epochs']}" for r in runs],
        "complete": final,
        "rederive": CNN_REDERIVE,
    }
    if not final:
        write_results(name, figures, extra=extra)
        return
    print(
        f"chosen: {top['n_estimators']}x{top['epochs']} ({top['validation_accuracy']:.4f}); "
        f"registry {n}x{e}"
    )
    finish(name, figures, extra=extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validate", action="store_true", help="write cnn_validation.json")
    parser.add_argument(
        "--configs", default=None, help="comma-separated NxE (N networks of E epochs)"
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="with --validate: the configurations at once, one thread each",
    )
    parser.add_argument(
        "--test", action="store_true", help="score a variant (--configs) on the test set, once"
    )
    args = parser.parse_args()
    ds = load("mnist")
    registry = _registry()
    configs = [_config(c) for c in args.configs.split(",")] if args.configs else [registry]
    if args.validate:
        validate(ds, configs, "cnn_validation", args.parallel)
        return
    if len(configs) != 1:
        parser.error("several --configs need --validate")
    if configs[0] != registry and not args.test:
        validate(ds, configs, "bench_cnn_variant_validation")
        return
    n, e = configs[0]
    m = models.get("cnn", n_jobs=-1).set_params(n_estimators=n, epochs=e)
    start = time.perf_counter()
    m.fit(ds.X_train, ds.y_train)
    train = time.perf_counter() - start
    start = time.perf_counter()
    pred = m.predict(ds.X_test)
    predict = time.perf_counter() - start
    acc = float(np.mean(pred == ds.y_test))
    errors = int((pred != ds.y_test).sum())
    print(
        f"cnn {n}x{e}: test accuracy {acc:.4f} ({errors} errors), train {train:.0f} s "
        f"({train / len(m.history_):.0f} s an epoch), predict {predict:.1f} s, "
        f"{m.n_parameters_:,} parameters, device {m.device_}"
    )
    finish(
        "bench_cnn" if configs[0] == registry else "bench_cnn_variant_test",
        {
            "n_estimators": n,
            "epochs": e,
            "test_accuracy": acc,
            "test_errors": errors,
            "train_seconds": train,
            "predict_seconds": predict,
            "n_parameters": m.n_parameters_,
            "device": m.device_,
        },
        [
            Target("cnn test accuracy", acc, ">=", 0.997),
            Target("cnn train seconds", train, "<=", 600, " s"),
            Target("cnn predict seconds", predict, "<=", 10, " s"),
        ],
        extra={"scored_on": "test"},
    )


if __name__ == "__main__":
    main()
