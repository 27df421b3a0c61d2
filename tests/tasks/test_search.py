import sys

import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load, subset
from mnistlab.tasks import BUDGETS, dask_backend, run_search, search_one, tune


@pytest.fixture(scope="module")
def small():
    return subset(load("digits"), 900, 100, random_state=0)


def test_quick_search_validation_only(small):
    run = run_search(small, "fast", budget="quick", n_jobs=2)
    r = run.results["fast"]
    assert 0.9 < r.best_score <= 1 and set(r.best_params) == {
        "pca__n_components",
        "knn__n_neighbors",
        "knn__weights",
    }
    assert r.n_candidates == BUDGETS["quick"]["n_candidates"] and r.n_iterations >= 2
    assert r.cv_results["n_resources"].nunique() == r.n_iterations  # images grow per round
    top = r.top(3)
    assert top["rank_test_score"].tolist() == sorted(top["rank_test_score"])
    m = run.to_metrics()
    assert "test" not in m["fast"] and m["fast"]["cv"]["accuracy"]["mean"] == r.best_score


def test_dask_local_cluster_does_the_fits_and_agrees(small):
    import distributed  # a dependency of mnistlab: never a reason to skip

    local = search_one(small.X_train, small.y_train, "knn", budget=BUDGETS["quick"], n_jobs=1)
    with dask_backend("local") as client, distributed.get_task_stream(client) as stream:
        remote = search_one(small.X_train, small.y_train, "knn", budget=BUDGETS["quick"], n_jobs=-1)
    workers = {t["worker"] for t in stream.data}
    assert len(stream.data) > 0 and len(workers) == 2  # both workers ran fits
    assert remote.best_params == local.best_params
    np.testing.assert_allclose(
        remote.cv_results["mean_test_score"], local.cv_results["mean_test_score"]
    )


def test_bad_input(small):
    with pytest.raises(InputError, match="unknown budget 'huge'"):
        run_search(small, "fast", budget="huge")
    with pytest.raises(InputError, match="unknown model 'nope'"):
        run_search(small, "nope")
    with (
        pytest.raises(InputError, match="cannot reach the scheduler"),
        dask_backend("tcp://127.0.0.1:9"),
    ):
        pass


def test_dask_without_distributed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the dask extra were missing
    with pytest.raises(InputError, match=r"pip install 'mnistlab\[dask\]'"), dask_backend("local"):
        pass


def test_neural_search_compares_the_best_architectures(small):
    run = run_search(small, "mlp-raw", budget="quick", random_state=0)
    archs = run.results["mlp-raw"].architectures
    assert 1 <= len(archs) <= 3
    for arch in archs:
        assert arch["n_parameters"] > 1000 and arch["fit_seconds"] > 0
        assert arch["history"] and 0 < arch["valid_accuracy"] <= 1
    assert "architectures" in run.to_metrics()["mlp-raw"]
    assert not run_search(small, "fast", budget="quick").results["fast"].architectures


@pytest.mark.requires("torch")
def test_the_device_reaches_the_networks_of_a_search(monkeypatch):
    import torch

    from mnistlab.tasks._search import compare_architecture

    ds = load("digits")
    params = {"epochs": 1, "channels": (4,), "dense": 8}
    done = compare_architecture(ds.X_train[:200], ds.y_train[:200], "cnn", params, 0, 1, "cpu")
    assert done["params"] == params
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match="device 'cuda' is not available here"):
        compare_architecture(ds.X_train[:200], ds.y_train[:200], "cnn", params, 0, 1, "cuda")


def test_tune_scores_default_and_winner_on_the_same_folds(small):
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    budget = {"n_candidates": 8, "factor": 2, "min_resources": 100, "max_resources": None}
    t = tune(small.X_train, small.y_train, "knn", default="knn5", budget=budget)
    assert t.default_params == {"n_neighbors": 5, "weights": "uniform"}  # scikit-learn's
    expected = cross_val_score(KNeighborsClassifier(), small.X_train, small.y_train, cv=3)
    np.testing.assert_array_equal(t.default_scores, expected)
    tuned = KNeighborsClassifier(**t.best_params)
    np.testing.assert_array_equal(
        t.tuned_scores, cross_val_score(tuned, small.X_train, small.y_train, cv=3)
    )
    rounds = t.rounds()
    assert rounds["candidates"].tolist() == [8, 4, 2, 1][: len(rounds)] and len(rounds) >= 3
    assert rounds["images"].is_monotonic_increasing and rounds["round"].iloc[0] == 1
    m = t.to_metrics()
    assert "test" not in str(m.keys()) and m["tuned"]["params"] == t.best_params
    assert m["default"]["cv"]["accuracy"]["mean"] == t.default_scores.mean()
    assert len(m["search"]["rounds"]) == t.search.n_iterations
