"""The ``multiclass`` and ``multilabel`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
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


def _parse_pair(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--pair {text!r}: give two digits, e.g. --pair 3,5") from None
    if a == b:
        raise InputError(f"--pair {text!r}: give two different digits")
    return a, b


@app.command("multiclass")
@shared_options(Path("mnistlab-out/multiclass"))
def multiclass(
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated registry names (see 'mnistlab list').")
    ] = ",".join(defaults.MULTICLASS_MODELS),
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            help="native (the model's own multiclass handling), ovr "
            "(one-vs-rest) or ovo (one-vs-one); several, comma-separated, to compare them.",
        ),
    ] = defaults.STRATEGY,
    pair: Annotated[
        str, typer.Option("--pair", help="Two digits whose mix-ups to show as a 2x2 grid.")
    ] = ",".join(map(str, defaults.PAIR)),
    cv: Annotated[
        int,
        typer.Option(
            "--cv", help="Cross-validation folds (stratified, unshuffled, as cross_val_score)."
        ),
    ] = defaults.CV,
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
    from mnistlab.evaluation import top_confusions
    from mnistlab.tasks import run_multiclass

    a, b = _parse_pair(pair)
    _check_cv(cv)
    with _output(common) as outdir:
        ds = _load(common)
        for d in (a, b):
            if d not in ds.classes:
                raise InputError(f"--pair {pair}: digit {d} is not in the dataset")
        with _CliProgress(common) as progress:
            result = run_multiclass(
                ds,
                models,
                strategy=strategy,
                cv=cv,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        table = Table(
            title=f"Multiclass ({strategy}): {cv}-fold CV on the training set, then "
            f"the test set ({ds.n_test:,} images) once",
            title_justify="left",
        )
        for col in (
            "model",
            "train images",
            "binary estimators",
            "score shape",
            "CV fold accuracy",
            "CV mean",
            "test accuracy",
            "fit s",
            "predict s",
        ):
            table.add_column(col, justify="left" if col == "model" else "right")
        for name, r in result.models.items():
            table.add_row(
                escape(name),
                f"{r.n_train:,}" + ("" if r.n_train == ds.n_train else " (subset)"),
                str(r.n_estimators),
                "x".join(map(str, r.score_shape)),
                " ".join(f"{v:.4f}" for v in r.oof.fold_accuracy),
                f"{r.cv_accuracy:.4f}",
                f"{r.test_accuracy:.4f}",
                f"{r.fit_seconds:.1f}",
                f"{r.predict_seconds:.1f}",
            )
        console.print(table)
        f1 = Table(
            title="Per-class F1, out-of-fold (precision and recall: metrics.json, -v)",
            title_justify="left",
        )
        f1.add_column("model")
        for d in ds.classes:
            f1.add_column(str(d), justify="right")
        f1.add_column("macro", justify="right")
        for name, r in result.models.items():
            rep = r.cv_report()
            f1.add_row(
                escape(name),
                *[f"{rep.loc[str(d), 'f1-score']:.3f}" for d in ds.classes],
                f"{rep.loc['macro avg', 'f1-score']:.3f}",
            )
        console.print(f1)
        if common.verbose:
            for name, r in result.models.items():
                rep = r.cv_report()
                t = Table(title=f"{name}: per-class report (out-of-fold)", title_justify="left")
                for col in ("class", "precision", "recall", "F1", "support"):
                    t.add_column(col, justify="left" if col == "class" else "right")
                for k, row in rep.iterrows():
                    t.add_row(
                        str(k),
                        f"{row['precision']:.4f}",
                        f"{row['recall']:.4f}",
                        f"{row['f1-score']:.4f}",
                        f"{int(row['support']):,}",
                    )
                console.print(t)
        conf = Table(title="Most frequent confusions (out-of-fold; test)", title_justify="left")
        for col in ("model", "true → predicted: count (share of the true class)"):
            conf.add_column(col)
        for name, r in result.models.items():
            cvc = top_confusions(r.y_cv, r.oof.predictions, 5)
            conf.add_row(
                escape(name),
                ", ".join(f"{t}→{p}: {c} ({x:.1%})" for t, p, c, x in cvc.itertuples(index=False)),
            )
            tc = top_confusions(ds.y_test, r.test_pred, 5)
            conf.add_row(
                "  test",
                ", ".join(f"{t}→{p}: {c} ({x:.1%})" for t, p, c, x in tc.itertuples(index=False)),
                style="dim",
            )
        console.print(conf)
        _save_figures(outdir, report.multiclass_figures(result, ds, (a, b)))
        _write_metrics(
            outdir,
            "multiclass",
            common,
            ds,
            result.to_metrics(),
            pair=[a, b],
        )


@app.command("multilabel")
@shared_options(Path("mnistlab-out/multilabel"))
def multilabel(
    labels: Annotated[
        str,
        typer.Option(
            "--labels", help="Comma-separated labels derived from the digit (see 'mnistlab list')."
        ),
    ] = ",".join(defaults.LABELS),
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated multilabel models.")
    ] = ",".join(defaults.MULTILABEL_MODELS),
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds (unshuffled).")] = (
        defaults.CV
    ),
    *,
    common: Common,
) -> None:
    """Predict several labels of each digit at once (e.g. large, odd, prime).

    Reports F1 (macro and weighted), per-label precision/recall/F1, Hamming loss and
    subset accuracy: out-of-fold, then once on the test set.
    """
    from mnistlab import report
    from mnistlab.tasks import run_multilabel

    _check_cv(cv)
    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            result = run_multilabel(
                ds,
                labels,
                models,
                cv=cv,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        table = Table(
            title=f"Multilabel ({', '.join(result.labels)}): out-of-fold (CV) and test",
            title_justify="left",
        )
        for col in (
            "model",
            "train images",
            "CV F1 macro",
            "CV F1 weighted",
            "CV Hamming",
            "CV subset acc",
            "test F1 macro",
            "test F1 weighted",
            "test Hamming",
            "test subset acc",
            "fit s",
        ):
            table.add_column(col, justify="left" if col == "model" else "right")
        for name, r in result.models.items():
            table.add_row(
                name,
                f"{r.n_train:,}",
                *[
                    f"{m[k]:.4f}"
                    for m in (r.cv, r.test)
                    for k in ("f1_macro", "f1_weighted", "hamming_loss", "subset_accuracy")
                ],
                f"{r.fit_seconds:.1f}",
            )
        console.print(table)
        per = Table(title="Per label, test set: precision / recall / F1", title_justify="left")
        per.add_column("model")
        for lab in result.labels:
            per.add_column(lab, justify="right")
        for name, r in result.models.items():
            per.add_row(
                name,
                *[
                    "{precision:.3f} / {recall:.3f} / {f1:.3f}".format(**r.test["per_label"][lab])
                    for lab in result.labels
                ],
            )
        console.print(per)
        _save_figures(outdir, report.multilabel_figures(result))
        _write_metrics(
            outdir,
            "multilabel",
            common,
            ds,
            result.to_metrics(),
        )
