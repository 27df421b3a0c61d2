"""A model to train, from words: a registry name, its parameters as JSON, an augmentation.

What ``mnistlab train --model NAME --params JSON --augment KINDS`` builds; the messages
name those options because that is where the words come from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sklearn.base import BaseEstimator

from mnistlab._errors import InputError
from mnistlab.models._registry import get
from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented

#: The augmentations by name: "shift" adds the textbook's four 1-pixel shifts of each
#: training image, "rotate" its rotations by :data:`ROTATION_ANGLES` degrees.
AUGMENTATIONS = ("shift", "rotate")
ROTATION_ANGLES = (-10, 10)


def read_params(text: str | None) -> dict:
    """Parameters given as a JSON object, or as ``@file.json``; empty for None or "".

    Examples
    --------
    >>> read_params('{"knn__n_neighbors": 3}')
    {'knn__n_neighbors': 3}
    """
    if not text:
        return {}
    source = "--params"
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--params {path}: cannot read it ({exc.strerror})") from None
        source = str(path)
    try:
        params = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(params, dict):
        raise InputError(f"{source}: give a JSON object of parameters, e.g. '{{\"svc__C\": 5}}'")
    return params


def parse_augment(text: str | Sequence[str] | None) -> list[str]:
    """The augmentation names of ``"shift"``, ``"rotate"`` or ``"shift,rotate"``."""
    items = text.split(",") if isinstance(text, str) else list(text or ())
    kinds = [k.strip() for k in items if k.strip()]
    bad = [k for k in kinds if k not in AUGMENTATIONS]
    if bad:
        raise InputError(f"--augment {bad[0]!r}: choose shift, rotate or both (shift,rotate)")
    return kinds


def _validate_params(estimator: BaseEstimator) -> None:
    """scikit-learn's parameter checks (what ``fit`` runs first) of the estimator and every
    estimator inside it; raises scikit-learn's InvalidParameterError."""
    inner = [v for v in estimator.get_params(deep=True).values() if isinstance(v, BaseEstimator)]
    for est in [estimator, *inner]:
        if hasattr(est, "_parameter_constraints"):
            est._validate_params()


def make_model(
    name: str,
    params: dict | None = None,
    augment: str | Sequence[str] | None = None,
    *,
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> BaseEstimator:
    """The unfitted registry model ``name`` with ``params`` set, augmented if asked.

    Parameters
    ----------
    name : str
        A registry name (see :func:`mnistlab.models.names`).
    params : dict or None
        Parameters for ``set_params``, by their ``get_params(deep=True)`` names.
    augment : str, sequence of str or None
        Names of :data:`AUGMENTATIONS`; the model is then wrapped in
        :class:`~mnistlab.preprocessing.Augmented`, which augments inside ``fit`` only.
    random_state, n_jobs : int or None
        As in :func:`mnistlab.models.get`.

    Examples
    --------
    >>> make_model("fast", {"knn__n_neighbors": 3}).get_params()["knn__n_neighbors"]
    3
    >>> type(make_model("fast", augment="shift")).__name__
    'Augmented'
    """
    est = get(name, random_state=random_state, n_jobs=n_jobs)
    if params:
        valid = est.get_params(deep=True)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise InputError(
                f"--params: {name} has no parameter {unknown[0]!r}; it has "
                f"{', '.join(k for k in valid if '__' in k or k in params)[:300]}"
            )
        try:
            est.set_params(**params)
            _validate_params(est)  # now, not after loading the data and half a fit
        except (ValueError, TypeError) as exc:  # InvalidParameterError is both
            raise InputError(f"--params: {exc}") from None
    kinds = parse_augment(augment)
    if kinds:
        est = Augmented(
            est,
            shifts=TEXTBOOK_SHIFTS if "shift" in kinds else (),
            angles=ROTATION_ANGLES if "rotate" in kinds else (),
        )
    return est
