"""The ``data`` commands: info, fetch and show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mnistlab import _defaults as defaults
from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    _is_terminal,
    _load,
    _output,
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

    with _output(common) as outdir:
        ds = _load(common)
        results = {"dataset": dataset_statistics(ds)}
        counted = results["dataset"]["class_counts"]
        train_counts, test_counts = counted["train"], counted["test"]
        head = Table(title=f"Dataset: {ds.name}", show_header=False, title_justify="left")
        head.add_column(style="bold")
        head.add_column()
        head.add_row("source", ds.source)
        head.add_row(
            "verified",
            "yes: MD5 of all four files match MNIST's"
            if ds.verified
            else "no (no canonical checksums for this source)",
        )
        head.add_row("split", ds.split)
        h, w = ds.image_shape
        head.add_row(
            "train",
            f"{ds.n_train:,} images of {h}x{w}, {ds.X_train.dtype}, {ds.X_train.shape} array",
        )
        head.add_row(
            "test", f"{ds.n_test:,} images of {h}x{w}, {ds.X_test.dtype}, {ds.X_test.shape} array"
        )
        head.add_row("pixels", f"0..{ds.pixel_max}")
        for name, md5 in ds.checksums.items():
            head.add_row(f"md5 {name}", md5)
        console.print(head)
        counts = Table(title="Class counts", title_justify="left")
        for col in ("digit", "train", "train %", "test", "test %"):
            counts.add_column(col, justify="right")
        for d in range(10):
            counts.add_row(
                str(d),
                f"{train_counts[d]:,}",
                f"{train_counts[d] / ds.n_train:.1%}",
                f"{test_counts[d]:,}",
                f"{test_counts[d] / ds.n_test:.1%}",
            )
        counts.add_row("total", f"{ds.n_train:,}", "", f"{ds.n_test:,}", "", style="bold")
        console.print(counts)
        stats = Table(title="Pixel statistics", title_justify="left")
        for col in ("split", "min", "max", "mean", "std", "zeros"):
            stats.add_column(col, justify="right" if col != "split" else "left")
        for split, s in results["dataset"]["pixels"].items():
            stats.add_row(
                split,
                str(s["min"]),
                str(s["max"]),
                f"{s['mean']:.2f}",
                f"{s['std']:.2f}",
                f"{s['zero_fraction']:.1%}",
            )
        console.print(stats)
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
