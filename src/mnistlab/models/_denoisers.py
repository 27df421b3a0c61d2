"""Denoisers: multioutput estimators that map noisy image rows to clean image rows."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    MultiOutputMixin,
    RegressorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._params import POSITIVE_INT, REGRESSOR


class ClippedRegressor(MetaEstimatorMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Clip a regressor's predictions to the range of the targets it was fitted on.

    Parameters
    ----------
    estimator : regressor
        Fitted on ``(X, y)``; its predictions are clipped to ``[y.min(), y.max()]``.

    Attributes
    ----------
    estimator_ : regressor
        The fitted clone.
    low_, high_ : float
        The clipping range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from mnistlab.models import ClippedRegressor
    >>> X = np.arange(4.0).reshape(-1, 1)
    >>> m = ClippedRegressor(LinearRegression()).fit(X, [0, 1, 2, 3])
    >>> m.predict([[10.0]])
    array([3.])
    """

    _parameter_constraints: ClassVar[dict] = {"estimator": REGRESSOR}

    def __init__(self, estimator):
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator is validated in its fit
    def fit(self, X, y):
        """Fit the regressor and record the target range."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.low_, self.high_ = float(np.min(y)), float(np.max(y))
        return self

    def predict(self, X):
        """The regressor's predictions, clipped."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.clip(self.estimator_.predict(X), self.low_, self.high_)


class PCADenoiser(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Denoise by projecting onto the principal components of the clean images.

    The mean difference between noisy and clean training images (the noise's
    offset) is removed first; the images are then projected onto the first
    ``n_components`` components of the clean images and reconstructed. With
    ``n_components="auto"`` the number is chosen from ``candidates`` on a
    validation split of the training data (never the test set).

    Parameters
    ----------
    n_components : int or "auto", default="auto"
    candidates : tuple of int, default=(10, 20, 40, 60, 80, 120, 160)
        Tried when ``n_components="auto"`` (capped by the number of features).
    validation_size : float, default=0.2
    random_state : int or None, default=None

    Attributes
    ----------
    pca_ : PCA
        Fitted on the clean targets.
    offset_ : ndarray of shape (n_features,)
        Mean of noisy minus clean training images.
    n_components_ : int
        The number of components used.
    validation_mse_ : dict
        Validation MSE of each candidate (empty when ``n_components`` is an int).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from mnistlab.models import PCADenoiser
    >>> X, _ = load_digits(return_X_y=True)
    >>> noisy = X + np.random.default_rng(0).normal(0, 3, X.shape)
    >>> d = PCADenoiser(random_state=0).fit(noisy[:1000], X[:1000])
    >>> d.n_components_
    20
    >>> before = np.mean((noisy[1000:] - X[1000:]) ** 2)
    >>> bool(np.mean((d.predict(noisy[1000:]) - X[1000:]) ** 2) < before / 2)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [StrOptions({"auto"}), POSITIVE_INT],
        "candidates": ["array-like"],
        "validation_size": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_components="auto",
        candidates=(10, 20, 40, 60, 80, 120, 160),
        validation_size=0.2,
        random_state=None,
    ):
        self.n_components = n_components
        self.candidates = candidates
        self.validation_size = validation_size
        self.random_state = random_state

    def _fit_one(self, X, Y, k):
        pca = PCA(n_components=k, random_state=self.random_state).fit(Y)
        return pca, (X - Y).mean(axis=0)

    @staticmethod
    def _reconstruct(pca, offset, X):
        return pca.inverse_transform(pca.transform(X - offset))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit on noisy rows ``X`` and clean rows ``y``."""
        X, Y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        if Y.ndim == 1 or Y.shape[1] != X.shape[1]:
            raise ValueError("PCADenoiser maps images to images: y must have X's shape")
        limit = min(X.shape[0] - 1, X.shape[1])
        self.validation_mse_ = {}
        if self.n_components == "auto":
            ks = sorted({min(int(k), limit) for k in self.candidates})
            Xa, Xb, Ya, Yb = train_test_split(
                X, Y, test_size=self.validation_size, random_state=self.random_state
            )
            # one PCA with the most components serves every candidate (its first k are the same)
            pca, offset = self._fit_one(Xa, Ya, max(ks))
            codes = pca.transform(Xb - offset)
            for k in ks:
                recon = codes[:, :k] @ pca.components_[:k] + pca.mean_
                self.validation_mse_[k] = float(np.mean((recon - Yb) ** 2))
            k = min(self.validation_mse_, key=self.validation_mse_.get)
        else:
            k = min(int(self.n_components), limit)
        self.pca_, self.offset_ = self._fit_one(X, Y, k)
        self.n_components_ = k
        self.low_, self.high_ = float(Y.min()), float(Y.max())
        return self

    def predict(self, X):
        """Denoised rows, clipped to the clean images' range."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.clip(self._reconstruct(self.pca_, self.offset_, X), self.low_, self.high_)


class NoiseFloorHinge(TransformerMixin, BaseEstimator):
    """Add a hinge feature per pixel: how far its value rises above the noise floor.

    ``fit`` learns the floor from noisy inputs ``X`` and clean targets ``y`` of
    the same shape: a high ``quantile`` of the noisy values where the clean
    value is 0 (for the textbook's uniform noise, its maximum, 99). Without such
    targets the median pixel value is used. ``transform`` returns
    ``[X, max(X - floor_, 0)]`` as float64, so a linear model on top becomes a
    piecewise-linear function of each pixel.

    Parameters
    ----------
    quantile : float, default=0.999

    Attributes
    ----------
    floor_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from mnistlab.models import NoiseFloorHinge
    >>> clean = np.array([[0, 255], [255, 0]] * 50)
    >>> noisy = clean + np.tile([10, 99], (100, 1))
    >>> h = NoiseFloorHinge(quantile=1.0).fit(noisy, clean)
    >>> h.floor_, h.transform([[50, 150]]).tolist()
    (99.0, [[50.0, 150.0, 0.0, 51.0]])
    """

    _parameter_constraints: ClassVar[dict] = {"quantile": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, *, quantile=0.999):
        self.quantile = quantile

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the noise floor."""
        X = validate_data(self, X, dtype=np.float32)
        y = None if y is None else np.asarray(y)
        if y is not None and y.shape == X.shape and np.any(y == 0):
            self.floor_ = float(np.quantile(X[y == 0], self.quantile))
        else:
            self.floor_ = float(np.median(X))
        return self

    def transform(self, X):
        """``[X, max(X - floor_, 0)]``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        # float64: float32 normal equations of 60,000 images are ill-conditioned
        return np.hstack([X, np.maximum(X - np.float32(self.floor_), 0)], dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        """``x0 .. x{n-1}`` then ``hinge_x0 ..``."""
        check_is_fitted(self)
        names = [f"x{i}" for i in range(self.n_features_in_)]
        return np.asarray(names + [f"hinge_{n}" for n in names], dtype=object)


class IsotonicOutputRegressor(MetaEstimatorMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """A regressor followed by one learned monotone map of all its outputs.

    The isotonic map is fitted on the regressor's in-sample predictions against
    the targets (every output pooled, at most ``max_points`` of them), so it
    sharpens a linear model's blurred pixels towards the values clean images
    take, and keeps predictions inside the targets' range.

    Parameters
    ----------
    estimator : regressor
    max_points : int, default=2_000_000
        Pooled (prediction, target) pairs used to fit the map (a regular subsample).

    Attributes
    ----------
    estimator_ : regressor
    isotonic_ : IsotonicRegression

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from mnistlab.models import IsotonicOutputRegressor
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1)
    >>> y = (X.ravel() > 0.5) * 255.0  # a step, which a line blurs
    >>> m = IsotonicOutputRegressor(LinearRegression()).fit(X, y)
    >>> m.predict([[0.1], [0.9]]).round().tolist()
    [0.0, 255.0]
    """

    _parameter_constraints: ClassVar[dict] = {"estimator": REGRESSOR, "max_points": [POSITIVE_INT]}

    def __init__(self, estimator, *, max_points=2_000_000):
        self.estimator = estimator
        self.max_points = max_points

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator is validated in its fit
    def fit(self, X, y):
        """Fit the regressor, then the isotonic map of its outputs."""
        from sklearn.isotonic import IsotonicRegression

        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        self.estimator_ = clone(self.estimator).fit(X, y)
        pred = np.asarray(self.estimator_.predict(X)).ravel()
        target = np.asarray(y, dtype=np.float64).ravel()
        step = max(1, len(pred) // self.max_points)
        self.isotonic_ = IsotonicRegression(out_of_bounds="clip").fit(pred[::step], target[::step])
        return self

    def predict(self, X):
        """The regressor's predictions through the isotonic map."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        pred = np.asarray(self.estimator_.predict(X))
        return self.isotonic_.predict(pred.ravel()).reshape(pred.shape)
