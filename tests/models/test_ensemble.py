import os

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC

from mnistlab import InputError, models
from mnistlab.data import load
from mnistlab.models import DecisionAveragingClassifier


@pytest.fixture(scope="module")
def xy():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600], X[600:900], y[600:900]


def _pair(**kw):
    return DecisionAveragingClassifier(
        [("svc", SVC(C=3)), ("ridge", RidgeClassifier(alpha=10.0))], **kw
    )


def test_decision_is_the_weighted_average_of_the_fitted_estimators(xy):
    X, y, Xt, _ = xy
    model = _pair(weights=[3, 1]).fit(X, y)
    svc, ridge = model.estimators_
    expected = 0.75 * svc.decision_function(Xt) + 0.25 * ridge.decision_function(Xt)
    np.testing.assert_allclose(model.decision_function(Xt), expected)
    np.testing.assert_array_equal(model.predict(Xt), model.classes_[expected.argmax(axis=1)])
    assert model.named_estimators_["svc"] is svc


def test_threads_give_the_same_model_as_one_thread(xy):
    X, y, Xt, _ = xy
    serial = _pair(n_jobs=1).fit(X, y).decision_function(Xt)
    threaded = _pair(n_jobs=2).fit(X, y).decision_function(Xt)
    np.testing.assert_array_equal(serial, threaded)


def test_the_average_beats_its_weaker_member(xy):
    X, y, Xt, yt = xy
    model = _pair().fit(X, y)
    weaker = min(est.score(Xt, yt) for est in model.estimators_)
    assert model.score(Xt, yt) > weaker


def test_two_classes_follow_scikit_learns_sign_convention(xy):
    X, y, Xt, _ = xy
    keep = y < 2
    model = _pair().fit(X[keep], np.where(y[keep] == 1, "one", "zero"))
    scores = model.decision_function(Xt)
    assert scores.ndim == 1
    np.testing.assert_array_equal(model.predict(Xt), np.where(scores > 0, "zero", "one"))


def test_nested_parameters_are_set_by_name(xy):
    model = _pair().set_params(svc__C=7.0, ridge__alpha=2.0)
    assert model.estimators[0][1].C == 7.0 and model.get_params()["ridge__alpha"] == 2.0


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"weights": [1, -1]}, "non-negative"),
        ({"weights": [0, 0]}, "not all zero"),
        ({"weights": [1, 2, 3]}, "must be 2"),
        ({"weights": [1, float("nan")]}, "non-negative numbers"),
    ],
)
def test_bad_weights_are_refused_before_fitting(xy, kw, message):
    X, y, *_ = xy
    model = _pair(**kw)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "estimators_")


@pytest.mark.parametrize(
    ("estimators", "message"),
    [
        ([], "estimators is empty"),
        ([("nb", GaussianNB())], "'nb' has no decision_function"),
        ([("a", SVC()), ("a", SVC())], "unique"),
    ],
)
def test_bad_estimators_are_refused(xy, estimators, message):
    X, y, *_ = xy
    with pytest.raises(ValueError, match=message):
        DecisionAveragingClassifier(estimators).fit(X, y)


def test_the_registrys_ensemble_is_saved_and_loaded_safely(tmp_path):
    digits = load("digits")
    model = models.get("best")  # the registry's ensemble
    # J=1: on 8x8 digits J=2's scattering leaves 2x2 positions
    model.set_params(scattering__vsv__estimator__scattering__J=1)
    model.fit(digits.X_train[:300], digits.y_train[:300])
    path = models.save_model(model, tmp_path / "ensemble", name="best", dataset=digits)
    loaded, _ = models.load_model(path, image_shape=digits.image_shape)
    np.testing.assert_array_equal(loaded.predict(digits.X_test), model.predict(digits.X_test))
    assert loaded.score(digits.X_test, digits.y_test) > 0.9


def test_a_model_file_with_a_member_no_registry_model_holds_is_refused(tmp_path):
    digits = load("digits")
    model = DecisionAveragingClassifier([("svc", SVC()), ("ridge", RidgeClassifier())])
    model.fit(digits.X_train, digits.y_train)
    path = models.save_model(model, tmp_path / "foreign", name="foreign", dataset=digits)
    with pytest.raises(
        InputError, match="RidgeClassifier.*(refusing to load it|no mnistlab model contains)"
    ):
        models.load_model(path)


def test_huge_weights_do_not_overflow(xy):
    X, y, Xt, _ = xy
    huge = _pair(weights=[1e308, 1e308]).fit(X, y)
    np.testing.assert_allclose(huge.decision_function(Xt), _pair().fit(X, y).decision_function(Xt))


def test_one_vs_one_members_are_refused(xy):
    X, y, *_ = xy
    model = DecisionAveragingClassifier(
        [("svc", SVC(decision_function_shape="ovo")), ("ridge", RidgeClassifier())]
    )
    with pytest.raises(ValueError, match="'svc' scores one-vs-one"):
        model.fit(X, y)


@pytest.fixture(scope="module")
def saved_pair():
    digits = load("digits")
    return digits, _pair_of_registry_svms().fit(digits.X_train, digits.y_train)


def _pair_of_registry_svms():
    # members the registry builds (SVC, LogisticRegression), so model files may hold them
    return DecisionAveragingClassifier(
        [("svc", SVC()), ("logistic", LogisticRegression(max_iter=1000))]
    )


def _crafted(saved_pair, tmp_path, **attrs):
    digits, model = saved_pair
    crafted = clone(model)
    crafted.__dict__.update({**model.__dict__, **attrs})
    return models.save_model(crafted, tmp_path / "crafted", name="crafted", dataset=digits)


def test_a_crafted_thread_count_starts_no_more_threads_than_cores(saved_pair, tmp_path):
    path = _crafted(saved_pair, tmp_path, n_jobs=10**6)
    loaded, _ = models.load_model(path)
    assert loaded.n_jobs == 10**6 and loaded._threads(len(loaded.estimators_)) <= min(
        2, os.cpu_count()
    )
    digits = saved_pair[0]
    assert loaded.score(digits.X_test, digits.y_test) > 0.9


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"weights": [1.0, -1.0]}, "weights"),
        ({"weights": [1.0, 2.0, 3.0]}, "weights"),
        ({"estimators_": []}, "not lists"),
        ({"estimators": [("svc", SVC())]}, "do not match"),
        ({"classes_": np.arange(1, 11)}, "classes"),
    ],
)
def test_a_crafted_ensemble_is_refused(saved_pair, tmp_path, attrs, message):
    path = _crafted(saved_pair, tmp_path, **attrs)
    with pytest.raises(InputError, match=f"refusing this model: .*{message}"):
        models.load_model(path)
