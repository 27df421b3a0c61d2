"""The single cache root: downloads, OpenML, results and default models live below it.

A root that mnistlab creates (or finds empty) gets a marker file, :data:`CACHE_MARKER`.
``mnistlab cache clear`` removes only a marked root's known entries (:data:`CACHE_ENTRIES`):
a folder that ``MNISTLAB_CACHE`` names but mnistlab did not make is never deleted.
Processes sharing the cache take a file lock (:func:`cache_lock`) around whatever they
store that others may be writing or reading at the same time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import shutil
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from filelock import FileLock, Timeout

from mnistlab._errors import InputError

logger = logging.getLogger("mnistlab")

CACHE_ENV = "MNISTLAB_CACHE"

#: Written in the cache root when mnistlab creates it: only a marked root is ever cleared.
CACHE_MARKER = ".mnistlab-cache"

#: The top-level entries mnistlab makes below the root (``cache clear`` removes these only).
CACHE_ENTRIES = (
    "mnist",
    "downloads",
    "openml",
    "datasets",
    "models",
    "study",
    ".locks",
    CACHE_MARKER,
)

_F = TypeVar("_F", bound=Callable[..., Any])


def cache_root() -> Path:
    """Return the cache root: ``$MNISTLAB_CACHE``, else the platform's user cache dir."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else _default_root()


def _default_root() -> Path:
    return Path(platformdirs.user_cache_dir("mnistlab"))


def _ensure_root() -> Path:
    """Create the root if missing; mark it as mnistlab's if it is new, empty or the default."""
    root = cache_root()
    marker = root / CACHE_MARKER
    if marker.is_file():
        return root
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{root}: cannot be the cache ({exc.strerror}); set {CACHE_ENV} to a folder"
        ) from None
    # a non-empty folder the user named is used, never marked: it is not ours to delete
    if root == _default_root() or not any(root.iterdir()):
        marker.write_text(
            "This folder is mnistlab's cache; 'mnistlab cache clear' empties it.\n",
            encoding="utf-8",
        )
    return root


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder below the cache root, e.g. ``cache_dir("mnist")``."""
    path = _ensure_root().joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            f"{path}: a file where the cache keeps a folder; remove it, or set {CACHE_ENV} "
            "to another folder"
        ) from None
    return path


def remove_entry(path: Path) -> None:
    """Remove ``path`` whatever it is: a folder with what it holds, else the file or the
    link itself (never what a link points to); nothing when it is missing."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def cache_lock(name: str) -> FileLock:
    """A lock shared by every process using this cache, e.g. ``cache_lock("mnist")``.

    Use it as a context manager around storing what others may store or read at the
    same time. The operating system releases it if the process dies.
    """
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]  # any name is a safe file name
    return FileLock(cache_dir(".locks") / f"{digest}.lock")


@contextlib.contextmanager
def holding(lock: FileLock, what: str) -> Iterator[None]:
    """Hold ``lock``; if another process has it, say so (``what`` it is doing) and wait."""
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.warning("waiting for another mnistlab process %s", what)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def locked(name: str) -> Callable[[_F], _F]:
    """Decorator: run the function holding :func:`cache_lock` ``(name)``."""

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with cache_lock(name):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


_DIGESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def dataset_digest(dataset: Any) -> str:
    """A SHA-256 of a dataset's content (its arrays, image shape and pixel range).

    Cache keys use it so that results are never shared by different data, whatever
    the source: a Kaggle CSV has no checksum of its own. Computed once per dataset.
    """
    try:
        return _DIGESTS[dataset]
    except (KeyError, TypeError):
        pass
    digest = hashlib.sha256(repr((tuple(dataset.image_shape), dataset.pixel_max)).encode())
    for attr in ("X_train", "y_train", "X_test", "y_test"):
        array = getattr(dataset, attr)
        digest.update(repr((attr, array.dtype.str, array.shape)).encode())
        digest.update(memoryview(array.tobytes() if not array.flags.c_contiguous else array))
    value = digest.hexdigest()
    with contextlib.suppress(TypeError):  # not weak-referenceable: just not remembered
        _DIGESTS[dataset] = value
    return value


def remember_digest(dataset: Any, digest: str) -> None:
    """Record ``digest`` as :func:`dataset_digest` of ``dataset``, computed when its
    content was stored: a dataset mapped from the cache is not read just to be hashed."""
    with contextlib.suppress(TypeError):
        _DIGESTS[dataset] = digest


def cache_usage() -> dict[str, int]:
    """Bytes used by each top-level entry of the cache (empty if there is no cache yet).

    The marker and the lock files are left out.
    """
    root = cache_root()
    if not root.is_dir():
        return {}
    usage = {}
    for entry in sorted(root.iterdir()):
        if entry.name in (CACHE_MARKER, ".locks"):
            continue
        usage[entry.name] = _size(entry)
    return usage


def _size(entry: Path) -> int:
    if entry.is_symlink() or not entry.is_dir():
        return entry.lstat().st_size
    return sum(f.lstat().st_size for f in entry.rglob("*") if not f.is_dir() or f.is_symlink())


def clearable_root() -> Path | None:
    """The cache root if :func:`clear_cache` may clear it, None if there is none.

    Raises
    ------
    InputError
        If the root exists but does not hold :data:`CACHE_MARKER`.
    """
    root = cache_root()
    if not root.exists():
        return None
    if not (root / CACHE_MARKER).is_file():
        raise InputError(
            f"{root}: not a folder mnistlab made (no {CACHE_MARKER} file), so it is not "
            f"cleared; check {CACHE_ENV} or delete what you want by hand"
        )
    return root


def clear_cache() -> tuple[int, list[str]]:
    """Delete what mnistlab made below the cache root.

    Only a root holding :data:`CACHE_MARKER` is cleared, and in it only the entries of
    :data:`CACHE_ENTRIES` (a symbolic link is removed, not followed); anything else is
    kept (with the marker), and the root is removed once empty.

    Returns
    -------
    freed : int
        Bytes freed.
    kept : list of str
        Entries of the root that mnistlab did not make, left in place.

    Raises
    ------
    InputError
        If the root exists but does not hold the marker.
    """
    root = clearable_root()
    if root is None:
        return 0, []
    freed = 0
    kept = sorted(e.name for e in root.iterdir() if e.name not in CACHE_ENTRIES)
    for name in CACHE_ENTRIES:
        entry = root / name
        if (name == CACHE_MARKER and kept) or not (entry.exists() or entry.is_symlink()):
            continue  # a root that still holds other files stays marked as ours
        freed += 0 if name in (CACHE_MARKER, ".locks") else _size(entry)
        remove_entry(entry)
    if not kept:
        root.rmdir()
    return freed, kept
