"""Figures of multiclass error analysis: confusion matrices, mistakes, a pair's 2x2 grid."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from mnistlab.plots._images import digit_grid
from mnistlab.plots._style import styled_figure


def confusion_matrices(y_true, y_pred, title: str = "") -> Figure:
    """Four views of one confusion matrix (scikit-learn's ConfusionMatrixDisplay):
    raw counts, rows normalised (recall per class), and the errors only (the diagonal
    weighted out) normalised by row (where each digit's errors go) and by column (what
    each wrong prediction really was), as in the textbook's figures 3-9 and 3-10."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    with styled_figure((11.5, 10.5), style="white") as fig:
        axes = fig.subplots(2, 2).ravel()
        ConfusionMatrixDisplay.from_predictions(
            y_true, y_pred, ax=axes[0], colorbar=False, values_format="d", cmap="Blues"
        )
        axes[0].set_title("counts")
        ConfusionMatrixDisplay.from_predictions(
            y_true,
            y_pred,
            ax=axes[1],
            colorbar=False,
            normalize="true",
            values_format=".0%",
            cmap="Blues",
        )
        axes[1].set_title("normalised by row (true class)")
        wrong = y_true != y_pred
        for ax, normalize, how in ((axes[2], "true", "row"), (axes[3], "pred", "column")):
            if wrong.any():
                ConfusionMatrixDisplay.from_predictions(
                    y_true,
                    y_pred,
                    ax=ax,
                    colorbar=False,
                    normalize=normalize,
                    values_format=".0%",
                    sample_weight=wrong.astype(float),
                    cmap="Reds",
                )
            ax.set_title(f"errors only, normalised by {how}")
        for ax in axes:
            for text in ax.texts:
                text.set_fontsize(7)
                # inside their axes: the layout engine need not measure 400 texts each pass
                text.set_in_layout(False)
        if title:
            fig.suptitle(title)
    return fig


def mistakes_gallery(
    images, y_true, y_pred, conf, image_shape, pixel_max: int, title: str = ""
) -> Figure:
    """Misclassified images labelled "true→predicted (confidence)".

    The confidence is the predicted class's probability, or a softmax of the
    decision scores for models without probabilities (a ranking, not calibrated).
    """
    titles = [f"{t}→{p} ({c:.0%})" for t, p, c in zip(y_true, y_pred, conf, strict=True)]
    fig = digit_grid(
        images,
        image_shape,
        titles,
        ncols=min(8, max(1, len(titles))),
        cell_inches=1.15,
        pixel_max=pixel_max,
    )
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def pair_grid(
    X, y_true, y_pred, a: int, b: int, image_shape, pixel_max: int, per_cell: int = 25
) -> Figure:
    """The textbook's figure 3-11: a's taken as a, a's taken as b, b's as a, b's as b."""
    side = int(np.ceil(np.sqrt(per_cell)))
    with styled_figure((9, 9.4), style="white") as fig:
        cells = fig.subplots(2, 2)
        h, w = image_shape
        for (i, j), (true, pred) in zip(
            [(0, 0), (0, 1), (1, 0), (1, 1)], [(a, a), (a, b), (b, a), (b, b)], strict=True
        ):
            ax = cells[i, j]
            idx = np.flatnonzero((y_true == true) & (y_pred == pred))[:per_cell]
            canvas = np.zeros((side * (h + 1), side * (w + 1)))
            for k, n in enumerate(idx):
                r, c = divmod(k, side)
                canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = X[n].reshape(
                    image_shape
                )
            ax.imshow(canvas, cmap="binary", vmin=0, vmax=pixel_max, interpolation="nearest")
            ax.set_axis_off()
            total = int(np.sum((y_true == true) & (y_pred == pred)))
            ax.set_title(f"true {true}, predicted {pred}: {total:,} images", fontsize=10)
    return fig


def multilabel_scores(result) -> Figure:
    """Per-label F1 (test set) of every multilabel model, as grouped bars."""
    labels = result.labels
    names = list(result.models)
    width = 0.8 / max(1, len(names))
    with styled_figure((7.5, 4.2)) as fig:
        ax = fig.subplots()
        x = np.arange(len(labels))
        for k, name in enumerate(names):
            f1 = [result.models[name].test["per_label"][lab]["f1"] for lab in labels]
            ax.bar(x + k * width - 0.4 + width / 2, f1, width, label=name)
        ax.set_xticks(x, labels)
        low = min(r.test["per_label"][lab]["f1"] for r in result.models.values() for lab in labels)
        ax.set_ylim(max(0.0, low - 0.05), 1.0)
        ax.set_ylabel("F1 (test set)")
        ax.set_title("multilabel: F1 per label")
        ax.legend(fontsize=8, loc="lower right")
    return fig
