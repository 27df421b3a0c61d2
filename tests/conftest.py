"""Shared fixtures: an isolated cache, no network, small synthetic IDX files, the real MNIST.

A test that needs what may be missing (the real MNIST, PyTorch, a browser) asks for it with
:func:`require` or the mark ``@pytest.mark.requires("torch")``: it is skipped when the thing
is missing, and fails instead where ``MNISTLAB_REQUIRE_DATA``, ``MNISTLAB_REQUIRE_TORCH`` or
``MNISTLAB_REQUIRE_BROWSER`` is 1 (CI sets all three), so CI never skips silently.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import struct
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest

REAL_MNIST = os.environ.get("MNISTLAB_DATA")

#: What a test may need, the variable that turns its absence into a failure, and why.
REQUIREMENTS = {
    "data": (
        "MNISTLAB_REQUIRE_DATA",
        "set MNISTLAB_DATA to the MNIST directory (../shared/data/mnist)",
    ),
    "torch": ("MNISTLAB_REQUIRE_TORCH", "needs the torch extra (pip install 'mnistlab[torch]')"),
    "browser": ("MNISTLAB_REQUIRE_BROWSER", "chromium is not installed (apt-get install chromium)"),
}


def require(what: str, reason: str | None = None) -> NoReturn:
    """Skip the test for a missing requirement, or fail it where MNISTLAB_REQUIRE_<WHAT>=1."""
    variable, default = REQUIREMENTS[what]
    reason = reason or default
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1: a missing requirement is a failure)", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str | None:
    return os.environ.get("MNISTLAB_CHROMIUM") or shutil.which("chromium")


def available(what: str) -> bool:
    """Whether requirement ``what`` ("data", "torch" or "browser") is met here."""
    if what == "data":
        return bool(REAL_MNIST) and Path(REAL_MNIST).is_dir()
    if what == "torch":
        from mnistlab.models import torch_available

        return torch_available()
    if what == "browser":
        return _chromium() is not None
    raise ValueError(f"unknown requirement {what!r}; known: {', '.join(REQUIREMENTS)}")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "requires(what): needs 'data', 'torch' or 'browser'; skipped without it, failed "
        "without it where MNISTLAB_REQUIRE_<WHAT>=1",
    )


@pytest.hookimpl(tryfirst=True)  # before xfail marks are read, so xfail cannot hide the failure
def pytest_runtest_setup(item):
    for mark in item.iter_markers("requires"):
        for what in mark.args:
            if not available(what):
                require(what)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Every test gets its own cache and can never reach the internet."""
    monkeypatch.setenv("MNISTLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("MNISTLAB_MIRRORS", closed_port_url())
    monkeypatch.delenv("MNISTLAB_DEBUG", raising=False)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files (MNISTLAB_DATA): skip without them, or fail (MNISTLAB_REQUIRE_DATA)."""
    if not available("data"):
        require("data")
    return Path(REAL_MNIST)


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The real MNIST, loaded once per session and shared: never modify its arrays."""
    from mnistlab.data import load_idx_dir

    return load_idx_dir(mnist_dir)


@pytest.fixture(scope="session")
def default_study(mnist_dir, tmp_path_factory) -> Path:
    """``mnistlab study`` (default profile, every section) on the real MNIST, run once per
    session with its own empty cache: its output directory. Several full-data pins read
    their figures from it, so each of its models is trained once.
    """
    from typer.testing import CliRunner

    from mnistlab.cli import app

    out = tmp_path_factory.mktemp("study") / "out"
    env = {"MNISTLAB_CACHE": str(tmp_path_factory.mktemp("study-cache")), "MNISTLAB_DEBUG": None}
    result = CliRunner().invoke(
        app, ["study", "--data", str(mnist_dir), "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.stderr
    return out


def study_results(study: Path, section: str) -> dict:
    """The ``results`` block of one section's ``metrics.json`` in a study's output."""
    return json.loads((study / section / "metrics.json").read_text(encoding="utf-8"))["results"]


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """Encode an array as an IDX file."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx_dir(
    directory: Path,
    n_train: int = 60,
    n_test: int = 20,
    shape: tuple[int, int] = (6, 5),
    gz: bool = True,
    seed: int = 0,
) -> Path:
    """Write four small random IDX files in MNIST's layout; return the directory."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte"
            data = idx_bytes(arr)
            if gz:
                (directory / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (directory / name).write_bytes(data)
    return directory


@pytest.fixture
def idx_dir(tmp_path) -> Path:
    """Four small gzip IDX files (6x5 images) that are not MNIST."""
    return write_idx_dir(tmp_path / "idx")


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium. Missing: skip, or fail where MNISTLAB_REQUIRE_BROWSER=1 (CI)."""
    found = _chromium()
    if not found:
        require("browser")
    return found


@pytest.fixture
def browser(chromium_path):
    """A headless chromium driven by Playwright (which never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave screenshots: MNISTLAB_ARTIFACTS, else test-artifacts/."""
    path = Path(os.environ.get("MNISTLAB_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


#: the tests of minutes in the default run (the notebook executes every cell on MNIST)
LONGEST_FIRST = ("tests/test_notebook.py::",)


def pytest_collection_modifyitems(config, items):
    """The longest tests first: with ``-n auto`` (pytest-xdist hands out tests in this order)
    they run beside the rest instead of starting last and running alone."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))
