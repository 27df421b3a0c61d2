import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from mnistlab import InputError, models
from mnistlab.models import (
    ClippedRegressor,
    IsotonicOutputRegressor,
    NoiseFloorHinge,
    PCADenoiser,
)


def _images(n=300, seed=0):
    rng = np.random.default_rng(seed)
    basis = rng.random((5, 64))
    codes = rng.random((n, 5))
    return np.clip(codes @ basis * 40, 0, 255)


def test_pca_denoiser_beats_noise_and_chooses_components():
    Y = _images()
    X = Y + np.random.default_rng(1).integers(0, 100, Y.shape)
    d = PCADenoiser(candidates=(2, 5, 20), random_state=0).fit(X, Y)
    assert d.n_components_ in (2, 5, 20) and set(d.validation_mse_) == {2, 5, 20}
    out = d.predict(X)
    assert np.mean((out - Y) ** 2) < np.mean((X - Y) ** 2) / 5
    assert out.min() >= Y.min() and out.max() <= Y.max()


@pytest.mark.parametrize("n_components", ["auto", 3])
def test_pca_denoiser_clone_pickle_idempotent(n_components):
    # the common checks cannot fit it (their y is 1-D), so these are its own
    Y = _images()
    X = Y + np.random.default_rng(1).integers(0, 100, Y.shape)
    est = PCADenoiser(n_components=n_components, candidates=(2, 5, 20), random_state=0)
    assert clone(est).get_params() == est.get_params()
    first = est.fit(X, Y).predict(X)
    fitted = {k: v for k, v in vars(est).items() if k.endswith("_")}
    again = est.fit(X, Y).predict(X)  # refit on the same data: the same model
    np.testing.assert_array_equal(again, first)
    assert est.n_components_ == fitted["n_components_"]
    assert est.validation_mse_ == fitted["validation_mse_"]
    np.testing.assert_array_equal(clone(est).fit(X, Y).predict(X), first)
    assert not hasattr(clone(est), "pca_")  # a clone is unfitted
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(X), first)
    assert loaded.get_params() == est.get_params()


def test_pca_denoiser_refuses_other_target_shape():
    with pytest.raises(ValueError, match="y must have X's shape"):
        PCADenoiser().fit(np.zeros((10, 4)), np.zeros(10))


def test_clipped_regressor():
    X = np.arange(10.0).reshape(-1, 1)
    m = ClippedRegressor(Ridge(alpha=0)).fit(X, X.ravel())
    assert m.predict([[100.0], [-5.0]]).tolist() == [9.0, 0.0]


def test_denoiser_registry():
    assert {"knn-classifier", "knn-regressor", "pca", "ridge"} <= set(models.denoiser_names())
    assert models.get_denoiser("pca", random_state=3).random_state == 3
    with pytest.raises(InputError, match="unknown denoiser 'nope'"):
        models.get_denoiser("nope")


def test_noise_floor_hinge_learns_the_textbook_floor():
    rng = np.random.default_rng(0)
    Y = (rng.random((400, 16)) < 0.3) * 255
    X = Y + rng.integers(0, 100, Y.shape)
    h = NoiseFloorHinge().fit(X, Y)
    assert 95 <= h.floor_ <= 99
    Z = h.transform(X)
    assert Z.shape == (400, 32) and (Z[:, 16:] == np.maximum(X - h.floor_, 0)).all()


def test_isotonic_output_sharpens_a_linear_model():
    rng = np.random.default_rng(0)
    Y = (rng.random((600, 16)) < 0.3) * 255.0
    X = Y + rng.integers(0, 100, Y.shape)
    lin = Ridge().fit(X[:400], Y[:400])
    iso = IsotonicOutputRegressor(Ridge()).fit(X[:400], Y[:400])
    mse = lambda p: np.mean((p - Y[400:]) ** 2)  # noqa: E731
    assert mse(iso.predict(X[400:])) < mse(lin.predict(X[400:]))
    assert iso.predict(X).min() >= 0 and iso.predict(X).max() <= 255


def test_without_torch_the_unet_says_how_to_install_and_denoise_leaves_it_out(monkeypatch):
    import sys

    from mnistlab.data import load
    from mnistlab.tasks import run_denoise

    monkeypatch.setitem(sys.modules, "torch", None)  # makes 'import torch' fail
    unet = models.get_denoiser("unet")  # builds without torch
    X = np.zeros((10, 64))
    with pytest.raises(InputError, match=r"pip install 'mnistlab\[torch\]'"):
        unet.fit(X, X)
    r = run_denoise(load("digits"), classifier="sgd", n_jobs=1)  # the default: all it can run
    assert "unet" not in r.denoisers and "ridge" in r.denoisers
