"""The single cache root: downloads, OpenML, results and default models live below it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import platformdirs

CACHE_ENV = "MNISTLAB_CACHE"


def cache_root() -> Path:
    """Return the cache root: ``$MNISTLAB_CACHE``, else the platform's user cache dir."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("mnistlab"))


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder below the cache root, e.g. ``cache_dir("mnist")``."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_usage() -> dict[str, int]:
    """Bytes used by each top-level folder of the cache (empty if there is no cache yet)."""
    root = cache_root()
    if not root.is_dir():
        return {}
    usage = {}
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            usage[entry.name] = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        else:
            usage[entry.name] = entry.stat().st_size
    return usage


def clear_cache() -> int:
    """Delete everything below the cache root; return the number of bytes freed."""
    freed = sum(cache_usage().values())
    root = cache_root()
    if root.is_dir():
        shutil.rmtree(root)
    return freed
