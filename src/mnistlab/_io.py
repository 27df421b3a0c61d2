"""Atomic file writes and output directories: nothing a user owns is overwritten or half-written."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab._errors import InputError

if TYPE_CHECKING:
    from filelock import FileLock

#: Bytes of a zip's central directory (its list of members, about 100 bytes each), which
#: :mod:`zipfile` reads whole into Python objects before any member can be checked.
MAX_ZIP_DIRECTORY = 4 << 20

#: Marker file that records which files a command wrote into its ``--out`` directory.
OUT_MARKER = ".mnistlab-out.json"

# mkstemp creates files readable by their owner only; written files get the usual mode
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    An interrupted or failing write leaves ``path`` untouched and no temporary file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_UMASK)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


def _to_json(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, os.PathLike)):
        return os.fspath(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps_json(obj: Any) -> str:
    """Serialise ``obj`` as indented JSON; numpy scalars and arrays become plain numbers.

    Floats keep full precision (Python's shortest round-tripping repr).
    """
    return json.dumps(obj, indent=2, default=_to_json, allow_nan=True) + "\n"


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically."""
    return atomic_write(path, dumps_json(obj))


def _marker_lock(directory: Path) -> FileLock | contextlib.nullcontext:
    """The lock of ``directory``'s marker, shared by every process using this cache.

    It lives in the cache, keyed by the directory's real path, so ``--out`` holds
    only what mnistlab wrote there. Without a usable cache (a read-only home, say) the
    marker is written unlocked: a command that needs no cache still writes its files.
    """
    from mnistlab._cache import cache_lock

    try:
        return cache_lock(f"out-marker {os.path.realpath(directory)}")
    except (InputError, OSError):
        return contextlib.nullcontext()


class OutputDir:
    """A command's ``--out`` directory.

    It is created if missing. A non-empty directory is refused unless mnistlab
    wrote it before (it holds the marker file) or ``overwrite`` is true; in one it
    wrote, a file the marker does not list is the user's, refused the same way. So a
    user's own files are never overwritten by accident. Every file is written
    atomically and recorded in the marker.
    """

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"--out {self.path}: is a file, not a directory; name a directory")
        if self.path.is_dir():
            entries = [e.name for e in self.path.iterdir()]
            if entries and OUT_MARKER not in entries and not overwrite:
                raise InputError(
                    f"--out {self.path}: directory is not empty and was not written by "
                    "mnistlab; choose another directory or pass --overwrite"
                )
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            # a name of its own: commands writing into one --out at once each probe
            fd, probe = tempfile.mkstemp(prefix=f".{OUT_MARKER}.", suffix=".probe", dir=self.path)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise InputError(
                f"--out {self.path}: cannot write there ({exc.strerror}); choose another directory"
            ) from exc
        self.overwrite = overwrite
        self.written: list[str] = []

    def file(self, name: str) -> Path:
        """Return the path of file ``name`` inside the directory (recording it as written).

        ``name`` may hold subdirectories but must stay inside: no ``..``, no absolute path
        (names can come from files, e.g. the study's cache).
        """
        return self.claim(name)[0]

    def claim(self, *names: str) -> list[Path]:
        """The paths of files ``names`` (as :meth:`file`), all checked before any is
        recorded: a command that computes for long claims its files first, so that a
        refusal comes before the work, and the marker never lists a file of a refused run."""
        paths = [self._checked(name) for name in names]
        new = [(n, p) for n, p in zip(names, paths, strict=True) if n not in self.written]
        if new:  # the marker is rewritten only for new names
            with _marker_lock(self.path):  # commands writing here at once keep each other's
                self._record(new)
        return paths

    def _checked(self, name: str) -> Path:
        """The path of ``name``, refused when it would leave the directory or replace a
        folder, its parent folders made."""
        pure = PurePosixPath(name)
        if not name or "\\" in name or pure.is_absolute() or ".." in pure.parts:
            raise InputError(f"{name!r}: not a file name inside --out {self.path}; refused")
        path = self.path / name
        if name in self.written:
            return path
        for target in (self.path / OUT_MARKER, path):  # a user's folder is never replaced
            if target.is_dir():
                raise InputError(
                    f"--out {self.path}: {target.relative_to(self.path)} is a directory, "
                    "where mnistlab writes a file; move it or choose another directory"
                )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # names may hold a subdirectory
        except (FileExistsError, NotADirectoryError):
            raise InputError(
                f"--out {self.path}: {pure.parent} is a file, not a "
                "directory; move it or choose another directory"
            ) from None
        return path

    def _record(self, new: list[tuple[str, Path]]) -> None:
        """Add the ``new`` names to the marker (read, checked, rewritten: under its lock)."""
        marker = self.path / OUT_MARKER
        previous = []
        if marker.is_file():
            with contextlib.suppress(ValueError, OSError, RecursionError, AttributeError):
                previous = json.loads(marker.read_text()).get("files", [])
            if not (isinstance(previous, list) and all(isinstance(f, str) for f in previous)):
                previous = []  # not a marker mnistlab wrote: replaced
        # the marker names what mnistlab wrote: any other file there is the user's
        for name, path in new:
            if not self.overwrite and name not in previous and (path.exists() or path.is_symlink()):
                raise InputError(
                    f"--out {self.path}: {name}: not written by mnistlab (its {OUT_MARKER} "
                    "does not list it); choose another directory or pass --overwrite"
                )
        self.written += [name for name, _ in new]
        write_json(marker, {"files": sorted(set(previous) | set(self.written))})

    def write_bytes(self, name: str, data: bytes | str) -> Path:
        """Write a file atomically."""
        return atomic_write(self.file(name), data)

    def write_json(self, name: str, obj: Any) -> Path:
        """Write a JSON file atomically."""
        return write_json(self.file(name), obj)

    def save_figure(self, name: str, fig: Any, *, dpi: int = 110) -> Path:
        """Save a matplotlib figure as PNG atomically."""
        with atomic_path(self.file(name)) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches=tight_bbox(fig))
        return self.path / name


def tight_bbox(fig: Any) -> str | None:
    """``bbox_inches`` for saving ``fig``: "tight" unless a layout engine (constrained
    layout) already fits it to its canvas. The tight box costs a measuring pass over every
    artist, about half a second for evaluate's four annotated confusion matrices."""
    return None if fig.get_layout_engine() is not None else "tight"


def zip_directory_size(path: str | os.PathLike) -> int | None:
    """The size in bytes of the central directory of the zip file at ``path`` (None when it
    has no end record: not a zip). :class:`zipfile.ZipFile` parses the whole directory into
    an object per member when it opens a file, and reads as many bytes as this size says,
    whatever member count the file claims: check it against :data:`MAX_ZIP_DIRECTORY` first.
    """
    with open(path, "rb") as f:
        # the standard library's reader of the end record (zip64 included), as ZipFile uses
        end = zipfile._EndRecData(f)
    return None if end is None else int(end[zipfile._ECD_SIZE])
