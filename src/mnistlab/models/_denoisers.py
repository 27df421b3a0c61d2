"""Denoisers: multioutput estimators that map noisy image rows to clean image rows."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data


class ClippedRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
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
    >>> X = np.arange(4.0).reshape(-1, 1)
    >>> m = ClippedRegressor(LinearRegression()).fit(X, [0, 1, 2, 3])
    >>> m.predict([[10.0]])
    array([3.])
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

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


class PCADenoiser(RegressorMixin, BaseEstimator):
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
    """

    def __init__(
        self,
        n_components="auto",
        candidates=(10, 20, 40, 60, 80, 120, 160),
        validation_size=0.2,
        random_state=None,
    ):
        self.n_components = n_components
        self.candidates = candidates
        self.validation_size = validation_size
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _fit_one(self, X, Y, k):
        pca = PCA(n_components=k, random_state=self.random_state).fit(Y)
        return pca, (X - Y).mean(axis=0)

    @staticmethod
    def _reconstruct(pca, offset, X):
        return pca.inverse_transform(pca.transform(X - offset))

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
