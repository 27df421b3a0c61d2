"""The library imports what a command uses: its subpackages load their modules on first use."""

import os
import subprocess
import sys
from pathlib import Path

import mnistlab

SRC = Path(mnistlab.__file__).parents[1]
PACKAGES = ("data", "preprocessing", "models", "evaluation", "tasks", "plots", "report")
HEAVY = ("numpy", "pandas", "sklearn", "scipy", "matplotlib", "seaborn", "torch", "skops")


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_importing_the_subpackages_imports_nothing_heavy():
    imports = "".join(f"import mnistlab.{p}\n" for p in PACKAGES)
    found = _python(f"import sys\n{imports}print(*[m for m in {HEAVY!r} if m in sys.modules])")
    assert found == ""


def test_a_name_is_imported_with_its_module_only():
    found = _python(
        "import sys\nfrom mnistlab.preprocessing import read_images\n"
        "print(read_images.__module__, *[m for m in ('sklearn', 'scipy') if m in sys.modules])"
    )
    assert found == "mnistlab.preprocessing._import"
