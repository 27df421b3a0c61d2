import re

import numpy as np
import pytest

from mnistlab.data import MNIST_MD5, Dataset, load, training_overlap

T10K, TRAIN = MNIST_MD5["t10k-images-idx3-ubyte"], MNIST_MD5["train-images-idx3-ubyte"]


def _dataset(name, source="somewhere", checksums=None):
    X, y = np.zeros((4, 4), np.uint8), np.arange(4)
    return Dataset(X, y, X, y, (2, 2), 255, name, source, checksums=checksums or {})


MNIST = _dataset(
    "mnist", checksums={"train-images-idx3-ubyte": TRAIN, "t10k-images-idx3-ubyte": T10K}
)


@pytest.mark.parametrize(
    ("card", "evaluated", "match"),
    [
        ({"name": "kaggle", "source": "/a/train.csv"}, MNIST, "Kaggle CSV.*this test set's"),
        ({"name": "kaggle"}, _dataset("openml"), "Kaggle CSV"),
        # an unverified IDX directory whose test images are MNIST's
        (
            {"name": "kaggle"},
            _dataset("idx", checksums={"t10k-images-idx3-ubyte": T10K}),
            "Kaggle",
        ),
        ({"name": "mnist"}, _dataset("kaggle", "/a/train.csv"), "trained on MNIST.*Kaggle"),
        (
            {"name": "idx", "checksums": {"train-images-idx3-ubyte": "abc"}},
            _dataset("idx", checksums={"t10k-images-idx3-ubyte": "abc"}),
            "very images of this test set",
        ),
        ({"name": "kaggle", "source": "/a/one.csv"}, _dataset("kaggle", "/b/two.csv"), "may share"),
    ],
)
def test_overlaps_are_named(card, evaluated, match):
    found = training_overlap(card, evaluated)
    assert found is not None and "\n" not in found
    assert re.search(match, found), found


@pytest.mark.parametrize(
    ("card", "evaluated"),
    [
        ({"name": "mnist", "checksums": {"train-images-idx3-ubyte": TRAIN}}, MNIST),
        ({"name": "openml"}, MNIST),  # the same images, the same split
        ({"name": "kaggle", "source": "/a/train.csv"}, _dataset("kaggle", "/a/train.csv")),
        ({"name": "digits"}, _dataset("digits")),
        ({"name": "digits"}, MNIST),
        # a card of the wrong types is another check's business: no crash, no claim
        ([1, 2], MNIST),
        ({"name": "idx", "checksums": ["x"]}, MNIST),
        (None, MNIST),
    ],
)
def test_no_overlap_claimed_without_reason(card, evaluated):
    assert training_overlap(card, evaluated) is None


def test_a_fixed_split_source_against_itself_is_disjoint():
    ds = load("digits")
    assert training_overlap({"name": "digits", "source": ds.source}, ds) is None
