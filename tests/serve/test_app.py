"""The API of ``mnistlab serve`` through FastAPI's TestClient."""

from __future__ import annotations

import io
import json
import math
import struct
import threading
import zlib
from urllib.parse import urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from mnistlab.serve import Limits, Predictor, create_app
from tests.serve.conftest import drawing, png

NAN = math.nan


@pytest.fixture
def client(digits_model):
    est, card = digits_model
    with TestClient(create_app(est, card)) as c:
        yield c


def _bomb(side: int = 60_000) -> bytes:
    """A valid PNG whose header claims ``side`` x ``side`` pixels (gigapixels if decoded)."""
    good = png(np.zeros((8, 8), np.uint8))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return good[:8] + patched + good[8 + len(patched) :]


def test_page_assets_health_and_card(client, digits_model):
    page = client.get("/")
    assert page.status_code == 200
    assert '<canvas id="pad"' in page.text and "knn" in page.text and "digits" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    missing = client.get("/static/nothing.js")
    assert missing.status_code == 404 and "error" in missing.json()
    assert client.get("/healthz").json()["status"] == "ok"
    card = client.get("/api/model").json()
    assert card["name"] == "knn" and card["image_shape"] == [8, 8]
    assert card == digits_model[1]


def test_predict_raw_and_multipart_agree(client):
    from mnistlab.data import load

    ds = load("digits")
    body = drawing((ds.X_test[0] * 15).astype(np.uint8), side=80)
    raw = client.post("/api/predict", content=body, headers={"content-type": "image/png"})
    assert raw.status_code == 200
    answer = raw.json()
    assert set(answer) >= {"digit", "probability", "probabilities", "top", "image", "model"}
    assert len(answer["probabilities"]) == 10
    assert abs(sum(answer["probabilities"]) - 1) < 1e-6
    assert answer["probability"] == max(answer["probabilities"])
    assert answer["digit"] == answer["top"][0][0] and len(answer["top"]) == 3
    assert np.array(answer["image"]["pixels"]).shape == (8, 8)
    assert max(max(r) for r in answer["image"]["pixels"]) <= 16
    multi = client.post("/api/predict", files={"file": ("x.png", body, "image/png")})
    assert multi.status_code == 200 and multi.json() == answer


@pytest.mark.mnist
def test_mnist_drawings_come_back_with_their_label(mnist_model):
    est, card, ds = mnist_model
    n = 100
    with TestClient(create_app(est, card)) as client:
        digits = [
            client.post("/api/predict", content=drawing(x)).json()["digit"] for x in ds.X_test[:n]
        ]
    accuracy = np.mean(np.array(digits) == ds.y_test[:n])
    assert accuracy >= 0.95, accuracy


def test_the_state_is_one_predictor_that_loads_and_predicts(digits_model, tmp_path):
    from mnistlab import models
    from mnistlab.data import load

    est, card = digits_model
    ds = load("digits")
    saved = models.save_model(est, tmp_path / "model", name="knn", dataset=ds)
    body = drawing((ds.X_test[3] * 15).astype(np.uint8), side=80)
    app = create_app(est, card)
    assert isinstance(app.state.predictor, Predictor)
    with TestClient(app) as client:
        served = client.post("/api/predict", content=body).json()
    loaded = Predictor.from_dir(saved)
    assert loaded.predict_image(body) == app.state.predictor.predict_image(body) == served
    assert served["model"] == "knn" and app.state.predictor.admitted == 0


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (20, 20), 255).save(buf, format="GIF")
    return buf.getvalue()


def _blank() -> bytes:
    return png(np.full((50, 50), 255, np.uint8))


def _truncated() -> bytes:
    rng = np.random.default_rng(0)
    return png(rng.integers(0, 255, (200, 200), dtype=np.uint8))[:500]


@pytest.mark.parametrize(
    ("body", "status", "match"),
    [
        (b"hello, not an image", 415, "not a PNG or JPEG"),
        (b"", 400, "empty"),
        (b"\x89PNG" + b"\0" * 1_000_001, 413, "larger than 1,000,000 bytes"),
        (_bomb(), 413, "2000 pixels on a side"),
        (_gif(), 415, "GIF"),
        (_truncated(), 422, "cannot decode"),
        (_blank(), 422, "blank"),
    ],
    ids=["text", "empty", "too-big", "bomb", "gif", "truncated", "blank"],
)
def test_bad_uploads_are_refused_with_json(client, body, status, match):
    r = client.post("/api/predict", content=body, headers={"content-type": "image/png"})
    assert r.status_code == status
    assert match in r.json()["error"]


def test_gif_named_png_in_multipart(client):
    r = client.post("/api/predict", files={"file": ("digit.png", _gif(), "image/png")})
    assert r.status_code == 415 and "GIF" in r.json()["error"]


def test_multipart_without_file_field(client):
    r = client.post("/api/predict", files={"image": ("digit.png", _blank(), "image/png")})
    assert r.status_code == 422 and "'file'" in r.json()["error"]


def test_streamed_body_over_the_limit(client):
    """A chunked body with no Content-Length is counted as it arrives."""

    def chunks():
        for _ in range(20):
            yield b"\0" * 100_000

    r = client.post("/api/predict", content=chunks(), headers={"content-type": "image/png"})
    assert r.status_code == 413 and "error" in r.json()


def test_wrong_method_and_path_answer_json(client):
    r = client.get("/api/predict")
    assert r.status_code == 405 and "error" in r.json()
    r = client.get("/nothing")
    assert r.status_code == 404 and "error" in r.json()


class _Blocking:
    """A classifier whose predictions wait for an event (to fill the pool on purpose)."""

    classes_ = np.arange(10)

    def __init__(self):
        self.started = threading.Event()
        self.release = threading.Event()

    def get_params(self, deep=True):
        return {}

    def predict_proba(self, X):
        self.started.set()
        self.release.wait(10)
        return np.full((len(X), 10), 0.1)


def test_full_pool_and_queue_answer_503(digits_model):
    _, card = digits_model
    est = _Blocking()
    body = drawing(np.eye(8, dtype=np.uint8).ravel() * 255, side=80)
    app = create_app(est, card, limits=Limits(workers=1, queue=0))
    with TestClient(app) as client:
        first: dict = {}
        t = threading.Thread(
            target=lambda: first.update(r=client.post("/api/predict", content=body))
        )
        t.start()
        assert est.started.wait(10)
        busy = client.post("/api/predict", content=body)
        est.release.set()
        t.join(10)
    assert busy.status_code == 503 and "busy" in busy.json()["error"]
    assert busy.headers["retry-after"] == "1"
    assert first["r"].status_code == 200


@pytest.mark.parametrize(
    "bad",
    [{"workers": 0}, {"queue": -1}, {"max_body": 0}, {"body_timeout": 0}, {"body_timeout": NAN}],
)
def test_limits_are_checked(bad):
    with pytest.raises(ValueError):
        Limits(**bad)


class _Broken(_Blocking):
    """A classifier with a bug: its predictions raise."""

    def predict_proba(self, X):
        raise RuntimeError("a bug in the model")


def test_unexpected_errors_are_json_500s_with_the_security_headers(digits_model):
    _, card = digits_model
    body = drawing(np.eye(8, dtype=np.uint8).ravel() * 255, side=80)
    app = create_app(_Broken(), card)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/predict", content=body)
        ok = client.get("/healthz")
    assert r.status_code == 500 and "internal error" in r.json()["error"]
    assert "a bug" not in r.text  # no internals for the client
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert r.headers[name] == ok.headers[name]


def test_model_card_leaves_out_absolute_paths(digits_model):
    est, card = digits_model
    card = {
        **card,
        "data": {**card["data"], "source": "/home/alice/secret project/mnist"},
        "model_dir": "C:\\Users\\alice\\models\\fast",
        "notes": ["read from /home/alice/data/train.csv on Monday", "~/models/x", "\\\\nas\\d"],
        "/srv/alice/key": "https://www.openml.org/d/554 (mnist_784)",
        "prose": "and/or 1/2 a / b, 2026/11/27",
    }
    with TestClient(create_app(est, card)) as client:
        served = client.get("/api/model").json()
    text = json.dumps(served)
    for private in ("alice", "secret", "Users", "nas"):
        assert private not in text
    assert served["data"]["source"] == "mnist"  # what remains is the last component
    assert served["model_dir"] == "fast"
    assert served["notes"] == ["read from train.csv on Monday", "x", "d"]
    assert served["key"] == "https://www.openml.org/d/554 (mnist_784)"  # URLs are kept
    assert served["prose"] == card["prose"]
    assert served["data"]["checksums"] == card["data"]["checksums"]
    assert served["image_shape"] == card["image_shape"] and served["name"] == card["name"]


@pytest.mark.parametrize(
    ("base", "host", "allowed", "status"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", None, 200),
        ("http://127.0.0.1:8000", "LOCALHOST:8000", None, 200),
        ("http://127.0.0.1:8000", "[::1]:8000", None, 200),
        ("http://127.0.0.1:80", "localhost", None, 200),  # no port: the scheme's
        ("http://127.0.0.1:8000", "attacker.example:8000", None, 400),
        ("http://127.0.0.1:8000", "attacker.example", None, 400),
        ("http://127.0.0.1:8000", "localhost:8001", None, 400),
        ("http://127.0.0.1:8000", "localhost", None, 400),
        ("http://127.0.0.1:8000", "localhost.:8000", None, 400),
        ("http://127.0.0.1:8000", "127.0.0.1:8000@attacker.example", None, 400),
        ("http://127.1.2.3:8000", "attacker.example:8000", None, 400),
        ("http://[::1]:8000", "attacker.example:8000", None, 400),
        ("http://[::ffff:127.0.0.1]:8000", "attacker.example:8000", None, 400),
        ("http://192.168.1.5:8000", "attacker.example:8000", None, 200),  # not loopback
        ("http://192.168.1.5:8000", "box.lan:8000", ["box.lan"], 200),
        ("http://192.168.1.5:8000", "box.lan:9000", ["box.lan:8000"], 400),
        ("http://192.168.1.5:8000", "attacker.example:8000", ["box.lan"], 400),
        ("http://127.0.0.1:8000", "attacker.example:8000", ["*"], 200),
    ],
)
def test_host_header_check(digits_model, base, host, allowed, status):
    est, card = digits_model
    app = create_app(est, card, allowed_hosts=allowed)
    url = urlsplit(base)

    async def served_at_base(scope, receive, send):
        # the server address uvicorn gives; TestClient(base_url=...) fails on IPv6 before
        # starlette 1.8
        await app({**scope, "server": (url.hostname, url.port)}, receive, send)

    with TestClient(served_at_base) as client:
        r = client.get("/api/model", headers={"host": host})
    assert r.status_code == status, r.text
    assert "error" in r.json() if status == 400 else r.json()["name"] == card["name"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
