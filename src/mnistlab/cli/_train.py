"""The ``search``, ``train``, ``evaluate`` and ``predict`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import (
    Common,
    CVOpt,
    DeviceOpt,
    ServingModelOpt,
    app,
    shared_options,
)

# --- search --------------------------------------------------------------------------------------


#: The registry's zoo, as ``search --model all`` tunes it (written out: --help must not
#: import the registry; tests/test_cli.py keeps it equal to the registry's).
ZOO = "fast, svc-deskew, svc-hog, svc-gradients, svc-scattering, svc-pixels-hog, mlp, et"

SearchModelsOpt = Annotated[
    str,
    typer.Option(
        "--model",
        help="A registry name with a search space, several comma-separated, or all (the zoo: "
        f"{ZOO}).",
    ),
]
BudgetOpt = Annotated[
    str,
    typer.Option(
        help="quick: 6,000 training images and 8 candidates per model, in a minute or two; "
        "full: 27 candidates per model drawn on 1,000 of the 60,000 images, the best third "
        "going on to three times as many images each round, up to 27,000.",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        help="Run the fits on Dask: local (a 2-worker LocalCluster) or a scheduler address "
        "such as tcp://host:8786.",
    ),
]


@app.command("search")
@shared_options(Path("mnistlab-out/search"))
def search(
    model: SearchModelsOpt,
    budget: BudgetOpt = defaults.SEARCH_BUDGET,
    dask: DaskOpt = None,
    cv: CVOpt = defaults.CV,
    device: DeviceOpt = "auto",
    *,
    common: Common,
) -> None:
    """Search hyperparameters by successive halving, on validation scores only.

    HalvingRandomSearchCV with the number of training images as the resource; the
    test set is for 'evaluate'.

    Writes each model's full cv_results_ as CSV, a plot of validation score
    against the searched parameters, and prints the top 10 candidates.
    """
    import json

    from mnistlab import report
    from mnistlab.tasks import run_search

    if dask:  # before the data is loaded (perhaps downloaded), not after
        shared.require_extra("dask", "mnistlab search --dask")
    with shared.output(common) as outdir:
        ds, run = shared.run_task(
            common, run_search, model, budget=budget, dask=dask, cv=cv, device=device
        )
        shared.print_tables(report.search_tables(run))
        for name, r in run.results.items():
            outdir.write_bytes(f"{name}_cv_results.csv", r.cv_results.to_csv(index=False))
            shared.save_figures(outdir, report.search_model_figures(r))
        best = max(run.results.values(), key=lambda r: r.best_score)
        shared.console.print(
            f"best by validation: {best.model} "
            f"{report.format_value(best.best_score, 'score')} with "
            f"{json.dumps(best.best_params, default=str)} (train it with "
            f"--params, then score it once with 'mnistlab evaluate')"
        )
        shared.write_metrics(
            outdir,
            "search",
            common,
            ds,
            run.to_metrics(),
        )


# --- train, evaluate, predict -------------------------------------------------------------------


ParamsOpt = Annotated[
    str | None,
    typer.Option(
        help="Parameters as JSON, or @file.json, e.g. '{\"svc__C\": 5}' (names as in get_params)."
    ),
]
AugmentOpt = Annotated[
    str | None,
    typer.Option(
        help="Train on augmented copies too: shift (the textbook's four 1-pixel shifts), "
        "rotate (±10 degrees), or shift,rotate.",
    ),
]
AsDefaultOpt = Annotated[
    bool,
    typer.Option(
        "--as-default",
        help="Also keep it in the cache as the default model of predict, serve and the study's "
        "model section (cnn or best; the first of them found is used, else fast).",
    ),
]


@app.command("train")
@shared_options(Path("mnistlab-out/model"))
def train(
    model: Annotated[str, typer.Option(help="Registry name (see 'mnistlab list').")],
    params: ParamsOpt = None,
    augment: AugmentOpt = None,
    as_default: AsDefaultOpt = False,
    device: DeviceOpt = "auto",
    *,
    common: Common,
) -> None:
    """Train a model on the whole training set and save it as a model directory.

    The test set is not touched: score it with 'mnistlab evaluate DIR'.
    """
    from mnistlab import models, report
    from mnistlab.evaluation import fit_predict

    if as_default and model not in models.PREFERRED_MODELS:
        raise InputError(
            f"--as-default: only {' or '.join(models.PREFERRED_MODELS)} can replace the "
            f"default model, not {model!r}"
        )
    parsed = models.read_params(params)
    est = models.make_model(model, parsed, augment, random_state=common.seed, n_jobs=common.n_jobs)
    models.set_device(est, device)
    with shared.output(common) as outdir:
        _refuse_a_model_in(outdir, common.overwrite)
        outdir.claim("model.skops", "card.json")  # a user's file there: refused before training
        ds = shared.load_data(common)
        with (
            shared.CliProgress(common) as progress,
            progress.task(f"train {model} on {ds.n_train:,} images", 1) as task,
        ):
            seconds = fit_predict(est, ds.X_train, ds.y_train).fit_seconds
            task.advance()
        extra = {"params_set": parsed, "augment": augment}
        models.save_model(
            est,
            outdir.path,
            name=model,
            dataset=ds,
            train_seconds=seconds,
            extra=extra,
            overwrite=common.overwrite,
        )
        lines = [
            f"trained {model} on {ds.n_train:,} {ds.name} images in {seconds:.1f} s; "
            f"saved to {outdir.path}/ (evaluate with: mnistlab evaluate {outdir.path})"
        ]
        if as_default:
            kept = models.keep_as_default(
                est, ds, model, common.seed, train_seconds=seconds, extra=extra
            )
            lines.append(f"kept as the default model of predict and serve: {kept}")
        results = {model: {"fit_seconds": seconds, "n_train": ds.n_train, **extra}}
        # a network's learning curves (matplotlib is imported only for one)
        figures = report.train_figures(model, est) if hasattr(est, "history_") else {}
        shared.publish(
            outdir, "train", common, ds, results, (), figures, lines=lines, params=parsed
        )


def _refuse_a_model_in(outdir: Any, overwrite: bool) -> None:
    """Refused before training, not after: a model may have taken hours."""
    from mnistlab.models import MODEL_FILE

    if (outdir.path / MODEL_FILE).exists() and not overwrite:
        raise InputError(
            f"--out {outdir.path}: already holds a model; choose another directory "
            "or pass --overwrite to replace it"
        )


@app.command("evaluate")
@shared_options(Path("mnistlab-out/evaluate"))
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="A model directory written by 'train'.")],
    *,
    common: Common,
) -> None:
    """Score a saved model once on the test set: accuracy, per-class table, confusion matrix."""
    from mnistlab import models, report
    from mnistlab.data import training_overlap
    from mnistlab.evaluation import evaluate_model

    card = models.read_card(model_dir)
    with shared.output(common) as outdir:
        ds = shared.load_data(common)
        est, card = models.load_model(model_dir, image_shape=ds.image_shape)
        overlap = training_overlap(card.get("data"), ds)
        if overlap and not common.quiet:  # still evaluated: the user may know what they do
            shown = f"warning: {overlap}; this test accuracy may be optimistic"
            shared.err_console.print(shown, markup=False, soft_wrap=True)
        ev = evaluate_model(est, ds.X_test, ds.y_test)
        pred, seconds, acc = ev.predictions, ev.predict_seconds, ev.accuracy
        per_class = ev.per_class()
        name = card["name"]
        shared.console.print(
            f"{name}: test accuracy {report.format_value(acc, 'score')} on {ds.n_test:,} "
            f"{ds.name} images ({report.format_value(seconds, 'seconds')} s to predict)"
        )
        shared.print_tables(
            [report.per_class_table(per_class, f"{name}: per class on the test set")]
        )
        shared.save_figures(outdir, report.evaluate_figures(name, ds.y_test, pred))
        results = {
            name: {
                "test": ev.test,
                "predict_seconds": seconds,
                "fit_seconds": card.get("train_seconds"),
                "model_dir": str(Path(model_dir).resolve()),
            }
        }
        headline = {"test_accuracy": acc, "training_overlap": overlap}
        shared.write_metrics(outdir, "evaluate", common, ds, results, headline=headline)


ImagesArg = Annotated[
    list[Path] | None,
    typer.Argument(help="PNG or JPEG files of one digit each, or directories of them."),
]
KaggleOpt = Annotated[
    Path | None, typer.Option(help="A Kaggle digit-recognizer CSV (test.csv) to predict.")
]
SubmissionOpt = Annotated[
    Path | None,
    typer.Option(
        help="With --kaggle: where to write the submission CSV (ImageId,Label); refused if it "
        "exists unless --overwrite.",
    ),
]


@app.command("predict")
@shared_options(only=("data", "seed", "overwrite", "quiet", "debug"))
def predict(
    images: ImagesArg = None,
    model_dir: ServingModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    csv: Annotated[
        Path | None, typer.Option(help="Also write the results to this CSV file.")
    ] = None,
    kaggle: KaggleOpt = None,
    submission: SubmissionOpt = None,
    *,
    common: Common,
) -> None:
    """Predict the digits of image files (digit, probability, top 3) or of a Kaggle CSV.

    A Kaggle CSV becomes a Kaggle submission (--submission).

    Every readable image is predicted; each unreadable one is reported on its own line
    (and as an error row in --json and --csv), and the command then exits with code 2.
    When none is readable, no model is loaded or trained (and "model" is null in --json).

    Images are prepared the way the model's training images were made (grey, light
    ink on dark, cropped, scaled, centred by centre of mass).
    """
    import json

    from mnistlab import models
    from mnistlab.preprocessing import image_files, read_images
    from mnistlab.report import predictions_table

    _check_predict_options(images, kaggle, submission, csv, common.overwrite)
    files = image_files(images or [])
    # the images are read and checked once, before any model is loaded or trained
    if model_dir is not None:
        card = models.read_card(model_dir)
        shape, pmax = tuple(card["image_shape"]), int(card["pixel_max"])
    else:
        ds = shared.load_data(common)
        shape, pmax = ds.image_shape, ds.pixel_max
    batch = read_images(files, shape, pmax)
    if files and not len(batch.X):  # nothing readable: no model to load or train for it
        results = models.predict_files(None, batch)  # an error row per file
        model_name = None
    else:
        est, card = shared.serving_model(
            model_dir, shape, None if model_dir else ds, quiet=common.quiet, seed=common.seed
        )
        if kaggle is not None:
            _kaggle(est, kaggle, submission, shape, pmax, str(model_dir or "the default model"))
            return
        results = models.predict_files(est, batch, card.get("classes"))
        model_name = card["name"]
    if csv is not None:
        models.write_predictions_csv(csv, results)
    if as_json:
        shared.console.print_json(json.dumps({"model": model_name, "predictions": results}))
    elif model_name is not None:  # without a model, the lines on stderr say it all
        shared.print_tables([predictions_table(model_name, results)])
    for exc in batch.refused:
        shared.error_line(str(exc))
    if batch.refused:
        raise typer.Exit(2)


def _check_predict_options(
    images: list[Path] | None,
    kaggle: Path | None,
    submission: Path | None,
    csv: Path | None,
    overwrite: bool,
) -> None:
    if not images and kaggle is None:
        raise InputError("nothing to predict: give image files or directories, or --kaggle FILE")
    if images and kaggle is not None:
        raise InputError("give image files or --kaggle, not both")
    if kaggle is not None and submission is None:
        raise InputError("--kaggle needs --submission FILE (where to write the predictions)")
    for target in (submission, csv):
        if target is not None and target.exists() and not overwrite:
            raise InputError(f"{target}: already exists; choose another file or pass --overwrite")


def _kaggle(est: Any, kaggle: Path, submission: Path, shape: tuple, pmax: int, model: str) -> None:
    """Predict a Kaggle test.csv into a submission, and say how many of each digit."""
    import numpy as np

    from mnistlab import models

    pred = models.kaggle_submission(
        est, kaggle, submission, image_shape=shape, pixel_max=pmax, model=model
    )
    counts = np.bincount(pred.astype(int), minlength=10)
    shared.console.print(
        f"wrote {len(pred):,} predictions to {submission} (digit counts: "
        f"{' '.join(map(str, counts))})"
    )
