"""The figures of each part of the study, by file name: one set for a command and the report.

Every function returns an ordered ``{file name: matplotlib Figure}``; the command line
saves them into ``--out``, the study into its section's directory and the HTML page.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from mnistlab import _defaults as defaults
from mnistlab import plots
from mnistlab.evaluation import confident_mistakes


def data_figures(dataset: Any, n: int = 25, split: str = "train") -> dict[str, Figure]:
    """The first ``n`` images of a split with their labels."""
    train = split == "train"
    X, y = (dataset.X_train, dataset.y_train) if train else (dataset.X_test, dataset.y_test)
    n = min(n, len(y))
    return {
        "digits.png": plots.digit_grid(
            X[:n], dataset.image_shape, [str(v) for v in y[:n]], pixel_max=dataset.pixel_max
        )
    }


def binary_figures(result: Any) -> dict[str, Figure]:
    """Precision-recall and ROC curves, and precision/recall against the threshold."""
    figs = {"pr_curves.png": plots.pr_curves(result), "roc_curves.png": plots.roc_curves(result)}
    for name in result.models:
        figs[f"precision_recall_vs_threshold_{name}.png"] = plots.precision_recall_vs_threshold(
            result, name
        )
    return figs


def pairs_figures(result: Any) -> dict[str, Figure]:
    """Heatmaps of the out-of-fold and test error rate of every digit pair."""
    return {
        "pair_errors.png": plots.pair_error_heatmap(
            result.cv_error, f"{result.model}: out-of-fold error rate per digit pair (%)"
        ),
        "pair_errors_test.png": plots.pair_error_heatmap(
            result.test_error, f"{result.model}: test error rate per digit pair (%)"
        ),
    }


def multiclass_figures(result: Any, dataset: Any, pair: tuple[int, int]) -> dict[str, Figure]:
    """Accuracy bars; per model confusion matrices, confident mistakes and a pair grid."""
    a, b = pair
    figs = {"accuracy.png": plots.accuracy_bars(result.table())}
    for name, r in result.models.items():
        slug = name.replace("[", "-").replace("]", "")  # sgd[ovr] -> sgd-ovr
        figs[f"{slug}_confusion_cv.png"] = plots.confusion_matrices(
            r.y_cv, r.oof.predictions, f"{name}: out-of-fold predictions"
        )
        figs[f"{slug}_confusion_test.png"] = plots.confusion_matrices(
            dataset.y_test, r.test_pred, f"{name}: test set"
        )
        Xcv = dataset.X_train[r.train_index]
        worst = confident_mistakes(r.y_cv, r.oof.predictions, r.cv_confidence, 24)
        figs[f"{slug}_mistakes.png"] = plots.mistakes_gallery(
            Xcv[worst],
            r.y_cv[worst],
            r.oof.predictions[worst],
            r.cv_confidence[worst],
            dataset.image_shape,
            dataset.pixel_max,
            f"{name}: most confident out-of-fold mistakes (true→predicted)",
        )
        figs[f"{slug}_pair_{a}_{b}.png"] = plots.pair_grid(
            Xcv, r.y_cv, r.oof.predictions, a, b, dataset.image_shape, dataset.pixel_max
        )
    return figs


def multilabel_figures(result: Any) -> dict[str, Figure]:
    """Per-label F1 of each model."""
    return {"multilabel_f1.png": plots.multilabel_scores(result)}


def denoise_figures(result: Any) -> dict[str, Figure]:
    """Clean, noisy and denoised samples; the scores of each denoiser."""
    return {
        "denoise_grid.png": plots.denoise_grid(result),
        "denoise_scores.png": plots.denoise_scores(result),
    }


def clean_figures(result: Any, dataset: Any, show: int = defaults.CLEAN_SHOW) -> dict[str, Figure]:
    """The training images most likely mislabelled."""
    top = result.issues[:show]
    return {
        "label_issues.png": plots.label_issue_gallery(
            dataset.X_train[top],
            result.given[top],
            result.suggested[top],
            result.quality[top],
            dataset.image_shape,
            dataset.pixel_max,
            "likely label issues: given→suggested (label quality)",
        )
    }


def evaluate_figures(name: str, y_true: Any, y_pred: Any) -> dict[str, Figure]:
    """The confusion matrices of a model on the test set."""
    return {"confusion_test.png": plots.confusion_matrices(y_true, y_pred, f"{name}: test set")}
