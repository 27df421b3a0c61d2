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


def halving_rounds(result: SearchResult) -> Figure:
    """The successive-halving rounds: each candidate's validation score against the images
    it was trained on, a line following each candidate while it survives; the winner in
    black."""
    frame = result.cv_results
    best_params = result.best_params
    with styled_figure((6.4, 4.4)) as fig:
        ax = fig.subplots()
        keys = frame["params"].map(lambda p: repr(sorted(p.items())))
        for _, rows in frame.groupby(keys, sort=False):
            rows = rows.sort_values("iter")
            won = rows["params"].iloc[0] == best_params
            ax.plot(
                rows["n_resources"],
                rows["mean_test_score"],
                marker="o",
                color="black" if won else "0.6",
                linewidth=2 if won else 1,
                zorder=3 if won else 2,
                label="the winner" if won else None,
            )
        for it, rows in frame.groupby("iter"):
            ax.annotate(
                f"round {it + 1}: {len(rows)}",
                (rows["n_resources"].iloc[0], rows["mean_test_score"].min()),
                textcoords="offset points",
                xytext=(0, -14),
                ha="center",
                fontsize=7,
            )
        ax.set_xscale("log")
        ax.set_xlabel("training images per candidate (log scale)")
        ax.set_ylabel("validation accuracy (CV)")
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(
            f"{result.model}: {result.n_candidates} candidates, {result.n_iterations} rounds "
            "of successive halving",
            fontsize=10,
        )
    return fig
