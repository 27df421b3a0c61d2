import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from mnistlab import InputError, models
from mnistlab.data import load
from mnistlab.tasks import run_multiclass, wrap_strategy


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(scope="module")
def native(digits):
    return run_multiclass(digits, "sgd,knn,svc", n_jobs=2)


def test_native(native, digits):
    t = native.table().set_index("model")
    assert t.loc["knn", "cv_accuracy"] > 0.95 and t.loc["svc", "test_accuracy"] > 0.95
    assert t.loc["sgd", "n_estimators"] == 10 and t.loc["svc", "n_estimators"] == 45
    assert t.loc["knn", "n_estimators"] == 1
    r = native.models["sgd"]
    assert r.oof.fold_accuracy.shape == (3,) and r.score_shape == (digits.n_test, 10)
    assert r.oof.predictions.shape == (digits.n_train,)


def test_equals_cross_val_score(native, digits):
    from sklearn.model_selection import cross_val_score

    expected = cross_val_score(models.get("sgd"), digits.X_train, digits.y_train, cv=3)
    np.testing.assert_array_equal(native.models["sgd"].oof.fold_accuracy, expected)


@pytest.mark.parametrize(("strategy", "n"), [("ovr", 10), ("ovo", 45)])
def test_strategies(digits, strategy, n):
    r = run_multiclass(digits, "sgd", strategy=strategy, n_jobs=2).models["sgd"]
    assert r.n_estimators == n and r.strategy == strategy
    assert r.score_shape == (digits.n_test, 10) and r.test_accuracy > 0.85


def test_metrics_layout(native):
    m = native.to_metrics()
    assert m["task"] == {"strategy": "native", "cv": 3}
    knn = m["knn"]
    assert set(knn["cv"]["accuracy"]) == {"folds", "mean", "out_of_fold"}
    assert set(knn["cv"]["per_class"]) >= {str(d) for d in range(10)} | {"macro avg"}
    assert {"accuracy", "per_class", "top_confusions"} <= set(knn["test"])
    assert knn["fit_seconds"] >= 0 and knn["n_binary_estimators"] == 1


class NoScores(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_bad_input(digits):
    with pytest.raises(InputError, match="unknown strategy 'ova'"):
        run_multiclass(digits, "sgd", strategy="ova")
    with pytest.raises(InputError, match="unknown model 'chain-svc'"):
        run_multiclass(digits, "chain-svc")  # multilabel-only
    with pytest.raises(InputError, match="cannot be wrapped one-vs-rest"):
        wrap_strategy(NoScores(), "ovr")


def test_compare_strategies(digits):
    r = run_multiclass(digits, "sgd", strategy="native,ovo", n_jobs=2)
    assert list(r.models) == ["sgd[native]", "sgd[ovo]"]
    assert r.models["sgd[ovo]"].n_estimators == 45
