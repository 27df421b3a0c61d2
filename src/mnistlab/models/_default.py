"""The default model of ``predict`` and ``serve``: trained once per dataset, kept in the cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from filelock import FileLock
from sklearn.base import BaseEstimator

from mnistlab import __version__
from mnistlab._cache import cache_dir, cache_lock, dataset_digest, holding
from mnistlab._errors import InputError
from mnistlab.models._persist import CARD_FILE, load_model, save_model
from mnistlab.models._registry import get

DEFAULT_MODEL = "fast"

#: Models that replace ``fast`` as the default once trained and kept in the cache
#: (``mnistlab train --model cnn --as-default``), the first found wins; never trained unasked.
PREFERRED_MODELS = ("cnn", "best")


def default_model_dir(dataset: Any, name: str = DEFAULT_MODEL, random_state: int = 42) -> Path:
    """Where the default model for ``dataset`` lives (keyed by its data, seed and our version)."""
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
            try:
                est, card = load_model(path, image_shape=dataset.image_shape)
                return est, card, path, False
            except InputError:
                pass  # damaged or from an older layout: train it again
        est = get(name, random_state=random_state, n_jobs=n_jobs)
        est.fit(dataset.X_train, dataset.y_train)
        save_model(
            est, path, name=name, dataset=dataset, extra={"seed": random_state}, overwrite=True
        )
        est, card = load_model(path, image_shape=dataset.image_shape)
        return est, card, path, True


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
        save_model(estimator, path, name=name, dataset=dataset, overwrite=True, **card)
    return path


def default_model_lock(path: Path) -> FileLock:
    """The lock held while the cached model directory ``path`` is written or read whole."""
    return cache_lock(f"models/{path.name}")


def preferred_model_dirs(dataset: Any, random_state: int = 42) -> dict[str, Path]:
    """The :data:`PREFERRED_MODELS` kept in the cache for ``dataset`` (with seed
    ``random_state``) that can be loaded here (the CNN needs PyTorch), in order of
    preference: name -> model directory."""
    from mnistlab.models._cnn import torch_available

    found = {}
    for name in PREFERRED_MODELS:
        path = default_model_dir(dataset, name, random_state)
        if (path / CARD_FILE).is_file() and (name != "cnn" or torch_available()):
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
