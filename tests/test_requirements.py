"""The test suite's own rule: a missing requirement skips, or fails where CI requires it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIREMENTS, require

ROOT = Path(__file__).resolve().parents[1]

NEEDS = """
import pytest

def test_data(mnist_dir):
    pass

@pytest.mark.requires("torch")
def test_torch():
    pass

def test_browser(chromium_path):
    pass
"""


def _run(tmp_path: Path, **required: str) -> tuple[int, str]:
    """pytest in a fresh process on a file of three tests, with nothing they need."""
    hidden = tmp_path / "hidden" / "torch"
    hidden.mkdir(parents=True, exist_ok=True)
    (hidden / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    (tmp_path / "test_needs.py").write_text(NEEDS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNISTLAB_")}
    env |= {
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path / "hidden"), str(ROOT), os.environ.get("PYTHONPATH", "")]
        ),
        "MNISTLAB_CHROMIUM": "",
        "PATH": str(Path(sys.executable).parent),  # no chromium on it
        **required,
    }
    args = ["-p", "tests.conftest", "-p", "no:cacheprovider", "-rA", "-q", "test_needs.py"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_a_missing_requirement_fails_where_required_and_skips_elsewhere(tmp_path):
    code, out = _run(tmp_path, MNISTLAB_REQUIRE_DATA="1", MNISTLAB_REQUIRE_TORCH="1")
    assert code == 1 and "1 skipped, 2 errors" in out, out
    assert "ERROR test_needs.py::test_data" in out and "MNISTLAB_REQUIRE_DATA=1" in out
    assert "ERROR test_needs.py::test_torch" in out and "MNISTLAB_REQUIRE_TORCH=1" in out
    assert "SKIPPED" in out and "chromium is not installed" in out


@pytest.mark.parametrize("what", sorted(REQUIREMENTS))
def test_require_fails_only_where_its_variable_is_1(what, monkeypatch):
    variable = REQUIREMENTS[what][0]
    monkeypatch.setenv(variable, "0")
    with pytest.raises(pytest.skip.Exception, match="because"):
        require(what, "because")
    monkeypatch.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception, match=f"because.*{variable}=1"):
        require(what, "because")
