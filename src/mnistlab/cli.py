"""The ``mnistlab`` command line: parse, call the library, render the result.

Every command shares ``--data``, ``--seed``, ``--n-jobs``, ``--quick``, ``--out``,
``--overwrite``, ``--quiet``, ``--verbose`` and ``--debug``. Bad input gets one
line on stderr and exit code 2; Ctrl-C exits 130; other failures exit 1. No
traceback unless ``--debug`` (or ``MNISTLAB_DEBUG=1``).
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
import time
import traceback
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from mnistlab import __version__
from mnistlab._errors import InputError, MnistlabError
from mnistlab._progress import Progress, ProgressTask

logger = logging.getLogger("mnistlab")
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
if not console.is_terminal:  # logs and pipes: wide enough that result tables do not wrap
    console.width = max(console.width, 140)

#: Subset sizes of ``--quick`` (train, test); a smaller dataset is used whole.
QUICK_SIZES = (10_000, 2_000)

_state = {"debug": os.environ.get("MNISTLAB_DEBUG", "") not in ("", "0")}


class _Group(TyperGroup):
    """Maps errors to one line and an exit code, for every subcommand."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # output piped into e.g. head, which stopped reading
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:
            if _state["debug"] or isinstance(exc, typer._click.exceptions.ClickException):
                raise
            if isinstance(exc, InputError):
                _error_line(str(exc))
                raise typer.Exit(2) from None
            if isinstance(exc, MnistlabError):
                _error_line(str(exc))
            else:
                _error_line(
                    f"internal error: {type(exc).__name__}: {exc} "
                    "(rerun with --debug for the traceback, and please report it)"
                )
            raise typer.Exit(1) from None


def _error_line(message: str) -> None:
    # the message quotes paths and file contents: plain text, never Rich markup
    from rich.text import Text

    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


app = typer.Typer(
    cls=_Group,
    name="mnistlab",
    help="The classic MNIST classification study, as a fast and tested toolkit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Inspect, fetch and show the data.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect or clear the cache.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(cache_app, name="cache")


# --- shared options --------------------------------------------------------------------------

DataOpt = Annotated[
    str,
    typer.Option(
        "--data",
        help="Data source: auto (MNISTLAB_DATA, else the cache, else a download, else the "
        "embedded 8x8 digits), mnist (original files, checksums required), digits, openml, "
        "a directory of the four IDX files, or a Kaggle digit-recognizer CSV.",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of every random step.")]
NJobsOpt = Annotated[
    int,
    typer.Option(
        "--n-jobs",
        help="Parallel jobs (-1: all cores), used at one level only so that parallel "
        "cross-validation never runs around parallel models.",
    ),
]
QuickOpt = Annotated[
    bool,
    typer.Option(
        "--quick",
        help=f"Use a stratified subset ({QUICK_SIZES[0]:,} train / {QUICK_SIZES[1]:,} test on "
        "MNIST; smaller datasets whole) and the fast settings of the command.",
    ),
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Write into a non-empty --out directory that mnistlab did not write.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the results.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Print more detail.")]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks of errors (for bug reports).")
]


def _out_option(default_help: str) -> Any:
    return typer.Option(
        "--out",
        help=f"Output directory for figures (PNG) and metrics.json; created if missing, "
        f"refused if it holds files mnistlab did not write. {default_help}",
        file_okay=False,
    )


OutOpt = Annotated[Path | None, _out_option("Default: write nothing, print only.")]


@dataclass
class Common:
    """The options every command shares."""

    data: str = "auto"
    seed: int = 42
    n_jobs: int = -1
    quick: bool = False
    out: Path | None = None
    overwrite: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False

    def args(self, **extra: Any) -> dict[str, Any]:
        """The command's arguments, as recorded in ``metrics.json``."""
        base = {
            "data": self.data,
            "seed": self.seed,
            "n_jobs": self.n_jobs,
            "quick": self.quick,
            "out": str(self.out) if self.out else None,
        }
        return {**base, **extra}


class _NoticeHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "notice: " if record.levelno >= logging.WARNING else ""
        err_console.print(f"{prefix}{record.getMessage()}", soft_wrap=True, markup=False)


def _setup(common: Common) -> Common:
    if common.debug:
        _state["debug"] = True
    if common.quiet and common.verbose:
        raise InputError("--quiet and --verbose exclude each other; choose one")
    if common.n_jobs == 0:
        raise InputError("--n-jobs 0 is not a number of jobs; use -1 for all cores, or 1, 2, ...")
    for handler in list(logger.handlers):
        if isinstance(handler, _NoticeHandler):
            logger.removeHandler(handler)
    logger.addHandler(_NoticeHandler())
    logger.propagate = False
    logger.setLevel(
        logging.ERROR if common.quiet else logging.INFO if common.verbose else logging.WARNING
    )
    return common


_SHARED = ("data", "seed", "n_jobs", "quick", "out", "overwrite", "quiet", "verbose", "debug")


def shared_options(out: Path | None = None, *, own_data: bool = False) -> Any:
    """Give a command the shared options and hand it one :class:`Common` as ``common``.

    ``out`` is the default ``--out`` directory (None: write nothing unless asked).
    With ``own_data`` the command declares its own ``--data`` and also receives it.
    """

    def decorate(func: Any) -> Any:
        sig = inspect.signature(func)
        hints = typing.get_type_hints(func, include_extras=True)  # this module postpones them
        own = [
            p.replace(
                annotation=hints.get(p.name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY
            )
            for p in sig.parameters.values()
            if p.name != "common"
        ]
        out_help = f"Default: {out}." if out else "Default: write nothing, print only."
        out_type = Annotated[Path, _out_option(out_help)] if out else OutOpt
        shared = {
            "data": (DataOpt, "auto"),
            "seed": (SeedOpt, 42),
            "n_jobs": (NJobsOpt, -1),
            "quick": (QuickOpt, False),
            "out": (out_type, out),
            "overwrite": (OverwriteOpt, False),
            "quiet": (QuietOpt, False),
            "verbose": (VerboseOpt, False),
            "debug": (DebugOpt, False),
        }
        if own_data:
            del shared["data"]
        extra = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
            for name, (annotation, default) in shared.items()
        ]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in _SHARED if n in kwargs and n != "data"}
            if own_data:
                values["data"] = kwargs["data"]
            else:
                values["data"] = kwargs.pop("data")
            return func(common=_setup(Common(**values)), **kwargs)

        params = own + extra
        wrapper.__signature__ = sig.replace(parameters=params, return_annotation=None)
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


def _check_cv(cv: int) -> None:
    if cv < 2:
        raise InputError(f"--cv {cv}: cross-validation needs at least 2 folds")


#: The modules of each optional extra (``pip install 'mnistlab[NAME]'``); a tuple is "any one
#: of": python-multipart is imported as ``python_multipart`` since 0.0.13, as ``multipart`` before.
_EXTRAS = {
    "serve": (("fastapi",), ("uvicorn",), ("python_multipart", "multipart")),
    "dask": (("distributed",),),
}


def _require_extra(extra: str, what: str) -> None:
    """Say in one line how to install ``extra`` when one of its modules cannot be imported."""
    import importlib

    for names in _EXTRAS[extra]:
        for name in names:
            try:
                importlib.import_module(name)
                break
            except ImportError:
                continue
        else:
            raise InputError(f"{what} needs the {extra} extra: pip install 'mnistlab[{extra}]'")


def _is_terminal() -> bool:
    return err_console.is_terminal


class _LineTask(ProgressTask):
    """In logs (no terminal): one line when a step starts and one when it ends."""

    def __init__(self, description: str, total: int, quiet: bool) -> None:
        self.description, self.total, self.quiet = description, total, quiet
        self.done = 0
        self.start = time.perf_counter()
        if not quiet:
            err_console.print(f"{description} ...", markup=False)

    def advance(self, n: int = 1) -> None:
        self.done += n

    def close(self) -> None:
        if not self.quiet:
            err_console.print(
                f"{self.description}: done {self.done}/{self.total} in "
                f"{time.perf_counter() - self.start:.1f} s",
                markup=False,
            )


class _RichTask(ProgressTask):
    def __init__(self, bar: Any, description: str, total: int) -> None:
        self.bar = bar
        self.id = bar.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        self.bar.advance(self.id, n)

    def close(self) -> None:
        self.bar.update(self.id, completed=self.bar.tasks[self.id].total)


class _CliProgress(Progress):
    """A rich progress display on a terminal, plain lines otherwise, nothing with --quiet."""

    def __init__(self, common: Common) -> None:
        self.quiet = common.quiet
        self.bar = None
        if _is_terminal() and not common.quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=False,
            )

    def __enter__(self) -> _CliProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def task(self, description: str, total: int) -> ProgressTask:
        if self.bar is not None:
            return _RichTask(self.bar, description, total)
        return _LineTask(description, total, self.quiet)


def _load(common: Common):
    from mnistlab.data import load, subset

    ds = load(common.data, progressbar=_is_terminal() and not common.quiet)
    if common.quick:
        ds = subset(ds, *QUICK_SIZES, random_state=common.seed)
    return ds


@contextmanager
def _output(common: Common) -> Iterator[Any]:
    """The ``--out`` directory, or None when no --out was given."""
    from mnistlab._io import OutputDir

    yield OutputDir(common.out, overwrite=common.overwrite) if common.out else None


def _print_tables(tables: list[Any]) -> None:
    """Draw a result's tables (``mnistlab.report``'s, as the report and notebook show them)."""
    from mnistlab.report import rich_table

    for table in tables:
        console.print(rich_table(table))


def _save_figures(outdir: Any, figures: dict[str, Any]) -> None:
    for name, fig in figures.items():
        outdir.save_figure(name, fig)


def _write_metrics(
    out: Any, command: str, common: Common, ds: Any, results: dict, **args: Any
) -> None:
    from mnistlab.report import metrics_document

    if out is None:
        return
    doc = metrics_document(command, common.args(**args), ds, common.seed, results)
    out.write_json("metrics.json", doc)
    if not common.quiet:
        err_console.print(f"wrote {out.path}/", markup=False)


# --- root --------------------------------------------------------------------------------------


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"mnistlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """The classic MNIST classification study (Hands-On ML, chapter 3), as a toolkit.

    Data: MNIST from MNISTLAB_DATA, the cache or a download; offline, scikit-learn's 8x8 digits.
    """
    # reset per invocation (tests run many in one process)
    _state["debug"] = debug or os.environ.get("MNISTLAB_DEBUG", "") not in ("", "0")


# --- data --------------------------------------------------------------------------------------


def _pixel_stats(X: np.ndarray) -> dict[str, float]:
    return {
        "min": int(X.min()),
        "max": int(X.max()),
        "mean": float(X.mean(dtype=np.float64)),
        "std": float(X.std(dtype=np.float64)),
        "zero_fraction": float(np.count_nonzero(X == 0) / X.size),
    }


@data_app.command("info")
@shared_options()
def data_info(
    *,
    common: Common,
) -> None:
    """Describe the data: source, checksums, split, shapes, class counts, pixel statistics."""
    from mnistlab.report import dataset_tables

    with _output(common) as outdir:
        ds = _load(common)
        train_counts = np.bincount(ds.y_train, minlength=10)
        test_counts = np.bincount(ds.y_test, minlength=10)
        results = {
            "dataset": {
                **ds.describe(),
                "pixel_max": ds.pixel_max,
                "dtype": str(ds.X_train.dtype),
                "split": ds.split,
                "checksums": ds.checksums,
                "class_counts": {
                    "train": train_counts.tolist(),
                    "test": test_counts.tolist(),
                },
                "pixels": {"train": _pixel_stats(ds.X_train), "test": _pixel_stats(ds.X_test)},
            }
        }
        _print_tables(dataset_tables(ds, results["dataset"]["pixels"]))
        _write_metrics(outdir, "data info", common, ds, results)


@data_app.command("fetch")
@shared_options(own_data=True)
def data_fetch(
    data: Annotated[
        str, typer.Option("--data", help="What to fetch into the cache: mnist or openml.")
    ] = "mnist",
    *,
    common: Common,
) -> None:
    """Download MNIST (or OpenML's mnist_784) into the cache, verified, for offline use."""
    from mnistlab.data import download_mnist, load_idx_dir, load_openml, mirrors

    if data not in ("mnist", "openml"):
        raise InputError(f"--data {data!r}: fetch takes mnist or openml")
    with _output(common) as outdir:
        if data == "mnist":
            if not common.quiet:
                err_console.print(f"mirrors: {', '.join(mirrors())}", markup=False)
            directory = download_mnist(progressbar=_is_terminal() and not common.quiet)
            ds = load_idx_dir(directory, require_verified=True)
            console.print(f"MNIST is in {directory} (checksums verified)")
        else:
            ds = load_openml()
            console.print("OpenML mnist_784 is in the cache")
        _write_metrics(outdir, "data fetch", common, ds, {"dataset": ds.describe()})


@data_app.command("show")
@shared_options(Path("mnistlab-out/data-show"))
def data_show(
    n: Annotated[int, typer.Option("--n", help="How many images to show (1..400).")] = 25,
    split: Annotated[str, typer.Option("--split", help="train or test.")] = "train",
    *,
    common: Common,
) -> None:
    """Draw the first N images of a split with their labels (digits.png)."""
    from mnistlab.report import data_figures

    if not 1 <= n <= 400:
        raise InputError(f"--n {n}: show between 1 and 400 images")
    if split not in ("train", "test"):
        raise InputError(f"--split {split!r}: choose train or test")
    with _output(common) as outdir:
        ds = _load(common)
        y = ds.y_train if split == "train" else ds.y_test
        n = min(n, len(y))
        _save_figures(outdir, data_figures(ds, n, split))
        console.print(f"{n} {split} images of {ds.name}, labels: {' '.join(str(v) for v in y[:n])}")
        _write_metrics(
            outdir,
            "data show",
            common,
            ds,
            {"shown": {"split": split, "n": n, "labels": y[:n].tolist()}},
            n=n,
            split=split,
        )


# --- binary and pairs ------------------------------------------------------------------------


@app.command("binary")
@shared_options(Path("mnistlab-out/binary"))
def binary(
    positive: Annotated[int, typer.Option("--positive", help="The digit to detect.")],
    negative: Annotated[
        int | None,
        typer.Option("--negative", help="The other digit of a pair; default: all other digits."),
    ] = None,
    model_names: Annotated[
        str, typer.Option("--models", help="Comma-separated registry names (see 'mnistlab list').")
    ] = "sgd,rf",
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            help="Choose the lowest threshold reaching this precision, in (0, 1].",
        ),
    ] = 0.9,
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
    ] = 3,
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
                model_names,
                cv=cv,
                target_precision=target_precision,
                target_recall=target_recall,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        for name, r in result.models.items():
            for t in r.thresholds.values():
                if not t.reached:
                    logger.warning("%s: %s", name, t.message())
        _print_tables(report.binary_tables(result))
        _save_figures(outdir, report.binary_figures(result))
        _write_metrics(
            outdir,
            "binary",
            common,
            ds,
            result.to_metrics(),
            positive=positive,
            negative=negative,
            models=model_names,
            target_precision=target_precision,
            target_recall=target_recall,
            cv=cv,
        )


@app.command("pairs")
@shared_options(Path("mnistlab-out/pairs"))
def pairs(
    model: Annotated[
        str, typer.Option("--model", help="Registry name of the pairwise detector.")
    ] = "pca-knn",
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds per pair.")] = 3,
    top: Annotated[int, typer.Option("--top", help="How many of the hardest pairs to list.")] = 10,
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
        _print_tables(report.pairs_tables(result, top))
        m = result.to_metrics()[model]
        cv_error, test_error = (
            report.format_value(m[k]["mean_error"], "percent") for k in ("cv", "test")
        )
        console.print(
            f"mean pairwise error: CV {cv_error}, test {test_error}; {len(result.pairs)} pairs "
            f"in {report.format_value(result.seconds, 'seconds')} s"
        )
        _save_figures(outdir, report.pairs_figures(result))
        _write_metrics(
            outdir, "pairs", common, ds, result.to_metrics(), model=model, cv=cv, top=top
        )


# --- multiclass and multilabel ----------------------------------------------------------------


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
    model_names: Annotated[
        str, typer.Option("--models", help="Comma-separated registry names (see 'mnistlab list').")
    ] = "sgd,logreg,rf,knn,svc",
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            help="native (the model's own multiclass handling), ovr "
            "(one-vs-rest) or ovo (one-vs-one); several, comma-separated, to compare them.",
        ),
    ] = "native",
    pair: Annotated[
        str, typer.Option("--pair", help="Two digits whose mix-ups to show as a 2x2 grid.")
    ] = "3,5",
    cv: Annotated[
        int,
        typer.Option(
            "--cv", help="Cross-validation folds (stratified, unshuffled, as cross_val_score)."
        ),
    ] = 3,
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
    _check_cv(cv)
    with _output(common) as outdir:
        ds = _load(common)
        for d in (a, b):
            if d not in ds.classes:
                raise InputError(f"--pair {pair}: digit {d} is not in the dataset")
        with _CliProgress(common) as progress:
            result = run_multiclass(
                ds,
                model_names,
                strategy=strategy,
                cv=cv,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        _print_tables(report.multiclass_tables(result, per_model=common.verbose))
        _save_figures(outdir, report.multiclass_figures(result, ds, (a, b)))
        _write_metrics(
            outdir,
            "multiclass",
            common,
            ds,
            result.to_metrics(),
            models=model_names,
            strategy=strategy,
            pair=[a, b],
            cv=cv,
        )


@app.command("multilabel")
@shared_options(Path("mnistlab-out/multilabel"))
def multilabel(
    labels: Annotated[
        str,
        typer.Option(
            "--labels", help="Comma-separated labels derived from the digit (see 'mnistlab list')."
        ),
    ] = "large,odd,prime",
    model_names: Annotated[
        str, typer.Option("--models", help="Comma-separated multilabel models.")
    ] = "knn5,chain-svc,multioutput-logreg",
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds (unshuffled).")] = 3,
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
                model_names,
                cv=cv,
                random_state=common.seed,
                n_jobs=common.n_jobs,
                progress=progress,
            )
        _print_tables(report.multilabel_tables(result))
        _save_figures(outdir, report.multilabel_figures(result))
        _write_metrics(
            outdir,
            "multilabel",
            common,
            ds,
            result.to_metrics(),
            labels=labels,
            models=model_names,
            cv=cv,
        )


# --- denoise and clean -------------------------------------------------------------------------


@app.command("denoise")
@shared_options(Path("mnistlab-out/denoise"))
def denoise(
    noise: Annotated[
        str,
        typer.Option(
            "--noise", help="textbook, gaussian, salt-pepper or occlusion (see 'mnistlab list')."
        ),
    ] = "textbook",
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
    ] = "rf",
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
        _print_tables(report.denoise_tables(result))
        console.print(f"best denoiser (chosen on validation MSE): {result.best()}")
        _save_figures(outdir, report.denoise_figures(result))
        _write_metrics(
            outdir,
            "denoise",
            common,
            ds,
            result.to_metrics(),
            noise=noise,
            strength=strength,
            denoisers=denoisers,
            classifier=classifier,
        )


@app.command("clean")
@shared_options(Path("mnistlab-out/clean"))
def clean(
    model: Annotated[
        str,
        typer.Option(
            "--model", help="Registry model whose out-of-fold probabilities find the issues."
        ),
    ] = "rf",
    show: Annotated[int, typer.Option("--show", help="Issues to draw in the gallery.")] = 32,
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds.")] = 3,
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
            f"({report.format_value(n / ds.n_train, 'percent')}), found from {model}'s out-of-fold "
            f"probabilities (CV accuracy {report.format_value(result.cv_accuracy, 'score')})"
        )
        _print_tables(report.clean_tables(result))
        outdir.write_bytes("label_issues.csv", result.table().to_csv(index=False))
        _save_figures(outdir, report.clean_figures(result, ds, show))
        _write_metrics(
            outdir, "clean", common, ds, result.to_metrics(), model=model, cv=cv, show=show
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
    ] = "quick",
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run the fits on Dask: local (a 2-worker "
            "LocalCluster) or a scheduler address such as tcp://host:8786.",
        ),
    ] = None,
    cv: Annotated[int, typer.Option("--cv", help="Cross-validation folds.")] = 3,
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

    from mnistlab import plots, report
    from mnistlab.tasks import run_search

    _check_cv(cv)
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
                progress=progress,
            )
        _print_tables(report.search_tables(run))
        for name, r in run.results.items():
            outdir.write_bytes(f"{name}_cv_results.csv", r.cv_results.to_csv(index=False))
            outdir.save_figure(f"{name}_search.png", plots.search_scores(r))
            if r.architectures:  # neural networks: the best candidates side by side
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
            f"best by validation: {best.model} "
            f"{report.format_value(best.best_score, 'score')} with "
            f"{json.dumps(best.best_params, default=str)} (train it with "
            f"--params, then score it once with 'mnistlab evaluate')"
        )
        _write_metrics(
            outdir,
            "search",
            common,
            ds,
            run.to_metrics(),
            model=model,
            budget=budget,
            dask=dask,
            cv=cv,
        )


# --- train, evaluate, predict -------------------------------------------------------------------


def _parse_params(text: str | None) -> dict:
    import json

    if not text:
        return {}
    source = "--params"
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--params {path}: cannot read it ({exc.strerror})") from None
        source = str(path)
    try:
        params = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(params, dict):
        raise InputError(f"{source}: give a JSON object of parameters, e.g. '{{\"svc__C\": 5}}'")
    return params


def _build_for_training(model: str, params: dict, augment: str | None, seed: int, n_jobs: int):
    from mnistlab import models
    from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented

    est = models.get(model, random_state=seed, n_jobs=n_jobs)
    if params:
        valid = est.get_params(deep=True)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise InputError(
                f"--params: {model} has no parameter {unknown[0]!r}; it has "
                f"{', '.join(k for k in valid if '__' in k or k in params)[:300]}"
            )
        try:
            est.set_params(**params)
        except (ValueError, TypeError) as exc:
            raise InputError(f"--params: {exc}") from None
    kinds = [k.strip() for k in (augment or "").split(",") if k.strip()]
    bad = [k for k in kinds if k not in ("shift", "rotate")]
    if bad:
        raise InputError(f"--augment {bad[0]!r}: choose shift, rotate or both (shift,rotate)")
    if kinds:
        est = Augmented(
            est,
            shifts=TEXTBOOK_SHIFTS if "shift" in kinds else (),
            angles=(-10, 10) if "rotate" in kinds else (),
        )
    return est


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
    parsed = _parse_params(params)
    est = _build_for_training(model, parsed, augment, common.seed, common.n_jobs)
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
            model=model,
            params=parsed,
            augment=augment,
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
            f"{name}: test accuracy {report.format_value(acc, 'score')} on {ds.n_test:,} {ds.name} "
            f"images ({report.format_value(seconds, 'seconds')} s to predict)"
        )
        _print_tables([report.per_class_table(per_class, f"{name}: per class on the test set")])
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

        doc = metrics_document(
            "evaluate", common.args(model_dir=str(model_dir)), ds, common.seed, results
        )
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
    data: DataOpt = "auto",
    seed: SeedOpt = 42,
    overwrite: OverwriteOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Predict the digits of image files (digit, probability, top 3) or of a Kaggle CSV.

    A Kaggle CSV becomes a Kaggle submission (--submission).

    Every readable image is predicted; each unreadable one is reported on its own line
    (and as an error row in --json and --csv), and the command then exits with code 2.

    Images are prepared the way the model's training images were made (grey, light
    ink on dark, cropped, scaled, centred by centre of mass).
    """
    import json

    from mnistlab import models
    from mnistlab.data import read_kaggle_csv, write_submission
    from mnistlab.preprocessing import read_images
    from mnistlab.report import predictions_table

    common = _setup(Common(data=data, seed=seed, quiet=quiet, debug=debug))
    if not images and kaggle is None:
        raise InputError("nothing to predict: give image files or directories, or --kaggle FILE")
    if images and kaggle is not None:
        raise InputError("give image files or --kaggle, not both")
    if kaggle is not None and submission is None:
        raise InputError("--kaggle needs --submission FILE (where to write the predictions)")
    for target in (submission, csv):
        if target is not None and target.exists() and not overwrite:
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
        model_dir, shape, None if model_dir else ds, quiet=quiet, seed=common.seed
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
        _print_tables([predictions_table(card["name"], results)])
    for exc in batch.refused:
        _error_line(str(exc))
    if batch.refused:
        raise typer.Exit(2)


def _check_address(host: str, port: int) -> None:
    """Refuse an address we cannot listen on with one line (uvicorn would exit with a log)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
            ) from None


@app.command("serve")
def serve(
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="A model directory written by 'train'; default: the same cached "
            "'fast' model as 'predict'.",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on; the default answers this machine only. "
            "0.0.0.0 opens it to the network.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Predictions run at once (threads).")
    ] = 2,
    queue: Annotated[
        int,
        typer.Option(
            "--queue",
            min=0,
            max=100_000,
            help="Requests that may wait for a worker; beyond it the server answers 503.",
        ),
    ] = 256,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout",
            min=0.1,
            max=3600,
            help="Seconds a request may take to send its body; slower ones get 408.",
        ),
    ] = 10.0,
    data: DataOpt = "auto",
    seed: SeedOpt = 42,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Serve a page to draw digits on, and a JSON API (POST /api/predict, GET /api/model).

    Uploads are PNG or JPEG (by content), at most 1 MB and 2000 pixels on a side, as the
    raw request body or a multipart field 'file'. Stop it with Ctrl-C. Reached on a
    loopback address, it answers only requests for localhost, 127.0.0.1 or [::1] and its
    port (a page of another site cannot use it).
    """
    _require_extra("serve", "mnistlab serve")
    import uvicorn

    from mnistlab import models
    from mnistlab.serve import UVICORN_SETTINGS, Limits, create_app

    common = _setup(Common(data=data, seed=seed, quiet=quiet, debug=debug))
    _check_address(host, port)  # before a model is trained, not after
    if model_dir is not None:
        card = models.read_card(model_dir)
        est, card = _serving_model(model_dir, tuple(card["image_shape"]), None, quiet=quiet)
    else:
        ds = _load(common)
        est, card = _serving_model(None, ds.image_shape, ds, quiet=quiet, seed=common.seed)
    limits = Limits(workers=workers, queue=queue, body_timeout=body_timeout)
    app_ = create_app(est, card, limits=limits)
    if host not in ("127.0.0.1", "localhost", "::1") and not quiet:
        err_console.print(
            f"warning: listening on {host}: other machines can reach this server", markup=False
        )
    if not quiet:
        shown = f"[{host}]" if ":" in host else host
        err_console.print(f"serving {card['name']} on http://{shown}:{port}/ (Ctrl-C stops it)")
    level = "warning" if quiet else "info"
    uvicorn.run(app_, host=host, port=port, log_level=level, **UVICORN_SETTINGS)


# --- the whole study ----------------------------------------------------------------------------


@app.command("study")
@shared_options(Path("mnistlab-out/study"))
def study(
    sections: Annotated[
        str,
        typer.Option(
            "--sections",
            help="Comma-separated sections to run, in study order: data, binary, pairs, "
            "multiclass, multilabel, denoise, clean, model; or all.",
        ),
    ] = "all",
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Run every section at its command's full settings on all the data "
            "(slower; the default profile runs the slow models on stated subsets to "
            "finish in about 15 minutes on 2 cores).",
        ),
    ] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute",
            help="Ignore cached section results (they are cached by the data's content, "
            "settings, seed, mnistlab's source and library versions).",
        ),
    ] = False,
    *,
    common: Common,
) -> None:
    """The whole study in one command: every section, an HTML report and metrics.json.

    Writes DIR/index.html (one self-contained page), DIR/metrics.json (every
    section's results) and DIR/<section>/ (its PNGs and metrics.json). Finished
    sections are cached, so an interrupted run resumes and a rerun is near-instant.
    """
    from mnistlab import report

    names = report.parse_sections(sections)
    if full and common.quick:
        raise InputError("--full and --quick exclude each other; choose one")
    profile = "quick" if common.quick else "full" if full else "default"
    with _output(common) as outdir:
        ds = _load(common)

        def done(result: Any, cached: bool) -> None:
            report.write_section(outdir, partial, result)
            if not common.quiet:
                how = "from the cache" if cached else f"in {result.seconds:.1f} s"
                headline = "; ".join(f"{k} {v}" for k, v in result.headline[:2])
                err_console.print(f"{result.name}: done {how}: {headline}", markup=False)

        partial = report.StudyResult(
            dataset=ds.describe(),
            checksums=dict(ds.checksums),
            profile=profile,
            seed=common.seed,
            n_jobs=common.n_jobs,
        )
        with _CliProgress(common) as progress:
            result = report.run_study(
                ds,
                names,
                profile,
                seed=common.seed,
                n_jobs=common.n_jobs,
                recompute=recompute,
                progress=progress,
                on_section=done,
            )
        page = report.write_report(outdir, result)
        _print_tables([report.study_table(result)])
        if not common.quiet:
            err_console.print(f"report: {page}", markup=False)


# --- list and cache ------------------------------------------------------------------------------


@app.command("list")
def list_things() -> None:
    """List every named model, strategy, label, noise, denoiser and data source."""
    from mnistlab import models
    from mnistlab.data import SOURCES

    table = Table(title="mnistlab", title_justify="left")
    table.add_column("kind")
    table.add_column("name", style="bold")
    table.add_column("description")
    from mnistlab.tasks import LABELS, STRATEGIES

    for name in models.names():
        kind = "multilabel model" if "multilabel-only" in models.entry(name).tags else "model"
        table.add_row(kind, name, models.describe(name))
    for name, text in STRATEGIES.items():
        table.add_row("strategy", name, text)
    for name, (text, _) in LABELS.items():
        table.add_row("label", name, text)
    from mnistlab.preprocessing import NOISES

    for name, noise in NOISES.items():
        table.add_row("noise", name, f"{noise.description} (default strength {noise.default:g})")
    for name in models.denoiser_names():
        table.add_row("denoiser", name, models.denoiser_entry(name).description)
    for name, text in SOURCES.items():
        table.add_row("data", name, text)
    console.print(table)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


@cache_app.command("info")
def cache_info() -> None:
    """Show where the cache is (MNISTLAB_CACHE) and what it holds."""
    from mnistlab._cache import cache_root, cache_usage

    usage = cache_usage()
    table = Table(title=f"Cache: {cache_root()}", title_justify="left")
    table.add_column("entry")
    table.add_column("size", justify="right")
    for name, size in usage.items():
        table.add_row(name, _human(size))
    table.add_row("total", _human(sum(usage.values())), style="bold")
    console.print(table)


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@cache_app.command("clear")
def cache_clear(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete what mnistlab keeps in the cache (downloads, results, default models).

    Only a cache folder that mnistlab made (it holds a .mnistlab-cache file) is cleared,
    and in it only mnistlab's own entries; other files are kept.
    """
    from mnistlab._cache import cache_root, cache_usage, clear_cache, clearable_root

    root = clearable_root()  # a folder mnistlab did not make is refused here
    if root is None:
        console.print(f"nothing to clear: {cache_root()} does not exist", markup=False)
        return
    if not yes:
        if not _stdin_is_terminal():
            raise InputError("cache clear: no terminal to ask for confirmation; pass --yes")
        size = _human(sum(cache_usage().values()))
        if not typer.confirm(f"Delete mnistlab's cache in {root} ({size})?", default=False):
            console.print("nothing cleared")
            raise typer.Exit(1)
    freed, kept = clear_cache()
    console.print(f"cleared {root} ({_human(freed)} freed)", markup=False)
    if kept:
        console.print(f"kept what mnistlab did not make: {', '.join(kept)}", markup=False)


def main() -> None:
    """Entry point of the ``mnistlab`` script."""
    import matplotlib

    matplotlib.use("Agg")
    try:
        app()
    except KeyboardInterrupt:  # raised outside a command (e.g. while importing)
        err_console.print("interrupted")
        sys.exit(130)
    except Exception:
        traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
