"""The deskewing of :class:`~mnistlab.preprocessing.Deskew`, in numpy alone: the fast model's
numpy predictor (:mod:`mnistlab.models._arrays`) uses it without importing scikit-learn."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mnistlab._errors import InputError

#: The brightest pixel the image transformers take: they compute in float32, where larger
#: values (and their squares and sums) would overflow to inf and NaN features.
MAX_PIXEL = 1e15


def check_pixels(X: np.ndarray, name: str) -> None:
    """Pixel intensities are numbers, never negative (``positive_only``) nor astronomically
    bright: refuse what is not an image (the image transformers, and the numpy predictor
    that stands in for ``Deskew``)."""
    if not X.size:
        return
    if X.dtype.kind not in "biuf":  # strings, Python objects: validate_data(dtype=None) keeps them
        try:
            X = X.astype(np.float64)
            if np.isnan(X).any():  # None becomes NaN
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise InputError(
                f"Values that are not numbers (or too large for a float) in data passed to "
                f"{name}: pixels are intensities (0..255 for MNIST)"
            ) from None
    if X.min() < 0:
        raise InputError(f"Negative values in data passed to {name}: pixels must be >= 0")
    if X.dtype.kind != "f":
        return
    top = float(X.max())  # a Python float: 1e15 does not fit in a float16
    if math.isnan(top):  # scikit-learn's validate_data refuses it first; the numpy predictor
        raise InputError(f"NaN values in data passed to {name}: pixels are intensities")
    if top > MAX_PIXEL:
        raise InputError(
            f"Values above {MAX_PIXEL:.0e} in data passed to {name}: pixels are intensities "
            "(0..255 for MNIST); rescale the images"
        )


def deskew_chunk(X: np.ndarray, h: int, w: int) -> np.ndarray:
    """Deskew the rows of ``X`` (images of ``h`` x ``w``): float32 rows (see ``Deskew``)."""
    n = len(X)
    img = X.reshape(n, h, w).astype(np.float32)
    rows = np.arange(h, dtype=np.float32)
    cols = np.arange(w, dtype=np.float32)
    # batched matrix-vector products: several times faster than sum() over these short axes
    row_mass = img @ np.ones(w, dtype=np.float32)  # (n, h)
    col_mass = np.ones(h, dtype=np.float32) @ img  # (n, w)
    total = row_mass.sum(axis=1)
    total[total == 0] = 1.0  # blank images stay blank
    mr = row_mass @ rows / total
    mc = col_mass @ cols / total
    dr = rows[None, :] - mr[:, None]
    dc = cols[None, :] - mc[:, None]
    var_r = (row_mass * dr**2).sum(axis=1) / total
    cov = (np.einsum("nij,nj->ni", img, dc) * dr).sum(axis=1) / total
    alpha = np.divide(cov, var_r, out=np.zeros_like(cov), where=var_r > 1e-6)
    # Output (r, c) samples the input at (r + mr - h/2, c + alpha (r - h/2) + mc - w/2):
    # straighten the slant and move the centre of mass to the centre, bilinearly. Bilinear
    # sampling is separable, and each shift is whole rows: first every row moves down by
    # one fraction per image, then each row moves sideways by its own fraction. Both are
    # gathers of whole rows plus a blend, not a gather per pixel and corner.
    shift_r = mr - h / 2.0
    k_r = np.floor(shift_r)
    fr = (shift_r - k_r)[:, None, None]
    # a zero row above and below: row indices clipped onto them read 0
    padded = np.empty((n, h + 2, w), dtype=np.float32)
    padded[:, 0] = 0
    padded[:, -1] = 0
    padded[:, 1:-1] = img
    src_rows = np.clip(k_r.astype(np.intp)[:, None] + np.arange(h + 1), -1, h) + 1
    g = padded[np.arange(n)[:, None], src_rows]  # (n, h + 1, w): rows r + k and r + k + 1
    v = np.subtract(g[:, 1:], g[:, :-1])
    v *= fr
    v += g[:, :-1]
    shift_c = alpha[:, None] * (rows[None, :] - h / 2.0) + (mc - w / 2.0)[:, None]  # (n, h)
    k_c = np.floor(shift_c)
    fc = (shift_c - k_c)[:, :, None]
    # w + 1 zeros each side, so a window of w + 1 columns at any clipped start reads zeros
    # beyond the image (a slant can push a row wholly out)
    wide = np.empty((n, h, 3 * w + 2), dtype=np.float32)
    wide[:, :, : w + 1] = 0
    wide[:, :, 2 * w + 1 :] = 0
    wide[:, :, w + 1 : 2 * w + 1] = v
    starts = np.clip(k_c.astype(np.intp), -w - 1, w) + w + 1  # (n, h)
    windows = sliding_window_view(wide, w + 1, axis=2)  # a view: (n, h, 2w + 2, w + 1)
    g2 = windows[np.arange(n)[:, None], np.arange(h)[None, :], starts]  # (n, h, w + 1)
    out = np.subtract(g2[..., 1:], g2[..., :-1])
    out *= fc
    out += g2[..., :-1]
    return out.reshape(n, h * w)
