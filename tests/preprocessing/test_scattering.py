import numpy as np
import pytest
from sklearn.base import clone

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.preprocessing import Scattering, shift_images


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def _mnist_like(n: int = 6) -> np.ndarray:
    """The 8x8 digits, nearest-upscaled to 16x16, in the middle of blank 28x28 images."""
    d = load("digits").X_train[:n].reshape(n, 8, 8)
    out = np.zeros((n, 28, 28), dtype=np.uint8)
    out[:, 6:22, 6:22] = np.kron(d, np.ones((2, 2))) * 16
    return out.reshape(n, -1)


@pytest.mark.parametrize(("J", "L"), [(1, 4), (2, 8), (3, 2)])
def test_scattering_channels_and_shape(J, L):
    X = _mnist_like()
    s = Scattering(J=J, L=L, log_eps=None).fit(X)
    channels = 1 + J * L + L * L * J * (J - 1) // 2
    side = -(-28 // 2**J)  # padded to a multiple of 2**J, sampled every 2**J pixels
    assert s.n_features_out_ == channels * side**2
    F = s.transform(X)
    assert F.shape == (len(X), s.n_features_out_) and F.dtype == np.float32
    assert len(s.get_feature_names_out()) == F.shape[1] and (F >= -1e-3).all()


def test_scattering_order_zero_is_the_local_mean():
    X = _mnist_like()
    F = Scattering(J=2, L=8, log_eps=None).fit_transform(X)
    # the Gaussian average sampled every 4 pixels: its mean is the image's mean
    np.testing.assert_allclose(F[:, :49].mean(axis=1), X.mean(axis=1), rtol=1e-3)


def test_scattering_moves_with_a_shift_of_its_sampling_step():
    # a shift of 2**J pixels moves every coefficient map by exactly one sample
    X = _mnist_like()
    s = Scattering(J=2, L=4, log_eps=None).fit(X)
    a = s.transform(X).reshape(len(X), -1, 7, 7)
    b = s.transform(shift_images(X, (28, 28), 4, 0)).reshape(len(X), -1, 7, 7)
    np.testing.assert_allclose(b[:, :, 1:], a[:, :, :-1], atol=1e-3 * a.max())
    # and a 1-pixel shift changes the coefficients far less than it changes the pixels
    c = s.transform(shift_images(X, (28, 28), 0, 1)).reshape(len(X), -1)
    a = a.reshape(len(X), -1)
    moved = np.linalg.norm(shift_images(X, (28, 28), 0, 1) - X.astype(float)) / np.linalg.norm(X)
    assert np.linalg.norm(c - a) / np.linalg.norm(a) < moved / 3


def test_scattering_log_and_clone(digits):
    X = digits.X_train[:30]
    raw = Scattering(J=1, L=4, log_eps=None).fit_transform(X)
    s = Scattering(J=1, L=4, log_eps=0.5)
    np.testing.assert_allclose(s.fit_transform(X), np.log1p(np.maximum(raw, 0) / 0.5), rtol=1e-5)
    np.testing.assert_array_equal(clone(s).fit(X).transform(X), s.transform(X))


def test_scattering_refuses_what_is_no_image():
    with pytest.raises(InputError, match="too small for J=3"):
        Scattering(J=3).fit(np.zeros((2, 16)))
    with pytest.raises(InputError, match="Negative values"):
        Scattering().fit(-np.ones((2, 784)))
    with pytest.raises(InputError, match="not a square image"):
        Scattering().fit(np.ones((2, 10)))
    with pytest.raises(ValueError, match="'J' parameter"):
        Scattering(J=0).fit(np.ones((2, 784)))
