"""The ``metrics.json`` document every command writes."""

from __future__ import annotations

from typing import Any

from mnistlab.models import library_versions


def metrics_document(
    command: str,
    args: dict[str, Any],
    dataset: Any,
    seed: int | None,
    results: dict[str, Any],
) -> dict[str, Any]:
    """Assemble ``metrics.json``.

    Layout: ``{"command", "args", "data": {"name", "source", "verified",
    "n_train", "n_test", "image_shape"}, "seed", "versions", "results"}``.
    Inside ``results`` each model (or denoiser) is keyed by its name and holds
    ``cv`` (``folds`` and ``mean`` of each CV metric), ``test`` and
    ``fit_seconds``/``predict_seconds``. ``dataset`` is a Dataset, its ``describe()``
    dict, or None.
    """
    return {
        "command": command,
        "args": args,
        "data": dataset.describe() if hasattr(dataset, "describe") else dataset,
        "seed": seed,
        "versions": library_versions(),
        "results": results,
    }
