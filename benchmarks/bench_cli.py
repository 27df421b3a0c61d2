"""Command times as a user feels them: each command a process of its own, timed whole.

Times ``mnistlab --help``, ``mnistlab predict one.png`` (the default model already in the
cache), ``train --model fast`` and ``evaluate`` of it, and the same two commands for the
textbook ``knn``; each is run ``--repeat`` times and its median wall time, CPU time (user +
system) and peak resident memory (of that process, from ``wait4``) are recorded. The
cache is a fresh folder that one untimed ``predict`` fills first (the data decoded once, the
default model trained once), as on the machine of a user who has run mnistlab before, and
the sources are compiled to bytecode first, as pip does when it installs a package.

With ``--before SRC`` the same commands are also timed with the mnistlab source tree
``SRC`` (e.g. an earlier commit: ``git archive COMMIT src | tar -x -C /tmp/before``, then
``--before /tmp/before/src``), in a cache of its own, and both are recorded.
Targets: ``predict`` <= 1.5 s and <= 300 MB, ``--help`` <= 0.5 s, ``train`` plus
``evaluate`` of ``fast`` <= 1/4 of the same two commands for ``knn``.
Results: ``benchmarks/results/bench_cli.json``; exits 1 when a target is missed.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_cli.py [--repeat 3] [--before SRC]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Target, finish

SRC = Path(__file__).resolve().parents[1] / "src"


def run(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Run ``python -m mnistlab ARGS`` once: wall and CPU seconds, peak RSS in MB."""
    log = cwd / "last-command.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "mnistlab", *args], env=env, cwd=cwd, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"mnistlab {' '.join(args)} failed ({proc.returncode}):\n{log.read_text()}")
    return {
        "seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KB on Linux
    }


def time_tree(src: Path, repeat: int, image: Path, workdir: Path) -> dict[str, Any]:
    """Every command, ``repeat`` times, with the mnistlab of ``src``."""
    workdir.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "MNISTLAB_CACHE": str(workdir / "cache"),
        "MNISTLAB_DEBUG": "0",
    }
    commands = {
        "help": ["--help"],
        "predict": ["predict", str(image)],
        "train_fast": ["train", "--model", "fast", "--out", "fast", "--overwrite"],
        "evaluate_fast": ["evaluate", "fast", "--out", "fast-eval", "--overwrite"],
        "train_knn": ["train", "--model", "knn", "--out", "knn", "--overwrite"],
        "evaluate_knn": ["evaluate", "knn", "--out", "knn-eval", "--overwrite"],
    }
    # bytecode as an installed package has it (pip compiles at install): where
    # PYTHONDONTWRITEBYTECODE is set (CI images) every run would compile the sources again
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    first = run(commands["predict"], env, workdir)  # fills the cache: not timed as a command
    print(
        f"  {src}: first predict (decodes the data, trains the default model): "
        f"{first['seconds']:.1f} s",
        flush=True,
    )
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for i in range(repeat):
        for name, args in commands.items():
            runs[name].append(run(args, env, workdir))
        print(
            f"  round {i + 1}/{repeat}: "
            + ", ".join(f"{k} {v[-1]['seconds']:.2f} s" for k, v in runs.items()),
            flush=True,
        )
    out: dict[str, Any] = {"src": str(src), "first_predict_seconds": first["seconds"]}
    for name, measured in runs.items():
        out[name] = {
            "seconds": statistics.median(m["seconds"] for m in measured),
            "min_seconds": min(m["seconds"] for m in measured),
            "cpu_seconds": statistics.median(m["cpu_seconds"] for m in measured),
            "peak_rss_mb": max(m["peak_rss_mb"] for m in measured),
            "runs": len(measured),
        }
    fast = out["train_fast"]["seconds"] + out["evaluate_fast"]["seconds"]
    knn = out["train_knn"]["seconds"] + out["evaluate_knn"]["seconds"]
    out["fast_over_knn"] = fast / knn
    return out


def _image(directory: Path) -> Path:
    """One MNIST test digit as a PNG, as ``predict`` reads a user's file."""
    from PIL import Image

    from mnistlab.data import load

    ds = load()
    h, w = ds.image_shape
    path = directory / "one.png"
    Image.fromarray(ds.X_test[0].reshape(h, w)).save(path)
    return path


def _table(after: dict[str, Any], before: dict[str, Any] | None) -> None:
    names = ("help", "predict", "train_fast", "evaluate_fast", "train_knn", "evaluate_knn")
    print(f"\n{'command':15s} {'before':>16s} {'after':>16s}")
    for name in names:
        cells = []
        for side in (before, after):
            m = side[name] if side else None
            cells.append(f"{m['seconds']:6.2f} s {m['peak_rss_mb']:4.0f} MB" if m else "-")
        print(f"{name:15s} {cells[0]:>16s} {cells[1]:>16s}")
    ratio = [f"{s['fast_over_knn']:.2f}" if s else "-" for s in (before, after)]
    print(f"{'fast/knn':15s} {ratio[0]:>16s} {ratio[1]:>16s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    parser.add_argument("--before", type=Path, help="another mnistlab src/ to time as well")
    args = parser.parse_args()
    if not os.environ.get("MNISTLAB_DATA"):
        sys.exit("set MNISTLAB_DATA to the MNIST directory (../shared/data/mnist)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    image = _image(tmp)
    before = None
    if args.before:
        print(f"before: {args.before}", flush=True)
        before = time_tree(args.before.resolve(), args.repeat, image, tmp / "before")
    print(f"after: {SRC}", flush=True)
    after = time_tree(SRC, args.repeat, image, tmp / "after")
    _table(after, before)
    figures = {**after, "src": "src"}
    if before is not None:
        figures["before"] = {**before, "src": args.before.name}
    targets = [
        Target("predict one image", after["predict"]["seconds"], "<=", 1.5, " s"),
        Target("predict peak memory", after["predict"]["peak_rss_mb"], "<=", 300, " MB"),
        Target("--help", after["help"]["seconds"], "<=", 0.5, " s"),
        Target("train+evaluate: fast over knn", after["fast_over_knn"], "<=", 0.25),
    ]
    finish("bench_cli", figures, targets)


if __name__ == "__main__":
    main()
