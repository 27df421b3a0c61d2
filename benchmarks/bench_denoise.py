"""Benchmark denoising and dataset cleaning on full MNIST.

Runs ``run_denoise`` with the textbook's noise and every denoiser, and prints each
one's MSE, PSNR and the accuracy it wins back, side by side with the noisy input
(the baseline) and the clipped Ridge (the linear reference), against the targets:
best MSE <= 100 (aim 80), PSNR >= 28 dB, the whole run <= 5 minutes. Then
``run_clean``: the count of likely label issues and the test accuracy with and
without them. Results: ``benchmarks/results/bench_denoise.json``; exits 1 when a target
(MSE <= 100, PSNR >= 28 dB, run <= 5 minutes) is missed.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_denoise.py
"""

from __future__ import annotations

import time

from _common import Target, finish

from mnistlab.data import load
from mnistlab.tasks import run_clean, run_denoise

BUDGET_SECONDS = 300


def main() -> None:
    ds = load("mnist")
    start = time.perf_counter()
    r = run_denoise(ds, "textbook", n_jobs=-1)
    seconds = time.perf_counter() - start
    ridge = r.denoisers["ridge"].mse
    print(
        f"textbook noise, {ds.n_train:,} noisy training images, {ds.n_test:,} test images; "
        f"classifier {r.classifier}: {r.clean_accuracy:.4f} clean, "
        f"{r.noisy.accuracy:.4f} noisy"
    )
    print(
        f"{'input':20} {'MSE':>8} {'/ ridge':>8} {'PSNR dB':>8} {'accuracy':>9} "
        f"{'won back':>9} {'fit s':>7} {'predict s':>9}"
    )
    for name, d in [("noisy", r.noisy), *r.denoisers.items()]:
        back = "" if d.recovered is None else f"{d.recovered:.0%}"
        print(
            f"{name:20} {d.mse:8.1f} {d.mse / ridge:8.2f} {d.psnr:8.2f} {d.accuracy:9.4f} "
            f"{back:>9} {d.fit_seconds:7.1f} {d.predict_seconds:9.1f}"
        )
    best = r.denoisers[r.best()]
    print(
        f"best: {r.best()} MSE {best.mse:.1f} (target <= 100, aim 80), PSNR {best.psnr:.2f} "
        f"(target >= 28); run {seconds:.0f} s (budget {BUDGET_SECONDS} s: "
        f"{'within' if seconds <= BUDGET_SECONDS else 'OVER'})"
    )

    start = time.perf_counter()
    c = run_clean(ds, n_jobs=-1)
    clean_seconds = time.perf_counter() - start
    print(
        f"\nclean ({c.model}): {len(c.issues)} likely label issues "
        f"({len(c.issues) / ds.n_train:.2%}); test accuracy {c.test_accuracy_all:.4f} with "
        f"them, {c.test_accuracy_cleaned:.4f} without; {clean_seconds:.0f} s"
    )
    finish(
        "bench_denoise",
        {
            "classifier": r.classifier,
            "clean_accuracy": r.clean_accuracy,
            "best": r.best(),
            "denoisers": {
                name: {
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
            "clean": {
                "model": c.model,
                "issues": len(c.issues),
                "test_accuracy_all": c.test_accuracy_all,
                "test_accuracy_cleaned": c.test_accuracy_cleaned,
                "seconds": clean_seconds,
            },
        },
        [
            Target("best denoiser MSE", best.mse, "<=", 100),
            Target("best denoiser PSNR", best.psnr, ">=", 28, " dB"),
            Target("denoise run seconds", seconds, "<=", BUDGET_SECONDS, " s"),
        ],
    )


if __name__ == "__main__":
    main()
