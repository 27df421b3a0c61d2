import copy
import dataclasses

import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.tasks import binary_problem, run_binary


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def test_problem_vs_rest_and_pair(digits):
    p = binary_problem(digits, 5)
    assert p.name == "5 vs rest" and len(p.y_train) == digits.n_train
    assert p.y_train.sum() == (digits.y_train == 5).sum()
    q = binary_problem(digits, 3, 5)
    assert q.name == "3 vs 5" and len(q.y_train) == np.isin(digits.y_train, (3, 5)).sum()
    assert q.y_test.sum() == (digits.y_test == 3).sum()


@pytest.fixture(scope="module")
def result(digits):
    return run_binary(digits, 3, 5, "sgd,knn", target_precision=0.95, target_recall=0.99, n_jobs=2)


def test_run_binary_pair(result):
    assert list(result.models) == ["sgd", "knn"]
    for r in result.models.values():
        assert r.cv["roc_auc"] > 0.95 and r.test["accuracy"] > 0.9
        assert set(r.thresholds) == {"precision", "recall", "f1"}
        assert r.thresholds["precision"].precision >= 0.95
        assert r.thresholds["recall"].recall >= 0.99
        assert r.oof.fold_accuracy.shape == (3,)
    assert result.baseline["test"]["accuracy"] == pytest.approx(0.5, abs=0.05)


def test_best_is_chosen_by_cross_validation_not_the_test_set(result):
    by_cv = max(result.models, key=lambda n: result.models[n].cv["roc_auc"])
    assert result.best() == by_cv and result.to_metrics()["task"]["best"] == by_cv
    # a test set that prefers the other model does not change the choice
    swapped = copy.deepcopy(result)
    for name, r in swapped.models.items():
        r.test["roc_auc"] = 1.0 if name != by_cv else 0.0
    assert swapped.best() == by_cv


def test_metrics_layout(result):
    m = result.to_metrics()
    assert m["task"]["name"] == "3 vs 5" and "never_positive" in m
    sgd = m["sgd"]
    for key in ("accuracy", "roc_auc", "average_precision", "precision", "recall", "f1"):
        assert set(sgd["cv"][key]) == {"folds", "mean", "out_of_fold"}
        assert len(sgd["cv"][key]["folds"]) == 3 and key in sgd["test"]
    r = result.models["sgd"]
    assert sgd["cv"]["accuracy"]["folds"] == r.oof.fold_accuracy.tolist()
    assert sgd["cv"]["roc_auc"]["out_of_fold"] == r.cv["roc_auc"]
    assert (
        sgd["test"]["thresholds"]["precision"]["value"]
        == sgd["cv"]["thresholds"]["precision"]["value"]
    )
    assert sgd["fit_seconds"] >= 0 and sgd["predict_seconds"] >= 0


def test_rf_auc_comes_from_probabilities(digits):
    r = run_binary(digits, 5, None, "rf", n_jobs=2).models["rf"]
    assert r.oof.method == "predict_proba"
    assert len(np.unique(r.cv_scores)) > 3  # a ranking, not hard 0/1 predictions


def test_slow_model_runs_on_a_stated_subset(digits, monkeypatch):
    from mnistlab import models

    entry = models.entry("svc")
    monkeypatch.setitem(models.MODELS._entries, "svc", dataclasses.replace(entry, max_train=300))
    r = run_binary(digits, 5, None, "svc").models["svc"]
    assert r.n_train == 300 and r.to_metrics()["n_train"] == 300


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"positive": 5, "negative": 5}, "both 5"),
        ({"positive": 11}, "positive digit 11 is not in the dataset"),
        ({"positive": 5, "negative": 12}, "negative digit 12"),
        ({"positive": 5, "target_precision": 1.5}, "outside \\(0, 1\\]"),
        ({"positive": 5, "target_recall": 0.0}, "target recall 0 is outside"),
        ({"positive": 5, "model_names": "sgd,nope"}, "unknown model 'nope'; known: sgd"),
        ({"positive": 5, "model_names": ""}, "no model given"),
    ],
)
def test_bad_input(digits, kwargs, match):
    with pytest.raises(InputError, match=match):
        run_binary(digits, **kwargs)
