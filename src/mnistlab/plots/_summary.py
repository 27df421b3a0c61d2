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
    with styled_figure((max(7.0, 0.95 * len(table)), 3.8)) as fig:
        ax = fig.subplots()
        x = np.arange(len(table))
        ax.bar(x - 0.2, table["cv_accuracy"], 0.4, label="CV (mean of folds)")
        ax.bar(x + 0.2, table["test_accuracy"], 0.4, label="test")
        ax.set_xticks(x, table["model"], rotation=20 if len(table) > 6 else 0)
        low = float(min(table["cv_accuracy"].min(), table["test_accuracy"].min()))
        ax.set_ylim(max(0.0, low - 0.03), 1.0)
        ax.set_ylabel("accuracy")
        ax.legend(loc="lower right")
    return fig


def training_history(history: list[dict], title: str = "") -> Figure:
    """Loss (train, validation) and validation accuracy per epoch of a neural network.

    Parameters
    ----------
    history : list of dict
        Per epoch: ``epoch``, ``train_loss`` and, with a validation split,
        ``valid_loss`` and ``valid_acc`` (as ``CNNClassifier.history_``).
    """
    frame = pd.DataFrame(history)
    with styled_figure((8, 3.6)) as fig:
        loss_ax, acc_ax = fig.subplots(1, 2)
        for col, label in (("train_loss", "train"), ("valid_loss", "validation")):
            if col in frame:
                loss_ax.plot(frame["epoch"], frame[col], marker="o", label=label)
        loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
        loss_ax.legend()
        if "valid_acc" in frame:
            acc_ax.plot(frame["epoch"], frame["valid_acc"], marker="o", color="C1")
            acc_ax.set(xlabel="epoch", ylabel="accuracy", title="validation accuracy")
        else:
            acc_ax.text(0.5, 0.5, "no validation split", ha="center", va="center")
            acc_ax.set_axis_off()
        if title:
            fig.suptitle(title)
    return fig


def compare_histories(histories: dict[str, list[dict]], title: str = "") -> Figure:
    """Several networks side by side: training loss and validation accuracy per epoch.

    Parameters
    ----------
    histories : dict of str to list of dict
        A label (e.g. the architecture) to its per-epoch history.
    """
    with styled_figure((9, 3.8)) as fig:
        loss_ax, acc_ax = fig.subplots(1, 2)
        for i, (label, history) in enumerate(histories.items()):
            frame = pd.DataFrame(history)
            if frame.empty:
                continue
            loss_ax.plot(
                frame["epoch"], frame["train_loss"], marker="o", color=f"C{i}", label=label
            )
            if "valid_acc" in frame:
                acc_ax.plot(frame["epoch"], frame["valid_acc"], marker="o", color=f"C{i}")
        loss_ax.set(xlabel="epoch", ylabel="training loss", title="training loss")
        acc_ax.set(xlabel="epoch", ylabel="accuracy", title="validation accuracy")
        # below both plots: architecture labels are long
        fig.legend(
            *loss_ax.get_legend_handles_labels(), loc="outside lower center", fontsize="small"
        )
        if title:
            fig.suptitle(title)
    return fig
