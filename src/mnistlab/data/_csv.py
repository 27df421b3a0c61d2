"""Kaggle "digit-recognizer" CSV files: ``label,pixel0..pixel783`` rows of 0..255 integers."""

from __future__ import annotations

import math
import stat
from pathlib import Path
from typing import Any

import numpy as np

from mnistlab._errors import InputError
from mnistlab._io import atomic_path


def _pixel_columns(n: int) -> list[str]:
    return [f"pixel{i}" for i in range(n)]


#: Longest header line accepted (784 pixel columns take 6.7 KB).
MAX_HEADER_BYTES = 1 << 20


def _read_header(path: Path) -> list[str]:
    try:
        # a pipe would be waited on, and could not be read a second time by pandas
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError(f"{path}: not a regular file; save the CSV as a file")
        with path.open("rb") as fh:
            first = fh.readline(MAX_HEADER_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:  # a directory, no permission
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(first) > MAX_HEADER_BYTES:
        raise InputError(f"{path}: first line longer than {MAX_HEADER_BYTES} bytes, not a header")
    try:
        text = first.decode("utf-8-sig")  # a UTF-8 byte order mark (Excel writes one) is fine
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text CSV file (its first line is not UTF-8)") from None
    if not text.strip():
        raise InputError(f"{path}: empty file; expected a header 'label,pixel0,...'")
    return [c.strip() for c in text.strip().split(",")]


def _check_header(path: Path, header: list[str]) -> tuple[bool, int]:
    has_label = header[0] == "label"
    pixels = header[1:] if has_label else header
    n = len(pixels)
    side = math.isqrt(n)
    if n == 0 or side * side != n or pixels != _pixel_columns(n):
        raise InputError(
            f"{path}: bad header; expected 'label,pixel0,...,pixel{{n-1}}' (or only pixel "
            "columns) with a square number of pixels, as in Kaggle's digit-recognizer CSV"
        )
    return has_label, side


def _diagnose(path: Path, header: list[str], exc: Exception) -> InputError:
    """Find the first bad cell of a CSV whose fast read failed, for a precise message.

    Reads line by line as bytes, each line at most a bounded length, so neither
    a huge cell nor bytes that are not UTF-8 cost more than that line.
    """
    n_cols = len(header)
    limit = 16 * n_cols + 1024  # a row holds n_cols values of at most 3 digits
    with path.open("rb") as fh:
        fh.readline(MAX_HEADER_BYTES + 1)
        r = 0
        while line := fh.readline(limit + 1):
            if not line.strip():
                continue  # pandas skips blank lines, and so do its row numbers
            r += 1
            if len(line) > limit:
                return InputError(
                    f"{path}: row {r} is longer than {limit} bytes, too long for {n_cols} "
                    "values of 0..255"
                )
            try:
                cells = line.decode("utf-8").rstrip("\r\n").split(",")
            except UnicodeDecodeError as err:
                return InputError(
                    f"{path}: row {r} is not UTF-8 text (byte 0x{line[err.start]:02x}); "
                    "save the file as UTF-8"
                )
            if len(cells) != n_cols:
                return InputError(
                    f"{path}: row {r} has {len(cells)} cells, the header names {n_cols}"
                )
            for column, cell in zip(header, cells, strict=True):
                value = cell.strip()
                if not value:
                    return InputError(f"{path}: empty cell in row {r}, column '{column}'")
                # isdigit alone accepts '²' and '٣', which int() then fails on or reads as 3
                if not (value.isascii() and value.isdigit()):
                    what = "negative value" if value.startswith("-") else "not a whole number"
                    return InputError(
                        f"{path}: {what} {value[:20]!r} in row {r}, column '{column}'"
                    )
                if len(value) > 3 or int(value) > 255:
                    shown = value if len(value) <= 20 else value[:20] + "..."
                    return InputError(
                        f"{path}: value {shown} in row {r}, column '{column}' is outside 0..255"
                    )
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return InputError(f"{path}: cannot read it as a CSV of whole numbers 0..255 ({reason})")


#: Rows parsed at a time: pandas' int64 for 4096 rows of 785 values is 26 MB.
_CHUNK_ROWS = 4096


class _LineCapped:
    """A binary file whose reads fail once a line runs longer than ``limit`` bytes.

    pandas keeps a line whole, however long: a 200 MB line took 470 MB to refuse.
    Only the bytes since the last newline are counted, so it costs one search per read.
    """

    def __init__(self, fh: Any, limit: int) -> None:
        self.fh, self.limit, self.run = fh, limit, 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        last = data.rfind(b"\n")
        if self.run + (len(data) if last < 0 else last) > self.limit:
            raise ValueError(f"a line longer than {self.limit} bytes")
        self.run = self.run + len(data) if last < 0 else len(data) - last - 1
        return data


def _pixels(chunk: Any) -> np.ndarray:
    """One chunk of pandas' own parse as uint8, or ValueError for anything not 0..255.

    Not ``read_csv(dtype=np.uint8)``: pandas before 3.1 casts to it without a range check,
    reading -3 as 253 and 256 as 0. Blanks and short rows parse as NaN (floats), text as
    objects: both fail the integer check (a header alone is an empty chunk of objects).
    """
    values = chunk.to_numpy()
    if values.size and (values.dtype.kind not in "iu" or values.min() < 0 or values.max() > 255):
        raise ValueError("a cell that is not a whole number 0..255")
    return values.astype(np.uint8)


def read_kaggle_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int]]:
    """Read a Kaggle digit-recognizer CSV.

    Parameters
    ----------
    path : str or Path
        A CSV with header ``label,pixel0,...`` (training file) or ``pixel0,...``
        (test file, for predictions only).

    Returns
    -------
    X : ndarray of shape (n, n_pixels), dtype uint8
    y : ndarray of shape (n,), dtype int64, or None when the file has no label column
    image_shape : tuple of int
    """
    path = Path(path)
    header = _read_header(path)
    has_label, side = _check_header(path, header)
    import pandas as pd

    try:
        with (
            path.open("rb") as fh,
            pd.read_csv(
                _LineCapped(fh, MAX_HEADER_BYTES), engine="c", chunksize=_CHUNK_ROWS
            ) as chunks,
        ):
            parts = [_pixels(chunk) for chunk in chunks]
        values = np.concatenate(parts or [np.empty((0, len(header)), np.uint8)])
    except (ValueError, OverflowError, pd.errors.ParserError) as exc:  # UnicodeDecodeError too
        raise _diagnose(path, header, exc) from None
    if len(values) == 0:
        raise InputError(f"{path}: no rows after the header")
    X = np.ascontiguousarray(values[:, 1:] if has_label else values)
    y = None
    if has_label:
        y = values[:, 0].astype(np.int64)
        if y.max() > 9:
            r = int(np.flatnonzero(y > 9)[0])
            raise InputError(f"{path}: label {int(y[r])} in row {r + 1} is outside 0..9")
    return X, y, (side, side)


def write_submission(path: str | Path, predictions: np.ndarray) -> Path:
    """Write a Kaggle submission CSV (``ImageId`` from 1, ``Label``) atomically."""
    import pandas as pd

    predictions = np.asarray(predictions)
    if predictions.ndim != 1:
        raise InputError("predictions must be a 1-D array of digits")
    frame = pd.DataFrame(
        {"ImageId": np.arange(1, len(predictions) + 1), "Label": predictions.astype(np.int64)}
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path
