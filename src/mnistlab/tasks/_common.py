"""Helpers shared by the tasks: model names, parallelism at one level, subsets for slow models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split

from mnistlab import models
from mnistlab._errors import InputError


def parse_names(names: str | Sequence[str], known: Sequence[str], what: str) -> list[str]:
    """Split a comma-separated list (or take a sequence) and check every name is known."""
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    items = [n for n in items if n]
    if not items:
        raise InputError(f"no {what} given; choose from {', '.join(known)}")
    unknown = [n for n in items if n not in known]
    if unknown:
        raise InputError(f"unknown {what} {unknown[0]!r}; known: {', '.join(known)}")
    if len(set(items)) != len(items):
        raise InputError(f"{what} listed twice: {', '.join(items)}")
    return items


def build_model(
    name: str, *, random_state: int, n_jobs: int | None, inside: bool
) -> tuple[BaseEstimator, int | None]:
    """Build registry model ``name`` and decide where the parallelism goes.

    Returns the estimator and the ``n_jobs`` for the cross-validation loop. With
    ``inside`` the model itself gets the jobs (efficient for forests and
    neighbours) and the folds run one after the other; otherwise the folds run
    in parallel. Never both, so that 2 cores are not oversubscribed.
    """
    if inside:
        return models.get(name, random_state=random_state, n_jobs=n_jobs), None
    return models.get(name, random_state=random_state), n_jobs


def single_label_names() -> list[str]:
    """Registry names that can classify single labels (all but the multilabel-only ones)."""
    return [n for n in models.names() if "multilabel-only" not in models.entry(n).tags]


def parallel_inside(name: str) -> bool:
    """Whether model ``name`` parallelises well on its own (trees, neighbour searches)."""
    return "parallel" in models.entry(name).tags


def capped_indices(y: np.ndarray, cap: int | None, random_state: int) -> np.ndarray:
    """Indices of a stratified subset of at most ``cap`` samples (all when ``cap`` is None)."""
    if cap is None or cap >= len(y):
        return np.arange(len(y))
    idx, _ = train_test_split(
        np.arange(len(y)), train_size=cap, stratify=y, random_state=random_state
    )
    return np.sort(idx)
