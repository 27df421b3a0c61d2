"""The default model as plain arrays, and a numpy predictor that loads it without scikit-learn.

The default model (``fast``: :class:`~mnistlab.preprocessing.Deskew`, ``PCA``,
``KNeighborsClassifier``) is kept as a skops file; loading that imports scikit-learn and
skops, most of the time of a ``predict``. Beside it the cache keeps :data:`ARRAYS_FILE`, the
same model as plain arrays (an ``.npz`` of numbers and one string, never a pickle), from which
:class:`ArrayPipeline` predicts the same digits with numpy alone. Only pipelines of those
known steps are written; a file read back is checked whole (members, dtypes, shapes, sizes,
finite values, label indices) before anything is computed from it, and a file that fails
any check is not used: the caller loads the skops file instead.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mnistlab._errors import InputError
from mnistlab._io import atomic_path, zip_directory_size
from mnistlab.preprocessing._deskew import check_pixels, deskew_chunk

ARRAYS_FILE = "arrays.npz"
ARRAYS_FORMAT = 1
#: Bounds on what a file may hold (far above the default model: 180,000 x 60 neighbours).
MAX_ARRAYS_BYTES = 4 << 30
MAX_FIT = 10_000_000
MAX_COMPONENTS = 4096
MAX_NEIGHBORS = 1000
MAX_CLASSES = 1000
MAX_CHUNK = 1 << 20
#: Stored neighbours compared at once, and queries at once (bounds the memory: 32 MB).
_FIT_CHUNK = 16384
_QUERY_CHUNK = 256

_I8, _F4, _F8 = np.dtype("<i8"), np.dtype("<f4"), np.dtype("<f8")
#: member -> (dtype, number of dimensions); the PCA members are optional (both or neither)
_SCHEMA: dict[str, tuple[np.dtype, int]] = {
    "format": (_I8, 0),
    "model_sha256": (np.dtype("<U64"), 0),
    "image_shape": (_I8, 1),
    "chunk_size": (_I8, 0),
    "pca_mean": (_F4, 1),
    "pca_components": (_F4, 2),
    "fit_X": (_F4, 2),
    "fit_sq": (_F8, 1),
    "fit_y": (_I8, 1),
    "classes": (_I8, 1),
    "n_neighbors": (_I8, 0),
}
_OPTIONAL = frozenset({"pca_mean", "pca_components"})


class Refused(ValueError):
    """The arrays file is not one this module wrote for this model."""


def model_arrays(estimator: Any) -> dict[str, np.ndarray] | None:
    """The arrays of a fitted ``Pipeline(Deskew, [PCA], KNeighborsClassifier)``; None for
    any other estimator, or settings the numpy predictor does not reproduce exactly."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline

    from mnistlab.preprocessing import Deskew

    if type(estimator) is not Pipeline:
        return None
    steps = [step for _, step in estimator.steps]
    if len(steps) not in (2, 3) or type(steps[0]) is not Deskew:
        return None
    deskew, knn = steps[0], steps[-1]
    pca = steps[1] if len(steps) == 3 else None
    if pca is not None and (type(pca) is not PCA or pca.whiten):
        return None
    if not (
        type(knn) is KNeighborsClassifier
        and knn.weights == "distance"
        and getattr(knn, "_fit_method", None) == "brute"  # neighbours by BLAS, as here
        and knn.effective_metric_ == "euclidean"
        and not knn.effective_metric_params_
        and not knn.outputs_2d_
        and isinstance(knn._fit_X, np.ndarray)
        and knn._fit_X.dtype == np.float32
        and np.issubdtype(np.asarray(knn.classes_).dtype, np.integer)
    ):
        return None
    out = {
        "format": np.array(ARRAYS_FORMAT, dtype=_I8),
        "image_shape": np.array(deskew.image_shape_, dtype=_I8),
        "chunk_size": np.array(max(1, int(deskew.chunk_size)), dtype=_I8),
        "fit_X": np.ascontiguousarray(knn._fit_X, dtype=_F4),
        "fit_sq": _squared_norms(knn._fit_X),
        "fit_y": np.asarray(knn._y, dtype=_I8),
        "classes": np.asarray(knn.classes_, dtype=_I8),
        "n_neighbors": np.array(knn.n_neighbors, dtype=_I8),
    }
    if pca is not None:
        if pca.components_.dtype != np.float32 or pca.mean_.dtype != np.float32:
            return None
        out["pca_mean"] = np.asarray(pca.mean_, dtype=_F4)
        comp = pca.components_  # kept in its memory order: BLAS sums another order otherwise
        if not (comp.flags.c_contiguous or comp.flags.f_contiguous):
            comp = np.ascontiguousarray(comp)
        out["pca_components"] = comp
    return out


def write_arrays(estimator: Any, path: str | Path, model_sha256: str) -> bool:
    """Write :data:`ARRAYS_FILE` of ``estimator`` into the model directory ``path``, atomically.

    ``model_sha256`` (the card's checksum of the skops file) ties it to that model: the file
    is used only beside it. Returns False (and writes nothing) for an estimator
    :func:`model_arrays` does not take.
    """
    arrays = model_arrays(estimator)
    if arrays is None:
        return False
    arrays["model_sha256"] = np.array(model_sha256, dtype=_SCHEMA["model_sha256"][0])
    with atomic_path(Path(path) / ARRAYS_FILE) as tmp, tmp.open("wb") as f:
        np.savez(f, **arrays)  # stored, not compressed: read back without inflating
    return True


def read_arrays(file: str | Path) -> dict[str, np.ndarray]:
    """The members of an arrays file, each checked against :data:`_SCHEMA` before it is read.

    Raises
    ------
    Refused
        Too large, not a zip of ``.npy`` members, an unknown, missing, compressed or
        repeated member, a member whose dtype, dimensions or size are not the expected ones.
    """
    file = Path(file)
    if file.stat().st_size > MAX_ARRAYS_BYTES:
        raise Refused(f"larger than {MAX_ARRAYS_BYTES:,} bytes")
    out: dict[str, np.ndarray] = {}
    try:
        directory = zip_directory_size(file)
        # eleven members at most: a few kilobytes of directory, never megabytes
        if directory is not None and directory > 1 << 16:
            raise Refused(f"lists members in {directory:,} bytes; expected a few")
        with zipfile.ZipFile(file) as zf:
            infos = zf.infolist()
            if len(infos) > len(_SCHEMA):
                raise Refused(f"{len(infos)} members; expected at most {len(_SCHEMA)}")
            for info in infos:
                name = info.filename.removesuffix(".npy")
                if name not in _SCHEMA or name in out:
                    raise Refused(f"unexpected member {info.filename[:80]!r}")
                if info.compress_type != zipfile.ZIP_STORED:
                    raise Refused(f"{name} is compressed")  # a small file never inflates
                with zf.open(info) as f:
                    out[name] = _read_member(f, name, info.file_size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise Refused(f"not a valid arrays file ({str(exc)[:200]})") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, a later zip version
        raise Refused(f"not an arrays file this module wrote ({str(exc)[:200]})") from None
    missing = set(_SCHEMA) - _OPTIONAL - set(out)
    if missing or len(_OPTIONAL & set(out)) == 1:
        raise Refused(f"lacks {', '.join(sorted(missing or _OPTIONAL - set(out)))}")
    return out


def _read_member(f: Any, name: str, size: int) -> np.ndarray:
    dtype, ndim = _SCHEMA[name]
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    try:
        version = np.lib.format.read_magic(f)
        if version not in readers:
            raise Refused(f"{name}: .npy version {version}")
        shape, fortran, got = readers[version](f)
    except Refused:
        raise
    except ValueError as exc:  # a bad magic string or header
        raise Refused(f"{name}: not an .npy array ({str(exc)[:200]})") from None
    if got != dtype or (fortran and name != "pca_components") or len(shape) != ndim:
        raise Refused(f"{name}: {got} {'F' if fortran else 'C'}{list(shape)}, expected {dtype}")
    if any(s < 0 for s in shape):
        raise Refused(f"{name}: a negative dimension in {list(shape)}")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > size:  # the header promises more than the member holds
        raise Refused(f"{name}: {list(shape)} does not fit the member")
    data = f.read(nbytes)
    if len(data) != nbytes or f.read(1):  # reading to the end checks the member's CRC
        raise Refused(f"{name}: the member's size does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


class ArrayPipeline:
    """Deskew, PCA and distance-weighted nearest neighbours in numpy: the predictions of the
    scikit-learn pipeline :func:`model_arrays` read, without importing scikit-learn.

    Build it with :func:`load_arrays`, which checks every array first.

    Attributes
    ----------
    classes_ : ndarray of int
    image_shape : tuple of int
    n_neighbors : int
    """

    #: From this many rows, the scikit-learn model (``loader``) predicts instead: its search
    #: is faster than numpy's on large batches (a Kaggle file), and then worth its imports.
    large_batch = 1000

    def __init__(
        self, arrays: dict[str, np.ndarray], loader: Callable[[], Any] | None = None
    ) -> None:
        self._loader = loader
        self._loaded: Any = None
        self.image_shape = tuple(int(v) for v in arrays["image_shape"])
        self.chunk_size = int(arrays["chunk_size"])
        self.n_neighbors = int(arrays["n_neighbors"])
        self.classes_ = np.array(arrays["classes"])
        self._mean = arrays.get("pca_mean")
        self._components = arrays.get("pca_components")
        self._fit_X = arrays["fit_X"]
        self._fit_y = arrays["fit_y"]
        self._fit_sq = arrays["fit_sq"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """No parameters (``serve`` asks every model for its ``n_jobs``)."""
        return {}

    def set_params(self, **params: Any) -> ArrayPipeline:
        """Nothing to set."""
        if params:
            raise ValueError(f"ArrayPipeline has no parameters {sorted(params)}")
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The deskewed (and projected) rows the neighbours are searched with."""
        h, w = self.image_shape
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != h * w:
            raise InputError(f"expected rows of {h * w} pixels, got an array of {X.shape}")
        check_pixels(X, "Deskew")  # what Deskew refuses, in the same words
        step = self.chunk_size  # the chunks of Deskew.transform: the same float32 rows
        Xt = np.vstack([deskew_chunk(X[i : i + step], h, w) for i in range(0, len(X), step)])
        if self._components is not None:  # as PCA.transform computes it
            mean = np.reshape(self._mean, (1, -1))
            projected = Xt @ self._components.T
            projected -= mean @ self._components.T
            Xt = projected
        return Xt

    def kneighbors(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Distances to the ``n_neighbors`` nearest stored rows and their indices, nearest first."""
        Xt = self.transform(X)
        parts = [self._nearest(Xt[i : i + _QUERY_CHUNK]) for i in range(0, len(Xt), _QUERY_CHUNK)]
        return np.vstack([d for d, _ in parts]), np.vstack([i for _, i in parts])

    def _nearest(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # scikit-learn's brute search (ArgKmin of the float32 data): rows upcast to float64,
        # squared distances |q|^2 + (-2 q.y) + |y|^2 clipped at 0, norms by BLAS ddot
        k, n = self.n_neighbors, len(Xq)
        q = Xq.astype(np.float64)
        q_sq = _squared_norms(q)
        q *= -2.0  # exact: (-2 q).y is -2 (q.y) to the last bit
        best_d = np.full((n, k), np.inf)
        best_i = np.zeros((n, k), dtype=np.intp)
        start = 0
        for y in _upcast_chunks(self._fit_X):
            d = q @ y.T
            d += q_sq[:, None]
            d += self._fit_sq[start : start + len(y)]
            np.maximum(d, 0.0, out=d)
            # only what beats the k-th nearest so far (a tie keeps the earlier row)
            better = d < best_d[:, -1:]
            if np.count_nonzero(better) > 4 * n * k:  # the first chunks: take k per row
                kk = min(k, len(y))
                cols = np.argpartition(d, kk - 1, axis=1)[:, :kk]
                rows = np.repeat(np.arange(n), kk)
                cols = cols.ravel()
                keep = better[rows, cols]
                rows, cols = rows[keep], cols[keep]
            else:
                rows, cols = np.nonzero(better)
            if len(rows):
                best_d, best_i = _merge(best_d, best_i, rows, d[rows, cols], cols + start)
            start += len(y)
        return np.sqrt(best_d), best_i

    def _large(self, X: Any) -> Any:
        """The scikit-learn model for a batch of :attr:`large_batch` rows or more, else None."""
        if self._loader is None or len(X) < self.large_batch:
            return None
        if self._loaded is None:
            self._loaded = self._loader()
        return self._loaded

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: the neighbours' inverse distances, as scikit-learn weighs them."""
        if (model := self._large(X)) is not None:
            return model.predict_proba(X)
        dist, ind = self.kneighbors(X)
        with np.errstate(divide="ignore"):
            weights = 1.0 / dist
        inf_mask = np.isinf(weights)  # an exact match: only the exact matches vote
        inf_row = np.any(inf_mask, axis=1)
        weights[inf_row] = inf_mask[inf_row]
        labels = self._fit_y[ind]
        proba = np.zeros((len(dist), len(self.classes_)))
        rows = np.arange(len(dist))
        for i in range(self.n_neighbors):
            proba[rows, labels[:, i]] += weights[:, i]
        proba /= proba.sum(axis=1)[:, np.newaxis]
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        if (model := self._large(X)) is not None:
            return model.predict(X)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _merge(
    best_d: np.ndarray, best_i: np.ndarray, rows: np.ndarray, d: np.ndarray, i: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest of each row among its current ones and the candidates (``rows``,
    ``d``, ``i``), nearest first; at equal distances the current ones, then by order."""
    n, k = best_d.shape
    all_r = np.concatenate([np.repeat(np.arange(n), k), rows])
    all_d = np.concatenate([best_d.ravel(), d])
    all_i = np.concatenate([best_i.ravel(), i])
    order = np.lexsort((all_d, all_r))  # by row, then distance; stable
    first = np.concatenate([[0], np.cumsum(np.bincount(all_r, minlength=n))[:-1]])
    take = order[first[:, None] + np.arange(k)]
    return all_d[take], all_i[take]


def _squared_norms(X: np.ndarray) -> np.ndarray:
    """Squared norms of the rows in float64, one BLAS ``ddot`` each, as scikit-learn's
    neighbour search computes them (a summation in another order differs in the last bits)."""
    out = np.empty(len(X))
    for i, row in enumerate(X):
        r = row.astype(np.float64)
        out[i] = np.dot(r, r)
    return out


def _upcast_chunks(Y: np.ndarray):
    for start in range(0, len(Y), _FIT_CHUNK):
        yield Y[start : start + _FIT_CHUNK].astype(np.float64)


def check_arrays(arrays: dict[str, np.ndarray], card: dict[str, Any]) -> None:
    """Check the values of ``arrays`` (from :func:`read_arrays`) against each other and
    ``card``: sizes bounded, values finite, label indices inside the classes.

    Raises
    ------
    Refused
    """
    if int(arrays["format"]) != ARRAYS_FORMAT:
        raise Refused(f"format {int(arrays['format'])}, expected {ARRAYS_FORMAT}")
    if str(arrays["model_sha256"]) != card["model_sha256"]:
        raise Refused("written for another model file (checksums differ)")
    shape = arrays["image_shape"].tolist()
    if shape != list(card["image_shape"]):
        raise Refused(f"image shape {shape} is not the card's {card['image_shape']}")
    n_pixels = math.prod(shape)
    if not 1 <= int(arrays["chunk_size"]) <= MAX_CHUNK:
        raise Refused(f"chunk_size must be from 1 to {MAX_CHUNK}")
    fit_X, fit_y, classes = arrays["fit_X"], arrays["fit_y"], arrays["classes"]
    n_fit, n_dims = fit_X.shape
    if "pca_components" in arrays:
        comp, mean = arrays["pca_components"], arrays["pca_mean"]
        if not (1 <= comp.shape[0] <= min(n_pixels, MAX_COMPONENTS) and comp.shape[1] == n_pixels):
            raise Refused(f"PCA components of shape {comp.shape} for {n_pixels} pixels")
        if mean.shape != (n_pixels,):
            raise Refused(f"PCA mean of shape {mean.shape} for {n_pixels} pixels")
        if not (np.isfinite(comp).all() and np.isfinite(mean).all()):
            raise Refused("PCA arrays hold values that are not finite")
        expected_dims = comp.shape[0]
    else:
        expected_dims = n_pixels
    if not 1 <= n_fit <= MAX_FIT or n_dims != expected_dims:
        raise Refused(f"{n_fit} neighbours of {n_dims} values; expected {expected_dims} values")
    if not np.isfinite(fit_X).all():
        raise Refused("the neighbours hold values that are not finite")
    fit_sq = arrays["fit_sq"]
    if fit_sq.shape != (n_fit,) or not np.isfinite(fit_sq).all():
        raise Refused("the neighbours' norms must be one finite number per neighbour")
    recomputed = np.concatenate([np.einsum("ij,ij->i", c, c) for c in _upcast_chunks(fit_X)])
    if not np.allclose(fit_sq, recomputed, rtol=1e-9, atol=1e-12):
        raise Refused("the neighbours' norms are not theirs")
    if not 1 <= int(arrays["n_neighbors"]) <= min(n_fit, MAX_NEIGHBORS):
        raise Refused(f"n_neighbors must be from 1 to {min(n_fit, MAX_NEIGHBORS)}")
    if not (1 <= len(classes) <= MAX_CLASSES and np.all(np.diff(classes) > 0)):
        raise Refused("classes must be 1 to 1000 increasing integers")
    if card.get("classes") is not None and classes.tolist() != card["classes"]:
        raise Refused("classes differ from the card's")
    if fit_y.shape != (n_fit,) or fit_y.min() < 0 or fit_y.max() >= len(classes):
        raise Refused("neighbour labels must be one per neighbour, indices of the classes")


def load_arrays(
    path: str | Path, card: dict[str, Any], loader: Callable[[], Any] | None = None
) -> ArrayPipeline | None:
    """The numpy predictor kept in the model directory ``path`` beside the model ``card``
    describes; None when there is none. ``loader`` returns the scikit-learn model, for
    large batches (:attr:`ArrayPipeline.large_batch`).

    Raises
    ------
    InputError
        The file is there but fails a check of :func:`read_arrays` or :func:`check_arrays`.
    """
    file = Path(path) / ARRAYS_FILE
    if not file.is_file():
        return None
    try:
        arrays = read_arrays(file)
        check_arrays(arrays, card)
    except Refused as exc:
        raise InputError(f"{file}: refusing these arrays: {exc}") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    return ArrayPipeline(arrays, loader)
