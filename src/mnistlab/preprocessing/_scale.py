"""One scale for a whole block of features."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data


class BlockScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Divide every feature by one number: the standard deviation of the whole block.

    Unlike :class:`~sklearn.preprocessing.StandardScaler` it keeps the block's geometry
    (the relative size of its features); it puts blocks measured in different units,
    such as PCA components of pixels and of HOG features, on one footing before they
    are joined for a kernel machine.

    Attributes
    ----------
    scale_ : float
        The standard deviation of all training values (1 if they are constant).
    n_features_in_ : int

    See Also
    --------
    sklearn.preprocessing.StandardScaler : one scale per feature.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistlab.preprocessing import BlockScaler
    >>> X = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0], [6.0, 10.0]])
    >>> scaler = BlockScaler().fit(X)
    >>> round(scaler.scale_, 3), scaler.transform(X)[:2].round(2).tolist()
    (3.841, [[0.0, 2.6], [0.52, 2.6]])
    """

    _parameter_constraints: ClassVar[dict] = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the block's standard deviation."""
        X = validate_data(self, X, dtype=np.float64)
        std = float(np.std(X))
        self.scale_ = std if std > 0 else 1.0
        return self

    def transform(self, X):
        """Divide by the learned scale."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X / self.scale_
