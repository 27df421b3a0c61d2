"""Figures of binary detectors: PR and ROC curves, the 2x2 confusion matrix, reliability
diagrams (scikit-learn Displays), pair errors."""

from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import (
    ConfusionMatrixDisplay,
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


def binary_confusion(result: BinaryResult) -> Figure:
    """The 2x2 confusion matrix of each detector's out-of-fold predictions (at its default
    threshold), with precision and recall worked out from the cells, as the textbook does
    after ``cross_val_predict``."""
    problem = result.problem
    negative = f"not {problem.positive}" if problem.negative is None else str(problem.negative)
    with styled_figure((4.6 * len(result.models), 5.4), style="white") as fig:
        axes = np.atleast_1d(fig.subplots(1, len(result.models)))
        for ax, (name, r) in zip(axes, result.models.items(), strict=True):
            y_true, y_pred = np.asarray(r.y_cv, bool), np.asarray(r.oof.predictions, bool)
            ConfusionMatrixDisplay.from_predictions(
                y_true,
                y_pred,
                labels=[False, True],
                display_labels=[negative, str(problem.positive)],
                ax=ax,
                colorbar=False,
                values_format=",d",
                cmap="Blues",
            )
            tp = int(np.sum(y_true & y_pred))
            fp = int(np.sum(~y_true & y_pred))
            fn = int(np.sum(y_true & ~y_pred))
            precision = tp / (tp + fp) if tp + fp else float("nan")
            recall = tp / (tp + fn) if tp + fn else float("nan")
            ax.set_title(f"{name}: out-of-fold predictions", fontsize=10)
            ax.text(
                0.5,
                -0.2,
                f"precision = TP / (TP + FP) = {tp:,} / {tp + fp:,} = {precision:.2%}\n"
                f"recall = TP / (TP + FN) = {tp:,} / {tp + fn:,} = {recall:.2%}",
                transform=ax.transAxes,
                ha="center",
                va="top",
                fontsize=8.5,
            )
        fig.suptitle(f"{problem.name}: confusion matrix at the default threshold", fontsize=11)
    return fig


def _probability_models(result: BinaryResult) -> list[str]:
    """The detectors whose out-of-fold scores are probabilities (``predict_proba``)."""
    return [n for n, r in result.models.items() if r.oof.method == "predict_proba"]


def reliability_diagram(result: BinaryResult, n_bins: int = 10) -> Figure:
    """Reliability diagram (scikit-learn's CalibrationDisplay) of the detectors that give
    probabilities: the fraction of positives against the mean predicted probability in
    each of ``n_bins`` bins, with a histogram of the probabilities below."""
    names = _probability_models(result)
    if not names:
        raise ValueError(f"{result.problem.name}: no detector gives probabilities")
    with styled_figure((6.0, 7.0)) as fig:
        curve, hist = fig.subplots(2, 1, height_ratios=[3, 1.3], sharex=True)
        for name in names:
            r, i = result.models[name], list(result.models).index(name)  # as in the PR curves
            CalibrationDisplay.from_predictions(
                r.y_cv, r.cv_scores, n_bins=n_bins, name=name, ax=curve, color=f"C{i}"
            )
            hist.hist(r.cv_scores, range=(0, 1), bins=n_bins, color=f"C{i}", alpha=0.6)
        curve.set_title(
            f"{result.problem.name}: reliability of the out-of-fold probabilities", fontsize=10
        )
        curve.set_xlabel("")
        curve.legend(loc="upper left", fontsize=8)
        hist.set_yscale("log")
        hist.set(xlabel=f"predicted probability of {result.problem.positive}", ylabel="images")
    return fig
