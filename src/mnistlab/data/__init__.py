"""Data: MNIST and friends as one small frozen :class:`Dataset`.

>>> from mnistlab.data import load
>>> ds = load("digits")
>>> ds.X_train.shape, ds.image_shape, ds.pixel_max
((1437, 64), (8, 8), 16)
"""

from mnistlab.data._csv import read_kaggle_csv, write_submission
from mnistlab.data._dataset import Dataset, subset
from mnistlab.data._idx import MNIST_FILES, MNIST_MD5, parse_idx, read_bytes, read_idx_pair
from mnistlab.data._load import DATA_ENV, OFFLINE_ENV, SOURCES, load
from mnistlab.data._overlap import training_overlap
from mnistlab.data._sources import (
    DEFAULT_MIRRORS,
    MIRRORS_ENV,
    SPLIT_RANDOM_STATE,
    SPLIT_TEST_SIZE,
    download_mnist,
    load_digits_dataset,
    load_idx_dir,
    load_kaggle,
    load_openml,
    mirrors,
    mnist_cache_dir,
)
from mnistlab.data._stats import class_counts, dataset_statistics, pixel_statistics

__all__ = [
    "DATA_ENV",
    "DEFAULT_MIRRORS",
    "MIRRORS_ENV",
    "MNIST_FILES",
    "MNIST_MD5",
    "OFFLINE_ENV",
    "SOURCES",
    "SPLIT_RANDOM_STATE",
    "SPLIT_TEST_SIZE",
    "Dataset",
    "class_counts",
    "dataset_statistics",
    "download_mnist",
    "load",
    "load_digits_dataset",
    "load_idx_dir",
    "load_kaggle",
    "load_openml",
    "mirrors",
    "mnist_cache_dir",
    "parse_idx",
    "pixel_statistics",
    "read_bytes",
    "read_idx_pair",
    "read_kaggle_csv",
    "subset",
    "training_overlap",
    "write_submission",
]
