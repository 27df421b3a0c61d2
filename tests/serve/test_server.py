"""Hostile clients against a real uvicorn server on 127.0.0.1 (raw sockets, bounded waits).

The server runs with ``mnistlab serve``'s uvicorn settings; each test takes a few seconds.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from mnistlab.serve import UVICORN_SETTINGS, Limits, create_app, h11_with_head_timeout
from tests.serve import hostile
from tests.serve.conftest import drawing
from tests.serve.test_app import _Blocking, _Broken

#: The issue's setting: one worker, two places in the queue; short deadlines.
TIGHT = {"workers": 1, "queue": 2, "body_timeout": 1.0}
SETTINGS = {**UVICORN_SETTINGS, "http": h11_with_head_timeout(1.0)}


@pytest.fixture(scope="module")
def image():
    from mnistlab.data import load

    ds = load("digits")
    return drawing((ds.X_test[0] * 15).astype(np.uint8), side=80)


@pytest.fixture
def port(digits_model):
    est, card = digits_model
    with hostile.serving(create_app(est, card, limits=Limits(**TIGHT)), **SETTINGS) as p:
        yield p


def _server_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "uvicorn.error"]


def test_slow_bodies_do_not_lock_out_predictions(port, image):
    """Three connections that send headers and four bytes used to hold every place (503)."""
    start = time.monotonic()
    outcome = hostile.slow_bodies(port, image, n=3, wait=10)
    assert outcome.ok, outcome.detail
    # the 408s come at the 1 s deadline, not never (generous: 2 loaded cores)
    assert time.monotonic() - start < 8


def test_slow_request_heads_are_closed_at_the_head_deadline(port, image, caplog):
    """Uvicorn alone keeps a connection that never finishes its head open forever."""
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    start = time.monotonic()
    outcome = hostile.slow_heads(port, image, n=3, wait=10)
    assert outcome.ok, outcome.detail
    assert time.monotonic() - start < 8
    lines = [
        r.getMessage() for r in _server_lines(caplog) if "no complete request" in r.getMessage()
    ]
    assert len(lines) == 5, lines


def test_the_head_deadline_is_checked():
    with pytest.raises(ValueError):
        h11_with_head_timeout(0)


def test_more_slow_bodies_than_places(port, image):
    outcome = hostile.slow_bodies(port, image, n=8, wait=5)
    assert outcome.ok, outcome.detail


def test_a_lying_content_length_gets_408(port, image):
    outcome = hostile.lying_length(port, image, wait=5)
    assert outcome.ok, outcome.detail


def test_408_is_json_with_the_security_headers(port, image):
    with hostile.connect(port) as sock:
        sock.sendall(hostile.head(port, length=100) + b"\x89PNG")
        answer = hostile.read_answer(sock)
    assert answer.status == 408 and "within 1 s" in answer.json()["error"]
    assert answer.headers["connection"] == "close"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "server" not in answer.headers


@pytest.mark.parametrize(
    ("case", "says"),
    [
        (hostile.disconnect_mid_body, "while sending POST /api/predict"),
        (hostile.reset_mid_body, "while sending POST /api/predict"),
    ],
)
def test_a_client_that_leaves_mid_body_is_one_log_line(port, image, caplog, case, says):
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    outcome = case(port, image)
    assert outcome.ok, outcome.detail
    lines = _server_lines(caplog)
    assert [says in r.getMessage() for r in lines] == [True], [r.getMessage() for r in lines]
    assert not any(r.exc_info for r in caplog.records)


def test_a_client_that_leaves_before_the_answer_is_one_log_line(digits_model, image, caplog):
    """One request occupies the worker; two more wait and leave; only the first is predicted."""
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    _, card = digits_model
    est = _Blocking()
    calls = []
    blocking_proba = est.predict_proba
    est.predict_proba = lambda X: calls.append(1) or blocking_proba(X)
    app = create_app(est, card, limits=Limits(**TIGHT))
    with hostile.serving(app, **UVICORN_SETTINGS) as port:
        first = hostile.connect(port)
        first.sendall(hostile.head(port, length=len(image)) + image)
        assert est.started.wait(5)
        for _ in range(2):  # queued behind the first, then gone
            with hostile.connect(port) as sock:
                sock.sendall(hostile.head(port, length=len(image)) + image)
                time.sleep(0.5)  # read and queued before it leaves
        first.close()
        time.sleep(0.5)
        est.release.set()
        assert hostile.healthy(port)
        deadline = time.monotonic() + 5
        while len(_server_lines(caplog)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = [r.getMessage() for r in _server_lines(caplog) if "closed" in r.getMessage()]
    assert len(lines) == 3 and all("before the answer to POST /api/predict" in m for m in lines)
    assert not any(r.exc_info for r in caplog.records)
    assert len(calls) == 1  # the queued requests that left were never predicted


def test_foreign_host_headers_are_refused_on_loopback(port, image):
    outcome = hostile.foreign_host(port, image)
    assert outcome.ok, outcome.detail
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert hostile.send(port, "GET", "/api/model", host=host).status == 200


@pytest.mark.parametrize("hosts", [["127.0.0.1:{port}", "attacker.example"], []])
def test_two_host_headers_or_none_are_refused_on_loopback(port, hosts):
    lines = "".join(f"Host: {h.format(port=port)}\r\n" for h in hosts)
    with hostile.connect(port) as sock:  # HTTP/1.0 may omit Host; h11 refuses two itself
        sock.sendall(f"GET /api/model HTTP/1.{len(hosts) > 0:d}\r\n{lines}\r\n".encode())
        answer = hostile.read_answer(sock)
    assert answer.status == 400


def test_huge_headers_are_refused(port, image):
    outcome = hostile.huge_headers(port, image)
    assert outcome.ok, outcome.detail


def test_an_unexpected_error_is_a_json_500_and_the_server_goes_on(digits_model, image, caplog):
    _, card = digits_model
    with hostile.serving(create_app(_Broken(), card), **UVICORN_SETTINGS) as port:
        answer = hostile.send(port, "POST", "/api/predict", image)
        assert hostile.healthy(port)
    assert answer.status == 500 and "internal error" in answer.json()["error"]
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    # A bug, unlike a client that leaves, keeps its traceback in the server's log.
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in caplog.records)


def test_every_hostile_case_is_refused_cleanly(port, image):
    outcomes = [case(port, image) for case in hostile.CASES]
    assert [o.case for o in outcomes if not o.ok] == [], outcomes
