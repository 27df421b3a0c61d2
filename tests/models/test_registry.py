import pytest
from sklearn.base import is_classifier

from mnistlab import InputError, models


def test_every_entry_builds_an_unfitted_classifier():
    assert {"sgd", "rf", "knn", "logreg"} <= set(models.names())
    for name in models.names():
        est = models.get(name)
        assert is_classifier(est), name
        assert models.describe(name)
        assert not hasattr(est, "classes_")


def test_textbook_defaults_and_overrides():
    assert models.get("sgd").random_state == 42
    assert models.get("rf").random_state == 42
    knn = models.get("knn")
    assert (knn.n_neighbors, knn.weights) == (4, "distance")
    assert models.get("sgd", random_state=7).random_state == 7
    assert models.get("rf", n_jobs=2).n_jobs == 2
    pipe = models.get("logreg", random_state=3, n_jobs=2)
    assert pipe.get_params()["logisticregression__random_state"] == 3


def test_get_returns_independent_copies():
    a, b = models.get("rf"), models.get("rf")
    a.set_params(n_estimators=5)
    assert b.n_estimators == 100


def test_unknown_model_lists_known_ones():
    with pytest.raises(InputError, match="unknown model 'svm9'; known models: sgd, sgd-scaled, rf"):
        models.get("svm9")


def test_register_refuses_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        models.register(models.entry("sgd"))
