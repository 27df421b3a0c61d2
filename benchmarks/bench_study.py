"""Time and peak memory of ``mnistlab study``: cold (empty cache) and warm, default and quick,
with each section's time.

Each run is a subprocess with its own fresh cache directory (cold) or the one the cold
run filled (warm); peak memory is the cold run's maximum resident set size. Targets (2
cores): default <= 15 minutes cold, quick <= 2 minutes cold, full has none; a warm rerun
<= 15 s; peak memory <= 4 GB. Results: ``benchmarks/results/bench_study.json``; exits 1
when a target is missed.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_study.py [--only quick|default|full]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Target, finish


def _run(args: list[str], cache: str, out: str) -> tuple[float, float]:
    env = {**os.environ, "MNISTLAB_CACHE": cache, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnistlab", "study", *args, "--out", out, "--overwrite", "-q"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not all children's
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"study {' '.join(args)} failed:\n{stderr}")
    return seconds, usage.ru_maxrss / 1024  # kB on Linux


COLD_BUDGET = {"quick": 120, "default": 900}
WARM_BUDGET = 15
PEAK_MB = 4096


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("quick", "default", "full"))
    args = parser.parse_args()
    profiles = {"quick": ["--quick"], "default": [], "full": ["--full"]}
    chosen = [args.only] if args.only else ["quick", "default"]
    print(f"{'profile':10} {'cold s':>8} {'warm s':>8} {'warm/cold':>10} {'peak MB':>9}")
    figures, targets = {}, []
    for name in chosen:
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
            cold, peak = _run(profiles[name], cache, out)
            # each section's time as the study measured it, read before the warm rerun
            sections = json.loads((Path(out) / "metrics.json").read_text())["seconds"]
            warm, _ = _run(profiles[name], cache, out)
        print(f"{name:10} {cold:8.1f} {warm:8.1f} {warm / cold:10.3f} {peak:9.0f}", flush=True)
        figures[name] = {
            "cold_seconds": cold,
            "warm_seconds": warm,
            "warm_ratio": warm / cold,
            "peak_mb": peak,
            "section_seconds": sections,
        }
        print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in sections.items()), flush=True)
        if name in COLD_BUDGET:
            targets.append(
                Target(f"study {name} cold seconds", cold, "<=", COLD_BUDGET[name], " s")
            )
        targets.append(Target(f"study {name} warm seconds", warm, "<=", WARM_BUDGET, " s"))
        targets.append(Target(f"study {name} peak MB", peak, "<=", PEAK_MB, " MB"))
    finish("bench_study", figures, targets)


if __name__ == "__main__":
    main()
