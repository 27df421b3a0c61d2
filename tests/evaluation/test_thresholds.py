import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.evaluation import (
    binary_metrics,
    metrics_at_threshold,
    threshold_for_best_f1,
    threshold_for_precision,
    threshold_for_recall,
)

# scores sorted: positives mostly high, one negative among them
Y = np.array([0, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
S = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])


def test_precision_threshold_is_the_lowest_reaching_the_target():
    t = threshold_for_precision(Y, S, 0.8)
    # at 0.4: 4 TP / 5 predicted = 0.8 -> the lowest threshold with precision >= 0.8
    assert t.reached and t.value == 0.4 and t.precision == 0.8 and t.recall == 1.0
    t = threshold_for_precision(Y, S, 1.0)
    assert t.value == 0.6 and t.recall == 0.75


def test_textbook_rule_matches():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.3
    s = y + rng.normal(0, 0.8, 500)
    from sklearn.metrics import precision_recall_curve

    precisions, _, thresholds = precision_recall_curve(y, s)
    expected = thresholds[(precisions >= 0.9).argmax()]
    assert threshold_for_precision(y, s, 0.9).value == expected


def test_recall_threshold_is_the_highest_keeping_the_target():
    t = threshold_for_recall(Y, S, 0.75)
    assert t.value == 0.6 and t.recall == 0.75 and t.precision == 1.0
    assert threshold_for_recall(Y, S, 1.0).value == 0.4


def test_unreachable_precision_reports_the_best():
    y = np.array([0, 1, 0, 1], dtype=bool)
    s = np.array([0.9, 0.8, 0.7, 0.1])  # the top score is a negative: precision tops at 0.5
    t = threshold_for_precision(y, s, 0.99)
    assert not t.reached and t.value is None and t.best == pytest.approx(0.5)
    assert "best achievable is 0.5000" in t.message()


@pytest.mark.parametrize("target", [0, -0.1, 1.5])
def test_target_outside_unit_interval(target):
    with pytest.raises(InputError, match="outside \\(0, 1\\]"):
        threshold_for_precision(Y, S, target)
    with pytest.raises(InputError, match="outside"):
        threshold_for_recall(Y, S, target)


def test_best_f1():
    t = threshold_for_best_f1(Y, S)
    assert t.value == 0.6 or t.value == 0.4
    f1 = 2 * t.precision * t.recall / (t.precision + t.recall)
    assert f1 == pytest.approx(max(2 * 0.8 * 1 / 1.8, 2 * 1 * 0.75 / 1.75))


def test_binary_metrics_and_at_threshold():
    m = binary_metrics(Y, S >= 0.45, S)
    assert m["confusion_matrix"] == [[3, 1], [1, 3]]
    assert m["accuracy"] == 0.75 and m["precision"] == 0.75 and m["recall"] == 0.75
    assert m["roc_auc"] == pytest.approx(15 / 16)
    assert metrics_at_threshold(Y, S, 0.6) == {
        "precision": 1.0,
        "recall": 0.75,
        "f1": pytest.approx(6 / 7),
    }
