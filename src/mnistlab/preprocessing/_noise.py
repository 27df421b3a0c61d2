"""Seeded noise models for images stored as rows of 0..pixel_max values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mnistlab._errors import InputError


@dataclass(frozen=True)
class NoiseModel:
    """A named noise: what it does, its default strength and the strengths it accepts."""

    name: str
    description: str
    default: float
    low: float
    high: float
    apply: Callable[[np.ndarray, float, int, tuple[int, int], np.random.Generator], np.ndarray]


def _textbook(X, strength, pixel_max, shape, rng):
    # The book: rng.integers(0, 100) added to the 0..255 image, not clipped (so the
    # result needs a wider dtype than uint8). Scaled to the dataset's pixel range.
    high = max(1, round(100 * strength * pixel_max / 255))
    return X.astype(np.int16) + rng.integers(0, high, size=X.shape, dtype=np.int16)


def _gaussian(X, strength, pixel_max, shape, rng):
    noisy = X + rng.normal(0.0, strength * pixel_max, size=X.shape)
    return np.clip(np.rint(noisy), 0, pixel_max).astype(X.dtype)


def _salt_pepper(X, strength, pixel_max, shape, rng):
    noisy = X.copy()
    u = rng.random(X.shape)
    noisy[u < strength / 2] = 0
    noisy[(u >= strength / 2) & (u < strength)] = pixel_max
    return noisy


def _occlusion(X, strength, pixel_max, shape, rng):
    # Erase a random square block (side = strength * image side) of each image.
    h, w = shape
    bh, bw = max(1, round(strength * h)), max(1, round(strength * w))
    top = rng.integers(0, h - bh + 1, size=len(X))
    left = rng.integers(0, w - bw + 1, size=len(X))
    rows = np.arange(h)[None, :, None]
    cols = np.arange(w)[None, None, :]
    inside = (
        (rows >= top[:, None, None])
        & (rows < top[:, None, None] + bh)
        & (cols >= left[:, None, None])
        & (cols < left[:, None, None] + bw)
    )
    return np.where(inside.reshape(len(X), -1), 0, X).astype(X.dtype)


NOISES: dict[str, NoiseModel] = {
    m.name: m
    for m in (
        NoiseModel(
            "textbook",
            "the book's: integers uniform in [0, 100·strength) added to the "
            "0..255 image, not clipped",
            1.0,
            0.01,
            2.55,
            _textbook,
        ),
        NoiseModel(
            "gaussian",
            "Gaussian noise of standard deviation strength·pixel_max, clipped",
            0.3,
            0.01,
            1.0,
            _gaussian,
        ),
        NoiseModel(
            "salt-pepper",
            "a fraction `strength` of pixels set to black or white",
            0.1,
            0.001,
            0.9,
            _salt_pepper,
        ),
        NoiseModel(
            "occlusion",
            "a random square block (side strength·image side) erased",
            0.35,
            0.05,
            0.9,
            _occlusion,
        ),
    )
}


def add_noise(
    X: np.ndarray,
    kind: str = "textbook",
    strength: float | None = None,
    *,
    pixel_max: int = 255,
    image_shape: tuple[int, int] | None = None,
    random_state: int | None = None,
) -> np.ndarray:
    """Return a noisy copy of the images ``X`` (rows of 0..``pixel_max`` values).

    Parameters
    ----------
    X : ndarray of shape (n, height * width)
    kind : str
        A name from :data:`NOISES`.
    strength : float, optional
        Default: the noise model's own. Scaled to ``pixel_max``, so the 8x8
        digits (0..16) get noise of the same relative size as MNIST.
    pixel_max : int
    image_shape : tuple of int, optional
        Needed by ``occlusion``; default a square.
    random_state : int, optional

    Returns
    -------
    ndarray
        int16 for ``textbook`` (values may exceed ``pixel_max``), else ``X``'s dtype.
    """
    if kind not in NOISES:
        raise InputError(f"unknown noise {kind!r}; choose from {', '.join(NOISES)}")
    model = NOISES[kind]
    strength = model.default if strength is None else float(strength)
    if not model.low <= strength <= model.high:
        raise InputError(
            f"--strength {strength:g} is outside [{model.low:g}, {model.high:g}] for {kind} noise"
        )
    X = np.asarray(X)
    if image_shape is None:
        side = math.isqrt(X.shape[1])
        image_shape = (side, side)
    rng = np.random.default_rng(random_state)
    return model.apply(X, strength, pixel_max, image_shape, rng)
