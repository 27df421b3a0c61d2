"""``load(source)``: one entry point for every data source."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mnistlab._errors import InputError, MnistlabError
from mnistlab.data._dataset import Dataset
from mnistlab.data._idx import MNIST_FILES
from mnistlab.data._sources import (
    MNIST_HINT,
    download_mnist,
    load_digits_dataset,
    load_idx_dir,
    load_kaggle,
    load_openml,
    mnist_cache_dir,
)

logger = logging.getLogger("mnistlab")

DATA_ENV = "MNISTLAB_DATA"
OFFLINE_ENV = "MNISTLAB_OFFLINE"

#: The named sources ``load`` accepts besides a path.
SOURCES = {
    "auto": "MNISTLAB_DATA, else the cache, else a download, else the embedded digits",
    "mnist": "the original MNIST files, checksums required (MNISTLAB_DATA, cache or download)",
    "digits": "scikit-learn's bundled UCI digits (8x8, 0..16), offline",
    "openml": "mnist_784 from OpenML, cached",
}


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _cached_mnist(*, allow_download: bool) -> Dataset | None:
    """MNIST from the cache; None if it is not there, or corrupt and may be downloaded again."""
    d = mnist_cache_dir()
    if not all((d / f"{stem}.gz").is_file() for stem in MNIST_FILES):
        return None
    try:
        return load_idx_dir(d, require_verified=True)
    except InputError as exc:
        if not allow_download:
            raise InputError(
                f"{exc}; {OFFLINE_ENV} is set, so it cannot be downloaded again"
            ) from None
        logger.warning("the cached MNIST is damaged (%s); downloading it again", exc)
        return None


def _from_path(path: Path) -> Dataset:
    if path.is_dir():
        return load_idx_dir(path)
    if path.suffix.lower() == ".csv":
        return load_kaggle(path)
    if not path.exists():
        raise InputError(
            f"{path}: no such file or directory; --data takes auto, mnist, digits, openml, "
            "a directory of IDX files or a Kaggle CSV"
        )
    raise InputError(f"{path}: not a directory of IDX files nor a .csv file")


def _mnist(*, allow_download: bool, progressbar: bool) -> Dataset | None:
    env = os.environ.get(DATA_ENV)
    if env:
        return load_idx_dir(Path(env).expanduser(), require_verified=True)
    cached = _cached_mnist(allow_download=allow_download)
    if cached is not None:
        return cached
    if not allow_download:
        return None
    return load_idx_dir(download_mnist(progressbar=progressbar), require_verified=True)


def load(source: str | os.PathLike = "auto", *, progressbar: bool = False) -> Dataset:
    """Load a dataset.

    Parameters
    ----------
    source : str or path-like, default="auto"
        - ``"auto"``: the directory in ``MNISTLAB_DATA`` (may be another IDX
          dataset, loaded unverified), else MNIST in the cache, else a download
          (skipped when ``MNISTLAB_OFFLINE=1``), else the embedded digits with a
          notice saying how to get MNIST.
        - ``"mnist"``: the original MNIST files, checksums required.
        - ``"digits"``: scikit-learn's bundled UCI digits, 8x8, offline.
        - ``"openml"``: ``mnist_784`` from OpenML, cached.
        - a directory of the four IDX files (gzip or raw): checked against
          MNIST's checksums, loaded unverified with a notice if they differ.
        - a Kaggle digit-recognizer CSV with a ``label`` column.
    progressbar : bool, default=False
        Show a progress bar while downloading.

    Returns
    -------
    Dataset
    """
    if isinstance(source, os.PathLike):
        return _from_path(Path(source))
    key = source.strip()
    if key == "auto":
        env = os.environ.get(DATA_ENV)
        if env:
            return load_idx_dir(Path(env).expanduser())
        cached = _cached_mnist(allow_download=not _offline())
        if cached is not None:
            return cached
        if not _offline():
            try:
                return load_idx_dir(download_mnist(progressbar=progressbar), require_verified=True)
            except InputError:
                raise  # a wrong setting (a plain-http mirror) is said, not hidden by the fallback
            except MnistlabError as exc:
                logger.debug("download failed: %s", exc)
        logger.warning("MNIST not found, using the embedded 8x8 digits instead; %s", MNIST_HINT)
        return load_digits_dataset()
    if key == "mnist":
        ds = _mnist(allow_download=not _offline(), progressbar=progressbar)
        if ds is None:
            raise InputError(f"MNIST is not in the cache and {OFFLINE_ENV} is set; {MNIST_HINT}")
        return ds
    if key == "digits":
        return load_digits_dataset()
    if key == "openml":
        if _offline():
            raise InputError(f"--data openml needs the network but {OFFLINE_ENV} is set")
        return load_openml()
    return _from_path(Path(key).expanduser())
