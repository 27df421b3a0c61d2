"""Figures of hyperparameter searches."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mnistlab.plots._style import styled_figure
from mnistlab.tasks import SearchResult


def search_scores(result: SearchResult) -> Figure:
    """Validation score against each searched parameter; colour: images per candidate."""
    frame = result.cv_results
    params = [c for c in frame.columns if c.startswith("param_")]
    with styled_figure((4.0 * max(1, len(params)), 3.6)) as fig:
        axes = np.atleast_1d(fig.subplots(1, max(1, len(params)), sharey=True))
        for ax, col in zip(axes, params, strict=False):
            values = frame[col]
            numeric = values.map(lambda v: isinstance(v, (int, float, np.number))).all()
            if numeric:
                x = values.astype(float)
            else:
                labels = sorted({str(v) for v in values})
                x = values.map(lambda v, labels=labels: labels.index(str(v)))
                ax.set_xticks(range(len(labels)), labels, rotation=30, fontsize=7)
            sc = ax.scatter(
                x, frame["mean_test_score"], c=np.log10(frame["n_resources"]), cmap="viridis", s=22
            )
            if (
                numeric
                and values.astype(float).min() > 0
                and (values.astype(float).max() / values.astype(float).min() > 50)
            ):
                ax.set_xscale("log")
            ax.set_xlabel(col.removeprefix("param_"))
        axes[0].set_ylabel("validation accuracy (CV)")
        fig.colorbar(sc, ax=list(axes), label="log10 images per candidate")
        fig.suptitle(f"{result.model}: successive-halving search", fontsize=10)
    return fig
