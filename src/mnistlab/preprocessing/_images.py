"""Image transformers: deskewing and HOG features, for rows of any square or given shape."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

import numpy as np
from joblib import cpu_count, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.parallel import Parallel, delayed  # workers see the caller's filters
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._errors import InputError
from mnistlab._params import IMAGE_SHAPE, N_JOBS, POSITIVE_INT
from mnistlab.preprocessing._deskew import MAX_PIXEL as MAX_PIXEL
from mnistlab.preprocessing._deskew import check_pixels as _check_pixels
from mnistlab.preprocessing._deskew import deskew_chunk as _deskew_chunk


def infer_shape(n_features: int, image_shape=None) -> tuple[int, int]:
    """``image_shape`` if given, else the square that has ``n_features`` pixels."""
    if image_shape is not None and image_shape != "auto":
        h, w = (int(v) for v in image_shape)
        if h * w != n_features:
            raise InputError(f"image_shape {h}x{w} does not match {n_features} features")
        return h, w
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise InputError(
            f"{n_features} features are not a square image; pass image_shape=(height, width)"
        )
    return side, side


#: Pixels computed at once, over all threads: Deskew and GradientDirections hold ~50 bytes
#: of temporaries per pixel, so ~0.4 GB at most (10,700 MNIST images), whatever chunk_size
#: and n_jobs say, and however large the images
MAX_PIXELS_IN_FLIGHT = 1 << 23


def fill_in_chunks(
    out: np.ndarray,
    X: np.ndarray,
    compute: Callable[[np.ndarray], np.ndarray],
    chunk_size: int,
    n_jobs: int | None,
) -> np.ndarray:
    """``out`` with the rows of each chunk of ``X`` replaced by ``compute(chunk)``.

    Each chunk is written into its rows of one output (no stacking copy at the end), on
    threads when ``n_jobs`` asks for them (numpy releases the GIL). ``chunk_size`` and
    ``n_jobs`` may come from a loaded model file, which skips fit's validation: they stay
    bounded here, at most :data:`MAX_PIXELS_IN_FLIGHT` pixels (a row of ``X`` is an image)
    computed at once. Chunking never changes the result.
    """
    rows = max(1, MAX_PIXELS_IN_FLIGHT // max(1, X.shape[1]))
    step = min(max(1, int(chunk_size)), rows)
    n = min(effective_n_jobs(n_jobs), math.ceil(len(X) / step), cpu_count())
    step = min(step, max(1, rows // max(n, 1)))  # each thread holds a chunk
    starts = range(0, len(X), step)

    def one(i: int) -> None:
        out[i : i + step] = compute(X[i : i + step])

    if n <= 1:
        for i in starts:
            one(i)
    else:
        Parallel(n_jobs=n, prefer="threads")(delayed(one)(i) for i in starts)
    return out


class Deskew(TransformerMixin, BaseEstimator):
    """Straighten slanted digits with a moment-based affine shear, vectorised over the batch.

    Each image's slant is its covariance of row and column over the variance of
    rows (from its pixel intensities); the image is sheared to remove it and
    shifted to put its centre of mass at the centre, with bilinear sampling.
    Stateless: ``fit`` only records the image shape. Pixels must be non-negative;
    the output is float32 whatever the input's dtype.

    Parameters
    ----------
    image_shape : tuple of int or "auto", default="auto"
        ``(height, width)``; "auto" means square.
    chunk_size : int, default=2048
        Images per chunk (bounds the memory).
    n_jobs : int or None, default=None
        Chunks deskewed in parallel, on threads (numpy releases the GIL here); None
        means 1 unless in a :func:`joblib.parallel_config` context, -1 all cores.

    Attributes
    ----------
    image_shape_ : tuple of int
    n_features_in_ : int

    See Also
    --------
    HOG : features of the (deskewed) images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from mnistlab.preprocessing import Deskew
    >>> X, _ = load_digits(return_X_y=True)
    >>> Xd = Deskew(n_jobs=2).fit_transform(X[:100])
    >>> Xd.shape, Xd.dtype
    ((100, 64), dtype('float32'))
    >>> try:  # scikit-learn's InvalidParameterError, a ValueError
    ...     Deskew(chunk_size=0).fit(X)
    ... except ValueError as exc:
    ...     print(exc)
    The 'chunk_size' parameter of Deskew must be an int in the range [1, inf). Got 0 instead.
    """

    _parameter_constraints: ClassVar[dict] = {
        "image_shape": IMAGE_SHAPE,
        "chunk_size": [POSITIVE_INT],
        "n_jobs": N_JOBS,
    }

    def __init__(self, *, image_shape="auto", chunk_size=2048, n_jobs=None):
        self.image_shape = image_shape
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def __setstate__(self, state: dict) -> None:
        state.setdefault("n_jobs", None)  # model files saved before Deskew had n_jobs
        super().__setstate__(state)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the image shape."""
        X = validate_data(self, X, dtype=None)
        _check_pixels(X, "Deskew")
        self.image_shape_ = infer_shape(X.shape[1], self.image_shape)
        return self

    def transform(self, X):
        """Deskewed images as float32 rows (whatever the input's dtype)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=None)
        _check_pixels(X, "Deskew")
        h, w = self.image_shape_
        out = np.empty((len(X), h * w), dtype=np.float32)
        return fill_in_chunks(
            out, X, lambda chunk: _deskew_chunk(chunk, h, w), self.chunk_size, self.n_jobs
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.requires_fit = True
        # the output is float32 whatever comes in (half the memory on MNIST)
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class HOG(TransformerMixin, BaseEstimator):
    """Histogram-of-oriented-gradients features of each image (scikit-image's ``hog``).

    Parameters
    ----------
    image_shape : tuple of int or "auto", default="auto"
    orientations : int, default=9
    pixels_per_cell : int or "auto", default="auto"
        Side of a cell; "auto" means a seventh of the image side, at least 2 (4 on MNIST).
    cells_per_block : int, default=2
    n_jobs : int or None, default=None
        Parallel chunks (joblib's processes), for 2,000 images or more.

    Attributes
    ----------
    image_shape_ : tuple of int
    n_features_in_ : int
    n_features_out_ : int

    See Also
    --------
    Deskew : straighten the digits first.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from mnistlab.preprocessing import HOG
    >>> X, _ = load_digits(return_X_y=True)
    >>> hog = HOG(pixels_per_cell=2).fit(X[:100])
    >>> hog.transform(X[:100]).shape
    (100, 324)
    >>> hog.get_feature_names_out()[:2]
    array(['hog0', 'hog1'], dtype=object)
    """

    _parameter_constraints: ClassVar[dict] = {
        "image_shape": IMAGE_SHAPE,
        "orientations": [POSITIVE_INT],
        "pixels_per_cell": [StrOptions({"auto"}), POSITIVE_INT],
        "cells_per_block": [POSITIVE_INT],
        "n_jobs": N_JOBS,
    }

    def __init__(
        self,
        *,
        image_shape="auto",
        orientations=9,
        pixels_per_cell="auto",
        cells_per_block=2,
        n_jobs=None,
    ):
        self.image_shape = image_shape
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.n_jobs = n_jobs

    def _cell(self) -> int:
        if self.pixels_per_cell == "auto":
            return max(2, min(self.image_shape_) // 7)
        return int(self.pixels_per_cell)

    def _features(self, X: np.ndarray) -> np.ndarray:
        from skimage.feature import hog

        h, w = self.image_shape_
        cell = self._cell()
        return np.array(
            [
                hog(
                    x.reshape(h, w),
                    orientations=self.orientations,
                    pixels_per_cell=(cell, cell),
                    cells_per_block=(self.cells_per_block, self.cells_per_block),
                    block_norm="L2-Hys",
                )
                for x in X
            ],
            dtype=np.float32,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the image shape and the number of features."""
        X = validate_data(self, X, dtype=np.float64)
        self.image_shape_ = infer_shape(X.shape[1], self.image_shape)
        h, w = self.image_shape_
        cell = self._cell()
        if h // cell < self.cells_per_block or w // cell < self.cells_per_block:
            raise InputError(
                f"images of {h}x{w} are too small for {self.cells_per_block} cells "
                f"of {cell} pixels per block"
            )
        self.n_features_out_ = self._features(X[:1]).shape[1]
        return self

    def transform(self, X):
        """HOG feature rows (float32, whatever the input's dtype)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if self.n_jobs in (None, 1) or len(X) < 2000:
            return self._features(X)
        chunks = np.array_split(X, 8)
        return np.vstack(Parallel(n_jobs=self.n_jobs)(delayed(self._features)(c) for c in chunks))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # float32 features, whatever comes in
        return tags

    def get_feature_names_out(self, input_features=None):
        """``hog0 .. hog{n-1}``."""
        check_is_fitted(self)
        return np.asarray([f"hog{i}" for i in range(self.n_features_out_)], dtype=object)
