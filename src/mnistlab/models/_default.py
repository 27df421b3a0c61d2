"""The default model of ``predict`` and ``serve``: trained once per dataset, kept in the cache."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnistlab import __version__
from mnistlab._cache import cache_dir, cache_lock, dataset_digest, holding, remove_entry
from mnistlab._errors import InputError
from mnistlab.models._arrays import ARRAYS_FILE, load_arrays, write_arrays
from mnistlab.models._persist import CARD_FILE, MODEL_FILE, load_model, read_card, save_model

if TYPE_CHECKING:
    from filelock import FileLock
    from sklearn.base import BaseEstimator

DEFAULT_MODEL = "fast"

#: Stroke width changes (pixels, see :func:`mnistlab.preprocessing.thicken_images`) of the
#: copies of the training images the default model is also trained on, so that it reads
#: marker strokes, bold and light fonts and thin pens (MNIST-sized images only). Chosen on
#: foreign validation digits (``benchmarks/bench_foreign_validation.py``: worst kind 87.0%
#: -> 89.7%); it costs 2.6x the training CPU (4.4 -> 11.5 s) and triples the neighbours
#: kept (a 43 MB model file instead of 15 MB). HOG features beside the pixels read fonts
#: better still (96.3%) but train 10x longer and double the model again: not the default.
DEFAULT_THICKNESS = (1, -1)

#: Models that replace ``fast`` as the default once trained and kept in the cache
#: (``mnistlab train --model cnn --as-default``), the first found wins; never trained unasked.
PREFERRED_MODELS = ("cnn", "best")

#: The registry's recipe of each model above (:func:`~mnistlab.models.recipe_digest`), part
#: of where it is kept: a model trained by an earlier recipe (``best`` before it became an
#: ensemble, say) is never served as today's. Written out, so that ``predict`` need not
#: import the registry; a test keeps each equal to the registry's.
RECIPES = {
    "fast": "eca2b2e1f3931230",
    "cnn": "4443eb8d0e0aecc2",
    "best": "c2544d428af1fc71",
}


def default_model_dir(dataset: Any, name: str = DEFAULT_MODEL, random_state: int = 42) -> Path:
    """Where the default model for ``dataset`` lives: keyed by its data, the seed, our version
    and how the model is made (its registry recipe, :data:`RECIPES`, and the stroke-width
    copies it is trained on). A model kept by ``train --as-default`` sits under the
    registry's recipe whatever ``--params`` it was trained with: asked for, it is served."""
    key = json.dumps(
        [
            name,
            dataset.name,
            dataset.source,
            sorted(dataset.checksums.items()),
            dataset_digest(dataset),  # the content: a Kaggle CSV has no checksum of its own
            dataset.n_train,
            __version__,
            random_state,  # another --seed trains (and keeps) another model
            _thickness(dataset, name),  # how it is trained: another recipe, another model
            RECIPES.get(name, ""),
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir("models") / f"{name}-{dataset.name}-{digest}"


def default_model(
    dataset: Any,
    name: str = DEFAULT_MODEL,
    *,
    random_state: int = 42,
    n_jobs: int | None = None,
) -> tuple[BaseEstimator, dict, Path, bool]:
    """The cached default model for ``dataset``, training and saving it on first use.

    For the default name, a model of :data:`PREFERRED_MODELS` kept in the cache with the
    same seed (and loadable here: the CNN needs PyTorch) is used instead. ``random_state``
    seeds the model trained here and is part of where it is kept.

    Returns
    -------
    estimator, card, path, trained_now
    """
    if name == DEFAULT_MODEL:
        found = cached_preferred(dataset, random_state)
        if found is not None:
            return (*found, False)
    path = default_model_dir(dataset, name, random_state)
    # processes started together (predict, serve, studies): one trains, the others wait
    with holding(default_model_lock(path), f"preparing the default model {path.name}"):
        if (path / CARD_FILE).is_file():
            found = _cached_arrays(path, dataset.image_shape)
            if found is not None:
                return (*found, path, False)
            try:
                est, card = load_model(path, image_shape=dataset.image_shape)
                keep_arrays(est, path, card)  # the next process loads it without scikit-learn
                return est, card, path, False
            except InputError:
                pass  # damaged or from an older layout: train it again
        # the registry's estimators and the augmentation: imported only to train
        from mnistlab.models._registry import get
        from mnistlab.preprocessing import augment

        est = get(name, random_state=random_state, n_jobs=n_jobs)
        X, y = dataset.X_train, dataset.y_train
        extra: dict[str, Any] = {"seed": random_state}
        if thickness := _thickness(dataset, name):
            X, y = augment(X, y, dataset.image_shape, shifts=(), thickness=thickness)
            extra["augment"] = {"thickness": list(thickness)}
        est.fit(X, y)
        _clear(path)  # never arrays beside another model's file
        save_model(est, path, name=name, dataset=dataset, extra=extra, overwrite=True)
        est, card = load_model(path, image_shape=dataset.image_shape)
        keep_arrays(est, path, card)
        return est, card, path, True


def _clear(path: Path) -> None:
    """Remove the files of the cached model directory ``path`` before another is saved
    there, and whatever took a file's place (a directory: else saving fails every time);
    a link goes, never what it points to."""
    for name in (ARRAYS_FILE, CARD_FILE, MODEL_FILE):
        remove_entry(path / name)


def _cached_arrays(path: Path, image_shape: tuple[int, ...]) -> tuple[Any, dict] | None:
    """The numpy predictor of the cached model ``path`` and its card; None when there is
    none, or it is damaged or stale (then the skops file is loaded, and the arrays rewritten)."""
    try:
        card = read_card(path)
        if tuple(card["image_shape"]) != tuple(image_shape):
            return None
        est = load_arrays(path, card, loader=partial(_load_locked, path, image_shape))
    except InputError:
        return None
    return None if est is None else (est, card)


def _load_locked(path: Path, image_shape: tuple[int, ...]) -> BaseEstimator:
    with default_model_lock(path):  # not while it is rewritten
        return load_model(path, image_shape=image_shape)[0]


def keep_arrays(estimator: BaseEstimator, path: Path, card: dict) -> bool:
    """Write the plain-array form of a cached model beside it (:mod:`mnistlab.models._arrays`),
    when its steps are ones the numpy predictor knows; the caller holds the model's lock."""
    try:
        return write_arrays(estimator, path, card["model_sha256"])
    except OSError:  # a full disk: the skops file still serves
        return False


def _thickness(dataset: Any, name: str) -> tuple[int, ...]:
    """The stroke width augmentation of the default model of ``dataset`` (none for 8x8)."""
    if name != DEFAULT_MODEL or min(dataset.image_shape) < 16:
        return ()
    return tuple(DEFAULT_THICKNESS)


def keep_as_default(
    estimator: BaseEstimator, dataset: Any, name: str, random_state: int = 42, **card: Any
) -> Path:
    """Keep a fitted model in the cache as the default model of ``dataset``; its directory.

    :func:`default_model` prefers it when ``name`` is one of :data:`PREFERRED_MODELS`
    and ``random_state`` is the same. ``card`` goes to :func:`save_model` (e.g.
    ``train_seconds``, ``extra``).
    """
    path = default_model_dir(dataset, name, random_state)
    with default_model_lock(path):  # readers wait rather than load a half-written model
        _clear(path)
        save_model(estimator, path, name=name, dataset=dataset, overwrite=True, **card)
    return path


def default_model_lock(path: Path) -> FileLock:
    """The lock held while the cached model directory ``path`` is written or read whole."""
    return cache_lock(f"models/{path.name}")


def preferred_model_dirs(dataset: Any, random_state: int = 42) -> dict[str, Path]:
    """The :data:`PREFERRED_MODELS` kept in the cache for ``dataset`` (with seed
    ``random_state``) that can be loaded here (the CNN needs PyTorch), in order of
    preference: name -> model directory."""
    found = {}
    for name in PREFERRED_MODELS:
        path = default_model_dir(dataset, name, random_state)
        if not (path / CARD_FILE).is_file():
            continue
        if name == "cnn":
            from mnistlab.models._cnn import torch_available  # imports scikit-learn: only here

            if not torch_available():
                continue
        found[name] = path
    return found


def cached_preferred(
    dataset: Any, random_state: int = 42
) -> tuple[BaseEstimator, dict, Path] | None:
    """The first of :data:`PREFERRED_MODELS` kept in the cache for ``dataset``, if any."""
    for path in preferred_model_dirs(dataset, random_state).values():
        try:
            with default_model_lock(path):  # not while 'train --as-default' writes it
                est, card = load_model(path, image_shape=dataset.image_shape)
        except InputError:
            continue  # damaged: ignored, never trained again unasked
        return est, card, path
    return None
