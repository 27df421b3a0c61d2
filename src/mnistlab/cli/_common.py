"""What every command shares: the app, its options, error handling, progress and output."""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
import time
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
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

#: click's ClickException, or typer's own copy of it (typer 0.26 vendors click): both are a base
#: of typer.BadParameter, so this needs no private module and works with either.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


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
            if _state["debug"] or isinstance(exc, _CLICK_ERROR):
                raise
            if _is_input_error(exc):
                error_line(str(exc))
                raise typer.Exit(2) from None
            if isinstance(exc, MnistlabError):
                error_line(str(exc))
            else:
                error_line(
                    f"internal error: {type(exc).__name__}: {exc} "
                    "(rerun with --debug for the traceback, and please report it)"
                )
            raise typer.Exit(1) from None


def _is_input_error(exc: BaseException) -> bool:
    """An InputError, or scikit-learn's InvalidParameterError (a bad value in --params): the
    user's to fix. (If it was raised, scikit-learn is imported: this module does not import it.)"""
    validation = sys.modules.get("sklearn.utils._param_validation")
    return isinstance(exc, InputError) or (
        validation is not None and isinstance(exc, validation.InvalidParameterError)
    )


def error_line(message: str) -> None:
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
# options of several commands (each command gives its own default)
ModelsOpt = Annotated[
    str, typer.Option("--models", help="Comma-separated registry names (see 'mnistlab list').")
]


def check_cv(cv: int) -> int:
    """Every ``--cv``'s callback: refused as the command line is read, before any data."""
    if cv < 2:
        raise InputError(f"--cv {cv}: cross-validation needs at least 2 folds")
    return cv


def cv_option(help: str) -> Any:
    return typer.Option("--cv", help=help, callback=check_cv)


StratifiedCVOpt = Annotated[
    int, cv_option("Cross-validation folds (stratified, unshuffled, as cross_val_score).")
]
CVOpt = Annotated[int, cv_option("Cross-validation folds.")]


def _out_option(default_help: str) -> Any:
    return typer.Option(
        "--out",
        help=f"Output directory for figures (PNG) and metrics.json; created if missing, "
        f"refused if it holds files mnistlab did not write. {default_help}",
        file_okay=False,
    )


OutOpt = Annotated[Path | None, _out_option("Default: write nothing, print only.")]


def check_device(device: str) -> str:
    """Every ``--device``'s callback: a known name and, unless "auto", one that is there,
    refused as the command line is read (before any data)."""
    from mnistlab.models._torch import check_device as known
    from mnistlab.models._torch import resolve_device, torch_available

    name = known(device)
    if name != "auto" and torch_available():  # without torch no model uses it
        resolve_device(name)
    return name


DeviceOpt = Annotated[
    str,
    typer.Option(
        help="Where neural networks run: auto (CUDA, then Apple's MPS, else the CPU), cpu, "
        "cuda, cuda:<n> or mps; other models ignore it.",
        callback=check_device,
    ),
]
#: the model of predict and serve
ServingModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A model directory written by 'train'; default: the 'fast' model trained once "
        "on --data (seeded by --seed) and kept in the cache.",
    ),
]


@dataclass
class Common:
    """The options every command shares, and the command's own as ``options``."""

    data: str = "auto"
    seed: int = 42
    n_jobs: int = -1
    quick: bool = False
    out: Path | None = None
    overwrite: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def args(self, **parsed: Any) -> dict[str, Any]:
        """The command's arguments, as recorded in ``metrics.json``.

        ``parsed`` replaces an option's text by what the command made of it
        (e.g. ``pair=[3, 5]`` for ``--pair 3,5``).
        """
        base = {
            "data": self.data,
            "seed": self.seed,
            "n_jobs": self.n_jobs,
            "quick": self.quick,
            "out": str(self.out) if self.out else None,
        }
        return {**base, **self.options, **parsed}


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


#: The shared options, in the order of --help; their defaults are :class:`Common`'s.
_SHARED = {
    "data": DataOpt,
    "seed": SeedOpt,
    "n_jobs": NJobsOpt,
    "quick": QuickOpt,
    "out": OutOpt,
    "overwrite": OverwriteOpt,
    "quiet": QuietOpt,
    "verbose": VerboseOpt,
    "debug": DebugOpt,
}


def shared_options(
    out: Path | None = None, *, own_data: bool = False, only: tuple[str, ...] | None = None
) -> Any:
    """Give a command the shared options and hand it one :class:`Common` as ``common``.

    ``out`` is the default ``--out`` directory (None: write nothing unless asked).
    With ``own_data`` the command declares its own ``--data`` and also receives it.
    ``only`` names the shared options the command has (default: all). The command's
    own options are kept in ``common.options`` for ``metrics.json`` (paths as text).
    """
    defaults = {f.name: f.default for f in fields(Common)}
    names = [n for n in (only or _SHARED) if not (own_data and n == "data")]

    def decorate(func: Any) -> Any:
        sig = inspect.signature(func)
        hints = typing.get_type_hints(func, include_extras=True)  # modules postpone them
        own = [
            p.replace(
                annotation=hints.get(p.name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY
            )
            for p in sig.parameters.values()
            if p.name != "common"
        ]
        out_help = f"Default: {out}." if out else "Default: write nothing, print only."
        annotations = {**_SHARED, "out": Annotated[Path, _out_option(out_help)] if out else OutOpt}
        extra = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=out if name == "out" else defaults[name],
                annotation=annotations[name],
            )
            for name in names
        ]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in names}
            if own_data:
                values["data"] = kwargs["data"]
            options = {
                k: str(v) if isinstance(v, Path) else v for k, v in kwargs.items() if k != "data"
            }
            return func(common=_setup(Common(**values, options=options)), **kwargs)

        params = own + extra
        wrapper.__signature__ = sig.replace(parameters=params, return_annotation=None)
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


#: The modules of each optional extra (``pip install 'mnistlab[NAME]'``); a tuple is "any one
#: of": python-multipart is imported as ``python_multipart`` since 0.0.13, as ``multipart`` before.
_EXTRAS = {
    "serve": (("fastapi",), ("uvicorn",), ("python_multipart", "multipart")),
    "dask": (("distributed",),),
}


def require_extra(extra: str, what: str) -> None:
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


def is_terminal() -> bool:
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


class CliProgress(Progress):
    """A rich progress display on a terminal, plain lines otherwise, nothing with --quiet."""

    def __init__(self, common: Common) -> None:
        self.quiet = common.quiet
        self.bar = None
        if is_terminal() and not common.quiet:
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

    def __enter__(self) -> CliProgress:
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


def load_data(common: Common):
    from mnistlab.data import load, subset

    ds = load(common.data, progressbar=is_terminal() and not common.quiet)
    if common.quick:
        ds = subset(ds, *QUICK_SIZES, random_state=common.seed)
    return ds


def run_task(
    common: Common,
    task: Callable[..., Any],
    *args: Any,
    check: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """Load the data and run ``task`` on it with the seed, jobs and progress of ``common``.

    ``check`` sees the data first, so that an option the data cannot serve is refused
    before the work, not after it. Returns the dataset and the task's result.
    """
    ds = load_data(common)
    if check is not None:
        check(ds)
    with CliProgress(common) as progress:
        result = task(
            ds, *args, random_state=common.seed, n_jobs=common.n_jobs, progress=progress, **kwargs
        )
    return ds, result


@contextmanager
def output(common: Common) -> Iterator[Any]:
    """The ``--out`` directory, or None when no --out was given."""
    from mnistlab._io import OutputDir

    yield OutputDir(common.out, overwrite=common.overwrite) if common.out else None


def print_tables(tables: Sequence[Any]) -> None:
    """Draw a result's tables (``mnistlab.report``'s, as the report and notebook show them)."""
    from mnistlab.report import rich_table

    for table in tables:
        console.print(rich_table(table))


def save_figures(outdir: Any, figures: dict[str, Any]) -> None:
    for name, fig in figures.items():
        outdir.save_figure(name, fig)


def publish(
    outdir: Any,
    command: str,
    common: Common,
    ds: Any,
    results: dict,
    tables: Sequence[Any] = (),
    figures: dict[str, Any] | None = None,
    *,
    lines: Sequence[str] = (),
    headline: dict[str, Any] | None = None,
    **args: Any,
) -> None:
    """What every analysis command ends with: its tables (then ``lines`` of text), its figures
    and ``metrics.json`` (``args``: the command's options that ``common`` does not hold)."""
    print_tables(tables)
    for line in lines:
        console.print(line)
    if outdir is not None:
        save_figures(outdir, figures or {})
    write_metrics(outdir, command, common, ds, results, headline=headline, **args)


def write_metrics(
    out: Any,
    command: str,
    common: Common,
    ds: Any,
    results: dict,
    *,
    headline: dict[str, Any] | None = None,
    **args: Any,
) -> None:
    """Write ``metrics.json`` into ``out`` (None: nothing); ``headline`` adds top-level keys."""
    from mnistlab.report import metrics_document

    if out is None:
        return
    doc = metrics_document(command, common.args(**args), ds, common.seed, results)
    out.write_json("metrics.json", {**doc, **(headline or {})})
    if not common.quiet:
        err_console.print(f"wrote {out.path}/", markup=False)


def serving_model(
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
