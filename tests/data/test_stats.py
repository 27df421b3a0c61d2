"""Class counts and pixel statistics: one computation for 'data info' and the study."""

import numpy as np
import pytest

from mnistlab.data import Dataset, class_counts, dataset_statistics, load, pixel_statistics


def test_pixel_statistics_of_a_known_array():
    X = np.array([[0, 0, 4], [0, 8, 0]], dtype=np.uint8)
    stats = pixel_statistics(X)
    assert stats == {
        "min": 0,
        "max": 8,
        "mean": 2.0,
        "std": pytest.approx(np.sqrt((5 * 2**2 + 6**2) / 6)),
        "zero_fraction": 4 / 6,
    }
    assert isinstance(stats["min"], int) and isinstance(stats["mean"], float)


def test_pixel_statistics_do_not_overflow_uint8():
    X = np.full((1000, 784), 255, dtype=np.uint8)
    stats = pixel_statistics(X)
    assert stats["mean"] == 255.0 and stats["std"] == 0.0 and stats["zero_fraction"] == 0.0


def _tiny(y_train, y_test) -> Dataset:
    n, m = len(y_train), len(y_test)
    return Dataset(
        np.zeros((n, 4), np.uint8),
        np.asarray(y_train),
        np.ones((m, 4), np.uint8),
        np.asarray(y_test),
        (2, 2),
        1,
        "tiny",
        "test",
    )


def test_class_counts_always_list_ten_digits():
    counts = class_counts(_tiny([0, 0, 3], [9]))
    assert counts == {"train": [2, 0, 0, 1, 0, 0, 0, 0, 0, 0], "test": [0] * 9 + [1]}


def test_dataset_statistics_of_the_digits():
    ds = load("digits")
    stats = dataset_statistics(ds)
    assert {k: stats[k] for k in ds.describe()} == ds.describe()
    assert stats["pixel_max"] == 16 and stats["dtype"] == "uint8" and stats["split"] == ds.split
    assert sum(stats["class_counts"]["train"]) == ds.n_train
    assert sum(stats["class_counts"]["test"]) == ds.n_test
    assert stats["pixels"]["test"] == pixel_statistics(ds.X_test)
    assert 0 < stats["pixels"]["train"]["mean"] < stats["pixels"]["train"]["max"] == 16
