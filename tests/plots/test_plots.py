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
