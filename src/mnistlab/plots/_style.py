"""One look for every figure: seaborn's theme, applied per figure (no global state)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import seaborn as sns
from matplotlib.figure import Figure


@contextmanager
def styled_figure(
    figsize: tuple[float, float] = (6.4, 4.8), style: str = "whitegrid"
) -> Iterator[Figure]:
    """Yield a new :class:`Figure` whose axes get a seaborn style (``"white"`` for heatmaps)."""
    with sns.axes_style(style), sns.plotting_context("notebook", font_scale=0.9):
        fig = Figure(figsize=figsize, layout="constrained")
        yield fig
