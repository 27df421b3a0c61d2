"""Load check of ``mnistlab serve``, and accuracy of ``predict`` and the API on drawings.

200 MNIST test images are rendered as dark-on-light 280x280 PNGs (as a person draws).
The server runs in a subprocess on 127.0.0.1 with the default model (the cached
``fast`` model on --data) and default limits; the images are sent as 200 concurrent
requests (one thread each, all released at once), bounded by a 60 s timeout per
request. Prints errors, refusals (503), p50/p99 latency, throughput, and the accuracy of
the API and of ``mnistlab predict DIR --json`` on the same files. Targets: 0 errors and
0 refusals at the default limits. Results: ``benchmarks/results/bench_serve.json``; exits 1
when a target is missed. The drawings are test images: this scores the default model
once, it chooses nothing.

Digits that are not MNIST: ``--foreign`` digits of each kind of
:func:`mnistlab.data.foreign_digits` (printed in the installed fonts, thick marker strokes,
blurry low-resolution scans, small or off-centre on a large canvas; seed
:data:`FOREIGN_TEST_SEED`, never used to choose anything: choices are made on another
seed, see ``bench_foreign_validation.py``) are written as PNGs and read by
``mnistlab predict DIR --json``. Targets: >= 95% right on each kind, and >= 99% of the
MNIST drawings.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_serve.py [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from _common import Target, finish
from PIL import Image

from mnistlab.data import FOREIGN_KINDS, foreign_digits, installed_fonts, load

#: The seed of the foreign test digits (the validation digits use another one).
FOREIGN_TEST_SEED = 2026


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"the server stopped:\n{proc.stdout.read()}")
            time.sleep(0.25)
    sys.exit("the server did not start")


def _foreign(cli: list[str], data: str, n: int, folder: Path) -> dict:
    """Accuracy of ``mnistlab predict DIR --json`` on ``n`` foreign digits of each kind."""
    fd = foreign_digits(n, random_state=FOREIGN_TEST_SEED)
    folder.mkdir()
    for i, img in enumerate(fd.images):
        Image.fromarray(img).save(folder / f"{fd.kinds[i]}-{i:05d}.png")
    start = time.perf_counter()
    out = subprocess.run(
        [*cli, "predict", str(folder), "--json", "--data", data],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    digit = {Path(p["file"]).name: p["digit"] for p in json.loads(out.stdout)["predictions"]}
    right = np.array(
        [
            digit.get(f"{k}-{i:05d}.png") == y
            for i, (k, y) in enumerate(zip(fd.kinds, fd.y, strict=True))
        ]
    )
    acc = {k: float(right[fd.kinds == k].mean()) for k in FOREIGN_KINDS}
    print(
        f"predict: foreign digits right ({n} of each kind, {seconds:.1f} s): "
        + ", ".join(f"{k} {a:.1%}" for k, a in acc.items())
    )
    return {
        "per_kind": n,
        "seed": FOREIGN_TEST_SEED,
        "accuracy": acc,
        "overall": float(right.mean()),
        "fonts": [Path(f).name for f in installed_fonts()],
        "predict_seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data", default="auto")
    parser.add_argument("--foreign", type=int, default=500, help="foreign digits of each kind")
    parser.add_argument(
        "--results", default="bench_serve", help="results file name (e.g. for a baseline)"
    )
    args = parser.parse_args()
    ds = load(args.data)
    n = min(args.requests, ds.n_test)
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    h, w = ds.image_shape
    scale = 255 // ds.pixel_max
    files = []
    for i, x in enumerate(ds.X_test[:n]):
        img = Image.fromarray((255 - x.reshape(h, w) * scale).astype(np.uint8))
        path = tmp / f"{i:04d}.png"
        img.resize((280, 280), Image.Resampling.NEAREST).save(path)
        files.append(path)
    bodies = [f.read_bytes() for f in files]
    y = ds.y_test[:n]
    cli = [sys.executable, "-m", "mnistlab"]

    # predict: the same files through the command line (also trains and caches the model)
    start = time.perf_counter()
    out = subprocess.run(
        [*cli, "predict", str(tmp), "--json", "--data", args.data],
        capture_output=True,
        text=True,
        check=True,
    )
    predicted = [p["digit"] for p in json.loads(out.stdout)["predictions"]]
    cli_acc = float(np.mean(np.array(predicted) == y))
    print(f"predict: {cli_acc:.1%} of {n} drawings right ({time.perf_counter() - start:.1f} s)")

    foreign = _foreign(cli, args.data, args.foreign, tmp / "foreign")

    port = _port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--data", args.data, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait(url, proc)
        results: list = [None] * n
        gate = threading.Barrier(n)

        def one(i: int) -> None:
            req = urllib.request.Request(
                url + "/api/predict", data=bodies[i], headers={"Content-Type": "image/png"}
            )
            gate.wait()
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    results[i] = (r.status, json.load(r)["digit"], time.perf_counter() - t0)
            except urllib.error.HTTPError as e:
                results[i] = (e.code, None, time.perf_counter() - t0)
            except OSError as e:
                results[i] = (str(e), None, time.perf_counter() - t0)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        wall = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(10)
    status = [r[0] for r in results]
    lat = np.array([r[2] for r in results]) * 1000
    ok = [i for i, s in enumerate(status) if s == 200]
    refused = sum(s == 503 for s in status)
    errors = n - len(ok) - refused
    api_acc = float(np.mean([results[i][1] == y[i] for i in ok])) if ok else 0.0
    print(
        f"serve: {n} concurrent requests in {wall:.2f} s ({n / wall:.0f}/s): "
        f"{errors} errors, {refused} refused; latency p50 {np.percentile(lat, 50):.0f} ms, "
        f"p99 {np.percentile(lat, 99):.0f} ms, max {lat.max():.0f} ms"
    )
    print(f"serve: {api_acc:.1%} of {len(ok)} answered drawings right")
    finish(
        args.results,
        {
            "requests": n,
            "predict_accuracy": cli_acc,
            "api_accuracy": api_acc,
            "errors": errors,
            "refused": refused,
            "latency_ms": {
                "p50": float(np.percentile(lat, 50)),
                "p99": float(np.percentile(lat, 99)),
                "max": float(lat.max()),
            },
            "wall_seconds": wall,
            "requests_per_second": n / wall,
            "foreign": foreign,
        },
        [
            Target("serve errors", errors, "==", 0),
            Target("serve refusals", refused, "==", 0),
            Target("predict accuracy on MNIST drawings", cli_acc, ">=", 0.99),
            *(
                Target(f"predict accuracy on foreign digits: {kind}", acc, ">=", 0.95)
                for kind, acc in foreign["accuracy"].items()
            ),
        ],
    )


if __name__ == "__main__":
    main()
