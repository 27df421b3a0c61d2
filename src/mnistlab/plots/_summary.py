"""Summary charts of several models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mnistlab.plots._style import styled_figure


def accuracy_bars(table: pd.DataFrame) -> Figure:
    """Cross-validated and test accuracy of each model, side by side.

    Parameters
    ----------
    table : DataFrame
        Columns ``model``, ``cv_accuracy`` and ``test_accuracy``.
    """
    with styled_figure((7, 3.8)) as fig:
        ax = fig.subplots()
        x = np.arange(len(table))
        ax.bar(x - 0.2, table["cv_accuracy"], 0.4, label="CV (mean of folds)")
        ax.bar(x + 0.2, table["test_accuracy"], 0.4, label="test")
        ax.set_xticks(x, table["model"])
        low = float(min(table["cv_accuracy"].min(), table["test_accuracy"].min()))
        ax.set_ylim(max(0.0, low - 0.03), 1.0)
        ax.set_ylabel("accuracy")
        ax.legend(loc="lower right")
    return fig
