"""Image grids."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure


def digit_grid(
    images: np.ndarray,
    image_shape: tuple[int, int],
    titles: Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    cell_inches: float = 1.0,
    pixel_max: int | None = None,
    title: str = "",
) -> Figure:
    """Draw images (rows of pixels) as a grid, each with an optional title.

    Parameters
    ----------
    images : ndarray of shape (n, height * width)
    image_shape : tuple of int
        ``(height, width)``.
    titles : sequence of str, optional
        One short title per image (e.g. its label).
    ncols : int, optional
        Columns of the grid; default about the square root of ``n``.
    cell_inches : float
        Size of one cell.
    pixel_max : int, optional
        Value drawn as black; default the images' maximum.
    title : str
        A title above the grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images)
    n = len(images)
    ncols = ncols or max(1, int(np.ceil(np.sqrt(n))))
    nrows = max(1, int(np.ceil(n / ncols)))
    fig = Figure(figsize=(ncols * cell_inches, nrows * cell_inches * (1.25 if titles else 1.0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    vmax = pixel_max if pixel_max is not None else (images.max() if n else 1)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(
            images[i].reshape(image_shape),
            cmap="binary",
            vmin=0,
            vmax=vmax,
            interpolation="nearest",
        )
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    else:
        fig.tight_layout()
    return fig


def augmentation_grid(
    images: np.ndarray,
    columns: Sequence[str],
    image_shape: tuple[int, int],
    *,
    labels: Sequence[str] | None = None,
    pixel_max: int | None = None,
    title: str = "",
) -> Figure:
    """Each row one digit: the original, then its augmented copies, one per column.

    Parameters
    ----------
    images : ndarray of shape (n_digits, n_columns, height * width)
    columns : sequence of str
        What each column is, e.g. "original", "shifted right".
    image_shape : tuple of int
    labels : sequence of str, optional
        Each row's label, shown left of it.
    pixel_max : int, optional
    title : str
    """
    images = np.asarray(images)
    n, k = images.shape[:2]
    vmax = pixel_max if pixel_max is not None else images.max()
    fig = Figure(figsize=(1.15 * k + 0.4, 1.2 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, k, squeeze=False)
    for i in range(n):
        for j in range(k):
            ax = axes[i, j]
            ax.imshow(
                images[i, j].reshape(image_shape),
                cmap="binary",
                vmin=0,
                vmax=vmax,
                interpolation="nearest",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:  # wrapped: long names ("rotated 10° anticlockwise") would overlap
                ax.set_title(textwrap.fill(columns[j], 14), fontsize=8)
        if labels is not None:
            axes[i, 0].set_ylabel(str(labels[i]), rotation=0, labelpad=12, fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
