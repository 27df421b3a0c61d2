"""The CNN zoo entry: the same contract as every model, on small data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from mnistlab import InputError, models
from mnistlab.data import load


@pytest.fixture(scope="module")
def digits():
    return load("digits")


needs_torch = pytest.mark.requires("torch")  # skipped without torch; a failure in CI


def _small(**params):
    return models.get("cnn", n_jobs=1).set_params(**{"epochs": 8, **params})


@needs_torch
def test_fit_predict_score_and_history(digits):
    m = _small(validation_fraction=0.1).fit(digits.X_train, digits.y_train)
    assert m.score(digits.X_test, digits.y_test) > 0.93
    proba = m.predict_proba(digits.X_test[:5])
    assert proba.shape == (5, 10) and np.allclose(proba.sum(axis=1), 1)
    assert [h["epoch"] for h in m.history_] == list(range(1, 9))
    assert {"train_loss", "valid_loss", "valid_acc"} <= set(m.history_[-1])
    assert m.history_[-1]["train_loss"] < m.history_[0]["train_loss"]
    assert m.n_parameters_ > 1000 and m.scale_ == 16


@needs_torch
def test_seeded_fits_are_identical(digits):
    X, y = digits.X_train[:400], digits.y_train[:400]
    a = _small(epochs=2).fit(X, y).predict_proba(digits.X_test)
    b = _small(epochs=2).fit(X, y).predict_proba(digits.X_test)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


_FIT_IN_A_FRESH_PROCESS = """
import sys

import numpy as np

from mnistlab import models
from mnistlab.data import load

ds = load("digits")
m = models.get("cnn", random_state=3).set_params(epochs=2, deterministic=True)
m.fit(ds.X_train[:500], ds.y_train[:500])
np.save(sys.argv[1], m.predict_proba(ds.X_test))
"""


@needs_torch
def test_deterministic_fits_in_fresh_processes_give_the_same_probabilities(tmp_path):
    outs = [tmp_path / f"proba{i}.npy" for i in range(2)]
    for out in outs:
        subprocess.run(
            [sys.executable, "-c", _FIT_IN_A_FRESH_PROCESS, str(out)], check=True, timeout=600
        )
    a, b = (np.load(out) for out in outs)
    assert a.shape == (360, 10)
    np.testing.assert_array_equal(a, b)  # to the bit, not approximately


@needs_torch
def test_deterministic_mode_is_scoped_to_the_model(digits):
    import torch

    before = torch.are_deterministic_algorithms_enabled()
    m = _small(epochs=1, deterministic=True, n_jobs=None)
    m.fit(digits.X_train[:200], digits.y_train[:200])
    assert torch.get_num_threads() == 1  # a fixed count, not "all cores"
    assert torch.are_deterministic_algorithms_enabled() == before
    with pytest.raises(InvalidParameterError, match="'deterministic' parameter of CNNClassifier"):
        _small(deterministic="yes").fit(digits.X_train[:50], digits.y_train[:50])


@needs_torch
def test_save_load_predicts_the_same(digits, tmp_path):
    m = _small(epochs=2).fit(digits.X_train, digits.y_train)
    path = models.save_model(m, tmp_path / "cnn", name="cnn", dataset=digits)
    loaded, card = models.load_model(path, image_shape=digits.image_shape)
    np.testing.assert_array_equal(loaded.predict(digits.X_test), m.predict(digits.X_test))
    assert card["estimator"] == "CNNClassifier" and card["params"]["epochs"] == 2


@needs_torch
def test_weights_that_do_not_match_the_architecture(digits):
    m = _small(epochs=1).fit(digits.X_train[:200], digits.y_train[:200])
    m.set_params(dense=32)  # as if a card named another architecture than its weights
    m._module_cache = None
    with pytest.raises(InputError, match="do not match its architecture"):
        m.predict(digits.X_test[:3])


@needs_torch
def test_cross_val_score(digits):
    model = _small(epochs=5, batch_size=32)
    scores = cross_val_score(model, digits.X_train[:600], digits.y_train[:600], cv=3)
    assert scores.mean() > 0.6  # 400 images a fold, 5 short epochs: far above chance


@pytest.mark.parametrize(
    "bad",
    [{"epochs": 0}, {"dropout": 1.0}, {"channels": ()}, {"lr": -1}, {"validation_fraction": 1}],
)
def test_bad_architecture_parameters(digits, bad):
    with pytest.raises(InvalidParameterError, match="parameter of CNNClassifier must be"):
        _small(**bad).fit(digits.X_train[:50], digits.y_train[:50])


def test_without_torch_fit_says_how_to_install(digits, monkeypatch):
    """Hide PyTorch: the entry still builds, and fitting says in one line what to do."""
    monkeypatch.setitem(sys.modules, "torch", None)  # makes 'import torch' fail
    assert not models.torch_available()
    m = models.get("cnn")
    with pytest.raises(InputError, match=r"pip install 'mnistlab\[torch\]'"):
        m.fit(digits.X_train[:50], digits.y_train[:50])


@needs_torch
def test_an_ensemble_averages_its_networks_and_saves(digits, tmp_path):
    X, y = digits.X_train[:600], digits.y_train[:600]
    m = _small(epochs=3, n_estimators=2, validation_fraction=0.2).fit(X, y)
    assert [h["member"] for h in m.history_] == [0, 0, 0, 1, 1, 1]
    assert [h["epoch"] for h in m.history_] == list(range(1, 7))
    assert len(m.validation_["valid_acc_first"]) == 2
    assert m.validation_["valid_acc"] == m.validation_["valid_acc_first"][-1]
    assert all(k.startswith("members.") for k in m.weights_)
    one = _small(epochs=3).fit(X, y)
    assert m.n_parameters_ == 2 * one.n_parameters_
    proba = m.predict_proba(digits.X_test)
    assert np.allclose(proba.sum(axis=1), 1)
    path = models.save_model(m, tmp_path / "cnn", name="cnn", dataset=digits)
    loaded, _ = models.load_model(path, image_shape=digits.image_shape)
    np.testing.assert_allclose(loaded.predict_proba(digits.X_test), proba, rtol=1e-5, atol=1e-6)


@needs_torch
def test_the_validation_split_is_held_out_and_stratified(digits):
    m = _small(epochs=1, validation_fraction=0.25).fit(digits.X_train[:400], digits.y_train[:400])
    assert 0 <= m.history_[0]["valid_acc"] <= 1 and "valid_loss" in m.history_[0]
    assert m.validation_["valid_acc"] == m.history_[-1]["valid_acc"]
