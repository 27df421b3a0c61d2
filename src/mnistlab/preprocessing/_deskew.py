"""The deskewing of :class:`~mnistlab.preprocessing.Deskew`, in numpy alone: the fast model's
numpy predictor (:mod:`mnistlab.models._arrays`) uses it without importing scikit-learn."""

from __future__ import annotations

import numpy as np


def deskew_chunk(X: np.ndarray, h: int, w: int) -> np.ndarray:
    """Deskew the rows of ``X`` (images of ``h`` x ``w``): float32 rows (see ``Deskew``)."""
    n = len(X)
    img = X.reshape(n, h, w).astype(np.float32)
    rows = np.arange(h, dtype=np.float32)
    cols = np.arange(w, dtype=np.float32)
    row_mass = img.sum(axis=2)  # (n, h)
    col_mass = img.sum(axis=1)  # (n, w)
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
    # straighten the slant and move the centre of mass to the centre (bilinear).
    src_r = rows[None, :, None] + (mr - h / 2.0)[:, None, None]  # (n, h, 1): one per row
    src_c = (
        cols[None, None, :]
        + (alpha[:, None] * (rows[None, :] - h / 2.0))[:, :, None]
        + (mc - w / 2.0)[:, None, None]
    )  # (n, h, w)
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    fr = src_r - r0
    fc = src_c - c0
    # a zero border of one pixel: indices clipped onto it read 0, so no masks are needed
    padded = np.zeros((n, h + 2, w + 2), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = img
    flat = padded.reshape(-1)
    # flat indices into the whole chunk: one 1-D take per corner (take_along_axis is slower)
    base = (np.arange(n, dtype=np.intp) * ((h + 2) * (w + 2)))[:, None, None]
    r0 = r0.astype(np.intp)  # (n, h, 1): one per row
    c0 = c0.astype(np.intp)
    rows0 = (np.clip(r0, -1, h) + 1) * (w + 2) + base
    rows1 = (np.clip(r0 + 1, -1, h) + 1) * (w + 2) + base
    cols0 = np.clip(c0, -1, w) + 1
    cols1 = np.clip(c0 + 1, -1, w) + 1
    wc0 = 1 - fc
    top = flat.take(rows0 + cols0) * wc0 + flat.take(rows0 + cols1) * fc
    bottom = flat.take(rows1 + cols0) * wc0 + flat.take(rows1 + cols1) * fc
    return (top * (1 - fr) + bottom * fr).reshape(n, h * w)
