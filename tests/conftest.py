"""Shared fixtures: an isolated cache, no network, small synthetic IDX files, the real MNIST."""

from __future__ import annotations

import gzip
import os
import socket
import struct
from pathlib import Path

import numpy as np
import pytest

REAL_MNIST = os.environ.get("MNISTLAB_DATA")


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


@pytest.fixture
def mnist_dir() -> Path:
    """The real MNIST files (MNISTLAB_DATA); tests using it skip without them."""
    if not REAL_MNIST or not Path(REAL_MNIST).is_dir():
        pytest.skip("set MNISTLAB_DATA to the MNIST directory (../shared/data/mnist)")
    return Path(REAL_MNIST)


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
    import shutil

    found = os.environ.get("MNISTLAB_CHROMIUM") or shutil.which("chromium")
    if not found:
        if os.environ.get("MNISTLAB_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
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
