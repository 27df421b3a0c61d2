"""What every benchmark shares: its results file, its targets, its validation split.

Each ``bench_*.py`` ends with :func:`finish`, which writes ``benchmarks/results/<name>.json``
(figures, targets and whether each was met, CPU, library versions, date, command line)
and exits 1 when a target is missed, so that a regression fails the run.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import os
import platform
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
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


def split_record(fit, validation, **extra: Any) -> dict[str, Any]:
    """How a :func:`validation_split` was used, as a results file records it."""
    return {
        "fit": len(fit),
        "validation": len(validation),
        "seed": VALIDATION_SEED,
        **extra,
        "source": "MNIST training set; the test set is not read",
    }


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


def code_digest(*objects: Any) -> str:
    """A digest of the code that computes a result: the source of the mnistlab modules that
    define ``objects`` (estimators, with every estimator nested in their parameters, or
    classes and functions) and of the mnistlab modules whose classes and functions those
    modules import by name, and the versions of the numerical libraries.

    A results table that keeps rows of earlier runs keeps only rows with today's digest: a
    row computed before the model's code changed is not compared with new ones. (A module
    imported as a whole, ``from mnistlab import models``, is not followed: the digest would
    then cover most of the package, and every edit would drop every row.)
    """
    modules: set[str] = set()
    todo = []
    for obj in objects:
        nested = obj.get_params(deep=True).values() if hasattr(obj, "get_params") else ()
        for item in (obj, *nested):
            cls = item if inspect.isclass(item) or inspect.isfunction(item) else type(item)
            todo.append(cls.__module__)
    while todo:
        name = todo.pop()
        if name in modules or not name.startswith("mnistlab"):
            continue
        modules.add(name)
        module = sys.modules[name]
        todo.extend(
            value.__module__
            for value in vars(module).values()
            if (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", "").startswith("mnistlab")
        )
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + Path(sys.modules[name].__file__).read_bytes())
    versions = library_versions(("numpy", "scipy", "scikit-learn", "torch"))
    digest.update(json.dumps(versions, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def earlier_rows(
    name: str, split: dict[str, Any], rows: str, digest: Callable[[dict[str, Any]], str | None]
) -> list[dict[str, Any]]:
    """The rows of results table ``name`` (``figures[rows]``) that a new run keeps: those of
    an earlier run on the same ``split`` whose ``"code"`` is ``digest(row)`` (today's
    :func:`code_digest` of the row's candidate; None for a candidate that no longer exists).
    Dropped rows are counted on stdout: the new run must compute them again."""
    path = RESULTS / f"{name}.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if old.get("split") != split:
        return []
    table = old.get("figures", {}).get(rows, [])
    kept = [r for r in table if r.get("code") is not None and r.get("code") == digest(r)]
    if len(kept) < len(table):
        print(
            f"{len(table) - len(kept)} of {len(table)} earlier rows of {name} dropped: "
            "computed by other code (or before rows recorded theirs)",
            flush=True,
        )
    return kept


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
