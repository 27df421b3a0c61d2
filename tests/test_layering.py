"""Each subpackage imports only from those before it: data -> ... -> report, then cli/serve.

The command line (the ``cli`` package) is the top layer: it may import everything, and
nothing but ``python -m mnistlab`` imports it.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mnistlab

ORDER = ["data", "preprocessing", "models", "evaluation", "tasks", "plots", "report"]
ROOT = Path(mnistlab.__file__).parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m.split(".")[1] for m in out if m.startswith("mnistlab.") and m.count(".") >= 1}


def test_subpackages_import_only_to_their_left():
    bad = []
    for i, pkg in enumerate(ORDER):
        allowed = set(ORDER[: i + 1]) | {n.stem for n in ROOT.glob("_*.py")}
        for path in (ROOT / pkg).rglob("*.py"):
            for dep in _imports(path) - allowed:
                bad.append(f"{path.relative_to(ROOT)} imports mnistlab.{dep}")
    assert not bad, bad


def test_serve_does_not_import_the_command_line():
    bad = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "serve").rglob("*.py")
        if "cli" in _imports(path)
    ]
    assert not bad, bad


def test_nothing_below_the_top_layer_imports_the_command_line():
    bad = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "cli" not in path.relative_to(ROOT).parts[:1]
        and path.name != "__main__.py"
        and "cli" in _imports(path)
    ]
    assert not bad, bad
    assert "cli" in _imports(ROOT / "__main__.py")  # the control: the check sees an import


#: What the serve and dask extras install; ``pip install .`` has none of it.
EXTRAS_ONLY = ("fastapi", "starlette", "uvicorn", "python_multipart", "multipart", "distributed")


def test_everything_but_serve_imports_without_the_extras():
    """The core install (no serve or dask extra) is enough to import every other module."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"sys.modules.update(dict.fromkeys({EXTRAS_ONLY!r}))  # None: the import fails\n"
        "import mnistlab\n"
        "for m in pkgutil.walk_packages(mnistlab.__path__, 'mnistlab.'):\n"
        "    if not m.name.startswith(('mnistlab.serve', 'mnistlab.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "import mnistlab.serve\n"  # the control: this one needs FastAPI
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: import of fastapi halted"), proc.stderr


def test_core_dependencies_leave_serve_and_dask_to_extras():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT.parents[1] / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    assert not names & {"fastapi", "uvicorn", "python-multipart", "distributed", "dask"}
    extras = project["optional-dependencies"]
    assert "mnistlab[serve,dask]" in extras["dev"]  # the tests need both
