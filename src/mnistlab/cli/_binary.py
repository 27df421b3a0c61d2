"""The ``binary`` and ``pairs`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, ModelsOpt, StratifiedCVOpt, app, shared_options

#: --models of binary, as typed on the command line
BINARY_MODELS = ",".join(defaults.BINARY_MODELS)


@app.command("binary")
@shared_options(Path("mnistlab-out/binary"))
def binary(
    positive: Annotated[int, typer.Option(help="The digit to detect.")],
    negative: Annotated[
        int | None,
        typer.Option(help="The other digit of a pair; default: all other digits."),
    ] = None,
    models: ModelsOpt = BINARY_MODELS,
    target_precision: Annotated[
        float | None,
        typer.Option(
            help="Choose the lowest threshold reaching this precision, in (0, 1].",
        ),
    ] = defaults.TARGET_PRECISION,
    target_recall: Annotated[
        float | None,
        typer.Option(
            help="Also choose the highest threshold keeping this recall, in (0, 1].",
        ),
    ] = None,
    cv: StratifiedCVOpt = defaults.CV,
    *,
    common: Common,
) -> None:
    """Binary detectors ("5 or not 5", or a digit pair) judged by precision-recall and ROC.

    Every model is cross-validated on the training set; thresholds are chosen on
    its out-of-fold scores, then the model refitted on all training images
    scores the test set once.
    """
    from mnistlab import report
    from mnistlab.tasks import run_binary

    with shared.output(common) as outdir:
        ds, result = shared.run_task(
            common,
            run_binary,
            positive,
            negative,
            models,
            cv=cv,
            target_precision=target_precision,
            target_recall=target_recall,
        )
        for name, r in result.models.items():
            for t in r.thresholds.values():
                if not t.reached:
                    shared.logger.warning("%s: %s", name, t.message())
        tables, figures = report.binary_tables(result), report.binary_figures(result)
        shared.publish(outdir, "binary", common, ds, result.to_metrics(), tables, figures)


@app.command("pairs")
@shared_options(Path("mnistlab-out/pairs"))
def pairs(
    model: Annotated[
        str, typer.Option(help="Registry name of the pairwise detector.")
    ] = defaults.PAIRS_MODEL,
    cv: Annotated[int, shared.cv_option("Cross-validation folds per pair.")] = defaults.CV,
    top: Annotated[int, typer.Option(help="How many of the hardest pairs to list.")] = (
        defaults.PAIRS_TOP
    ),
    *,
    common: Common,
) -> None:
    """A detector for every pair of digits: which digits are hard to tell apart?

    Draws the pairwise out-of-fold error rates as a heatmap and lists the hardest
    pairs with their test error. Pairs run in parallel (--n-jobs).
    """
    from mnistlab import report
    from mnistlab.tasks import run_pairs

    if top < 1:
        raise InputError(f"--top {top}: list at least 1 pair")
    with shared.output(common) as outdir:
        ds, result = shared.run_task(common, run_pairs, model, cv=cv)
        metrics = result.to_metrics()
        cv_error, test_error = (
            report.format_value(metrics[model][k]["mean_error"], "percent") for k in ("cv", "test")
        )
        summary = (
            f"mean pairwise error: CV {cv_error}, test {test_error}; {len(result.pairs)} pairs "
            f"in {report.format_value(result.seconds, 'seconds')} s"
        )
        tables, figures = report.pairs_tables(result, top), report.pairs_figures(result)
        shared.publish(outdir, "pairs", common, ds, metrics, tables, figures, lines=[summary])
