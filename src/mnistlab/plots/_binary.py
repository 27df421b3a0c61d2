"""Figures of binary detectors: PR and ROC curves (scikit-learn Displays), pair errors."""

from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn.metrics import (
    PrecisionRecallDisplay,
    RocCurveDisplay,
    precision_recall_curve,
    roc_curve,
)

from mnistlab.evaluation import rule_label
from mnistlab.plots._style import styled_figure
from mnistlab.tasks import BinaryResult

_MARKERS = {"precision": "o", "recall": "s", "f1": "D"}


def _rule_label(rule: str, target: float | None) -> str:
    return f"threshold for {rule_label(rule, target)}"  # the rule named as in the tables


def _reached(r):
    return [(rule, t) for rule, t in r.thresholds.items() if t.reached]


def _marker_legend(result: BinaryResult) -> list[Line2D]:
    rules = {}
    for r in result.models.values():
        for rule, t in _reached(r):
            rules.setdefault(rule, t.target)
    return [
        Line2D(
            [],
            [],
            marker=_MARKERS[rule],
            color="0.2",
            linestyle="",
            label=_rule_label(rule, target),
        )
        for rule, target in rules.items()
    ]


def pr_curves(result: BinaryResult) -> Figure:
    """Out-of-fold precision-recall curves of every model, chosen thresholds marked."""
    with styled_figure((6.4, 5.2)) as fig:
        ax = fig.subplots()
        for i, (name, r) in enumerate(result.models.items()):
            color = f"C{i}"
            disp = PrecisionRecallDisplay.from_predictions(
                r.y_cv,
                r.cv_scores,
                name=name,
                ax=ax,
                curve_kwargs={"color": color},
                plot_chance_level=i == 0,
            )
            disp.line_.set_label(f"{name} (AP = {r.cv['average_precision']:.4f})")
            for rule, t in _reached(r):
                ax.plot(t.recall, t.precision, _MARKERS[rule], color=color, markersize=7)
        ax.set_title(f"{result.problem.name}: precision-recall (out-of-fold)")
        ax.set_xlim(0, 1.01)
        ax.set_ylim(0, 1.01)
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(handles=handles + _marker_legend(result), loc="lower left", fontsize=8)
    return fig


def precision_recall_vs_threshold(result: BinaryResult, name: str) -> Figure:
    """Precision and recall against the decision threshold (the textbook's figure 3-5)."""
    r = result.models[name]
    precision, recall, thresholds = precision_recall_curve(r.y_cv, r.cv_scores)
    with styled_figure((7.2, 4.2)) as fig:
        ax = fig.subplots()
        ax.plot(thresholds, precision[:-1], "C0--", label="precision")
        ax.plot(thresholds, recall[:-1], "C1-", label="recall")
        for rule, t in _reached(r):
            ax.axvline(t.value, color="0.4", linestyle=":", linewidth=1)
            ax.plot(
                [t.value, t.value],
                [t.precision, t.recall],
                _MARKERS[rule],
                color="0.2",
                markersize=5,
                label=f"{_rule_label(rule, t.target)} ({t.value:.4g})",
            )
        ax.set_xlabel(f"threshold ({r.oof.method})")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{result.problem.name}, {name}: precision and recall vs threshold")
        ax.legend(loc="center left", fontsize=8)
    return fig


def roc_curves(result: BinaryResult) -> Figure:
    """Out-of-fold ROC curves of every model, AUC in the legend, thresholds marked.

    An inset magnifies the top-left corner, where good detectors differ.
    """
    with styled_figure((6.0, 5.6)) as fig:
        ax = fig.subplots()
        inset = ax.inset_axes([0.4, 0.43, 0.52, 0.42])
        for i, (name, r) in enumerate(result.models.items()):
            color = f"C{i}"
            disp = RocCurveDisplay.from_predictions(
                r.y_cv,
                r.cv_scores,
                name=name,
                ax=ax,
                curve_kwargs={"color": color},
                plot_chance_level=i == 0,
            )
            disp.line_.set_label(f"{name} (AUC = {r.cv['roc_auc']:.4f})")
            inset.plot(disp.fpr, disp.tpr, color=color, linewidth=1)
            fpr, tpr, thr = roc_curve(r.y_cv, r.cv_scores, drop_intermediate=False)
            for rule, t in _reached(r):
                j = int(np.flatnonzero(thr >= t.value)[-1])  # the point of that threshold
                for a in (ax, inset):
                    a.plot(fpr[j], tpr[j], _MARKERS[rule], color=color, markersize=6)
        inset.set_xlim(0, 0.1)
        inset.set_ylim(0.7, 1.0)
        inset.tick_params(labelsize=7)
        inset.set_title("top-left corner", fontsize=8)
        ax.indicate_inset_zoom(inset, edgecolor="0.5")
        ax.set_title(f"{result.problem.name}: ROC (out-of-fold)")
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(handles=handles + _marker_legend(result), loc="lower right", fontsize=7)
    return fig


def pair_error_heatmap(errors: np.ndarray, title: str = "") -> Figure:
    """A heatmap of pairwise error rates (symmetric; the diagonal is blank)."""
    errors = np.asarray(errors, dtype=float)
    with styled_figure((7.2, 6.0), style="white") as fig:
        ax = fig.subplots()
        labels = [str(i) for i in range(errors.shape[0])]
        sns.heatmap(
            errors * 100,
            mask=np.isnan(errors),
            annot=True,
            fmt=".2f",
            cmap="rocket_r",
            square=True,
            cbar_kws={"label": "error rate (%)"},
            ax=ax,
            xticklabels=labels,
            yticklabels=labels,
            annot_kws={"fontsize": 7},
        )
        ax.set_xlabel("digit")
        ax.set_ylabel("digit")
        ax.set_title(title or "pairwise error rate (%)")
    return fig
