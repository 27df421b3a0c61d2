"""The ``denoise`` and ``clean`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, CVOpt, app, shared_options


@app.command("denoise")
@shared_options(Path("mnistlab-out/denoise"))
def denoise(
    noise: Annotated[
        str,
        typer.Option(help="textbook, gaussian, salt-pepper or occlusion (see 'mnistlab list')."),
    ] = defaults.NOISE,
    strength: Annotated[
        float | None,
        typer.Option(
            help="Strength of the noise; default the noise's own "
            "(textbook 1.0: integers in [0, 100); gaussian 0.3·pixel_max; "
            "salt-pepper 0.1 of the pixels; occlusion 0.35 of the side).",
        ),
    ] = None,
    denoisers: Annotated[
        str | None, typer.Option(help="Comma-separated denoisers; default all.")
    ] = None,
    classifier: Annotated[
        str,
        typer.Option(
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

    with shared.output(common) as outdir:
        ds, result = shared.run_task(
            common, run_denoise, noise, strength, denoisers, classifier=classifier
        )
        tables, figures = report.denoise_tables(result), report.denoise_figures(result)
        best = f"best denoiser (chosen on validation MSE): {result.best()}"
        shared.publish(
            outdir, "denoise", common, ds, result.to_metrics(), tables, figures, lines=[best]
        )


@app.command("clean")
@shared_options(Path("mnistlab-out/clean"))
def clean(
    model: Annotated[
        str,
        typer.Option(help="Registry model whose out-of-fold probabilities find the issues."),
    ] = defaults.CLEAN_MODEL,
    show: Annotated[int, typer.Option(help="Issues to draw in the gallery.")] = (
        defaults.CLEAN_SHOW
    ),
    cv: CVOpt = defaults.CV,
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

    if not 1 <= show <= 200:
        raise InputError(f"--show {show}: show between 1 and 200 images")
    with shared.output(common) as outdir:
        ds, result = shared.run_task(common, run_clean, model, cv=cv)
        n = len(result.issues)
        shared.console.print(
            f"{n:,} likely label issues among {ds.n_train:,} training images "
            f"({report.format_value(n / ds.n_train, 'percent')}), found from {model}'s "
            f"out-of-fold probabilities (CV accuracy "
            f"{report.format_value(result.cv_accuracy, 'score')})"
        )
        outdir.write_bytes("label_issues.csv", result.table().to_csv(index=False))
        tables, figures = report.clean_tables(result), report.clean_figures(result, ds, show)
        shared.publish(outdir, "clean", common, ds, result.to_metrics(), tables, figures)
