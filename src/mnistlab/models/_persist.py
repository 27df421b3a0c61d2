"""Model directories: ``model.skops`` plus ``card.json``, loaded only with trusted types."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab._errors import InputError
from mnistlab._io import MAX_ZIP_DIRECTORY, dumps_json, zip_directory_size
from mnistlab.models._validate import (
    Refused,
    check_against_card,
    check_card,
    check_estimator_file,
)

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

MODEL_FILE = "model.skops"
CARD_FILE = "card.json"
CARD_VERSION = 1
#: a card is a few KB; a larger file is not one (and is not read into memory)
MAX_CARD_BYTES = 1_000_000

#: Types beyond skops' own defaults that mnistlab model files may contain. Anything
#: else in a file is refused: skops never imports a type we did not list here.
TRUSTED_TYPES: list[str] = [
    # these index memory with numbers from the file: trusted only because load_model
    # checks them (mnistlab.models._validate) before anything runs
    "sklearn.tree._tree.Tree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    "mnistlab.preprocessing._images.Deskew",
    "mnistlab.preprocessing._images.HOG",
    "mnistlab.preprocessing._gradients.GradientDirections",
    "mnistlab.preprocessing._augment.Augmented",
    "mnistlab.preprocessing._scale.BlockScaler",
    "mnistlab.preprocessing._scattering.Scattering",
    "mnistlab.models._cnn.CNNClassifier",
    "mnistlab.models._ensemble.DecisionAveragingClassifier",
    "mnistlab.models._svc.BlasSVC",
    "mnistlab.models._denoisers.ClippedRegressor",
    "mnistlab.models._denoisers.IsotonicOutputRegressor",
    "mnistlab.models._denoisers.NoiseFloorHinge",
    "mnistlab.models._denoisers.PCADenoiser",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
]


def skops_io() -> ModuleType:
    """``skops.io``, imported without importing every scikit-learn estimator.

    skops builds its default trusted types when it is imported, from scikit-learn's
    ``all_estimators()``, which imports every estimator module (and PyTorch, through
    scikit-learn's array API support, where it is installed): seconds in every process
    that loads a model. Imported here, its default estimators are the ones mnistlab's
    registry builds (:func:`~mnistlab.models._validate.allowed_estimators`), the only ones
    :func:`load_model` accepts anyway; so a foreign estimator is now refused before it is
    built. For the rest of the process skops trusts no other estimator by default (other
    skops files name theirs in ``trusted``). Where skops was imported already, it is used
    as it is: :func:`load_model` still refuses what the registry does not build, after
    building it.
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    from mnistlab.models._validate import allowed_estimators

    ours = sorted(allowed_estimators(), key=lambda cls: (cls.__module__, cls.__qualname__))

    def registry_estimators(type_filter: Any = None) -> list[tuple[str, type]]:
        return [(cls.__name__, cls) for cls in ours]

    everything = sklearn.utils.all_estimators
    # skops reads the name from sklearn.utils when it is imported, and never again; if a
    # later skops reads it elsewhere, this only costs the time it saved, never safety
    sklearn.utils.all_estimators = registry_estimators
    try:
        import skops.io
    finally:
        sklearn.utils.all_estimators = everything
    return skops.io


def trust(*type_names: str) -> None:
    """Add fully qualified type names to :data:`TRUSTED_TYPES` (for the registry's own classes)."""
    for name in type_names:
        if name not in TRUSTED_TYPES:
            TRUSTED_TYPES.append(name)


#: The libraries whose versions a model card records.
CARD_LIBRARIES = ("mnistlab", "numpy", "scipy", "scikit-learn", "pandas", "skops")


def library_versions(
    packages: Sequence[str] = CARD_LIBRARIES, *, keep_missing: bool = False
) -> dict[str, str | None]:
    """Python's version and those of ``packages`` (one not installed is left out, or None
    with ``keep_missing``)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            if keep_missing:
                out[pkg] = None
    return out


def _jsonable_params(estimator: BaseEstimator) -> dict[str, Any]:
    out = {}
    for key, value in estimator.get_params(deep=False).items():
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        else:
            out[key] = repr(value)
    return out


def _sha256(path: Path) -> str:
    with path.open("rb") as f:  # in blocks: a model file may be larger than the memory
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check_stored(model_path: Path) -> None:
    """A model file mnistlab wrote has no compressed member (skops' default): one that
    has may inflate to gigabytes, which the checksum cannot tell (the card comes with it).
    Nor has it millions of members: their list is parsed whole before any can be checked."""
    try:
        directory = zip_directory_size(model_path)
        if directory is not None and directory > MAX_ZIP_DIRECTORY:
            raise InputError(
                f"{model_path}: lists members in {directory:,} bytes (at most "
                f"{MAX_ZIP_DIRECTORY:,}: far more members than a model has); refusing it"
            )
        with zipfile.ZipFile(model_path) as zf:
            packed = [i.filename for i in zf.infolist() if i.compress_type != zipfile.ZIP_STORED]
    except InputError:
        raise
    except Exception as exc:  # not a zip, or a damaged one
        raise InputError(f"{model_path}: not a valid skops file ({_first_line(exc)})") from None
    if packed:
        raise InputError(
            f"{model_path}: {packed[0][:80]!r} is compressed; mnistlab writes model files "
            "uncompressed (a compressed one may inflate to gigabytes), refusing it; train it "
            "again, or save it with skops.io.dump(..., compression=zipfile.ZIP_STORED)"
        )


def save_model(
    estimator: BaseEstimator,
    path: str | os.PathLike,
    *,
    name: str,
    dataset: Any,
    cv_score: float | None = None,
    train_seconds: float | None = None,
    extra: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Save a fitted estimator as a model directory (``model.skops`` + ``card.json``).

    Both files are written atomically, the card last: an interrupted save never
    leaves a model that loads.

    Parameters
    ----------
    estimator : fitted estimator
    path : path-like
        The model directory (created if missing; other files in it are kept).
    name : str
        The registry name the model was built from.
    dataset : Dataset
        The data it was trained on (image shape, pixel range, source, checksums).
    cv_score, train_seconds : float, optional
        Recorded in the card.
    extra : dict, optional
        More card fields.
    overwrite : bool
        Replace a model already in the directory.
    """
    from mnistlab._io import atomic_path

    sio = skops_io()

    path = Path(path)
    if (path / MODEL_FILE).exists() and not overwrite:
        raise InputError(
            f"{path}: already holds a model; choose another directory or pass --overwrite"
        )
    path.mkdir(parents=True, exist_ok=True)
    # The card goes last and names the model file's checksum, so a save that is
    # interrupted leaves no card, or a card that refuses the file: never a half model.
    (path / CARD_FILE).unlink(missing_ok=True)
    with atomic_path(path / MODEL_FILE) as tmp:
        sio.dump(estimator, tmp)
    classes = getattr(estimator, "classes_", None)
    card = {
        "card_version": CARD_VERSION,
        "name": name,
        "estimator": type(estimator).__name__,
        "params": _jsonable_params(estimator),
        "classes": np.asarray(classes).tolist() if classes is not None else None,
        "image_shape": list(dataset.image_shape),
        "pixel_max": int(dataset.pixel_max),
        "data": {**dataset.describe(), "checksums": dict(dataset.checksums)},
        "cv_score": cv_score,
        "train_seconds": train_seconds,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": library_versions(),
        "model_sha256": _sha256(path / MODEL_FILE),
        **(extra or {}),
    }
    with atomic_path(path / CARD_FILE) as tmp:
        tmp.write_text(dumps_json(card), encoding="utf-8")
    return path


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check the card of model directory ``path``."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: not a model directory (expected {MODEL_FILE} and {CARD_FILE})")
    card_path = path / CARD_FILE
    if not card_path.is_file():
        raise InputError(f"{path}: missing {CARD_FILE}; not a mnistlab model directory")
    try:
        if card_path.stat().st_size > MAX_CARD_BYTES:
            raise InputError(f"{card_path}: larger than {MAX_CARD_BYTES:,} bytes; not a card")
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{card_path}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise InputError(f"{card_path}: not valid JSON ({str(exc)[:200]})") from None
    try:
        check_card(card)
    except Refused as exc:
        raise InputError(f"{card_path}: {exc}") from None
    return card


def load_model(
    path: str | os.PathLike, *, image_shape: tuple[int, int] | None = None
) -> tuple[BaseEstimator, dict[str, Any]]:
    """Load a model directory written by :func:`save_model`.

    The model file must match the checksum in its card (no tampering), and may
    contain only skops' default types and :data:`TRUSTED_TYPES`; anything else
    is refused before any object is built. Once built, the model may hold only the
    estimator classes of the registry, every array that compiled code indexes
    (decision trees, support vectors, stored neighbours) must fit the arrays it
    indexes, and the model must take the card's images and predict its classes.

    Parameters
    ----------
    path : path-like
        The model directory.
    image_shape : tuple of int, optional
        The shape of the images the model will see; a model trained on another
        shape is refused.

    Returns
    -------
    estimator, card
    """
    path = Path(path)
    card = read_card(path)
    model_path = path / MODEL_FILE
    if not model_path.is_file():
        raise InputError(f"{path}: missing {MODEL_FILE}")
    try:
        digest = _sha256(model_path)
    except OSError as exc:
        raise InputError(f"{model_path}: cannot be read ({exc.strerror or exc})") from None
    if digest != card["model_sha256"]:
        raise InputError(f"{model_path}: does not match the checksum in its card (modified?)")
    if image_shape is not None and tuple(card["image_shape"]) != tuple(image_shape):
        raise InputError(
            f"{path}: model was trained on {tuple(card['image_shape'])} images but the data "
            f"has {tuple(image_shape)}; use data of the same kind (--data) or another model"
        )
    _check_stored(model_path)
    sio = skops_io()
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except Exception as exc:
        raise InputError(f"{model_path}: not a valid skops file ({exc})") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise InputError(
            f"{model_path}: contains types mnistlab does not trust ({', '.join(refused)}); "
            "refusing to load it"
        )
    try:
        est = sio.load(model_path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # a crafted file: skops and the classes it builds raise anything
        raise InputError(f"{model_path}: not a valid model file ({_first_line(exc)})") from None
    try:
        check_estimator_file(est)
        check_against_card(est, card)
    except Refused as exc:
        raise InputError(f"{model_path}: refusing this model: {exc}") from None
    except Exception as exc:  # an attribute of a type no check expected
        raise InputError(f"{model_path}: refusing this model ({_first_line(exc)})") from None
    return est, card


def _first_line(exc: Exception) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}"
