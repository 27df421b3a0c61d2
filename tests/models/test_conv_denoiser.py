"""The convolutional denoiser: the estimator contract and that it denoises, on the 8x8 digits."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from mnistlab import models
from mnistlab.data import load
from mnistlab.models import ConvDenoiser

pytestmark = pytest.mark.requires("torch")


@pytest.fixture(scope="module")
def noisy_digits():
    ds = load("digits")  # pixels 0..16: the textbook's noise scaled to them (0..6)
    rng = np.random.default_rng(0)
    clean = ds.X_train[:800].astype(np.float64)
    return clean + rng.integers(0, 7, clean.shape), clean


def _small(**params):
    base = {"channels": (8, 16), "epochs": 20, "batch_size": 32, "lr": 1e-2, "random_state": 0}
    base["n_jobs"] = 1
    return ConvDenoiser(**{**base, **params})


def test_it_denoises_better_than_the_noisy_input_and_the_mean_offset(noisy_digits):
    X, Y = noisy_digits
    d = _small().fit(X[:600], Y[:600])
    out = d.predict(X[600:])
    assert out.shape == Y[600:].shape and out.min() >= 0 and out.max() <= Y.max()
    mse = np.mean((out - Y[600:]) ** 2)
    offset = np.clip(X[600:] - (X[:600] - Y[:600]).mean(), 0, 16)  # the naive correction
    assert mse < 0.75 * np.mean((offset - Y[600:]) ** 2)  # 1.7 against 2.7 when written
    assert [h["epoch"] for h in d.history_] == list(range(1, 21))
    assert d.history_[-1]["train_loss"] < d.history_[0]["train_loss"]


def test_clone_pickle_and_a_refit_give_the_same_model(noisy_digits):
    X, Y = noisy_digits[0][:200], noisy_digits[1][:200]
    est = _small().set_params(epochs=1)
    assert clone(est).get_params() == est.get_params()
    first = est.fit(X, Y).predict(X)
    np.testing.assert_allclose(est.fit(X, Y).predict(X), first, rtol=1e-5, atol=1e-5)
    loaded = pickle.loads(pickle.dumps(est))
    assert not hasattr(loaded, "_module_cache")  # rebuilt from the numpy weights
    np.testing.assert_allclose(loaded.predict(X), first, rtol=1e-5, atol=1e-5)
    assert not hasattr(clone(est), "weights_")


def test_it_maps_images_to_images_only(noisy_digits):
    X, Y = noisy_digits
    with pytest.raises(ValueError, match="y must have X's shape"):
        _small().fit(X[:20], Y[:20, 0])
    with pytest.raises(InvalidParameterError, match="'epochs' parameter of ConvDenoiser"):
        _small().set_params(epochs=0).fit(X[:20], Y[:20])


def test_registered_and_in_the_default_denoise_run():
    from mnistlab.data import load as load_ds
    from mnistlab.tasks import run_denoise

    assert "unet" in models.denoiser_names()
    est = models.get_denoiser("unet", random_state=3, n_jobs=1)
    assert isinstance(est, ConvDenoiser) and est.random_state == 3 and est.n_jobs == 1
    ds = load_ds("digits")
    r = run_denoise(ds, denoiser_names=["unet", "ridge"], classifier="sgd", n_jobs=1)
    assert r.denoisers["unet"].validation_mse is not None


def test_the_noise_range_bounds_every_output_pixel(noisy_digits):
    X, Y = noisy_digits
    d = _small(epochs=2).fit(X[:600], Y[:600])
    assert d.noise_range_ == (0.0, 6.0)  # the textbook noise on 0..16 pixels adds 0 to 6
    out = d.predict(X[600:])
    # a clean pixel is at most its noisy value and at least 6 below it: so is every output
    assert np.all(out <= X[600:] + 1e-4) and np.all(out >= X[600:] - 6 - 1e-4)
    # the bound holds whatever the network learnt: a saturated image, and inputs outside
    # the noisy range (above 16 + 6, below 0) land on the nearest clean value
    assert np.all(d.predict(np.full((3, 64), 16.0)) >= 10 - 1e-4)
    np.testing.assert_allclose(d.predict(np.full((2, 64), 40.0)), 16.0, atol=1e-4)
    np.testing.assert_allclose(d.predict(np.full((2, 64), -5.0)), 0.0, atol=1e-4)


def test_bounding_the_noise_denoises_better_than_not(noisy_digits):
    X, Y = noisy_digits
    mse = {
        bound: np.mean(
            (_small(bound_noise=bound).fit(X[:600], Y[:600]).predict(X[600:]) - Y[600:]) ** 2
        )
        for bound in (True, False)
    }
    assert mse[True] < mse[False]


def test_a_noise_that_can_take_or_add_anything_bounds_nothing():
    rng = np.random.default_rng(1)
    clean = rng.integers(0, 17, (50, 64)).astype(float)
    noisy = clean.copy()
    noisy[:, :5] = 16 - clean[:, :5]  # pixels inverted: noise from -16 to 16
    d = _small(epochs=1).fit(noisy, clean)
    lo, hi = d.noise_range_
    assert lo <= -14 and hi >= 14
    assert _small(bound_noise=False, epochs=1).fit(noisy, clean).noise_range_ is None
