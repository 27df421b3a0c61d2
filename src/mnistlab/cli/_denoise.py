"""The ``denoise`` and ``clean`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    _check_cv,
    _CliProgress,
    _load,
    _output,
    _save_figures,
    _write_metrics,
    app,
    console,
    shared_options,
)


@app.command("denoise")
@shared_options(Path("mnistlab-out/denoise"))
def denoise(
    noise: Annotated[
        str,
        typer.Option(
            "--noise", help="textbook, gaussian, salt-pepper or occlusion (see 'mnistlab list')."
        ),
    ] = defaults.NOISE,
    strength: Annotated[
        float | None,
        typer.Option(
            "--strength",
            help="Strength of the noise; default the noise's own "
            "(textbook 1.0: integers in [0, 100); gaussian 0.3·pixel_max; "
            "salt-pepper 0.1 of the pixels; occlusion 0.35 of the side).",
        ),
    ] = None,
    denoisers: Annotated[
        str | None, typer.Option("--denoisers", help="Comma-separated denoisers; default all.")
    ] = None,
    classifier: Annotated[
        str,
        typer.Option(
            "--classifier",
            help="Registry model (trained on clean images) whose accuracy on denoised "
            "images is reported; the default random forest is the one noise hurts most.",
        ),
    ] = defaults.DENOISE_CLASSIFIER,
    *,
    common: Common,
) -> None:
    """Multioutput denoising: add noise, learn noisy-to-clean images, measure what comes back.

    Every denoiser is trained on the noisy training set and judged on the noisy
    test set by MSE (0..255 scale), PSNR, and the accuracy of a classifier
    trained on clean images, against the noisy input as the baseline. The best
    is chosen on a validation split of the training set, never on the test set.
    """
    from mnistlab import report
    from mnistlab.tasks import run_denoise

    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            result = run_denoise(
                ds,
                noise,
                strength,
                denoisers,
                classifier=classifier,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        table = Table(
            title=f"Denoising {noise} noise (strength {result.strength:g}): test set, "
            f"{ds.n_test:,} images; {classifier} accuracy on clean images "
            f"{result.clean_accuracy:.4f}",
            title_justify="left",
        )
        for col in (
            "input",
            "validation MSE",
            "MSE",
            "PSNR dB",
            "accuracy",
            "accuracy won back",
            "fit s",
            "predict s",
        ):
            table.add_column(col, justify="left" if col == "input" else "right")
        for name, r in [("noisy (baseline)", result.noisy), *result.denoisers.items()]:
            back = "—" if r.recovered is None else f"{r.recovered:.0%}"
            table.add_row(
                name,
                "—" if r.validation_mse is None else f"{r.validation_mse:.1f}",
                f"{r.mse:.1f}",
                f"{r.psnr:.2f}",
                f"{r.accuracy:.4f}",
                back,
                f"{r.fit_seconds:.1f}",
                f"{r.predict_seconds:.1f}",
                style="bold" if name == result.best() else None,
            )
        console.print(table)
        console.print(f"best denoiser (chosen on validation MSE): {result.best()}")
        _save_figures(outdir, report.denoise_figures(result))
        _write_metrics(
            outdir,
            "denoise",
            common,
            ds,
            result.to_metrics(),
        )


@app.command("clean")
@shared_options(Path("mnistlab-out/clean"))
def clean(
    model: Annotated[
        str,
        typer.Option(
            "--model", help="Registry model whose out-of-fold probabilities find the issues."
        ),
    ] = defaults.CLEAN_MODEL,
    show: Annotated[int, typer.Option("--show", help="Issues to draw in the gallery.")] = (
        defaults.CLEAN_SHOW
    ),
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds.")] = defaults.CV,
    *,
    common: Common,
) -> None:
    """Find likely mislabelled training images (cleanlab) and what removing them does.

    The test accuracy of the same model trained with and without them is measured
    honestly.

    Writes label_issues.csv (training index, given label, suggested label, label
    quality; worst first) and a gallery of the worst.
    """
    from mnistlab import report
    from mnistlab.tasks import run_clean

    _check_cv(cv)
    if not 1 <= show <= 200:
        raise InputError(f"--show {show}: show between 1 and 200 images")
    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            result = run_clean(
                ds, model, cv=cv, random_state=common.seed, n_jobs=common.n_jobs, progress=progress
            )
        n = len(result.issues)
        console.print(
            f"{n:,} likely label issues among {ds.n_train:,} training images "
            f"({n / ds.n_train:.2%}), found from {model}'s out-of-fold probabilities "
            f"(CV accuracy {result.cv_accuracy:.4f})"
        )
        table = Table(
            title="Test accuracy of the same model trained with and without them",
            title_justify="left",
        )
        for col in ("training set", "images", "test accuracy"):
            table.add_column(col, justify="left" if col == "training set" else "right")
        table.add_row("all", f"{ds.n_train:,}", f"{result.test_accuracy_all:.4f}")
        table.add_row(
            "without the issues", f"{ds.n_train - n:,}", f"{result.test_accuracy_cleaned:.4f}"
        )
        console.print(table)
        worst = result.table().head(10)
        t = Table(title="The worst ten", title_justify="left")
        for col in ("index", "given", "suggested", "quality"):
            t.add_column(col, justify="right")
        for row in worst.itertuples(index=False):
            t.add_row(str(row.index), str(row.given), str(row.suggested), f"{row.quality:.4f}")
        console.print(t)
        outdir.write_bytes("label_issues.csv", result.table().to_csv(index=False))
        _save_figures(outdir, report.clean_figures(result, ds, show))
        _write_metrics(outdir, "clean", common, ds, result.to_metrics())
