"""The figures of each part of the study, by file name: one set for a command and the report.

Every function returns an ordered ``{file name: matplotlib Figure}``; the command line
saves them into ``--out``, the study into its section's directory and the HTML page.
Each figure carries a description of what it shows as its label (``Figure.get_label()``),
which the report uses as the image's alt text.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mnistlab import _defaults as defaults
from mnistlab import plots
from mnistlab.evaluation import confident_mistakes
from mnistlab.report._tables import format_params


def described(fig: Figure, text: str) -> Figure:
    """``fig`` labelled with ``text``: what it shows, in a sentence (the report's alt text)."""
    fig.set_label(text)
    return fig


def _names(names: Any) -> str:
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def data_figures(dataset: Any, n: int = 25, split: str = "train") -> dict[str, Figure]:
    """The first ``n`` images of a split with their labels."""
    train = split == "train"
    X, y = (dataset.X_train, dataset.y_train) if train else (dataset.X_test, dataset.y_test)
    n = min(n, len(y))
    fig = plots.digit_grid(
        X[:n], dataset.image_shape, [str(v) for v in y[:n]], pixel_max=dataset.pixel_max
    )
    text = (
        f"The first {n} {'training' if train else 'test'} images of {dataset.name}, "
        f"{dataset.image_shape[0]}x{dataset.image_shape[1]} pixels, in a grid, each titled "
        f"with its label: {' '.join(str(v) for v in y[:n])}"
    )
    return {"digits.png": described(fig, text)}


def binary_figures(result: Any) -> dict[str, Figure]:
    """Precision-recall and ROC curves, precision/recall against the threshold, the 2x2
    confusion matrix with precision and recall, and a reliability diagram of the detectors
    that give probabilities."""
    p, names = result.problem.name, _names(result.models)
    figs = {
        "pr_curves.png": described(
            plots.pr_curves(result),
            f"Precision-recall curves of {names} detecting {p}, from out-of-fold scores: "
            + "; ".join(
                f"{n} average precision {r.cv['average_precision']:.4f}"
                for n, r in result.models.items()
            )
            + "; the chosen thresholds are marked on each curve",
        ),
        "roc_curves.png": described(
            plots.roc_curves(result),
            f"ROC curves (true positive rate against false positive rate) of {names} "
            f"detecting {p}, out-of-fold: "
            + "; ".join(f"{n} AUC {r.cv['roc_auc']:.4f}" for n, r in result.models.items())
            + "; an inset magnifies the top-left corner",
        ),
    }
    for name in result.models:
        figs[f"precision_recall_vs_threshold_{name}.png"] = described(
            plots.precision_recall_vs_threshold(result, name),
            f"{name} detecting {p}: out-of-fold precision (dashed) and recall (solid) "
            "against the decision threshold, the chosen thresholds marked",
        )
    cells = []
    for name, r in result.models.items():
        m = r.cv
        cells.append(f"{name} precision {m['precision']:.2%}, recall {m['recall']:.2%}")
    figs["confusion_2x2.png"] = described(
        plots.binary_confusion(result),
        f"The 2x2 confusion matrix of each detector of {p} on its out-of-fold predictions "
        "(true class in rows, predicted in columns), with precision = TP / (TP + FP) and "
        f"recall = TP / (TP + FN) worked out from its cells below it: {'; '.join(cells)}",
    )
    proba = [n for n, r in result.models.items() if r.oof.method == "predict_proba"]
    if proba:
        figs["reliability.png"] = described(
            plots.reliability_diagram(result),
            f"Reliability diagram of the out-of-fold probabilities of {_names(proba)} "
            f"detecting {p}: the fraction of images that are positive against the mean "
            "predicted probability in 10 bins, the diagonal marking perfect calibration, and "
            "a histogram of the probabilities below",
        )
    return figs


def pairs_figures(result: Any) -> dict[str, Figure]:
    """Heatmaps of the out-of-fold and test error rate of every digit pair."""
    figs = {}
    for file, errors, which in (
        ("pair_errors.png", result.cv_error, "out-of-fold"),
        ("pair_errors_test.png", result.test_error, "test"),
    ):
        errors = np.asarray(errors, dtype=float)
        i, j = np.unravel_index(np.nanargmax(errors), errors.shape)
        figs[file] = described(
            plots.pair_error_heatmap(
                errors, f"{result.model}: {which} error rate per digit pair (%)"
            ),
            f"Heatmap of the {which} error rate (%) of a {result.model} detector for each "
            f"pair of digits, digits on both axes; the hardest pair is {min(i, j)} and "
            f"{max(i, j)} at {100 * errors[i, j]:.2f}%",
        )
    return figs


def multiclass_figures(
    result: Any, dataset: Any, pair: tuple[int, int], extra: Any = None
) -> dict[str, Figure]:
    """Accuracy bars; per model confusion matrices, confident mistakes and a pair grid.

    ``extra``, another :class:`~mnistlab.tasks.MulticlassResult` (strategies, scaling), adds
    its models to the accuracy bars only.
    """
    a, b = pair
    table = result.table()
    if extra is not None and extra.models:
        table = pd.concat([table, extra.table()], ignore_index=True)
    figs = {
        "accuracy.png": described(
            plots.accuracy_bars(table),
            "Bar chart of each model's cross-validated and test accuracy: "
            + "; ".join(
                f"{row.model} {row.cv_accuracy:.2%} CV, {row.test_accuracy:.2%} test"
                for row in table.itertuples()
            ),
        )
    }
    views = (
        "in four views: counts, normalised by row (true class), and the errors alone "
        "normalised by row and by column (predicted class)"
    )
    for name, r in result.models.items():
        slug = name.replace("[", "-").replace("]", "")  # sgd[ovr] -> sgd-ovr
        figs[f"{slug}_confusion_cv.png"] = described(
            plots.confusion_matrices(r.y_cv, r.oof.predictions, f"{name}: out-of-fold predictions"),
            f"{name}: confusion matrix of the out-of-fold predictions on "
            f"{len(r.y_cv):,} training images {views}",
        )
        figs[f"{slug}_confusion_test.png"] = described(
            plots.confusion_matrices(dataset.y_test, r.test_pred, f"{name}: test set"),
            f"{name}: confusion matrix on the {len(dataset.y_test):,} test images {views}",
        )
        Xcv = dataset.X_train[r.train_index]
        worst = confident_mistakes(r.y_cv, r.oof.predictions, r.cv_confidence, 24)
        figs[f"{slug}_mistakes.png"] = described(
            plots.mistakes_gallery(
                Xcv[worst],
                r.y_cv[worst],
                r.oof.predictions[worst],
                r.cv_confidence[worst],
                dataset.image_shape,
                dataset.pixel_max,
                f"{name}: most confident out-of-fold mistakes (true→predicted)",
            ),
            f"The {len(worst)} training images {name} got wrong with the most confidence "
            "(out-of-fold), each titled true label→predicted label and the confidence",
        )
        figs[f"{slug}_pair_{a}_{b}.png"] = described(
            plots.pair_grid(
                Xcv, r.y_cv, r.oof.predictions, a, b, dataset.image_shape, dataset.pixel_max
            ),
            f"Training images of {a} and {b} in a 2x2 grid by true and predicted class "
            f"({name}, out-of-fold): {a} taken as {a}, {a} taken as {b}, {b} taken as {a}, "
            f"{b} taken as {b}",
        )
    return figs


def multilabel_figures(result: Any) -> dict[str, Figure]:
    """Per-label F1 of each model."""
    return {
        "multilabel_f1.png": described(
            plots.multilabel_scores(result),
            f"Grouped bars of the test F1 of {_names(result.models)} for each label "
            f"({_names(result.labels)})",
        )
    }


def denoise_figures(result: Any) -> dict[str, Figure]:
    """Clean, noisy and denoised samples; the scores of each denoiser."""
    names = _names(result.denoisers)
    return {
        "denoise_grid.png": described(
            plots.denoise_grid(result),
            f"{len(result.sample_index)} test digits in columns; rows: with {result.noise} "
            f"noise, after each denoiser ({names}), and clean",
        ),
        "denoise_scores.png": described(
            plots.denoise_scores(result),
            f"Horizontal bars of the test mean squared error (log scale) and PSNR of the "
            f"noisy input and of {names} on {result.noise} noise",
        ),
    }


def search_model_figures(result: Any) -> dict[str, Figure]:
    """One model's search: validation score against the searched parameters; for neural
    networks also the learning curves of the best architectures.
    """
    name = result.model
    figures = {f"{name}_search.png": plots.search_scores(result)}
    if result.architectures:
        curves = {json.dumps(a["params"], default=str): a["history"] for a in result.architectures}
        title = f"{name}: learning curves (validation split of the training data)"
        figures[f"{name}_learning_curves.png"] = plots.compare_histories(curves, title)
    return figures


def clean_figures(result: Any, dataset: Any, show: int = defaults.CLEAN_SHOW) -> dict[str, Figure]:
    """The training images most likely mislabelled."""
    top = result.issues[:show]
    fig = plots.label_issue_gallery(
        dataset.X_train[top],
        result.given[top],
        result.suggested[top],
        result.quality[top],
        dataset.image_shape,
        dataset.pixel_max,
        "likely label issues: given→suggested (label quality)",
    )
    text = (
        f"The {len(top)} training images most likely mislabelled, each titled given "
        "label→suggested label and its label quality"
    )
    return {"label_issues.png": described(fig, text)}


def train_figures(name: str, estimator: Any) -> dict[str, Figure]:
    """A neural network's loss and validation accuracy per epoch (nothing for other models)."""
    history = getattr(estimator, "history_", None)
    if not history:
        return {}
    fig = plots.training_history(history, f"{name}: training")
    text = f"{name}: training loss, validation loss and validation accuracy per epoch"
    return {"learning_curve.png": described(fig, text)}


def evaluate_figures(name: str, y_true: Any, y_pred: Any) -> dict[str, Figure]:
    """The confusion matrices of a model on the test set."""
    return {
        "confusion_test.png": described(
            plots.confusion_matrices(y_true, y_pred, f"{name}: test set"),
            f"{name}: confusion matrix on the {len(y_true):,} test images in four views: "
            "counts, normalised by row (true class), and the errors alone normalised by row "
            "and by column (predicted class)",
        )
    }


def search_figures(results: dict) -> dict[str, Figure]:
    """Per tuned model (:class:`~mnistlab.tasks.TuningResult`): the successive-halving
    rounds and the validation score against each searched parameter."""
    figs = {}
    for name, t in results.items():
        s, rounds = t.search, t.rounds()
        steps = ", ".join(f"{r.candidates} on {r.images:,} images" for r in rounds.itertuples())
        figs[f"search_rounds_{name}.png"] = described(
            plots.halving_rounds(s),
            f"{name}: validation accuracy of each candidate against the training images it "
            f"was fitted on, log scale, one line per candidate while it survives ({steps}); "
            f"the winner ({format_params(t.best_params)}) in black reaches "
            f"{s.best_score:.2%}",
        )
        figs[f"search_scores_{name}.png"] = described(
            plots.search_scores(s),
            f"{name}: validation accuracy of every candidate of the search against each "
            f"searched parameter ({_names(p.rpartition('__')[2] for p in t.best_params)}), "
            "coloured by the images it was fitted on",
        )
    return figs


def augment_figures(result: Any, dataset: Any) -> dict[str, Figure]:
    """The shifted and rotated copies of a few training digits
    (:class:`~mnistlab.tasks.AugmentResult`)."""
    fig = plots.augmentation_grid(
        result.examples,
        result.columns,
        dataset.image_shape,
        labels=result.example_labels,
        pixel_max=dataset.pixel_max,
        title="augmented copies of training images",
    )
    text = (
        f"Training digits {_names(result.example_labels)}, one per row; columns: "
        f"{', '.join(result.columns)}"
    )
    return {"augmented_copies.png": described(fig, text)}
