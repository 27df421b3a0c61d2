"""What a dataset holds, in numbers: class counts and pixel statistics per split.

One computation for ``mnistlab data info`` and the study's data section.
"""

from __future__ import annotations

import numpy as np

from mnistlab.data._dataset import Dataset

N_CLASSES = 10  # digits: counts always have ten entries, zeros for a missing digit


def pixel_statistics(X: np.ndarray) -> dict[str, float]:
    """Smallest and largest value, mean, standard deviation and share of zero pixels.

    Examples
    --------
    >>> import numpy as np
    >>> pixel_statistics(np.array([[0, 2], [0, 6]], dtype=np.uint8))
    {'min': 0, 'max': 6, 'mean': 2.0, 'std': 2.449489742783178, 'zero_fraction': 0.5}
    """
    return {
        "min": int(X.min()),
        "max": int(X.max()),
        "mean": float(X.mean(dtype=np.float64)),
        "std": float(X.std(dtype=np.float64)),
        "zero_fraction": float(np.count_nonzero(X == 0) / X.size),
    }


def class_counts(dataset: Dataset) -> dict[str, list[int]]:
    """Images per digit in the training and the test set."""
    return {
        "train": np.bincount(dataset.y_train, minlength=N_CLASSES).tolist(),
        "test": np.bincount(dataset.y_test, minlength=N_CLASSES).tolist(),
    }


def dataset_statistics(dataset: Dataset) -> dict:
    """What ``data info`` reports: :meth:`Dataset.describe` and what the data holds.

    That is the pixel range, dtype, split, checksums, :func:`class_counts` and the
    :func:`pixel_statistics` of each split.

    Examples
    --------
    >>> from mnistlab.data import load
    >>> stats = dataset_statistics(load("digits"))
    >>> stats["class_counts"]["test"][:3], stats["pixels"]["train"]["max"]
    ([36, 36, 35], 16)
    """
    return {
        **dataset.describe(),
        "pixel_max": dataset.pixel_max,
        "dtype": str(dataset.X_train.dtype),
        "split": dataset.split,
        "checksums": dataset.checksums,
        "class_counts": class_counts(dataset),
        "pixels": {
            "train": pixel_statistics(dataset.X_train),
            "test": pixel_statistics(dataset.X_test),
        },
    }
