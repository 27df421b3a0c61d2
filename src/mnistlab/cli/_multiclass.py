"""The ``multiclass`` and ``multilabel`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, ModelsOpt, StratifiedCVOpt, app, shared_options

#: --models of multiclass, as typed on the command line
MULTICLASS_MODELS = ",".join(defaults.MULTICLASS_MODELS)


def _parse_pair(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--pair {text!r}: give two digits, e.g. --pair 3,5") from None
    if a == b:
        raise InputError(f"--pair {text!r}: give two different digits")
    return a, b


def _check_pair_in(ds: Any, text: str, digits: tuple[int, int]) -> None:
    for d in digits:
        if d not in ds.classes:
            raise InputError(f"--pair {text}: digit {d} is not in the dataset")


@app.command("multiclass")
@shared_options(Path("mnistlab-out/multiclass"))
def multiclass(
    models: ModelsOpt = MULTICLASS_MODELS,
    strategy: Annotated[
        str,
        typer.Option(
            help="native (the model's own multiclass handling), ovr "
            "(one-vs-rest) or ovo (one-vs-one); several, comma-separated, to compare them.",
        ),
    ] = defaults.STRATEGY,
    pair: Annotated[
        str, typer.Option(help="Two digits whose mix-ups to show as a 2x2 grid.")
    ] = ",".join(map(str, defaults.PAIR)),
    cv: StratifiedCVOpt = defaults.CV,
    *,
    common: Common,
) -> None:
    """Classify the ten digits: compare models and strategies, then analyse the errors.

    Each model is cross-validated on the training set (per-fold accuracy,
    out-of-fold predictions for the error analysis), then refitted and scored
    once on the test set. Models too slow for 60,000 images (svc) train on a
    stated stratified subset.
    """
    from mnistlab import report
    from mnistlab.tasks import run_multiclass

    a, b = _parse_pair(pair)
    with shared.output(common) as outdir:
        ds, result = shared.run_task(
            common,
            run_multiclass,
            models,
            strategy=strategy,
            cv=cv,
            check=lambda ds: _check_pair_in(ds, pair, (a, b)),
        )
        tables = report.multiclass_tables(result, per_model=common.verbose)
        figures = report.multiclass_figures(result, ds, (a, b))
        metrics = result.to_metrics()
        shared.publish(outdir, "multiclass", common, ds, metrics, tables, figures, pair=[a, b])


@app.command("multilabel")
@shared_options(Path("mnistlab-out/multilabel"))
def multilabel(
    labels: Annotated[
        str,
        typer.Option(help="Comma-separated labels derived from the digit (see 'mnistlab list')."),
    ] = ",".join(defaults.LABELS),
    models: Annotated[str, typer.Option(help="Comma-separated multilabel models.")] = ",".join(
        defaults.MULTILABEL_MODELS
    ),
    cv: Annotated[int, shared.cv_option("Cross-validation folds (unshuffled).")] = defaults.CV,
    *,
    common: Common,
) -> None:
    """Predict several labels of each digit at once (e.g. large, odd, prime).

    Reports F1 (macro and weighted), per-label precision/recall/F1, Hamming loss and
    subset accuracy: out-of-fold, then once on the test set.
    """
    from mnistlab import report
    from mnistlab.tasks import run_multilabel

    with shared.output(common) as outdir:
        ds, result = shared.run_task(common, run_multilabel, labels, models, cv=cv)
        tables, figures = report.multilabel_tables(result), report.multilabel_figures(result)
        shared.publish(outdir, "multilabel", common, ds, result.to_metrics(), tables, figures)
