"""Benchmark denoising and dataset cleaning on full MNIST.

Runs ``run_denoise`` with the textbook's noise and every denoiser, and prints each
one's MSE, PSNR and the accuracy it wins back, side by side with the noisy input
(the baseline) and the clipped Ridge (the linear reference). The best denoiser is the one
with the lowest MSE on a validation split of the training set (each denoiser is fitted
on the rest; the test set only reports), then refitted on all 60,000 noisy images.
Targets for it: test MSE <= 60 (aim 50), PSNR >= 30 dB, its fit <= 5 minutes on 2 cores.
Then ``run_clean``: the count of likely label issues and the test accuracy with and
without them. Results (validation and test MSE of every denoiser):
``benchmarks/results/bench_denoise.json``; exits 1 when a target is missed.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_denoise.py

``--validate-unet`` chooses the U-Net's settings instead: each configuration of
``--configs`` (``EPOCHS:LR``, ``EPOCHS:LR:C1xC2`` with the channels at full and half
size, default the registry's, and ``:free`` last for an unbounded noise estimate,
``bound_noise=False``) is fitted on the same fit split as ``run_denoise`` (54,000
noisy training images) and scored on its 6,000 validation images; the test set is not
read. Rows of earlier runs on the same split are kept while the U-Net's code is unchanged
(``code``, a digest of its modules; other rows are dropped and must be run again);
``--configs ""`` fits nothing and only chooses again from them. Writes
``benchmarks/results/unet_validation.json``:

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_denoise.py --validate-unet \
        --configs 6:0.015:16x32:free,8:0.015:16x32,6:0.015:16x32
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import Target, code_digest, earlier_rows, finish

from mnistlab import models
from mnistlab.data import load
from mnistlab.preprocessing import add_noise
from mnistlab.tasks import run_clean, run_denoise
from mnistlab.tasks._denoise import mse_255

BUDGET_SECONDS = 300  # the chosen denoiser's fit on 60,000 images


def _validate_unet_one(
    ds, epochs: int, lr: float, channels: list[int], bound_noise: bool, threads: int
) -> dict:
    from sklearn.model_selection import train_test_split

    kw = {"pixel_max": ds.pixel_max, "image_shape": ds.image_shape}
    noisy = add_noise(ds.X_train, "textbook", None, random_state=42, **kw)  # as run_denoise
    fit, val = train_test_split(np.arange(ds.n_train), test_size=0.1, random_state=42)
    est = models.get_denoiser("unet", random_state=42, n_jobs=threads)
    est.set_params(epochs=epochs, lr=lr, channels=tuple(channels), bound_noise=bound_noise)
    start = time.perf_counter()
    est.fit(noisy[fit], ds.X_train[fit])
    seconds = time.perf_counter() - start
    mse = mse_255(ds.X_train[val], est.predict(noisy[val]), ds.pixel_max)
    print(
        f"unet {epochs} epochs, lr {lr:g}, channels {channels}, bound_noise {bound_noise}: "
        f"validation MSE {mse:.1f}, fit {seconds:.0f} s"
    )
    return {
        "epochs": epochs,
        "lr": lr,
        "channels": list(channels),
        "bound_noise": bound_noise,
        "validation_mse": mse,
        "fit_seconds": seconds,
        "threads": threads,
        "history": est.history_,
        "code": code_digest(est),
    }


def _config_key(run: dict) -> tuple:
    return run["epochs"], run["lr"], tuple(run["channels"]), run.get("bound_noise", False)


def _config_arg(run: dict) -> str:
    epochs, lr, channels, bound = _config_key(run)
    return f"{epochs}:{lr:g}:{'x'.join(map(str, channels))}" + ("" if bound else ":free")


def validate_unet(ds, configs: list[tuple[int, float, list[int], bool]]) -> None:
    """The U-Net's configurations side by side (one process and thread each). Runs of an
    earlier call on the same split by the same code are kept (a configuration run again
    replaces its row), so the table grows across calls and its command re-derives it at once."""
    from joblib import Parallel, delayed

    split = {
        "fit": ds.n_train - round(ds.n_train * 0.1),
        "validation": round(ds.n_train * 0.1),
        "seed": 42,
        "source": "MNIST training set, textbook noise (seed 42), as run_denoise; "
        "the test set is not read",
    }
    # rows of another U-Net (its code changed since) are dropped: they are run again
    unet = code_digest(models.get_denoiser("unet"))
    kept = earlier_rows("unet_validation", split, "runs", lambda row: unet)
    # no configurations: only the choice is made again, from the stored rows (after a change
    # of the registry, so that the table records today's)
    if not configs and not kept:
        raise SystemExit("no stored rows of today's U-Net on this split: pass --configs")
    new = Parallel(n_jobs=max(1, len(configs)))(
        delayed(_validate_unet_one)(ds, e, lr, ch, b, 1) for e, lr, ch, b in configs
    )
    done = {_config_key(r) for r in new}
    runs = [r for r in kept if _config_key(r) not in done] + new
    top = min(runs, key=lambda r: (r["validation_mse"], r["epochs"]))
    p = models.get_denoiser("unet").get_params()
    registry = {k: p[k] for k in ("epochs", "lr", "bound_noise")}
    registry["channels"] = list(p["channels"])
    chosen = {k: top[k] for k in registry}
    print(f"chosen: {chosen} (validation MSE {top['validation_mse']:.1f}); registry {registry}")
    finish(
        "unet_validation",
        {
            "runs": runs,
            "chosen": chosen,
            "chosen_validation_mse": top["validation_mse"],
            "registry": registry,
            "registry_matches": registry == chosen,
        },
        extra={
            "split": split,
            "note": "fits run side by side, one thread each: their times are not the 2-core "
            "fit time; the table may hold rows of several runs on this split, which the "
            "command shown re-derives at once",
        },
        argv=[
            "benchmarks/bench_denoise.py",
            "--validate-unet",
            "--configs",
            ",".join(_config_arg(r) for r in runs),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validate-unet", action="store_true")
    parser.add_argument(
        "--configs",
        default="8:0.015,8:0.015:free",
        help="EPOCHS:LR[:C1xC2][:free], comma-separated (free: bound_noise=False)",
    )
    parser.add_argument(
        "--denoisers", default=None, help="comma-separated (must include ridge); default: all"
    )
    parser.add_argument("--no-clean", action="store_true", help="skip run_clean")
    args = parser.parse_args()
    ds = load("mnist")
    if args.validate_unet:
        default = list(models.get_denoiser("unet").get_params()["channels"])
        configs = []
        for c in filter(None, args.configs.split(",")):
            epochs, lr, *rest = c.split(":")
            free = bool(rest) and rest[-1] == "free"
            rest = rest[:-1] if free else rest
            channels = [int(n) for n in rest[0].split("x")] if rest and rest[0] else default
            configs.append((int(epochs), float(lr), channels, not free))
        validate_unet(ds, configs)
        return
    start = time.perf_counter()
    r = run_denoise(ds, "textbook", denoiser_names=args.denoisers, n_jobs=-1)
    seconds = time.perf_counter() - start
    ridge = r.denoisers["ridge"].mse
    print(
        f"textbook noise, {ds.n_train:,} noisy training images, {ds.n_test:,} test images; "
        f"classifier {r.classifier}: {r.clean_accuracy:.4f} clean, "
        f"{r.noisy.accuracy:.4f} noisy"
    )
    print(
        f"{'input':20} {'val MSE':>8} {'MSE':>8} {'/ ridge':>8} {'PSNR dB':>8} {'accuracy':>9} "
        f"{'won back':>9} {'fit s':>7} {'predict s':>9}"
    )
    for name, d in [("noisy", r.noisy), *r.denoisers.items()]:
        back = "" if d.recovered is None else f"{d.recovered:.0%}"
        print(
            f"{name:20} {d.validation_mse or float('nan'):8.1f} {d.mse:8.1f} "
            f"{d.mse / ridge:8.2f} {d.psnr:8.2f} {d.accuracy:9.4f} "
            f"{back:>9} {d.fit_seconds:7.1f} {d.predict_seconds:9.1f}"
        )
    best = r.denoisers[r.best()]
    print(
        f"best on validation: {r.best()} (validation MSE {best.validation_mse:.1f}), test MSE "
        f"{best.mse:.1f} (target <= 60, aim 50), PSNR {best.psnr:.2f} (target >= 30), fit "
        f"{best.fit_seconds:.0f} s (budget {BUDGET_SECONDS} s); whole run {seconds:.0f} s"
    )

    clean = None
    if not args.no_clean:
        start = time.perf_counter()
        c = run_clean(ds, n_jobs=-1)
        clean = {
            "model": c.model,
            "issues": len(c.issues),
            "test_accuracy_all": c.test_accuracy_all,
            "test_accuracy_cleaned": c.test_accuracy_cleaned,
            "seconds": time.perf_counter() - start,
        }
        print(
            f"\nclean ({c.model}): {len(c.issues)} likely label issues "
            f"({len(c.issues) / ds.n_train:.2%}); test accuracy {c.test_accuracy_all:.4f} with "
            f"them, {c.test_accuracy_cleaned:.4f} without; {clean['seconds']:.0f} s"
        )
    finish(
        "bench_denoise",
        {
            "classifier": r.classifier,
            "clean_accuracy": r.clean_accuracy,
            "best": r.best(),
            "denoisers": {
                name: {
                    "validation_mse": d.validation_mse,
                    "mse": d.mse,
                    "mse_ratio_to_ridge": d.mse / ridge,
                    "psnr": d.psnr,
                    "accuracy": d.accuracy,
                    "recovered": d.recovered,
                    "fit_seconds": d.fit_seconds,
                    "predict_seconds": d.predict_seconds,
                }
                for name, d in [("noisy", r.noisy), *r.denoisers.items()]
            },
            "seconds": seconds,
            "all_denoisers": args.denoisers is None,
            "clean": clean,
        },
        [
            Target("best denoiser MSE", best.mse, "<=", 60),
            Target("best denoiser PSNR", best.psnr, ">=", 30, " dB"),
            Target("best denoiser fit seconds", best.fit_seconds, "<=", BUDGET_SECONDS, " s"),
        ],
    )


if __name__ == "__main__":
    main()
