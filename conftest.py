"""Doctests of src/mnistlab (``--doctest-modules`` in pyproject.toml): what cannot be imported
here is left out, and they get their own cache, as the tests in tests/ do."""

from __future__ import annotations

import importlib.util
import os

import pytest

# importing __main__ runs the command line
collect_ignore = ["src/mnistlab/__main__.py"]
if importlib.util.find_spec("fastapi") is None:  # the serve extra is not installed
    collect_ignore.append("src/mnistlab/serve")

#: modules whose examples need PyTorch
_TORCH_MODULES = ("mnistlab.models._cnn", "mnistlab.models._conv_denoiser")


def pytest_collection_modifyitems(config, items):
    """Without PyTorch the CNN's and the U-Net's examples are skipped, or fail where
    MNISTLAB_REQUIRE_TORCH=1 (as the CNN's tests do)."""
    from mnistlab.models import torch_available

    if torch_available() or os.environ.get("MNISTLAB_REQUIRE_TORCH") == "1":
        return
    skip = pytest.mark.skip(reason="needs the torch extra (pip install 'mnistlab[torch]')")
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name.startswith(_TORCH_MODULES):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _doctest_cache(request, tmp_path_factory, monkeypatch):
    """A doctest never writes to the user's cache."""
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.setenv("MNISTLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
