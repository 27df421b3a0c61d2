import numpy as np
import pytest
from matplotlib.figure import Figure

from mnistlab import plots
from mnistlab.data import load
from mnistlab.tasks import run_binary


@pytest.fixture(scope="module")
def result():
    return run_binary(load("digits"), 5, None, "sgd,rf", target_recall=0.95, n_jobs=2)


def _labels(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_pr_curves_one_axes_all_models(result):
    fig = plots.pr_curves(result)
    labels = _labels(fig)
    assert any(label.startswith("sgd (AP = 0.") for label in labels)
    assert any(label.startswith("rf (AP = 0.") for label in labels)
    assert "threshold for precision ≥ 0.9" in labels and "threshold for recall ≥ 0.95" in labels


def test_roc_curves_auc_in_legend(result):
    fig = plots.roc_curves(result)
    auc = result.models["rf"].cv["roc_auc"]
    assert f"rf (AUC = {auc:.4f})" in _labels(fig)
    assert len(fig.axes[0].child_axes) == 1  # the zoomed inset


def test_precision_recall_vs_threshold(result):
    fig = plots.precision_recall_vs_threshold(result, "sgd")
    labels = _labels(fig)
    assert labels[:2] == ["precision", "recall"]


def test_digit_grid_any_shape():
    fig = plots.digit_grid(np.zeros((5, 12), np.uint8), (3, 4), list("abcde"))
    assert isinstance(fig, Figure) and len(fig.axes) == 6  # 3x2 grid, one left blank


def test_pair_heatmap():
    e = np.full((10, 10), 0.01)
    np.fill_diagonal(e, np.nan)
    fig = plots.pair_error_heatmap(e)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 90 and texts[0] == "1.00"


def test_training_history_with_and_without_validation():
    rows = [
        {"epoch": e, "train_loss": 1 / e, "valid_loss": 1.2 / e, "valid_acc": 1 - 0.1 / e}
        for e in (1, 2, 3)
    ]
    fig = plots.training_history(rows, "cnn")
    loss, acc = fig.axes
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["train", "validation"]
    np.testing.assert_allclose(acc.lines[0].get_ydata(), [0.9, 0.95, 1 - 0.1 / 3])
    fig = plots.training_history([{"epoch": 1, "train_loss": 0.5}])
    assert not fig.axes[1].axison  # no validation split: says so instead of an empty plot


def test_binary_confusion_works_out_precision_and_recall(result):
    fig = plots.binary_confusion(result)
    assert len(fig.axes) == 2
    r = result.models["sgd"]
    (tn, fp), (fn, tp) = r.cv["confusion_matrix"]
    sgd = fig.axes[0]
    cells = sorted(int(t.get_text().replace(",", "")) for t in sgd.texts[:4])
    assert cells == sorted([tn, fp, fn, tp])
    worked = sgd.texts[-1].get_text()
    assert f"= {tp:,} / {tp + fp:,} = {r.cv['precision']:.2%}" in worked
    assert f"= {tp:,} / {tp + fn:,} = {r.cv['recall']:.2%}" in worked
    assert [t.get_text() for t in sgd.get_xticklabels()] == ["not 5", "5"]


def test_reliability_diagram_only_of_probabilities(result):
    fig = plots.reliability_diagram(result)
    curve, hist = fig.axes
    labels = [t.get_text() for t in curve.get_legend().get_texts()]
    assert "rf" in labels and "sgd" not in labels  # SGD's scores are not probabilities
    assert sum(p.get_height() for p in hist.patches) == len(result.models["rf"].y_cv)
    only_sgd = type(result)(result.problem, {"sgd": result.models["sgd"]})
    with pytest.raises(ValueError, match="no detector gives probabilities"):
        plots.reliability_diagram(only_sgd)


def test_confusion_matrices_errors_by_row_and_by_column():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 2, 1, 0, 2, 1, 1])
    fig = plots.confusion_matrices(y_true, y_pred)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "counts",
        "normalised by row (true class)",
        "errors only, normalised by row",
        "errors only, normalised by column",
    ]
    by_column = fig.axes[3].images[0].get_array()
    # predicted 1 wrongly: one true 0 and two true 2s
    np.testing.assert_allclose(by_column[:, 1], [1 / 3, 0, 2 / 3])


def test_halving_rounds_follows_each_candidate():
    from mnistlab.tasks import search_one

    digits = load("digits")
    budget = {"n_candidates": 4, "factor": 2, "min_resources": 100, "max_resources": None}
    s = search_one(digits.X_train[:400], digits.y_train[:400], "knn", budget=budget)
    fig = plots.halving_rounds(s)
    ax = fig.axes[0]
    assert len(ax.lines) == s.n_candidates  # one line per candidate
    winner = [line for line in ax.lines if line.get_label() == "the winner"]
    assert len(winner) == 1 and len(winner[0].get_xdata()) == s.n_iterations
    assert max(winner[0].get_ydata()) <= s.cv_results["mean_test_score"].max()


def test_augmentation_grid_rows_and_columns():
    images = np.random.default_rng(0).integers(0, 16, (3, 4, 64))
    columns = ["original", "a", "b", "rotated 10° anticlockwise"]
    fig = plots.augmentation_grid(images, columns, (8, 8), labels=[1, 2, 3])
    assert len(fig.axes) == 12
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles[:3] == ["original", "a", "b"]
    assert titles[3] == "rotated 10°\nanticlockwise"  # wrapped, not overlapping its neighbour
    assert fig.axes[4].get_ylabel() == "2"


def test_figures_are_measured_for_a_tight_box_only_without_a_layout_engine():
    """Constrained layout already fits a figure to its canvas: saving it skips the tight
    box's measuring pass (half a second for a confusion matrix) and keeps its size."""
    import io

    from PIL import Image

    from mnistlab._io import tight_bbox
    from mnistlab.report._sections import png

    assert tight_bbox(Figure()) == "tight"  # e.g. the digit grids (tight_layout, no engine)
    fig = Figure(figsize=(3, 2), layout="constrained")
    fig.subplots().plot([0, 1])
    assert tight_bbox(fig) is None
    assert Image.open(io.BytesIO(png(fig, dpi=100))).size == (300, 200)
