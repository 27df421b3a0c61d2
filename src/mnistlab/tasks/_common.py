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


def build_for_cv(
    name: str, *, random_state: int, n_jobs: int | None, cv: int, multiclass: bool = False
) -> tuple[BaseEstimator, int | None, BaseEstimator]:
    """Build registry model ``name`` for a cross-validation and the final fit after it.

    Returns the estimator to cross-validate, the ``n_jobs`` of the loop over the folds,
    and the estimator to fit once on all training images; where the jobs go is
    :func:`mnistlab.models.plan_jobs`'s decision.
    """
    plan = models.plan_jobs(models.entry(name).parallel, n_jobs, n_folds=cv, multiclass=multiclass)
    return (
        models.get(name, random_state=random_state, n_jobs=plan.model),
        plan.folds,
        models.get(name, random_state=random_state, n_jobs=plan.final),
    )


def build_one(
    name: str,
    *,
    random_state: int,
    n_jobs: int | None,
    registry: models.Registry = models.MODELS,
) -> BaseEstimator:
    """Build ``name`` of ``registry`` for a fit on its own (no cross-validation around it)."""
    plan = models.plan_jobs(registry.entry(name).parallel, n_jobs)
    return registry.get(name, random_state=random_state, n_jobs=plan.final)


def single_label_names() -> list[str]:
    """Registry names that can classify single labels (all but the multilabel-only ones)."""
    return [e.name for e in models.MODELS.entries() if not e.multilabel_only]


def capped_indices(y: np.ndarray, cap: int | None, random_state: int) -> np.ndarray:
    """Indices of a stratified subset of at most ``cap`` samples (all when ``cap`` is None)."""
    if cap is None or cap >= len(y):
        return np.arange(len(y))
    idx, _ = train_test_split(
        np.arange(len(y)), train_size=cap, stratify=y, random_state=random_state
    )
    return np.sort(idx)
