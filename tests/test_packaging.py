"""The core install stays lean: the web page, Dask and PyTorch are extras."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"
EXTRA_ONLY = {"fastapi", "starlette", "uvicorn", "python-multipart", "distributed", "dask"}
EXTRA_ONLY |= {"torch"}
#: the modules those distributions install
EXTRA_MODULES = {"fastapi", "starlette", "uvicorn", "multipart", "python_multipart"}
EXTRA_MODULES |= {"distributed", "dask", "torch"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_pip_install_dot_installs_no_web_server_dask_or_torch():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert _names(project["dependencies"]) & EXTRA_ONLY == set()
    extras = project["optional-dependencies"]
    assert {"fastapi", "uvicorn"} <= _names(extras["serve"])
    assert "distributed" in _names(extras["dask"])


def test_the_study_imports_nothing_from_the_extras():
    code = (
        "import sys; import mnistlab.report, mnistlab.tasks, mnistlab.cli._study; "
        "from mnistlab.report import run_study; from mnistlab.tasks import run_binary; "
        f"print(sorted(m for m in {sorted(EXTRA_MODULES)!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
