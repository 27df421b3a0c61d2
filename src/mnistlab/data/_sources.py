"""The data sources: IDX directories, Kaggle CSVs, OpenML, downloads and the embedded digits."""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import logging
import math
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np

from mnistlab._cache import cache_dir, dataset_digest, locked, remember_digest
from mnistlab._errors import InputError, MnistlabError
from mnistlab.data import _store
from mnistlab.data._csv import read_kaggle_csv
from mnistlab.data._dataset import Dataset
from mnistlab.data._idx import MNIST_FILES, MNIST_MD5, find_idx_file, read_bytes, read_idx_pair

logger = logging.getLogger("mnistlab")

#: The fixed stratified split of sources that come without one (Kaggle CSV, UCI digits).
#: It does not depend on ``--seed``, so every run sees the same test set.
SPLIT_TEST_SIZE = 0.2
SPLIT_RANDOM_STATE = 0

#: Where the original files are downloaded from, tried in turn (``MNISTLAB_MIRRORS`` overrides).
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MIRRORS_ENV = "MNISTLAB_MIRRORS"
DOWNLOAD_TIMEOUT = 10  # seconds of waiting per unreachable mirror
#: Seconds one file's whole download may take (``MNISTLAB_DOWNLOAD_TIME_LIMIT`` overrides):
#: a mirror trickling bytes is then given up for the next one.
DOWNLOAD_TIME_LIMIT = 600.0
DOWNLOAD_TIME_LIMIT_ENV = "MNISTLAB_DOWNLOAD_TIME_LIMIT"

#: Size of each decompressed MNIST file. A download may be at most this much plus 1% (a gzip
#: of incompressible data is barely larger), so an endless or huge answer is cut short.
MNIST_SIZES = {
    "train-images-idx3-ubyte": 47040016,
    "train-labels-idx1-ubyte": 60008,
    "t10k-images-idx3-ubyte": 7840016,
    "t10k-labels-idx1-ubyte": 10008,
}

MNIST_HINT = (
    "to use MNIST, set MNISTLAB_DATA to a directory with the four IDX files, "
    "or run 'mnistlab data fetch' with network access"
)


def _fixed_split(X: np.ndarray, y: np.ndarray, **fields) -> Dataset:
    """A :class:`Dataset` of the fixed stratified split (for sources without a split)."""
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=SPLIT_TEST_SIZE, stratify=y, random_state=SPLIT_RANDOM_STATE
    )
    split = (
        f"fixed stratified split (test_size={SPLIT_TEST_SIZE}, random_state={SPLIT_RANDOM_STATE})"
    )
    return Dataset(X_train, y_train, X_test, y_test, split=split, **fields)


def load_idx_dir(directory: str | Path, *, require_verified: bool = False) -> Dataset:
    """Load the four MNIST-format IDX files of ``directory`` (gzip or raw).

    The MD5 of each decompressed file is compared with MNIST's canonical one.
    Other IDX datasets (Fashion-MNIST, a modified copy) load as unverified with a
    notice, unless ``require_verified`` is true, when a mismatch is an error.
    Structural problems are always errors.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory; {MNIST_HINT}")
    if not any(directory.iterdir()):
        raise InputError(f"{directory}: directory is empty; it needs the four MNIST IDX files")
    paths = {stem: find_idx_file(directory, stem) for stem in MNIST_FILES}
    key = _source_key(paths)
    stored = _store.fetch(key, MNIST_FILES) if key else None
    if stored is not None:
        arrays, meta = stored
        shape, checksums = tuple(meta["image_shape"]), meta["checksums"]
    else:
        arrays, shape, checksums = _decode_idx_dir(directory, paths)
    bad = sorted(stem for stem, md5 in checksums.items() if md5 != MNIST_MD5[stem])
    verified = not bad
    if bad and require_verified:
        raise InputError(
            f"{directory}: checksum mismatch for {', '.join(bad)}; these are not the original "
            "MNIST files (re-download them, or pass the directory itself to load it unverified)"
        )
    if bad:
        logger.warning(
            "%s: checksums differ from MNIST's (%s); loading as an unverified IDX dataset",
            directory,
            ", ".join(bad),
        )
    dataset = Dataset(
        **arrays,
        image_shape=shape,
        pixel_max=255,
        name="mnist" if verified else "idx",
        source=str(directory.resolve()),
        verified=verified,
        checksums=checksums,
        split="standard (60,000 train / 10,000 test)" if verified else "as in the files",
    )
    if key and stored is None:
        meta = {"image_shape": shape, "checksums": checksums, "digest": dataset_digest(dataset)}
        if _source_key(paths) == key:  # not changed while decoded: the arrays are key's
            _store.store(key, arrays, meta)
    else:  # the content is the one stored: it is not read to be hashed again
        remember_digest(dataset, meta["digest"])
    return dataset


def _source_key(paths: dict[str, Path]) -> str | None:
    """The stored-dataset key of the IDX files ``paths`` (their content hashed); None when
    one cannot be read."""
    try:
        return _store.source_key(paths)
    except OSError:  # unreadable: decoding says which file and why
        return None


def _decode_idx_dir(
    directory: Path, paths: dict[str, Path]
) -> tuple[dict[str, np.ndarray], tuple[int, int], dict[str, str]]:
    """Decompress, check and hash the four IDX files: arrays, image shape and MD5s."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # the big train file beside the rest
        train = pool.submit(
            read_idx_pair, paths["train-images-idx3-ubyte"], paths["train-labels-idx1-ubyte"]
        )
        test = pool.submit(
            read_idx_pair, paths["t10k-images-idx3-ubyte"], paths["t10k-labels-idx1-ubyte"]
        )
        X_train, y_train, shape, md5_train = train.result()
        X_test, y_test, test_shape, md5_test = test.result()
    if shape != test_shape:
        raise InputError(f"{directory}: train images are {shape}, test images {test_shape}")
    arrays = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
    return arrays, shape, {**md5_train, **md5_test}


def load_kaggle(path: str | Path) -> Dataset:
    """Load a Kaggle digit-recognizer training CSV with the fixed stratified split."""
    path = Path(path)
    X, y, shape = read_kaggle_csv(path)
    if y is None:
        raise InputError(
            f"{path}: has no 'label' column, so it can only be predicted on "
            "(mnistlab predict --kaggle FILE), not trained or evaluated on"
        )
    if len(np.unique(y)) < 2:
        raise InputError(f"{path}: needs at least two different labels")
    counts = np.bincount(y)
    if counts[counts > 0].min() < 2:
        raise InputError(f"{path}: every label needs at least 2 rows for a stratified split")
    k = int(np.count_nonzero(counts))
    needed = next(n for n in itertools.count(2 * k) if min(_split_sizes(n)) >= k)
    if len(y) < needed:  # each part of the split holds at least one row of every label
        raise InputError(
            f"{path}: {len(y)} rows are too few for the fixed split of {k} labels "
            f"(test_size={SPLIT_TEST_SIZE}); it needs at least {needed} rows"
        )
    return _fixed_split(
        X,
        y,
        image_shape=shape,
        pixel_max=255,
        name="kaggle",
        source=str(path.resolve()),
    )


def _split_sizes(n: int) -> tuple[int, int]:
    """Sizes of the train and test parts of the fixed split of ``n`` rows, as scikit-learn's."""
    n_test = math.ceil(SPLIT_TEST_SIZE * n)
    return n - n_test, n_test


def load_digits_dataset() -> Dataset:
    """The embedded offline default: scikit-learn's bundled UCI digits (8x8, values 0..16)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.uint8)
    y = bunch.target.astype(np.int64)
    return _fixed_split(
        X,
        y,
        image_shape=(8, 8),
        pixel_max=16,
        name="digits",
        source="sklearn.datasets.load_digits (UCI ML hand-written digits, 8x8)",
    )


def load_openml() -> Dataset:
    """MNIST from OpenML (``mnist_784``), cached, with the standard 60,000/10,000 split."""
    from sklearn.datasets import fetch_openml

    try:
        X, y = fetch_openml(
            "mnist_784",
            version=1,
            return_X_y=True,
            as_frame=False,
            parser="liac-arff",
            data_home=str(cache_dir("openml")),
        )
    except OSError as exc:  # URLError, timeouts and HTTP errors are OSErrors
        raise MnistlabError(f"could not fetch mnist_784 from OpenML ({exc}); {MNIST_HINT}") from exc
    X = np.asarray(X).astype(np.uint8)
    y = np.asarray(y).astype(np.int64)
    if X.shape[0] != 70000:
        raise MnistlabError(f"OpenML mnist_784 has {X.shape[0]} rows, expected 70,000")
    return Dataset(
        X[:60000],
        y[:60000],
        X[60000:],
        y[60000:],
        image_shape=(28, 28),
        pixel_max=255,
        name="openml",
        source="https://www.openml.org/d/554 (mnist_784)",
        split="standard (first 60,000 train / last 10,000 test)",
    )


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str) -> None:
    """Refuse anything but https, except plain http to this machine (a local mirror, tests).

    The MD5 check would notice altered MNIST files, but not an attacker serving
    something else that a mistaken checksum would let through; https costs nothing.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname)):
        return
    raise InputError(
        f"{what} {url}: only https mirrors are accepted (plain http only on this machine's "
        "loopback address)"
    )


def mirrors() -> list[str]:
    """The download mirrors, from ``MNISTLAB_MIRRORS`` (comma-separated) or the defaults.

    Each must be https (plain http only to a loopback address, as a local mirror).
    """
    env = os.environ.get(MIRRORS_ENV)
    urls = [u.strip() for u in env.split(",") if u.strip()] if env else list(DEFAULT_MIRRORS)
    for url in urls:
        _check_url(url, MIRRORS_ENV)
    return [u if u.endswith("/") else u + "/" for u in urls]


class _TooLarge(MnistlabError):
    pass


class _TooSlow(MnistlabError):
    pass


def download_time_limit() -> float:
    """Seconds one file's download may take: ``MNISTLAB_DOWNLOAD_TIME_LIMIT`` or the default."""
    env = os.environ.get(DOWNLOAD_TIME_LIMIT_ENV, "").strip()
    if not env:
        return DOWNLOAD_TIME_LIMIT
    try:
        limit = float(env)
    except ValueError:
        limit = math.nan
    if not (math.isfinite(limit) and limit > 0):
        raise InputError(
            f"{DOWNLOAD_TIME_LIMIT_ENV}={env!r}: expected a positive number of seconds"
        )
    return limit


class _Downloader:
    """A pooch downloader that streams with requests, within a size cap and a time limit.

    pooch's own timeout applies to each read, so a mirror sending a byte every few
    seconds would hold a download for hours: the whole download must end within
    ``time_limit`` seconds (give or take one read's ``DOWNLOAD_TIMEOUT``), and grow
    to at most ``cap`` bytes. Redirects to plain http are refused.
    """

    chunk_size = 65536

    def __init__(self, cap: int, progressbar: bool, time_limit: float) -> None:
        self.cap, self.progressbar, self.time_limit = cap, progressbar, time_limit

    def _check(self, response, *args, **kwargs):
        if response.is_redirect:
            _check_url(urljoin(response.url, response.headers["location"]), "redirected to")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.cap:
            raise _TooLarge(f"{length} bytes, larger than {self.cap}, refused")
        return response

    def __call__(self, url: str, output_file: str, pooch_obj, check_only: bool = False):
        import requests

        if check_only:
            raise NotImplementedError("only downloads")
        start = time.monotonic()
        with (
            requests.get(
                url, timeout=DOWNLOAD_TIMEOUT, stream=True, hooks={"response": self._check}
            ) as response,
            open(output_file, "w+b") as fh,
        ):
            response.raise_for_status()
            progress = self._progress(response)
            size = 0
            try:
                while chunk := _read_some(response.raw, self.chunk_size):
                    size += len(chunk)
                    if size > self.cap:
                        raise _TooLarge(f"larger than {self.cap} bytes, refused")
                    if time.monotonic() - start > self.time_limit:
                        raise _TooSlow(
                            f"not done within {self.time_limit:g} s "
                            f"({size} bytes so far; {DOWNLOAD_TIME_LIMIT_ENV} sets the limit)"
                        )
                    fh.write(chunk)
                    if progress is not None:
                        progress.update(len(chunk))
            finally:
                if progress is not None:
                    progress.close()

    def _progress(self, response):
        if not self.progressbar:
            return None
        from tqdm import tqdm

        total = response.headers.get("content-length", "")
        return tqdm(
            total=int(total) if total.isdigit() else None,
            ncols=79,
            unit="B",
            unit_scale=True,
            leave=True,
        )


def _read_some(raw: Any, size: int) -> bytes:
    """What has arrived, up to ``size`` bytes, decoded (urllib3's ``read1``, 2.x). An older
    urllib3 waits for ``size`` bytes: small reads then, so the time limit is checked often."""
    if hasattr(raw, "read1"):
        return raw.read1(size, decode_content=True)
    return raw.read(min(size, 1024), decode_content=True)


def mnist_cache_dir() -> Path:
    """Where downloaded MNIST files are kept."""
    return cache_dir("mnist")


def _is_genuine(path: Path, stem: str) -> bool:
    """Whether ``path`` holds MNIST's ``stem`` (a corrupt or foreign file does not)."""
    try:
        return hashlib.md5(read_bytes(path), usedforsecurity=False).hexdigest() == MNIST_MD5[stem]
    except InputError:
        return False


@locked("mnist")  # processes started together: one downloads, the others then find the files
def download_mnist(*, progressbar: bool = False) -> Path:
    """Download the four MNIST files into the cache, verified, and return the directory.

    Each file is tried on each mirror in turn, waiting at most
    ``DOWNLOAD_TIMEOUT`` seconds for an unreachable one and giving up on one
    that has not delivered the file within ``download_time_limit()`` seconds. Mirrors compress
    differently, so the MD5 of the *decompressed* bytes is what is checked; a
    file is moved into the cache only once it is verified (pooch writes it
    atomically), so an interrupted download leaves nothing half-written.
    """
    import pooch

    pooch.get_logger().setLevel(logging.WARNING)  # we say what we download ourselves
    target = mnist_cache_dir()
    bases = mirrors()
    # a folder of its own: "downloads" may be the user's, where MNISTLAB_CACHE names their folder
    staging = Path(tempfile.mkdtemp(prefix=".mnistlab-", dir=cache_dir("downloads")))
    try:
        _download_into(target, staging, bases, progressbar)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download_into(target: Path, staging: Path, bases: list[str], progressbar: bool) -> None:
    """Download each MNIST file missing from ``target`` from the first mirror of ``bases``
    that delivers it verified, through the folder ``staging``."""
    import pooch

    time_limit = download_time_limit()
    failures: list[str] = []
    for stem in MNIST_FILES:
        final = target / f"{stem}.gz"
        if final.is_file() and _is_genuine(final, stem):
            continue  # a corrupt file in the cache is downloaded again
        for base in bases:
            url = f"{base}{stem}.gz"
            logger.info("downloading %s", url)
            try:
                fetched = Path(
                    pooch.retrieve(
                        url,
                        known_hash=None,
                        fname=f"{stem}.gz",
                        path=staging / _url_key(base),
                        downloader=_Downloader(
                            MNIST_SIZES[stem] + MNIST_SIZES[stem] // 100 + 4096,
                            progressbar,
                            time_limit,
                        ),
                    )
                )
            except Exception as exc:
                failures.append(f"{url}: {_short(exc)}")
                continue
            if _is_genuine(fetched, stem):
                if final.is_dir() and not final.is_symlink():  # a damaged cache: replaced
                    shutil.rmtree(final)
                os.replace(fetched, final)
                break
            fetched.unlink(missing_ok=True)
            failures.append(f"{url}: checksum mismatch")
        else:
            raise MnistlabError(
                f"could not download {stem}.gz from any mirror ({'; '.join(failures)}); "
                f"set {MIRRORS_ENV} to a reachable mirror, or MNISTLAB_DATA to a local copy"
            )


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _short(exc: Exception) -> str:
    """A few words on why a download failed (requests' messages run to hundreds of characters)."""
    import requests
    import urllib3

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError)):
        return f"no answer within {DOWNLOAD_TIMEOUT} s"
    if isinstance(exc, requests.ConnectionError):
        return "unreachable"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
