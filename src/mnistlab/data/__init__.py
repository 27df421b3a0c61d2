"""Data: MNIST and friends as one small frozen :class:`Dataset`.

>>> from mnistlab.data import load
>>> ds = load("digits")
>>> ds.X_train.shape, ds.image_shape, ds.pixel_max
((1437, 64), (8, 8), 16)

Each name is imported on first use (``lazy_loader``).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_csv": ["read_kaggle_csv", "write_submission"],
        "_dataset": ["Dataset", "subset"],
        "_foreign": ["FOREIGN_KINDS", "ForeignDigits", "foreign_digits", "installed_fonts"],
        "_idx": ["MNIST_FILES", "MNIST_MD5", "parse_idx", "read_bytes", "read_idx_pair"],
        "_load": ["DATA_ENV", "OFFLINE_ENV", "SOURCES", "load"],
        "_overlap": ["training_overlap"],
        "_sources": [
            "DEFAULT_MIRRORS",
            "DOWNLOAD_TIME_LIMIT_ENV",
            "MIRRORS_ENV",
            "SPLIT_RANDOM_STATE",
            "SPLIT_TEST_SIZE",
            "download_mnist",
            "load_digits_dataset",
            "load_idx_dir",
            "load_kaggle",
            "load_openml",
            "mirrors",
            "mnist_cache_dir",
        ],
        "_stats": ["class_counts", "dataset_statistics", "pixel_statistics"],
    },
)
