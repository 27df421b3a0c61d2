"""The ``list`` command and the ``cache`` commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import app

cache_app = typer.Typer(help="Inspect or clear the cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


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
        kind = "multilabel model" if models.entry(name).multilabel_only else "model"
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
    shared.console.print(table)


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
    shared.console.print(table)


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
        shared.console.print(f"nothing to clear: {cache_root()} does not exist", markup=False)
        return
    if not yes:
        if not _stdin_is_terminal():
            raise InputError("cache clear: no terminal to ask for confirmation; pass --yes")
        size = _human(sum(cache_usage().values()))
        if not typer.confirm(f"Delete mnistlab's cache in {root} ({size})?", default=False):
            shared.console.print("nothing cleared")
            raise typer.Exit(1)
    freed, kept = clear_cache()
    shared.console.print(f"cleared {root} ({_human(freed)} freed)", markup=False)
    if kept:
        shared.console.print(f"kept what mnistlab did not make: {', '.join(kept)}", markup=False)
