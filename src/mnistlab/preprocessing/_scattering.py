"""Wavelet scattering features (Bruna and Mallat, 2013) with numpy/scipy FFTs.

kymatio, the reference implementation, imports ``scipy.special.sph_harm``, which
SciPy 1.17 removed, so kymatio 0.3.0 does not import with today's SciPy; this is the
2-D transform it computes (Morlet filters as in kymatio), vectorised over the batch.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy import fft as sfft
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._errors import InputError
from mnistlab.preprocessing._images import _check_pixels, infer_shape


def _gabor(size: int, sigma: float, theta: float, xi: float, slant: float) -> np.ndarray:
    """A periodised 2-D Gabor filter on a ``size`` x ``size`` grid (kymatio's ``gabor_2d``)."""
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    curv = rot @ np.diag([1.0, slant**2]) @ rot.T / (2 * sigma**2)
    out = np.zeros((size, size), dtype=np.complex128)
    grid = np.arange(size, dtype=np.float64)
    for ex in (-2, -1, 0, 1, 2):
        for ey in (-2, -1, 0, 1, 2):
            xx, yy = np.meshgrid(grid + ex * size, grid + ey * size, indexing="ij")
            arg = -(curv[0, 0] * xx**2 + (curv[0, 1] + curv[1, 0]) * xx * yy + curv[1, 1] * yy**2)
            arg = arg + 1j * (xx * xi * math.cos(theta) + yy * xi * math.sin(theta))
            out += np.exp(arg)
    return out / (2 * math.pi * sigma**2 / slant)


def _morlet(size: int, sigma: float, theta: float, xi: float, slant: float) -> np.ndarray:
    """A Gabor filter minus the Gaussian that makes its mean zero (kymatio's ``morlet_2d``)."""
    wave = _gabor(size, sigma, theta, xi, slant)
    envelope = _gabor(size, sigma, theta, 0.0, slant)
    return wave - wave.sum() / envelope.sum() * envelope


def filter_bank(size: int, J: int, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Fourier transforms of the wavelets, shape (J, L, size, size), and of the low-pass."""
    psi = np.empty((J, L, size, size), dtype=np.complex64)
    for j in range(J):
        for t in range(L):
            theta = (int(L - L / 2 - 1) - t) * math.pi / L
            psi[j, t] = sfft.fft2(
                _morlet(size, 0.8 * 2**j, theta, 3.0 / 4.0 * math.pi / 2**j, 4.0 / L)
            ).real
    phi = sfft.fft2(_gabor(size, 0.8 * 2**J, 0.0, 0.0, 1.0)).real.astype(np.complex64)
    return psi, phi


class Scattering(TransformerMixin, BaseEstimator):
    """Second-order wavelet scattering coefficients of each image (Morlet wavelets, FFTs).

    For ``J`` scales and ``L`` orientations: the image averaged by a Gaussian of width
    ``2**J``; the moduli of its ``J * L`` wavelet transforms, averaged; and the moduli of
    the wavelet transforms of those at coarser scales, averaged (``L * L * J * (J - 1) / 2``
    channels), each sampled every ``2**J`` pixels. Locally invariant to translation and
    stable to small deformations, which a Gaussian SVM then does not have to learn. Images
    are zero-padded to a square whose side is a multiple of ``2**J``; the convolutions are
    circular (digits have a blank border, so nothing wraps round).

    Parameters
    ----------
    J : int, default=2
        Number of scales (the averaging width is ``2**J`` pixels).
    L : int, default=8
        Number of orientations.
    image_shape : tuple of int or "auto", default="auto"
        ``(height, width)``; "auto" means square.
    log_eps : float or None, default=1.0
        Return ``log(1 + c / log_eps)`` of each coefficient ``c`` (in the pixels' units:
        1.0 is one grey level of MNIST's 0..255), which evens out the coefficients' heavy
        tails for a Gaussian kernel; None returns the coefficients as they are.
    chunk_size : int, default=256
        Images per FFT batch (bounds the memory).

    Attributes
    ----------
    image_shape_ : tuple of int
    n_features_in_ : int
    n_features_out_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from mnistlab.preprocessing import Scattering
    >>> X = np.zeros((2, 64)); X[:, [19, 27, 35, 43]] = 255  # a vertical stroke
    >>> Scattering(J=2, L=4).fit_transform(X).shape  # (1 + 8 + 16) channels x 2 x 2
    (2, 100)
    """

    _parameter_constraints: ClassVar[dict] = {
        "J": [Interval(Integral, 1, 4, closed="both")],
        "L": [Interval(Integral, 1, 16, closed="both")],
        "image_shape": ["array-like", StrOptions({"auto"})],
        "log_eps": [Interval(Real, 0, None, closed="neither"), None],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, J=2, L=8, image_shape="auto", log_eps=1.0, chunk_size=256):
        self.J = J
        self.L = L
        self.image_shape = image_shape
        self.log_eps = log_eps
        self.chunk_size = chunk_size

    def _side(self) -> int:
        step = 2**self.J
        return -(-max(self.image_shape_) // step) * step  # round up to a multiple of 2**J

    def fit(self, X, y=None):
        """Record the image shape and the number of features."""
        self._validate_params()
        X = validate_data(self, X, dtype=None)
        _check_pixels(X, "Scattering")
        self.image_shape_ = infer_shape(X.shape[1], self.image_shape)
        h, w = self.image_shape_
        if min(h, w) < 2**self.J:
            raise InputError(f"images of {h}x{w} are too small for J={self.J} (2**J pixels)")
        n_channels = 1 + self.J * self.L + self.L**2 * self.J * (self.J - 1) // 2
        self.n_features_out_ = n_channels * (self._side() // 2**self.J) ** 2
        return self

    def _chunk(self, X: np.ndarray, psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
        h, w = self.image_shape_
        side, J = self._side(), self.J
        n = len(X)
        img = np.zeros((n, side, side), dtype=np.float32)
        top, left = (side - h) // 2, (side - w) // 2
        img[:, top : top + h, left : left + w] = X.reshape(n, h, w)

        def down(f: np.ndarray, k: int) -> np.ndarray:
            # sampling every k pixels in space is averaging the spectrum's k x k periods
            if k == 1:
                return f
            m = f.shape[-1] // k
            return f.reshape(*f.shape[:-2], k, m, k, m).mean(axis=(-4, -2))

        def ifft(f):
            return sfft.ifft2(f, workers=-1)

        def average(u: np.ndarray, j: int) -> np.ndarray:
            # u sampled every 2**j pixels: average with phi, sample every 2**J pixels
            f = sfft.fft2(u, workers=-1) * down(phi, 2**j)
            return ifft(down(f, 2 ** (J - j))).real.astype(np.float32).reshape(n, -1)

        xf = sfft.fft2(img, workers=-1)
        parts = [average(img, 0)]
        for j1 in range(J):
            # |x * psi_j1| needs no more than one sample every 2**j1 pixels (kymatio's trick)
            u1 = np.abs(ifft(down(xf[:, None] * psi[j1][None], 2**j1)))  # (n, L, s1, s1)
            parts.append(average(u1, j1))
            if j1 == J - 1:
                continue
            u1f = sfft.fft2(u1, workers=-1)
            for j2 in range(j1 + 1, J):
                # every orientation of j1 by every orientation of j2: (n, L, L, s2, s2)
                wave = down(psi[j2], 2**j1)
                u2 = np.abs(ifft(down(u1f[:, :, None] * wave[None, None], 2 ** (j2 - j1))))
                parts.append(average(u2, j2))
        return np.concatenate(parts, axis=1)

    def transform(self, X):
        """Scattering coefficients as float32 rows, channel by channel."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=None)
        _check_pixels(X, "Scattering")
        psi, phi = filter_bank(self._side(), self.J, self.L)
        step = int(self.chunk_size)
        out = np.empty((len(X), self.n_features_out_), dtype=np.float32)
        for i in range(0, len(X), step):
            out[i : i + step] = self._chunk(X[i : i + step], psi, phi)
        if self.log_eps is not None:  # (rounding can leave a coefficient a hair below 0)
            np.log1p(np.maximum(out, 0) / np.float32(self.log_eps), out=out)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]  # float32 whatever comes in
        return tags

    def get_feature_names_out(self, input_features=None):
        """``scat0 .. scat{n-1}``."""
        check_is_fitted(self)
        return np.asarray([f"scat{i}" for i in range(self.n_features_out_)], dtype=object)
