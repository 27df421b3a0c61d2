"""The ``data`` commands: info, fetch and show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    _is_terminal,
    _load,
    _output,
    _print_tables,
    _save_figures,
    _write_metrics,
    app,
    console,
    err_console,
    shared_options,
)

data_app = typer.Typer(help="Inspect, fetch and show the data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("info")
@shared_options()
def data_info(
    *,
    common: Common,
) -> None:
    """Describe the data: source, checksums, split, shapes, class counts, pixel statistics."""
    from mnistlab.data import dataset_statistics
    from mnistlab.report import dataset_tables

    with _output(common) as outdir:
        ds = _load(common)
        results = {"dataset": dataset_statistics(ds)}
        _print_tables(dataset_tables(ds, results["dataset"]))
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
    n: Annotated[int, typer.Option("--n", help="How many images to show (1..400).")] = (
        defaults.SHOW_IMAGES
    ),
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
        )
