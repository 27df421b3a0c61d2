"""Kaggle "digit-recognizer" CSV files: ``label,pixel0..pixel783`` rows of 0..255 integers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mnistlab._errors import InputError
from mnistlab._io import atomic_path


def _pixel_columns(n: int) -> list[str]:
    return [f"pixel{i}" for i in range(n)]


def _read_header(path: Path) -> list[str]:
    try:
        with path.open("r", encoding="utf-8", newline="") as fh:
            first = fh.readline()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text CSV file") from None
    if not first.strip():
        raise InputError(f"{path}: empty file; expected a header 'label,pixel0,...'")
    return [c.strip() for c in first.strip().split(",")]


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


def _diagnose(path: Path, n_cols: int) -> InputError:
    """Find the first bad cell of a CSV whose fast read failed, for a precise message."""
    with path.open("r", encoding="utf-8") as fh:
        next(fh)
        for r, line in enumerate(fh, start=1):
            cells = line.count(",") + 1
            if line.strip() and cells != n_cols:
                return InputError(f"{path}: row {r} has {cells} cells, the header names {n_cols}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    values = df.to_numpy()
    empty = values == ""
    if empty.any():
        r, c = np.argwhere(empty)[0]
        return InputError(f"{path}: empty cell in row {r + 1}, column '{df.columns[c]}'")
    numeric = np.char.isdigit(values.astype(str))
    if not numeric.all():
        r, c = np.argwhere(~numeric)[0]
        cell = values[r, c]
        what = "negative value" if cell.lstrip().startswith("-") else "not a whole number"
        return InputError(f"{path}: {what} {cell!r} in row {r + 1}, column '{df.columns[c]}'")
    too_long = np.char.str_len(values.astype(str)) > 3  # cannot be 0..255, may overflow int64
    numbers = np.where(too_long, "999", values).astype(np.int64)
    r, c = np.argwhere(too_long | (numbers > 255))[0]
    return InputError(
        f"{path}: value {values[r, c]} in row {r + 1}, column '{df.columns[c]}' is outside 0..255"
    )


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
    try:
        # Reading straight into uint8 is as fast as pandas' default and half the memory;
        # pandas refuses text, blanks, short rows, negatives and values above 255 here.
        values = pd.read_csv(path, dtype=np.uint8, engine="c").to_numpy()
    except (ValueError, OverflowError, pd.errors.ParserError):
        raise _diagnose(path, len(header)) from None
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
