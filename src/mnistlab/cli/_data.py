"""The ``data`` commands: info, fetch and show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, app, shared_options

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

    with shared.output(common) as outdir:
        ds = shared.load_data(common)
        stats = dataset_statistics(ds)
        shared.publish(
            outdir, "data info", common, ds, {"dataset": stats}, dataset_tables(ds, stats)
        )


@data_app.command("fetch")
@shared_options(own_data=True)
def data_fetch(
    data: Annotated[
        str, typer.Option(help="What to fetch into the cache: mnist or openml.")
    ] = "mnist",
    *,
    common: Common,
) -> None:
    """Download MNIST (or OpenML's mnist_784) into the cache, verified, for offline use."""
    from mnistlab.data import download_mnist, load_idx_dir, load_openml, mirrors

    if data not in ("mnist", "openml"):
        raise InputError(f"--data {data!r}: fetch takes mnist or openml")
    with shared.output(common) as outdir:
        if data == "mnist":
            if not common.quiet:
                shared.err_console.print(f"mirrors: {', '.join(mirrors())}", markup=False)
            directory = download_mnist(progressbar=shared.is_terminal() and not common.quiet)
            ds = load_idx_dir(directory, require_verified=True)
            done = f"MNIST is in {directory} (checksums verified)"
        else:
            ds = load_openml()
            done = "OpenML mnist_784 is in the cache"
        shared.publish(outdir, "data fetch", common, ds, {"dataset": ds.describe()}, lines=[done])


@data_app.command("show")
@shared_options(Path("mnistlab-out/data-show"))
def data_show(
    n: Annotated[int, typer.Option(help="How many images to show (1..400).")] = (
        defaults.SHOW_IMAGES
    ),
    split: Annotated[str, typer.Option(help="train or test.")] = "train",
    *,
    common: Common,
) -> None:
    """Draw the first N images of a split with their labels (digits.png)."""
    from mnistlab.report import data_figures

    if not 1 <= n <= 400:
        raise InputError(f"--n {n}: show between 1 and 400 images")
    if split not in ("train", "test"):
        raise InputError(f"--split {split!r}: choose train or test")
    with shared.output(common) as outdir:
        ds = shared.load_data(common)
        y = ds.y_train if split == "train" else ds.y_test
        n = min(n, len(y))
        shown = {"split": split, "n": n, "labels": y[:n].tolist()}
        line = f"{n} {split} images of {ds.name}, labels: {' '.join(str(v) for v in y[:n])}"
        figures = data_figures(ds, n, split)
        shared.publish(outdir, "data show", common, ds, {"shown": shown}, (), figures, lines=[line])
