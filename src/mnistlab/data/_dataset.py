"""The :class:`Dataset` every loader returns, and stratified subsets of it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from mnistlab._errors import InputError


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test images (flattened to rows, uint8) with integer labels.

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n_samples, height * width), dtype uint8
        Images flattened to rows, read-only.
    y_train, y_test : ndarray of shape (n_samples,), dtype int64
        Labels 0..9, read-only.
    image_shape : tuple of int
        ``(height, width)``, e.g. ``(28, 28)`` for MNIST or ``(8, 8)`` for the digits.
    pixel_max : int
        Largest possible pixel value (255 for MNIST, 16 for the UCI digits).
    name : str
        ``"mnist"``, ``"digits"``, ``"kaggle"``, ``"openml"`` or ``"idx"``.
    source : str
        Where the data came from (a directory, a file, a URL or a library).
    verified : bool
        Whether the canonical checksums of the files were checked and matched.
    checksums : dict
        File name to MD5 of the decompressed bytes, where known.
    split : str
        How train and test were separated.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    pixel_max: int
    name: str
    source: str
    verified: bool = False
    checksums: dict[str, str] = field(default_factory=dict)
    split: str = ""

    def __post_init__(self) -> None:
        for attr in ("X_train", "y_train", "X_test", "y_test"):
            _readonly(getattr(self, attr))

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        """Number of test images."""
        return len(self.y_test)

    @property
    def classes(self) -> np.ndarray:
        """Sorted labels present in the training set."""
        return np.unique(self.y_train)

    def describe(self) -> dict:
        """The data block of ``metrics.json``: name, source, verified, sizes, image shape."""
        return {
            "name": self.name,
            "source": self.source,
            "verified": self.verified,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "image_shape": list(self.image_shape),
        }


def _stratified_indices(y: np.ndarray, n: int | None, random_state: int | None) -> np.ndarray:
    if n is None or n >= len(y):
        return np.arange(len(y))
    if n < len(np.unique(y)):
        raise InputError(f"subset size {n} is smaller than the number of classes; ask for more")
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(
        np.arange(len(y)), train_size=n, stratify=y, random_state=random_state
    )
    return np.sort(idx)  # keep the data's own order, so results do not depend on the shuffle


def subset(
    dataset: Dataset,
    n_train: int | None = None,
    n_test: int | None = None,
    *,
    random_state: int | None = 0,
) -> Dataset:
    """Return a stratified subset of ``dataset`` (the data's order is kept).

    Parameters
    ----------
    dataset : Dataset
        The full dataset.
    n_train, n_test : int or None
        Sizes of the subsets; None, or a size at least the full one, keeps all images.
    random_state : int or None
        Seed of the stratified draw.

    Returns
    -------
    Dataset
        A new dataset; ``split`` says which subset it is.
    """
    tr = _stratified_indices(dataset.y_train, n_train, random_state)
    te = _stratified_indices(dataset.y_test, n_test, random_state)
    if len(tr) == dataset.n_train and len(te) == dataset.n_test:
        return dataset
    note = f"stratified subset {len(tr)}/{len(te)} (random_state={random_state})"
    return dataclasses.replace(
        dataset,
        X_train=dataset.X_train[tr],
        y_train=dataset.y_train[tr],
        X_test=dataset.X_test[te],
        y_test=dataset.y_test[te],
        split=f"{dataset.split}; {note}" if dataset.split else note,
    )
