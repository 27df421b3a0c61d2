"""Data augmentation: shifted and rotated copies, and a meta-estimator that augments in fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from scipy import ndimage
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._params import CLASSIFIER, IMAGE_SHAPE
from mnistlab.preprocessing._images import infer_shape

#: The textbook's four 1-pixel shifts: (rows, columns).
TEXTBOOK_SHIFTS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def shift_images(X: np.ndarray, image_shape: tuple[int, int], dr: int, dc: int) -> np.ndarray:
    """Shift every image by ``dr`` rows and ``dc`` columns, filling with 0 (vectorised)."""
    h, w = image_shape
    imgs = np.asarray(X).reshape(-1, h, w)
    out = np.zeros_like(imgs)
    rs, rd = (slice(0, h - dr), slice(dr, h)) if dr >= 0 else (slice(-dr, h), slice(0, h + dr))
    cs, cd = (slice(0, w - dc), slice(dc, w)) if dc >= 0 else (slice(-dc, w), slice(0, w + dc))
    out[:, rd, cd] = imgs[:, rs, cs]
    return out.reshape(len(imgs), h * w)


def rotate_images(X: np.ndarray, image_shape: tuple[int, int], degrees: float) -> np.ndarray:
    """Rotate every image by ``degrees`` about its centre (bilinear, one call for the batch)."""
    h, w = image_shape
    imgs = np.asarray(X).reshape(-1, h, w)
    out = ndimage.rotate(imgs, degrees, axes=(2, 1), reshape=False, order=1, mode="constant")
    if np.issubdtype(imgs.dtype, np.integer):
        out = np.clip(np.rint(out), 0, np.iinfo(imgs.dtype).max).astype(imgs.dtype)
    return out.reshape(len(imgs), h * w)


def thicken_images(X: np.ndarray, image_shape: tuple[int, int], pixels: int) -> np.ndarray:
    """Thicker strokes (``pixels`` > 0: grey dilation) or thinner (< 0: grey erosion).

    The structuring element is a square of ``abs(pixels) + 1`` pixels, so ``1`` and ``-1``
    widen or narrow every stroke by one pixel (MNIST's strokes are 2 to 4 pixels wide).
    """
    h, w = image_shape
    imgs = np.asarray(X).reshape(-1, h, w)
    if pixels == 0:
        return imgs.reshape(len(imgs), h * w).copy()
    size = (1, abs(pixels) + 1, abs(pixels) + 1)  # per image: nothing across the batch
    op = ndimage.grey_dilation if pixels > 0 else ndimage.grey_erosion
    return op(imgs, size=size).reshape(len(imgs), h * w)


def augment(
    X: np.ndarray,
    y: np.ndarray,
    image_shape: tuple[int, int] | None = None,
    *,
    shifts: Sequence[tuple[int, int]] = TEXTBOOK_SHIFTS,
    angles: Sequence[float] = (),
    thickness: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The originals followed by one copy per shift, per angle and per thickness change.

    Parameters
    ----------
    X : ndarray of shape (n, height * width)
    y : ndarray of shape (n,)
    image_shape : tuple of int, optional
        Default: square.
    shifts : sequence of (rows, columns)
        The textbook's four 1-pixel shifts by default.
    angles : sequence of float
        Rotations in degrees, e.g. ``(-10, 10)``.
    thickness : sequence of int
        Stroke width changes in pixels (see :func:`thicken_images`), e.g. ``(1, -1)``.

    Returns
    -------
    X_aug, y_aug : arrays with ``n * (1 + len(shifts) + len(angles) + len(thickness))`` rows
    """
    X = np.asarray(X)
    shape = infer_shape(X.shape[1], image_shape)
    parts = [X]
    parts += [shift_images(X, shape, dr, dc) for dr, dc in shifts]
    parts += [rotate_images(X, shape, a) for a in angles]
    parts += [thicken_images(X, shape, p) for p in thickness]
    return np.vstack(parts), np.tile(np.asarray(y), len(parts))


def _estimator_has(attr):
    def check(self):
        return hasattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, attr)

    return check


def _support(estimator) -> np.ndarray:
    """Indices of the support vectors of a fitted SVM, or of a pipeline ending in one."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    if not hasattr(final, "support_"):
        raise ValueError(
            "support_vectors_only needs a support vector machine (or a pipeline ending in "
            f"one); {type(final).__name__} has no support_"
        )
    return np.asarray(final.support_)


class Augmented(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train a classifier on augmented copies of its training images, only inside ``fit``.

    Cross-validation and searches call ``fit`` on the training folds only, so
    augmented copies of a validation image never leak into training; ``predict``
    sees the images as they are.

    Parameters
    ----------
    estimator : classifier
    shifts : sequence of (rows, columns), default: the textbook's four 1-pixel shifts
    angles : sequence of float, default=()
        Rotations in degrees.
    image_shape : tuple of int or "auto", default="auto"
    support_vectors_only : bool, default=False
        Virtual support vectors (Schölkopf, Burges and Vapnik, 1996): fit the
        estimator (a support vector machine, or a pipeline ending in one) on the
        originals, augment only its support vectors, and fit it again on the
        originals plus those copies. Most of the gain of full augmentation, on a
        fraction of the data.

    Attributes
    ----------
    estimator_ : classifier
        Fitted on the augmented data.
    n_augmented_ : int
        How many augmented copies it was trained on, besides the originals.
    classes_ : ndarray
    n_features_in_ : int

    See Also
    --------
    augment : the copies themselves.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mnistlab.preprocessing import Augmented
    >>> X, y = load_digits(return_X_y=True)
    >>> model = Augmented(KNeighborsClassifier(), angles=(-10, 10)).fit(X[:300], y[:300])
    >>> model.n_augmented_  # four shifted and two rotated copies of each image
    1800
    >>> model.predict(X[300:305]).tolist() == y[300:305].tolist()
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": CLASSIFIER,
        "shifts": ["array-like"],
        "angles": ["array-like"],
        "image_shape": IMAGE_SHAPE,
        "support_vectors_only": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        shifts=TEXTBOOK_SHIFTS,
        angles=(),
        image_shape="auto",
        support_vectors_only=False,
    ):
        self.estimator = estimator
        self.shifts = shifts
        self.angles = angles
        self.image_shape = image_shape
        self.support_vectors_only = support_vectors_only

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator is validated in its fit
    def fit(self, X, y):
        """Augment ``X`` (or its support vectors) and fit a clone of the estimator on it."""
        X, y = validate_data(self, X, y, dtype=None)
        shape = infer_shape(X.shape[1], self.image_shape)
        source, source_y = X, y
        if self.support_vectors_only:
            first = clone(self.estimator).fit(X, y)
            support = _support(first)
            source, source_y = X[support], np.asarray(y)[support]
        X_aug, y_aug = augment(
            source, source_y, shape, shifts=tuple(self.shifts), angles=tuple(self.angles)
        )
        if self.support_vectors_only:  # the originals, then the copies of the support vectors
            X_aug = np.vstack([X, X_aug[len(source) :]])
            y_aug = np.concatenate([y, y_aug[len(source) :]])
        self.n_augmented_ = len(X_aug) - len(X)
        self.estimator_ = clone(self.estimator).fit(X_aug, y_aug)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        """Predict with the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.predict(validate_data(self, X, reset=False, dtype=None))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(validate_data(self, X, reset=False, dtype=None))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.decision_function(validate_data(self, X, reset=False, dtype=None))
