"""What every benchmark shares: its results file, its targets, its validation split.

Each ``bench_*.py`` ends with :func:`finish`, which writes ``benchmarks/results/<name>.json``
(figures, targets and whether each was met, CPU, library versions, date, command line)
and exits 1 when a target is missed, so that a regression fails the run.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mnistlab._io import write_json
from mnistlab.models import library_versions

RESULTS = Path(__file__).resolve().parent / "results"

#: The validation split every benchmark that tries variants scores them on: 10,000 of the
#: 60,000 training images held out (seed 0), never the test set.
VALIDATION_SIZE = 10_000
VALIDATION_SEED = 0

_LIBRARIES = ("numpy", "scikit-learn", "scipy", "torch", "skorch", "mnistlab")
_OPS = {">=": lambda v, lim: v >= lim, "<=": lambda v, lim: v <= lim, "==": lambda v, lim: v == lim}


@dataclass(frozen=True)
class Target:
    """One target: ``value op limit`` (``op`` one of ``>=``, ``<=``, ``==``)."""

    name: str
    value: Any
    op: str
    limit: Any
    unit: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    @property
    def met(self) -> bool:
        return bool(_OPS[self.op](self.value, self.limit))


def validation_split(n_train: int, size: int = VALIDATION_SIZE, seed: int = VALIDATION_SEED):
    """Indices ``(fit, validation)`` of a fixed random split of the training set."""
    idx = np.random.default_rng(seed).permutation(n_train)
    return idx[size:], idx[:size]


def environment() -> dict[str, Any]:
    """The machine and library versions the figures were measured with."""
    versions = library_versions(_LIBRARIES)  # torch and skorch are optional: left out
    python = versions.pop("python")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": python,
        "platform": platform.platform(),
        "libraries": versions,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_results(
    name: str,
    figures: dict[str, Any],
    targets: Sequence[Target] = (),
    *,
    extra: dict[str, Any] | None = None,
    directory: str | os.PathLike | None = None,
    argv: Sequence[str] | None = None,
) -> Path:
    """Write ``<directory>/<name>.json`` atomically and return its path.

    Parameters
    ----------
    name : str
        The file's stem, e.g. ``"bench_models"`` or ``"best_validation"``.
    figures : dict
        What was measured (JSON-serialisable; numpy scalars and arrays are converted).
    targets : sequence of Target
        Recorded with their limits and whether each was met.
    extra : dict, optional
        More top-level fields (e.g. ``"rederive"``, the command that re-derives a table).
    directory : path, optional
        Default: ``benchmarks/results``.
    argv : sequence of str, optional
        The command line to record; default ``sys.argv``.
    """
    argv = sys.argv if argv is None else argv
    doc = {
        "name": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", _relative(argv[0]), *argv[1:]]) if argv else "",
        "all_targets_met": all(t.met for t in targets),
        "targets": [{**asdict(t), "met": t.met} for t in targets],
        "figures": figures,
        **(extra or {}),
        "environment": environment(),
    }
    return write_json(Path(directory or RESULTS) / f"{name}.json", doc)


def check(targets: Iterable[Target]) -> None:
    """Print each target met or missed; exit 1 if any was missed."""
    missed = 0
    for t in targets:
        missed += not t.met
        print(
            f"target {t.name}: {_fmt(t.value)}{t.unit} {t.op} {_fmt(t.limit)}{t.unit}: "
            f"{'met' if t.met else 'MISSED'}"
        )
    if missed:
        print(f"{missed} target(s) missed", file=sys.stderr)
        sys.exit(1)


def finish(
    name: str, figures: dict[str, Any], targets: Sequence[Target] = (), **kwargs: Any
) -> None:
    """:func:`write_results`, then :func:`check` (exit 1 on a missed target)."""
    path = write_results(name, figures, targets, **kwargs)
    print(f"results: {path}")
    check(targets)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _relative(script: str) -> str:
    """The script's path from the repository root when it is inside it (no user paths)."""
    path = Path(script).resolve()
    try:
        return path.relative_to(RESULTS.parent.parent).as_posix()
    except ValueError:
        return Path(script).name
