"""Small models saved and loaded the way ``serve`` loads them, and PNG helpers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def drawing(x: np.ndarray, side: int = 280) -> bytes:
    """An MNIST image as a person's drawing: dark ink on light paper, ``side`` pixels."""
    h = int(np.sqrt(x.size))
    img = Image.fromarray(255 - x.reshape(h, h).astype(np.uint8))
    return png(np.asarray(img.resize((side, side), Image.Resampling.NEAREST)))


def _saved(tmp_path_factory, dataset, name: str, n: int):
    from mnistlab import models

    est = models.get(name).fit(dataset.X_train[:n], dataset.y_train[:n])
    path = models.save_model(est, tmp_path_factory.mktemp("model"), name=name, dataset=dataset)
    return models.load_model(path)


@pytest.fixture(scope="session")
def digits_model(tmp_path_factory):
    """A KNN on the embedded 8x8 digits: (estimator, card)."""
    from mnistlab.data import load

    return _saved(tmp_path_factory, load("digits"), "knn", 10_000)


@pytest.fixture(scope="session")
def mnist_model(tmp_path_factory, mnist):
    """The 'fast' pipeline on 10,000 real MNIST training images: (estimator, card, dataset)."""
    est, card = _saved(tmp_path_factory, mnist, "fast", 10_000)
    return est, card, mnist
