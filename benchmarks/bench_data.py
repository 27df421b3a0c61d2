"""Benchmark the data loaders on the real MNIST files.

Prints, for the four .gz files, the raw (decompressed) files and a Kaggle-format CSV made
from them, the median load time and the peak memory above the interpreter, side by side
with ``pandas.read_csv`` on the same CSV (the baseline), as ratios.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_data.py [--repeat 5]

Peak memory is measured in a fresh process per case (peak RSS minus the RSS after
imports), so one case's allocations do not hide another's. Results:
``benchmarks/results/bench_data.json``; exits 1 when a mnistlab loader needs more memory
than ``pandas.read_csv`` on the CSV (the target; its CSV time is reported, as a ratio).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Target, finish

CASES = {
    "idx .gz (mnistlab)": "from mnistlab.data import load_idx_dir as f; f({path!r})",
    "idx raw (mnistlab)": "from mnistlab.data import load_idx_dir as f; f({path!r})",
    "kaggle csv (mnistlab)": "from mnistlab.data import read_kaggle_csv as f; f({path!r})",
    "kaggle csv (pandas.read_csv)": "import pandas as pd; pd.read_csv({path!r})",
}

# VmHWM (peak RSS) is per address space, so unlike ru_maxrss it does not inherit the
# parent's peak through fork and exec.
CHILD = """
import numpy, pandas, sklearn.model_selection, mnistlab.data  # imports are not the loader's cost
def status_kb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
base = status_kb("VmRSS:")
{stmt}
print(status_kb("VmHWM:") - base)
"""


def _median_times(stmts: list[str], repeat: int) -> list[float]:
    """Median wall time of each statement, run in interleaved rounds so drift hits all alike."""
    namespace: dict = {}
    times: list[list[float]] = [[] for _ in stmts]
    for _ in range(repeat):
        for i, stmt in enumerate(stmts):
            start = time.perf_counter()
            exec(stmt, namespace)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def _peak_mb(stmt: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(stmt=stmt)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip()) / 1024


def _make_inputs(mnist: Path, tmp: Path) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    from mnistlab.data import load_idx_dir

    raw = tmp / "raw"
    raw.mkdir()
    for gz in mnist.glob("*.gz"):
        (raw / gz.name.removesuffix(".gz")).write_bytes(gzip.decompress(gz.read_bytes()))
    ds = load_idx_dir(mnist)
    csv = tmp / "train.csv"
    frame = pd.DataFrame(
        np.column_stack([ds.y_train, ds.X_train]),
        columns=["label", *(f"pixel{i}" for i in range(ds.X_train.shape[1]))],
    )
    frame.to_csv(csv, index=False)
    return {
        "idx .gz (mnistlab)": mnist,
        "idx raw (mnistlab)": raw,
        "kaggle csv (mnistlab)": csv,
        "kaggle csv (pandas.read_csv)": csv,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    args = parser.parse_args()
    data = os.environ.get("MNISTLAB_DATA")
    if not data or not Path(data).is_dir():
        sys.exit("set MNISTLAB_DATA to the directory of the four MNIST .gz files")
    with tempfile.TemporaryDirectory() as tmp:
        print("preparing the raw files and a 60,000-row Kaggle CSV ...", flush=True)
        inputs = _make_inputs(Path(data), Path(tmp))
        stmts = [template.format(path=str(inputs[name])) for name, template in CASES.items()]
        medians = _median_times(stmts, args.repeat)
        rows = [
            (name, t, _peak_mb(stmt)) for name, t, stmt in zip(CASES, medians, stmts, strict=True)
        ]
    base_t, base_m = rows[-1][1], rows[-1][2]
    print(
        f"\n{'case':32} {'median s':>9} {'peak MB':>9} {'time / pandas':>14} {'mem / pandas':>13}"
    )
    for name, t, m in rows:
        print(f"{name:32} {t:9.3f} {m:9.1f} {t / base_t:14.2f} {m / base_m:13.2f}")
    print(f"\nmedian of {args.repeat} runs; peak memory above the interpreter after imports")
    finish(
        "bench_data",
        {
            name: {
                "median_seconds": t,
                "peak_mb": m,
                "time_ratio_to_pandas": t / base_t,
                "memory_ratio_to_pandas": m / base_m,
            }
            for name, t, m in rows
        }
        | {"repeat": args.repeat},
        [
            Target(f"{name.removesuffix(' (mnistlab)')} memory / pandas", m / base_m, "<=", 1.0)
            for name, _, m in rows
            if name.endswith("(mnistlab)")
        ],
    )


if __name__ == "__main__":
    main()
