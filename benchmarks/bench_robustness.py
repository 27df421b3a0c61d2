"""Hostile and bad input, tried the way a user or an attacker would: is each one refused cleanly?

A corpus of bad inputs across data files, images, model files, output folders, the cache
and HTTP. Each case runs the real ``mnistlab`` command in a subprocess (or talks to a real
``mnistlab serve`` on 127.0.0.1) and counts as *refused cleanly* when:

- a command exits 2 with one ``error:`` line on stderr and no traceback (nothing written
  outside what the user asked for, nothing of theirs deleted);
- the server answers a JSON 4xx (or 408/413/503) and keeps serving good requests;
- concurrent first runs all succeed.

Target: every case refused cleanly (exit 1 otherwise). Runs offline on the 8x8 digits in
about a minute; nothing is read from MNIST.

    python benchmarks/bench_robustness.py [--only data,image,model,files,http,concurrency]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT.parent)]  # _common, and the hostile clients of the tests
from _common import Target, finish  # noqa: E402

Case = tuple[str, str, Callable[[Path], tuple[bool, str]]]
CASES: list[Case] = []
TIMEOUT = 180


def case(group: str, name: str):
    def wrap(fn):
        CASES.append((group, name, fn))
        return fn

    return wrap


# --- running the command ----------------------------------------------------------------------


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MNISTLAB_CACHE=str(tmp / "cache"),
        MNISTLAB_OFFLINE="1",
        MNISTLAB_MIRRORS="http://127.0.0.1:9/",
        MPLBACKEND="Agg",
    )
    env.pop("MNISTLAB_DATA", None)
    return env


def run(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnistlab", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or _env(tmp),
        stdin=subprocess.DEVNULL,
        cwd=tmp,
    )


def refused(proc: subprocess.CompletedProcess) -> tuple[bool, str]:
    """Exit 2, one ``error:`` line, no traceback."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    ok = proc.returncode == 2 and last.startswith("error:") and "Traceback" not in proc.stderr
    return ok, f"exit {proc.returncode}: {last[:160] or proc.stdout[-160:]}"


def cli_case(group: str, name: str, make: Callable[[Path], list[str]]) -> None:
    case(group, name)(lambda tmp: refused(run(tmp, *make(tmp))))


# --- data files -------------------------------------------------------------------------------


def idx(array: np.ndarray, code: int = 0x08, dims: tuple[int, ...] | None = None) -> bytes:
    shape = dims if dims is not None else array.shape
    head = struct.pack(">BBBB", 0, 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def idx_dir(tmp: Path, **replace: bytes) -> Path:
    """Four small valid IDX files (8x8), with some replaced by raw bytes."""
    rng = np.random.default_rng(0)
    d = tmp / "idx"
    d.mkdir()
    for prefix, n in (("train", 60), ("t10k", 20)):
        files = {
            f"{prefix}-images-idx3-ubyte.gz": gzip.compress(
                idx(rng.integers(0, 256, (n, 8, 8), dtype=np.uint8))
            ),
            f"{prefix}-labels-idx1-ubyte.gz": gzip.compress(idx(np.arange(n, dtype=np.uint8) % 10)),
        }
        for fname, data in files.items():
            (d / fname).write_bytes(replace.get(fname, data))
    return d


def data_case(name: str, **replace: bytes) -> None:
    cli_case("data", name, lambda tmp: ["data", "info", "--data", str(idx_dir(tmp, **replace))])


TR_IMG, TR_LAB = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
_img = np.zeros((60, 8, 8), np.uint8)
data_case("idx: not gzip", **{TR_IMG: b"this is not gzip at all"})
data_case("idx: empty file", **{TR_IMG: b""})
data_case("idx: wrong magic", **{TR_IMG: gzip.compress(b"\x01\x02\x08\x03" + bytes(200))})
data_case("idx: truncated", **{TR_IMG: gzip.compress(idx(_img)[:-100])})
data_case("idx: truncated gzip stream", **{TR_IMG: gzip.compress(idx(_img))[:-30]})
data_case("idx: counts disagree", **{TR_LAB: gzip.compress(idx(np.zeros(59, np.uint8)))})
data_case("idx: label above 9", **{TR_LAB: gzip.compress(idx(np.full(60, 12, np.uint8)))})
data_case("idx: float dtype", **{TR_IMG: gzip.compress(idx(_img.astype(">f4"), code=0x0D))})
data_case(
    "idx: dimensions that overflow",
    **{TR_IMG: gzip.compress(idx(_img[:1], dims=(2**31, 2**31, 2**31)))},
)
# a 1 MB header-valid file claiming 60 images followed by 600 MB of zeros, gzipped to ~600 KB
data_case(
    "idx: gzip bomb behind a valid header",
    **{TR_IMG: gzip.compress(idx(_img) + bytes(600_000_000), compresslevel=1)},
)


def csv_case(name: str, body: bytes) -> None:
    def make(tmp: Path) -> list[str]:
        path = tmp / "train.csv"
        path.write_bytes(body)
        return ["data", "info", "--data", str(path)]

    cli_case("data", name, make)


_HEAD = ("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n").encode()
_ROW = ("3," + ",".join(["0"] * 784) + "\n").encode()
csv_case("csv: empty", b"")
csv_case("csv: header only", _HEAD)
csv_case("csv: wrong header", b"a,b,c\n1,2,3\n")
csv_case("csv: pixel 256", _HEAD + _ROW * 20 + _ROW.replace(b",0\n", b",256\n"))
csv_case("csv: negative pixel", _HEAD + _ROW * 20 + _ROW.replace(b",0\n", b",-1\n"))
csv_case("csv: label 10", _HEAD + _ROW * 20 + b"10" + _ROW[1:])
csv_case("csv: non-ASCII digit", _HEAD + _ROW * 20 + "٣".encode() + _ROW[1:])
csv_case("csv: superscript digit", _HEAD + _ROW * 20 + _ROW.replace(b",0\n", ",²\n".encode()))
csv_case("csv: not UTF-8 after the first block", _HEAD + _ROW * 2000 + b"\xff\xfe\x00" + _ROW)
csv_case("csv: one huge cell", _HEAD + b"3," + b"9" * 50_000_000 + b"\n")
csv_case("csv: too few columns", _HEAD + b"3,0,0\n")


# --- images -----------------------------------------------------------------------------------


def png(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _digit() -> np.ndarray:
    img = np.full((64, 64), 255, np.uint8)
    img[12:52, 28:36] = 0
    return img


def image_case(name: str, data: Callable[[], bytes], filename: str = "digit.png") -> None:
    def make(tmp: Path) -> list[str]:
        path = tmp / filename
        path.write_bytes(data())
        return ["predict", "--data", "digits", "--quiet", str(path)]

    cli_case("image", name, make)


def _bomb() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (60_000, 60_000)).save(buf, format="PNG")
    return buf.getvalue()


def _gif() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(_digit()).save(buf, format="GIF")
    return buf.getvalue()


image_case("image: text named .png", lambda: b"hello, not an image\n")
image_case("image: empty file", lambda: b"")
image_case("image: truncated PNG", lambda: png(_digit())[:80])
image_case("image: GIF named .png", _gif)
image_case("image: blank", lambda: png(np.full((64, 64), 255, np.uint8)))
image_case("image: decompression bomb", _bomb)
image_case(
    "image: JPEG header then garbage", lambda: b"\xff\xd8\xff\xe0" + os.urandom(500), "x.jpg"
)
cli_case("image", "image: missing file", lambda tmp: ["predict", "--data", "digits", "nope.png"])


# --- model files ------------------------------------------------------------------------------

_MODELS: dict[str, Path] = {}


def trained(tmp: Path, model: str) -> Path:
    """A model directory trained once on the 8x8 digits (copied for each case)."""
    if model not in _MODELS:
        src = Path(tempfile.mkdtemp(prefix=f"bench-robust-{model}-")) / "m"
        proc = run(tmp, "train", "--model", model, "--data", "digits", "--quiet", "--out", str(src))
        if proc.returncode != 0:
            raise RuntimeError(f"train {model} failed: {proc.stderr[-300:]}")
        _MODELS[model] = src
    dst = tmp / f"model-{model}"
    shutil.copytree(_MODELS[model], dst)
    return dst


def resign(model_dir: Path) -> None:
    """Rewrite the card's checksum, as an attacker who edits the file would."""
    import hashlib

    card = json.loads((model_dir / "card.json").read_text())
    card["model_sha256"] = hashlib.sha256((model_dir / "model.skops").read_bytes()).hexdigest()
    (model_dir / "card.json").write_text(json.dumps(card))


def tamper(model_dir: Path, change: Callable[[object], None]) -> None:
    """Load the estimator, change its learned state in place, dump it again, re-sign."""
    import skops.io as sio

    from mnistlab.models._persist import TRUSTED_TYPES

    path = model_dir / "model.skops"
    est = sio.load(path, trusted=list(TRUSTED_TYPES))
    change(est)
    sio.dump(est, path)
    resign(model_dir)


def _forest_tree(est) -> object:
    inner = est.steps[-1][1] if hasattr(est, "steps") else est
    return inner.estimators_[0].tree_


def _set_nodes(field: str, value: int):
    def change(est) -> None:
        tree = _forest_tree(est)
        state = tree.__getstate__()
        nodes = state["nodes"].copy()
        nodes[field][0] = value
        state["nodes"] = nodes
        tree.__setstate__(state)

    return change


def evaluate_case(name: str, model: str, edit: Callable[[Path], None]) -> None:
    def make(tmp: Path) -> list[str]:
        m = trained(tmp, model)
        edit(m)
        return ["evaluate", "--data", "digits", "--quiet", str(m)]

    cli_case("model", name, make)


def _write(name: str, text: str | bytes):
    def edit(m: Path) -> None:
        (m / name).write_bytes(text if isinstance(text, bytes) else text.encode())

    return edit


def _card(**fields):
    def edit(m: Path) -> None:
        card = json.loads((m / "card.json").read_text())
        card.update(fields)
        (m / "card.json").write_text(json.dumps(card))

    return edit


def _untrusted(m: Path) -> None:
    import skops.io as sio

    from mnistlab.models._persist import TRUSTED_TYPES

    est = sio.load(m / "model.skops", trusted=list(TRUSTED_TYPES))
    # an arbitrary callable smuggled into the file
    est.__dict__["hook"] = os.system
    sio.dump(est, m / "model.skops")
    resign(m)


evaluate_case("model: file edited, card not", "rf", _write("model.skops", b"PK\x03\x04junk"))
evaluate_case(
    "model: not a zip, re-signed",
    "rf",
    lambda m: (_write("model.skops", b"not a skops file")(m), resign(m)),
)
evaluate_case("model: card not JSON", "rf", _write("card.json", "{not json"))
evaluate_case("model: card is a list", "rf", _write("card.json", "[1, 2, 3]"))
evaluate_case("model: card image_shape a string", "rf", _card(image_shape="8x8"))
evaluate_case("model: card image_shape wrong", "rf", _card(image_shape=[28, 28]))
evaluate_case("model: card pixel_max a dict", "rf", _card(pixel_max={"a": 1}))
evaluate_case("model: card classes disagree", "rf", _card(classes=[0, 1, 2]))
evaluate_case(
    "model: tree child out of range", "rf", lambda m: tamper(m, _set_nodes("left_child", 2**40))
)
evaluate_case(
    "model: tree feature out of range", "rf", lambda m: tamper(m, _set_nodes("feature", 10**9))
)
evaluate_case("model: untrusted type inside", "rf", _untrusted)
cli_case("model", "model: not a directory", lambda tmp: ["evaluate", "--data", "digits", "x"])


# --- output folders and the cache -------------------------------------------------------------


def _user_folder(tmp: Path) -> Path:
    folder = tmp / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    return folder


@case("files", "cache clear on a user's folder")
def _cache_clear(tmp: Path) -> tuple[bool, str]:
    folder = _user_folder(tmp)
    proc = run(tmp, "cache", "clear", "--yes", env={**_env(tmp), "MNISTLAB_CACHE": str(folder)})
    ok, detail = refused(proc)
    return ok and (folder / "thesis.tex").exists(), detail


@case("files", "cache clear without --yes, no terminal")
def _cache_clear_ask(tmp: Path) -> tuple[bool, str]:
    code = "from mnistlab._cache import cache_dir; cache_dir('study')"  # a cache mnistlab made
    subprocess.run([sys.executable, "-c", code], env=_env(tmp), check=True, timeout=TIMEOUT)
    proc = run(tmp, "cache", "clear")
    ok, detail = refused(proc)
    return ok and (tmp / "cache").is_dir(), detail


@case("files", "--out a user's folder")
def _out_foreign(tmp: Path) -> tuple[bool, str]:
    folder = _user_folder(tmp)
    proc = run(tmp, "data", "show", "--data", "digits", "--out", str(folder))
    ok, detail = refused(proc)
    return ok and (folder / "thesis.tex").read_text() == "years of work", detail


@case("files", "train --out over an earlier model")
def _train_over(tmp: Path) -> tuple[bool, str]:
    m = trained(tmp, "rf")
    before = (m / "model.skops").read_bytes()
    proc = run(tmp, "train", "--model", "sgd", "--data", "digits", "--quiet", "--out", str(m))
    ok, detail = refused(proc)
    return ok and (m / "model.skops").read_bytes() == before, detail


cli_case(
    "files",
    "error line with Rich markup in a path",
    lambda tmp: ["data", "info", "--data", str(tmp / "[/x]" / "[bold]nope")],
)


# --- HTTP ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(tmp: Path, *extra: str) -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnistlab",
            "serve",
            "--data",
            "digits",
            "--port",
            str(port),
            "--workers",
            "1",
            "--queue",
            "2",
            "--body-timeout",
            "1",
            *extra,
        ],
        env=_env(tmp),
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {proc.stderr.read()[-300:]}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if proc.stderr:
            log = proc.stderr.read()
            if "Traceback" in log:
                _TRACEBACKS.append(log[-400:])


_TRACEBACKS: list[str] = []


def http(port: int, method: str, path: str, body: bytes = b"", headers=None, timeout=30):
    """One request over a raw socket; return (status, parsed JSON or None)."""
    head = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body)), "Connection": "close"}
    head.update(headers or {})
    req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(req.encode() + b"\r\n" + body)
        data = b""
        with contextlib.suppress(OSError):
            while chunk := s.recv(65536):
                data += chunk
    head_raw, _, payload = data.partition(b"\r\n\r\n")
    status = int(head_raw.split(b" ", 2)[1]) if head_raw.startswith(b"HTTP/") else 0
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, None


def _json_4xx(status: int, payload) -> bool:
    return (
        400 <= status < 600 and status != 500 and isinstance(payload, dict) and "error" in payload
    )


HTTP_CASES: list[tuple[str, Callable[[int], tuple[bool, str]]]] = []


def http_case(name: str):
    def wrap(fn):
        HTTP_CASES.append((name, fn))
        return fn

    return wrap


def _post(port: int, body: bytes, **headers) -> tuple[bool, str]:
    status, payload = http(
        port, "POST", "/api/predict", body, {"Content-Type": "application/octet-stream", **headers}
    )
    return _json_4xx(status, payload), f"HTTP {status}: {str(payload)[:120]}"


http_case("http: text body")(lambda p: _post(p, b"hello"))
http_case("http: empty body")(lambda p: _post(p, b""))
http_case("http: 2 MB body")(lambda p: _post(p, os.urandom(2_000_000)))
http_case("http: decompression bomb")(lambda p: _post(p, _bomb()))
http_case("http: truncated PNG")(lambda p: _post(p, png(_digit())[:80]))
http_case("http: GIF")(lambda p: _post(p, _gif()))
http_case("http: blank image")(lambda p: _post(p, png(np.full((64, 64), 255, np.uint8))))
http_case("http: multipart without file")(
    lambda p: _post(
        p,
        b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--\r\n",
        **{"Content-Type": "multipart/form-data; boundary=b"},
    )
)


@http_case("http: /api/model leaks no absolute path")
def _no_paths(port: int) -> tuple[bool, str]:
    status, payload = http(port, "GET", "/api/model")
    text = json.dumps(payload)
    leaked = [w for w in ("/tmp/", "/root/", "/home/", "/work/") if w in text]
    return status == 200 and not leaked, f"HTTP {status}, paths {leaked}"


def _hostile_cases() -> None:
    """Slow heads and bodies, disconnects, resets, a foreign Host, a lying length, huge
    headers: the clients of the serve tests (tests/serve/hostile.py), against the real command."""
    from tests.serve.hostile import CASES as HOSTILE

    for fn in HOSTILE:
        name = "http: " + fn.__name__.replace("_", " ")
        http_case(name)(lambda port, fn=fn: (lambda o: (o.ok, o.detail))(fn(port, png(_digit()))))


_hostile_cases()


@case("http", "server cases")
def _http_all(tmp: Path) -> tuple[bool, str]:  # placeholder: expanded in main()
    raise AssertionError


# --- concurrency --------------------------------------------------------------------------------


def together(tmp: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Start ``mnistlab`` commands at once; (exit code, stderr) of each. None is left running."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mnistlab", *args],
            env=_env(tmp),
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    try:
        errs = [p.communicate(timeout=TIMEOUT * 2)[1] for p in procs]
        return [(p.returncode, err) for p, err in zip(procs, errs, strict=True)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@case("concurrency", "two first predicts share an empty cache")
def _two_predicts(tmp: Path) -> tuple[bool, str]:
    img = tmp / "d.png"
    img.write_bytes(png(_digit()))
    args = ["predict", "--data", "digits", "--quiet", str(img)]
    done = together(tmp, [args, args])
    again = run(tmp, *args)
    codes = [code for code, _ in done]
    ok = codes == [0, 0] and again.returncode == 0
    return ok, f"exits {codes}, then {again.returncode}: {''.join(e for _, e in done)[-160:]}"


@case("concurrency", "two studies share a cache")
def _two_studies(tmp: Path) -> tuple[bool, str]:
    args = ["study", "--data", "digits", "--quick", "--quiet", "--sections", "data,binary"]
    done = together(tmp, [[*args, "--out", str(tmp / f"out{i}")] for i in range(2)])
    codes = [code for code, _ in done]
    return codes == [0, 0], f"exits {codes}: {''.join(e for _, e in done)[-160:]}"


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated groups to run")
    args = parser.parse_args()
    groups = set(filter(None, args.only.split(",")))
    rows: list[tuple[str, str, bool, str, float]] = []
    start_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-robust-") as root:
        for i, (group, name, fn) in enumerate(CASES):
            if groups and group not in groups:
                continue
            tmp = Path(root) / f"case{i}"
            tmp.mkdir()
            start = time.perf_counter()
            if fn is _http_all:
                with server(tmp) as port:
                    for hname, hfn in HTTP_CASES:
                        t0 = time.perf_counter()
                        try:
                            ok, detail = hfn(port)
                        except Exception as exc:  # a crash is a failure of the case, not of us
                            ok, detail = False, f"{type(exc).__name__}: {exc}"
                        rows.append(("http", hname, ok, detail, time.perf_counter() - t0))
                        print(f"{'ok  ' if ok else 'FAIL'} {hname}: {detail}", flush=True)
                ok = not _TRACEBACKS
                detail = "no traceback in the server's log" if ok else _TRACEBACKS[0][-200:]
                name = "http: server log has no traceback"
            else:
                try:
                    ok, detail = fn(tmp)
                except Exception as exc:
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
            rows.append((group, name, ok, detail, time.perf_counter() - start))
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
    for path in _MODELS.values():
        shutil.rmtree(path.parent, ignore_errors=True)
    clean = sum(r[2] for r in rows)
    print(
        f"\n{clean} of {len(rows)} bad inputs refused cleanly "
        f"({time.perf_counter() - start_all:.0f} s)"
    )
    by_group: dict[str, list[int]] = {}
    for group, _, ok, _, _ in rows:
        by_group.setdefault(group, [0, 0])
        by_group[group][0] += ok
        by_group[group][1] += 1
    for group, (n_ok, n) in by_group.items():
        print(f"  {group}: {n_ok}/{n}")
    figures = {
        "cases": len(rows),
        "refused_cleanly": clean,
        "by_group": {g: {"clean": c, "cases": n} for g, (c, n) in by_group.items()},
        "failures": [{"group": g, "case": n, "detail": d} for g, n, ok, d, _ in rows if not ok],
    }
    targets = [Target("bad inputs refused cleanly", clean, "==", len(rows))]
    if not groups:
        targets.append(Target("bad inputs tried", len(rows), ">=", 40))
    finish("bench_robustness", figures, targets)


if __name__ == "__main__":
    main()
