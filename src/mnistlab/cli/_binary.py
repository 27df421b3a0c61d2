"""The ``binary`` and ``pairs`` commands."""

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
    logger,
    shared_options,
)


def _fmt(v: float | None, digits: int = 4) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


@app.command("binary")
@shared_options(Path("mnistlab-out/binary"))
def binary(
    positive: Annotated[int, typer.Option("--positive", help="The digit to detect.")],
    negative: Annotated[
        int | None,
        typer.Option("--negative", help="The other digit of a pair; default: all other digits."),
    ] = None,
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated registry names (see 'mnistlab list').")
    ] = ",".join(defaults.BINARY_MODELS),
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            help="Choose the lowest threshold reaching this precision, in (0, 1].",
        ),
    ] = defaults.TARGET_PRECISION,
    target_recall: Annotated[
        float | None,
        typer.Option(
            "--target-recall",
            help="Also choose the highest threshold keeping this recall, in (0, 1].",
        ),
    ] = None,
    cv: Annotated[
        int,
        typer.Option(
            "--cv", help="Cross-validation folds (stratified, unshuffled, as cross_val_score)."
        ),
    ] = defaults.CV,
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

    _check_cv(cv)
    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            result = run_binary(
                ds,
                positive,
                negative,
                models,
                cv=cv,
                target_precision=target_precision,
                target_recall=target_recall,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        p = result.problem
        cvt = Table(
            title=f"{p.name}: {cv}-fold cross-validation on {len(p.y_train):,} training "
            "images (out-of-fold)",
            title_justify="left",
        )
        for col in (
            "model",
            "fold accuracy",
            "mean",
            "ROC AUC",
            "avg precision",
            "precision",
            "recall",
            "F1",
        ):
            cvt.add_column(col, justify="left" if col == "model" else "right")
        for name, r in result.models.items():
            folds = " ".join(f"{a:.5f}" for a in r.oof.fold_accuracy)
            sub = "" if r.n_train == len(p.y_train) else f" ({r.n_train:,} images)"
            cvt.add_row(
                name + sub,
                folds,
                _fmt(r.oof.fold_accuracy.mean()),
                _fmt(r.cv["roc_auc"]),
                _fmt(r.cv["average_precision"]),
                _fmt(r.cv["precision"]),
                _fmt(r.cv["recall"]),
                _fmt(r.cv["f1"]),
            )
        cvt.add_row(
            "never positive",
            "",
            _fmt(result.baseline["cv"]["accuracy"]),
            "",
            "",
            "",
            "",
            "",
            style="dim",
        )
        console.print(cvt)
        tht = Table(
            title="Thresholds chosen on out-of-fold scores, then applied to the test set",
            title_justify="left",
        )
        for col in (
            "model",
            "rule",
            "threshold",
            "CV precision",
            "CV recall",
            "test precision",
            "test recall",
        ):
            tht.add_column(col, justify="left" if col in ("model", "rule") else "right")
        for name, r in result.models.items():
            for rule, t in r.thresholds.items():
                label = f"{rule} ≥ {t.target:g}" if t.target is not None else "best F1"
                if not t.reached:
                    logger.warning("%s: %s", name, t.message())
                    tht.add_row(name, label, "unreachable", f"best {t.best:.4f}", "", "", "")
                    continue
                tt = r.test_thresholds[rule]
                tht.add_row(
                    name,
                    label,
                    f"{t.value:.6g}",
                    _fmt(t.precision),
                    _fmt(t.recall),
                    _fmt(tt["precision"]),
                    _fmt(tt["recall"]),
                )
        console.print(tht)
        tst = Table(title=f"Test set ({len(p.y_test):,} images, scored once)", title_justify="left")
        for col in (
            "model",
            "accuracy",
            "precision",
            "recall",
            "F1",
            "ROC AUC",
            "avg precision",
            "fit s",
            "predict s",
        ):
            tst.add_column(col, justify="left" if col == "model" else "right")
        for name, r in result.models.items():
            tst.add_row(
                name,
                _fmt(r.test["accuracy"]),
                _fmt(r.test["precision"]),
                _fmt(r.test["recall"]),
                _fmt(r.test["f1"]),
                _fmt(r.test["roc_auc"]),
                _fmt(r.test["average_precision"]),
                f"{r.fit_seconds:.2f}",
                f"{r.predict_seconds:.2f}",
            )
        tst.add_row(
            "never positive",
            _fmt(result.baseline["test"]["accuracy"]),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            style="dim",
        )
        console.print(tst)
        _save_figures(outdir, report.binary_figures(result))
        _write_metrics(
            outdir,
            "binary",
            common,
            ds,
            result.to_metrics(),
        )


@app.command("pairs")
@shared_options(Path("mnistlab-out/pairs"))
def pairs(
    model: Annotated[
        str, typer.Option("--model", help="Registry name of the pairwise detector.")
    ] = defaults.PAIRS_MODEL,
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds per pair.")] = defaults.CV,
    top: Annotated[int, typer.Option("--top", help="How many of the hardest pairs to list.")] = (
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

    _check_cv(cv)
    if top < 1:
        raise InputError(f"--top {top}: list at least 1 pair")
    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            result = run_pairs(
                ds, model, cv=cv, random_state=common.seed, n_jobs=common.n_jobs, progress=progress
            )
        table = Table(
            title=f"Hardest pairs for {model} ({cv}-fold CV, then the test set)",
            title_justify="left",
        )
        for col in ("pair", "CV error", "test error", "CV ROC AUC", "train images"):
            table.add_column(col, justify="left" if col == "pair" else "right")
        for row in result.hardest(top).itertuples():
            table.add_row(
                row.pair,
                f"{row.cv_error:.2%}",
                f"{row.test_error:.2%}",
                f"{row.cv_roc_auc:.4f}",
                f"{row.n_train:,}",
            )
        console.print(table)
        m = result.to_metrics()[model]
        console.print(
            f"mean pairwise error: CV {m['cv']['mean_error']:.2%}, test "
            f"{m['test']['mean_error']:.2%}; {len(result.pairs)} pairs in "
            f"{result.seconds:.1f} s"
        )
        _save_figures(outdir, report.pairs_figures(result))
        _write_metrics(outdir, "pairs", common, ds, result.to_metrics())
