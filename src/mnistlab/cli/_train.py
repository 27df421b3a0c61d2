"""The ``search``, ``train``, ``evaluate`` and ``predict`` commands."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    DeviceOpt,
    _check_cv,
    _check_device,
    _CliProgress,
    _error_line,
    _load,
    _output,
    _require_extra,
    _save_figures,
    _write_metrics,
    app,
    console,
    err_console,
    shared_options,
)

# --- search --------------------------------------------------------------------------------------


@app.command("search")
@shared_options(Path("mnistlab-out/search"))
def search(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="A registry name with a search space, several "
            "comma-separated, or all (the zoo: fast, best, svc-deskew, svc-hog, mlp, et).",
        ),
    ],
    budget: Annotated[
        str,
        typer.Option(
            "--budget",
            help="quick: 6,000 training images and 8 candidates per "
            "model, in a minute or two; full: 27 candidates per model drawn on "
            "1,000 of the 60,000 images, the best third going on to three times as "
            "many images each round, up to 27,000.",
        ),
    ] = defaults.SEARCH_BUDGET,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run the fits on Dask: local (a 2-worker "
            "LocalCluster) or a scheduler address such as tcp://host:8786.",
        ),
    ] = None,
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds.")] = defaults.CV,
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

    from mnistlab import plots
    from mnistlab.tasks import run_search

    _check_cv(cv)
    _check_device(device)
    if dask:  # before the data is loaded (perhaps downloaded), not after
        _require_extra("dask", "mnistlab search --dask")
    with _output(common) as outdir:
        ds = _load(common)
        with _CliProgress(common) as progress:
            run = run_search(
                ds,
                model,
                budget=budget,
                dask=dask,
                cv=cv,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                device=device,
                progress=progress,
            )
        for name, r in run.results.items():
            t = Table(
                title=f"{name}: top candidates ({r.n_candidates} drawn, "
                f"{r.n_iterations} rounds, {r.seconds:.0f} s)",
                title_justify="left",
            )
            for col in ("rank", "CV accuracy", "std", "images", "fit s", "parameters"):
                t.add_column(col, justify="left" if col == "parameters" else "right")
            for row in r.top(10).itertuples(index=False):
                t.add_row(
                    str(row.rank_test_score),
                    f"{row.mean_test_score:.4f}",
                    f"{row.std_test_score:.4f}",
                    f"{row.n_resources:,}",
                    f"{row.mean_fit_time:.1f}",
                    escape(json.dumps(row.params, default=str)),
                )
            console.print(t)
            outdir.write_bytes(f"{name}_cv_results.csv", r.cv_results.to_csv(index=False))
            outdir.save_figure(f"{name}_search.png", plots.search_scores(r))
            if r.architectures:  # neural networks: the best candidates side by side
                a = Table(
                    title=f"{name}: the best architectures, refitted with a validation split",
                    title_justify="left",
                )
                for col in ("parameters", "trainable weights", "fit s", "validation accuracy"):
                    a.add_column(col, justify="left" if col == "parameters" else "right")
                for arch in r.architectures:
                    acc = arch["valid_accuracy"]
                    a.add_row(
                        escape(json.dumps(arch["params"], default=str)),
                        f"{arch['n_parameters']:,}",
                        f"{arch['fit_seconds']:.1f}",
                        "—" if acc is None else f"{acc:.4f}",
                    )
                console.print(a)
                outdir.save_figure(
                    f"{name}_learning_curves.png",
                    plots.compare_histories(
                        {
                            json.dumps(arch["params"], default=str): arch["history"]
                            for arch in r.architectures
                        },
                        f"{name}: learning curves (validation split of the training data)",
                    ),
                )
        best = max(run.results.values(), key=lambda r: r.best_score)
        console.print(
            f"best by validation: {best.model} {best.best_score:.4f} with "
            f"{json.dumps(best.best_params, default=str)} (train it with "
            f"--params, then score it once with 'mnistlab evaluate')"
        )
        _write_metrics(
            outdir,
            "search",
            common,
            ds,
            run.to_metrics(),
        )


# --- train, evaluate, predict -------------------------------------------------------------------


@app.command("train")
@shared_options(Path("mnistlab-out/model"))
def train(
    model: Annotated[str, typer.Option("--model", help="Registry name (see 'mnistlab list').")],
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            help="Parameters as JSON, or @file.json, e.g. "
            "'{\"svc__C\": 5}' (names as in get_params).",
        ),
    ] = None,
    augment: Annotated[
        str | None,
        typer.Option(
            "--augment",
            help="Train on augmented copies too: shift (the textbook's "
            "four 1-pixel shifts), rotate (±10 degrees), or shift,rotate.",
        ),
    ] = None,
    as_default: Annotated[
        bool,
        typer.Option(
            "--as-default",
            help="Also keep it in the cache as the default model of predict, serve and "
            "the study's model section (cnn or best; the first of them found is used, "
            "else fast).",
        ),
    ] = False,
    device: DeviceOpt = "auto",
    *,
    common: Common,
) -> None:
    """Train a model on the whole training set and save it as a model directory.

    The test set is not touched: score it with 'mnistlab evaluate DIR'.
    """
    from mnistlab import models

    if as_default and model not in models.PREFERRED_MODELS:
        raise InputError(
            f"--as-default: only {' or '.join(models.PREFERRED_MODELS)} can replace the "
            f"default model, not {model!r}"
        )
    parsed = models.read_params(params)
    est = models.make_model(model, parsed, augment, random_state=common.seed, n_jobs=common.n_jobs)
    models.set_device(est, _check_device(device))
    with _output(common) as outdir:
        if (outdir.path / models.MODEL_FILE).exists() and not common.overwrite:
            # refused before training, not after: a model may have taken hours
            raise InputError(
                f"--out {outdir.path}: already holds a model; choose another directory "
                "or pass --overwrite to replace it"
            )
        ds = _load(common)
        with (
            _CliProgress(common) as progress,
            progress.task(f"train {model} on {ds.n_train:,} images", 1) as task,
        ):
            start = time.perf_counter()
            est.fit(ds.X_train, ds.y_train)
            seconds = time.perf_counter() - start
            task.advance()
        extra = {"params_set": parsed, "augment": augment}
        outdir.file("model.skops")
        outdir.file("card.json")
        models.save_model(
            est,
            outdir.path,
            name=model,
            dataset=ds,
            train_seconds=seconds,
            extra=extra,
            overwrite=common.overwrite,
        )
        console.print(
            f"trained {model} on {ds.n_train:,} {ds.name} images in {seconds:.1f} s; "
            f"saved to {outdir.path}/ (evaluate with: mnistlab evaluate {outdir.path})"
        )
        history = getattr(est, "history_", None)
        if history:  # neural networks: loss and validation accuracy per epoch
            from mnistlab.plots import training_history

            outdir.save_figure(
                "learning_curve.png", training_history(history, f"{model}: training")
            )
        if as_default:
            kept = models.default_model_dir(ds, model, common.seed)
            with models.default_model_lock(kept):
                models.save_model(
                    est,
                    kept,
                    name=model,
                    dataset=ds,
                    train_seconds=seconds,
                    extra=extra,
                    overwrite=True,
                )
            console.print(f"kept as the default model of predict and serve: {kept}")
        _write_metrics(
            outdir,
            "train",
            common,
            ds,
            {model: {"fit_seconds": seconds, "n_train": ds.n_train, **extra}},
            params=parsed,
        )


@app.command("evaluate")
@shared_options(Path("mnistlab-out/evaluate"))
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="A model directory written by 'train'.")],
    *,
    common: Common,
) -> None:
    """Score a saved model once on the test set: accuracy, per-class table, confusion matrix."""
    import numpy as np

    from mnistlab import models, report
    from mnistlab.data import training_overlap
    from mnistlab.evaluation import per_class_report, test_summary

    card = models.read_card(model_dir)
    with _output(common) as outdir:
        ds = _load(common)
        est, card = models.load_model(model_dir, image_shape=ds.image_shape)
        overlap = training_overlap(card.get("data"), ds)
        if overlap and not common.quiet:  # still evaluated: the user may know what they do
            shown = f"warning: {overlap}; this test accuracy may be optimistic"
            err_console.print(shown, markup=False, soft_wrap=True)
        start = time.perf_counter()
        pred = est.predict(ds.X_test)
        seconds = time.perf_counter() - start
        acc = float(np.mean(pred == ds.y_test))
        per_class = per_class_report(ds.y_test, pred)
        name = card["name"]
        console.print(
            f"{name}: test accuracy {acc:.4f} on {ds.n_test:,} {ds.name} images "
            f"({seconds:.1f} s to predict)"
        )
        t = Table(title="Per class (test set)", title_justify="left")
        for col in ("class", "precision", "recall", "F1", "support"):
            t.add_column(col, justify="left" if col == "class" else "right")
        for k, row in per_class.iterrows():
            t.add_row(
                str(k),
                f"{row['precision']:.4f}",
                f"{row['recall']:.4f}",
                f"{row['f1-score']:.4f}",
                f"{int(row['support']):,}",
            )
        console.print(t)
        _save_figures(outdir, report.evaluate_figures(name, ds.y_test, pred))
        results = {
            name: {
                "test": test_summary(ds.y_test, pred),
                "predict_seconds": seconds,
                "fit_seconds": card.get("train_seconds"),
                "model_dir": str(Path(model_dir).resolve()),
            }
        }
        from mnistlab.report import metrics_document

        doc = metrics_document("evaluate", common.args(), ds, common.seed, results)
        doc["test_accuracy"] = acc
        doc["training_overlap"] = overlap
        outdir.write_json("metrics.json", doc)
        if not common.quiet:
            err_console.print(f"wrote {outdir.path}/", markup=False)


def _image_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in (".png", ".jpg", ".jpeg") and f.is_file()
            )
            if not found:
                raise InputError(f"{p}: no PNG or JPEG files in this directory")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


def _serving_model(
    model_dir: Path | None, shape: tuple[int, ...], ds: Any, *, quiet: bool, seed: int = 42
) -> tuple[Any, dict]:
    """The model of ``predict`` and ``serve``: a model directory, else the cached default."""
    from mnistlab import models

    if model_dir is not None:
        return models.load_model(model_dir, image_shape=shape)
    est, card, path, trained = models.default_model(ds, random_state=seed, n_jobs=-1)
    if not quiet:
        what = "trained once and cached" if trained else "from the cache"
        err_console.print(f"model: {card['name']} on {ds.name} ({what}: {path})", markup=False)
    return est, card


@app.command("predict")
@shared_options(only=("data", "seed", "overwrite", "quiet", "debug"))
def predict(
    images: Annotated[
        list[Path] | None,
        typer.Argument(help="PNG or JPEG files of one digit each, or directories of them."),
    ] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="A model directory written by 'train'; default: the "
            "'fast' model trained once on --data (seeded by --seed) and kept in the cache.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write the results to this CSV file.")
    ] = None,
    kaggle: Annotated[
        Path | None,
        typer.Option("--kaggle", help="A Kaggle digit-recognizer CSV (test.csv) to predict."),
    ] = None,
    submission: Annotated[
        Path | None,
        typer.Option(
            "--submission",
            help="With --kaggle: where to write the submission CSV "
            "(ImageId,Label); refused if it exists unless --overwrite.",
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Predict the digits of image files (digit, probability, top 3) or of a Kaggle CSV.

    A Kaggle CSV becomes a Kaggle submission (--submission).

    Every readable image is predicted; each unreadable one is reported on its own line
    (and as an error row in --json and --csv), and the command then exits with code 2.

    Images are prepared the way the model's training images were made (grey, light
    ink on dark, cropped, scaled, centred by centre of mass).
    """
    import json

    import numpy as np

    from mnistlab import models
    from mnistlab.data import read_kaggle_csv, write_submission
    from mnistlab.preprocessing import read_images

    if not images and kaggle is None:
        raise InputError("nothing to predict: give image files or directories, or --kaggle FILE")
    if images and kaggle is not None:
        raise InputError("give image files or --kaggle, not both")
    if kaggle is not None and submission is None:
        raise InputError("--kaggle needs --submission FILE (where to write the predictions)")
    for target in (submission, csv):
        if target is not None and target.exists() and not common.overwrite:
            raise InputError(f"{target}: already exists; choose another file or pass --overwrite")
    files = _image_files(images or [])
    # the images are read and checked once, before any model is loaded or trained
    if model_dir is not None:
        card = models.read_card(model_dir)
        shape, pmax = tuple(card["image_shape"]), int(card["pixel_max"])
    else:
        ds = _load(common)
        shape, pmax = ds.image_shape, ds.pixel_max
    batch = read_images(files, shape, pmax)
    if files and not len(batch.X):  # nothing readable: no model to load or train for it
        for exc in batch.refused:
            _error_line(str(exc))
        raise typer.Exit(2)
    est, card = _serving_model(
        model_dir, shape, None if model_dir else ds, quiet=common.quiet, seed=common.seed
    )
    if kaggle is not None:
        X, _, kshape = read_kaggle_csv(kaggle)
        if kshape != shape:
            raise InputError(
                f"{kaggle}: rows are {kshape[0]}x{kshape[1]} images but the model "
                f"was trained on {shape[0]}x{shape[1]}"
            )
        if pmax != 255:
            raise InputError(
                f"{model_dir or 'the default model'}: trained on pixels 0..{pmax}, "
                "but Kaggle CSVs hold 0..255; train it on MNIST"
            )
        pred = est.predict(X)
        write_submission(submission, pred)
        counts = np.bincount(pred.astype(int), minlength=10)
        console.print(
            f"wrote {len(pred):,} predictions to {submission} (digit counts: "
            f"{' '.join(map(str, counts))})"
        )
        return
    results = models.predict_files(est, batch, card.get("classes"))
    if csv is not None:
        models.write_predictions_csv(csv, results)
    if as_json:
        console.print_json(json.dumps({"model": card["name"], "predictions": results}))
    else:
        table = Table(title=f"Predictions of {card['name']}", title_justify="left")
        for col in ("file", "digit", "probability", "top 3"):
            table.add_column(col, justify="left" if col in ("file", "top 3") else "right")
        for r in results:
            if r["error"] is None:
                table.add_row(
                    escape(r["file"]),
                    str(r["digit"]),
                    f"{r['probability']:.3f}",
                    ", ".join(f"{d} ({q:.2f})" for d, q in r["top3"]),
                )
            else:
                table.add_row(escape(r["file"]), "-", "-", "refused: " + escape(r["error"]))
        console.print(table)
    for exc in batch.refused:
        _error_line(str(exc))
    if batch.refused:
        raise typer.Exit(2)
