"""Decoded IDX datasets kept in the cache as ``.npy`` files, memory-mapped when loaded again.

Decompressing and hashing MNIST's files costs most of a second in every command; its
arrays, once decoded, load from here in milliseconds, and a command that does not read
them (``predict`` with a cached model) never pages them in. An entry is found by the
SHA-256 of the source files' bytes, so a changed file is decoded (and checked) again.
Entries are written whole or not at all; one that fails its checks is decoded again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mnistlab._cache import cache_dir

logger = logging.getLogger("mnistlab")

#: Datasets smaller than this (decoded) are not stored: decoding them is as quick.
MIN_STORED_BYTES = 1 << 20
_FORMAT = 1
_ARRAYS = ("X_train", "y_train", "X_test", "y_test")
_META = "meta.json"


def source_key(paths: Mapping[str, Path]) -> str:
    """SHA-256 of the source files (their bytes as stored, gzip or not), by role."""
    digest = hashlib.sha256(f"mnistlab-idx-{_FORMAT}".encode())
    for role in sorted(paths):
        with open(paths[role], "rb") as f:
            digest.update(f"{role}:{hashlib.file_digest(f, 'sha256').hexdigest()};".encode())
    return digest.hexdigest()


def _entry(key: str) -> Path:
    return cache_dir("datasets") / key[:32]


def fetch(key: str, files: Sequence[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The arrays (read-only, memory-mapped) and the metadata stored under ``key``, or None
    when there is no such entry, no cache, or the entry is damaged.

    ``files`` are the names the stored checksums must have (one per source file).
    """
    try:
        entry = _entry(key)
        if not (entry / _META).is_file():
            return None
        meta = json.loads((entry / _META).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("key") != key:
            raise ValueError("metadata of another entry")
        paths = {name: entry / f"{name}.npy" for name in _ARRAYS}
        if not all(path.is_file() for path in paths.values()):  # a pipe would be waited on
            raise ValueError("an array that is not a file")
        arrays = {
            name: np.load(path, mmap_mode="r", allow_pickle=False) for name, path in paths.items()
        }
        _check(arrays, meta, files)
    except Exception as exc:  # a damaged entry (or no cache): decoded again, never trusted
        logger.debug("stored dataset %s not used: %s", key[:12], exc)
        return None
    # plain read-only views: the pages are read from the file when first used
    return {name: np.asarray(a) for name, a in arrays.items()}, meta


def _check(arrays: dict[str, np.ndarray], meta: dict[str, Any], files: Sequence[str]) -> None:
    h, w = meta["image_shape"]
    if not all(type(s) is int and s >= 1 for s in (h, w)):  # not True, a bool
        raise ValueError(f"image_shape {meta['image_shape']!r:.40}")
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != h * w or len(X) == 0:
            raise ValueError(f"X_{split} of {X.dtype} {X.shape}")
        if y.dtype != np.int64 or y.shape != (len(X),):
            raise ValueError(f"y_{split} of {y.dtype} {y.shape}")
        if len(y) and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"y_{split} outside 0..9")
    checksums = meta["checksums"]
    if not (
        isinstance(checksums, dict)
        and sorted(checksums) == sorted(files)
        and all(isinstance(v, str) for v in checksums.values())
        and isinstance(meta["digest"], str)
    ):
        raise ValueError("metadata of the wrong types")


def store(key: str, arrays: Mapping[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Keep ``arrays`` and ``meta`` under ``key``; a failure to write is only logged."""
    if sum(a.nbytes for a in arrays.values()) < MIN_STORED_BYTES:
        return
    tmp = None
    try:
        entry = _entry(key)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arrays[name]), allow_pickle=False)
        (tmp / _META).write_text(json.dumps({**meta, "key": key}), encoding="utf-8")
        if entry.exists():  # damaged (fetch refused it): replaced
            shutil.rmtree(entry, ignore_errors=True)
        os.rename(tmp, entry)
        tmp = None
    except Exception as exc:  # a read-only or full disk, another process that stored it first
        logger.debug("dataset %s not stored: %s", key[:12], exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
