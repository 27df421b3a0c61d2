"""Whether a model's training images may include a dataset's test images (from its card)."""

from __future__ import annotations

from typing import Any

from mnistlab.data._dataset import Dataset
from mnistlab.data._idx import MNIST_MD5

_TRAIN_IMAGES, _TEST_IMAGES = "train-images-idx3-ubyte", "t10k-images-idx3-ubyte"
# Kaggle's digit recognizer re-split MNIST's 70,000 images, training and test alike
_KAGGLE = "a Kaggle CSV, whose images are drawn from all 70,000 MNIST images"


def training_overlap(trained_on: Any, dataset: Dataset) -> str | None:
    """Why the images a model was trained on may include ``dataset``'s test images, or None.

    Parameters
    ----------
    trained_on : dict
        The ``data`` block of the model's card: ``name``, ``source`` and ``checksums``
        (file name to MD5) of the data it was trained on.
    dataset : Dataset
        The data it is evaluated on.

    Returns
    -------
    str or None
        One sentence saying what overlaps; None when nothing is known to.
    """
    trained_on = trained_on if isinstance(trained_on, dict) else {}
    name, source = trained_on.get("name"), trained_on.get("source")
    sums = trained_on.get("checksums")
    trained_images = sums.get(_TRAIN_IMAGES) if isinstance(sums, dict) else None
    test_images = dataset.checksums.get(_TEST_IMAGES)
    if trained_images is not None and trained_images == test_images:
        return "the model was trained on the very images of this test set (same checksum)"
    mnist_test = dataset.name in ("mnist", "openml") or test_images == MNIST_MD5[_TEST_IMAGES]
    if name == "kaggle" and mnist_test:
        return f"the model was trained on {_KAGGLE}, this test set's included"
    trained_mnist = name in ("mnist", "openml") or trained_images == MNIST_MD5[_TRAIN_IMAGES]
    if dataset.name == "kaggle" and trained_mnist:
        return (
            f"the model was trained on MNIST and is evaluated on {_KAGGLE}, "
            "its training images included"
        )
    if name == "kaggle" and dataset.name == "kaggle" and source != dataset.source:
        return (
            f"the model was trained on another Kaggle CSV than this one ({source}); "
            "both hold MNIST images, so they may share some"
        )
    return None
