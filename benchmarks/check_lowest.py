"""Install every dependency at its declared lower bound and run the tests that need no torch.

The lower bounds in pyproject.toml are the oldest versions the code needs (a Colab user
should not have to upgrade half the stack); this checks that they install together and pass.
It makes a fresh venv (Python 3.11: the oldest wheels have none for later Pythons), installs
uv into it, then the core dependencies and the ``serve`` and ``dask`` extras with

    uv pip install --resolution lowest-direct --only-binary :all: -r pyproject.toml \\
        --extra serve --extra dask

(each direct dependency at the oldest version its bound allows, wheels only, and what they
pull in at its newest), the test tools and mnistlab itself (editable, without dependencies);
not torch (gigabytes). Then each test directory runs in that venv against ``src/`` on the
bundled digits (MNISTLAB_DATA unset: what needs MNIST or torch is skipped). About 5 minutes
of CPU:

    nice -n 19 flock /tmp/mnistlab-heavy.lock python benchmarks/check_lowest.py

Results: ``benchmarks/results/lowest_deps.json`` (the installed versions and each pytest
summary line); exits 1 when a dependency did not install at its bound (a bound that no
wheel, or another bound, allows) or a test failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import asdict
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH)]
from _common import RESULTS, Target, check, environment  # noqa: E402

from mnistlab._io import write_json  # noqa: E402

EXTRAS = ("serve", "dask")
#: newest: they are not the project's bounds (playwright drives Debian's chromium, if any)
TEST_TOOLS = ("pytest", "hypothesis", "httpx", "playwright")
#: Run one at a time, so that a failure says where. test_notebook needs the dev extras.
PIECES = (
    "tests/data",
    "tests/preprocessing",
    "tests/models",
    "tests/evaluation",
    "tests/tasks",
    "tests/plots",
    "tests/report",
    "tests/serve",
    "tests/test_cli.py tests/test_cache.py tests/test_cli_imports.py tests/test_common.py "
    "tests/test_imports.py tests/test_layering.py tests/test_packaging.py tests/test_progress.py "
    "tests/test_requirements.py tests/test_benchmarks.py",
    "src/mnistlab",  # the docstrings' examples
)
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")


def lower_bounds() -> dict[str, str]:
    """``{name: lower bound}`` of the core dependencies and of :data:`EXTRAS`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"]]
    for extra in EXTRAS:
        lines += project["optional-dependencies"][extra]
    bounds = {}
    for line in lines:
        req = Requirement(line)
        lows = [s.version for s in req.specifier if s.operator == ">="]
        if len(lows) != 1:
            raise SystemExit(f"{line!r}: expected one '>=' lower bound")
        bounds[canonicalize_name(req.name)] = lows[0]
    return bounds


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def install(venv: Path, python: str) -> Path:
    """A fresh venv at ``venv`` with the lowest direct dependencies; its interpreter."""
    _run([python, "-m", "venv", "--clear", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "uv"])
    uv = [str(venv / "bin" / "uv"), "pip", "install", "-q", "--python", str(py)]
    extras = [a for e in EXTRAS for a in ("--extra", e)]
    _run([*uv, "--resolution", "lowest-direct", "--only-binary", ":all:",
          "-r", str(ROOT / "pyproject.toml"), *extras])  # fmt: skip
    _run([*uv, "--only-binary", ":all:", *TEST_TOOLS])
    _run([*uv, "--no-deps", "-e", str(ROOT)])  # its metadata: the model cards record it
    return py


def installed(py: Path) -> dict[str, str]:
    """``{name: version}`` of every distribution in the venv of ``py``."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    out = _run([str(py), "-c", code], capture_output=True, text=True).stdout
    return {canonicalize_name(k): v for k, v in sorted(json.loads(out).items())}


def run_tests(py: Path) -> dict[str, dict]:
    """Each of :data:`PIECES` under pytest in the venv: its summary line, counts, exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNISTLAB_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    results = {}
    for piece in PIECES:
        cmd = [str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *piece.split()]
        print("$", " ".join(cmd[1:]), flush=True)
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        summary = lines[-1].strip("= ") if lines else proc.stderr.strip()[-300:]
        counts = {k.rstrip("s"): int(n) for n, k in _COUNT.findall(summary)}
        if proc.returncode not in (0, 5) and not counts.get("failed") and not counts.get("error"):
            counts["error"] = 1  # pytest itself failed (e.g. a collection error)
        print("  ", summary, flush=True)
        results[piece] = {"summary": summary, "exit_code": proc.returncode, **counts}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="python3.11", help="interpreter of the venv")
    parser.add_argument("--venv", type=Path, help="where to make the venv (default: a temp dir)")
    args = parser.parse_args(argv)
    bounds = lower_bounds()
    with tempfile.TemporaryDirectory(prefix="mnistlab-lowest-") as tmp:
        py = install(args.venv or Path(tmp) / "venv", args.python)
        versions = installed(py)
        python = _run([str(py), "-c", "import platform; print(platform.python_version())"],
                      capture_output=True, text=True).stdout.strip()  # fmt: skip
        tests = run_tests(py)
    at_bound = {n: versions.get(n) for n in bounds}
    exact = [n for n, v in at_bound.items() if v is not None and Version(v) == Version(bounds[n])]
    for name in sorted(set(bounds) - set(exact)):
        print(f"{name}: bound {bounds[name]}, installed {at_bound[name]}", file=sys.stderr)
    total = {k: sum(r.get(k, 0) for r in tests.values()) for k in ("passed", "failed", "error")}
    targets = [
        Target("dependencies installed at their lower bound", len(exact), "==", len(bounds)),
        Target("tests failed or errored", total["failed"] + total["error"], "==", 0),
        Target("tests passed", total["passed"], ">=", 1),
    ]
    env = environment() | {"python": python, "libraries": at_bound}
    doc = {
        "name": "lowest_deps",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/check_lowest.py",
        "all_targets_met": all(t.met for t in targets),
        "targets": [{**asdict(t), "met": t.met} for t in targets],
        "figures": {"lower_bounds": bounds, "pytest": tests, **total},
        "installed": versions,
        "environment": env,
    }
    print(f"results: {write_json(RESULTS / 'lowest_deps.json', doc)}")
    check(targets)


if __name__ == "__main__":
    main()
