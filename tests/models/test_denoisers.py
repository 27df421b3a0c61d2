import numpy as np
import pytest
from sklearn.linear_model import Ridge

from mnistlab import InputError, models
from mnistlab.models import ClippedRegressor, PCADenoiser


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
