"""Hostile HTTP clients against a real uvicorn server on 127.0.0.1, reusable outside pytest.

Each case returns an :class:`Outcome` saying whether the server refused cleanly (an
answer of the expected status, or a server that still answers afterwards), so a
robustness benchmark can count them (with the repository's root on ``sys.path``)::

    from mnistlab.serve import UVICORN_SETTINGS, Limits, create_app, h11_with_head_timeout
    from tests.serve.hostile import CASES, serving

    app = create_app(estimator, card, limits=Limits(workers=1, queue=2, body_timeout=1))
    settings = {**UVICORN_SETTINGS, "http": h11_with_head_timeout(1)}
    with serving(app, **settings) as port:
        outcomes = [case(port, png) for case in CASES]  # about 5 s with 1 s deadlines

Every socket operation has a timeout, so no case can hang: a server that does not answer
is a failed outcome, not a stuck run. Only the standard library and uvicorn are used.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Outcome:
    """What a hostile case saw: ``ok`` when the server refused cleanly and kept serving."""

    case: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def serving(app: Any, *, start_timeout: float = 10.0, **config: Any) -> Iterator[int]:
    """Run ``app`` with uvicorn in a thread on 127.0.0.1 and a free port; yield the port.

    ``config`` goes to :class:`uvicorn.Config` (e.g. ``timeout_keep_alive``). Logging is
    left to the caller's handlers (``log_config=None``), so pytest's ``caplog`` sees it.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    settings = {"log_config": None, "lifespan": "on", "timeout_graceful_shutdown": 1, **config}
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the uvicorn server did not start")
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(5)
        if thread.is_alive():  # a connection kept it busy: stop waiting for it
            server.force_exit = True
            thread.join(5)
        sock.close()


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=timeout)


def head(
    port: int,
    method: str = "POST",
    path: str = "/api/predict",
    *,
    length: int | None = None,
    host: str | None = None,
    content_type: str = "image/png",
) -> bytes:
    """The request line and headers of a request (Host defaults to 127.0.0.1:port)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host or f'{HOST}:{port}'}"]
    if length is not None:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_answer(sock: socket.socket, timeout: float = 5.0) -> Answer:
    """Read one HTTP response from ``sock`` (raises ``OSError`` on timeout or reset)."""
    sock.settimeout(timeout)
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def send(
    port: int,
    method: str = "GET",
    path: str = "/healthz",
    body: bytes | None = None,
    *,
    host: str | None = None,
    timeout: float = 5.0,
) -> Answer:
    """One complete request on a new connection, with a raw ``Host`` header."""
    length = None if body is None else len(body)
    with connect(port, timeout) as sock:
        sock.sendall(head(port, method, path, length=length, host=host) + (body or b""))
        return read_answer(sock, timeout)


def healthy(port: int, timeout: float = 5.0) -> bool:
    """Whether ``GET /healthz`` answers 200 within ``timeout`` seconds."""
    try:
        return send(port, timeout=timeout).status == 200
    except (OSError, http.client.HTTPException):
        return False


# --- the cases ----------------------------------------------------------------------------


def slow_bodies(port: int, image: bytes, *, n: int = 3, wait: float = 5.0) -> Outcome:
    """``n`` connections send their headers and a few bytes of the body, then stall.

    Clean: a prediction sent meanwhile is answered 200 within ``wait`` seconds, and each
    stalled connection is answered 408 within ``wait`` seconds more (the body deadline).
    """
    case = f"{n} slow bodies"
    with ExitStack() as stack:
        stalled = []
        for _ in range(n):
            sock = stack.enter_context(connect(port))
            sock.sendall(head(port, length=len(image)) + image[:4])
            stalled.append(sock)
        time.sleep(0.2)  # the server has them all before the real request arrives
        try:
            answer = send(port, "POST", "/api/predict", image, timeout=wait)
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(case, False, f"a prediction got no answer ({exc!r})")
        if answer.status != 200:
            return Outcome(case, False, f"a prediction was answered {answer.status}")
        statuses = []
        for sock in stalled:
            try:
                statuses.append(read_answer(sock, timeout=wait).status)
            except (OSError, http.client.HTTPException):
                statuses.append(None)
    ok = all(s == 408 for s in statuses)
    return Outcome(case, ok, f"stalled bodies answered {statuses}")


def _closed_within(sock: socket.socket, wait: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset, nothing answered) within ``wait``."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except OSError:  # a timeout: still open
        return False


def slow_heads(port: int, image: bytes, *, n: int = 3, wait: float = 15.0) -> Outcome:
    """A connection that sends nothing, ``n`` that send part of a request head, and one
    that sends part of a second head after an answer (keep-alive).

    Clean: a prediction sent meanwhile is answered 200, and each stalled connection is
    closed within ``wait`` seconds (the server's head deadline).
    """
    case = f"{n + 2} slow request heads"
    with ExitStack() as stack:
        stalled = [stack.enter_context(connect(port))]
        for _ in range(n):
            sock = stack.enter_context(connect(port))
            sock.sendall(head(port, length=len(image))[:20])
            stalled.append(sock)
        again = stack.enter_context(connect(port))
        again.sendall(head(port, "GET", "/healthz"))
        if read_answer(again).status != 200:
            return Outcome(case, False, "the keep-alive connection was not served")
        again.sendall(head(port)[:20])
        stalled.append(again)
        try:
            answer = send(port, "POST", "/api/predict", image, timeout=wait)
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(case, False, f"a prediction got no answer ({exc!r})")
        if answer.status != 200:
            return Outcome(case, False, f"a prediction was answered {answer.status}")
        deadline = time.monotonic() + wait
        closed = [_closed_within(s, max(deadline - time.monotonic(), 0.01)) for s in stalled]
    return Outcome(case, all(closed), f"{sum(closed)} of {len(closed)} stalled heads closed")


def disconnect_mid_body(port: int, image: bytes) -> Outcome:
    """Send half the body, then close the connection."""
    with connect(port) as sock:
        sock.sendall(head(port, length=len(image)) + image[: len(image) // 2])
    time.sleep(0.1)
    ok = healthy(port)
    return Outcome("disconnect mid-body", ok, "still serving" if ok else "server down")


def disconnect_before_answer(port: int, image: bytes) -> Outcome:
    """Send a whole prediction request, then close before the answer."""
    with connect(port) as sock:
        sock.sendall(head(port, length=len(image)) + image)
    time.sleep(0.1)
    ok = healthy(port)
    return Outcome("disconnect before answer", ok, "still serving" if ok else "server down")


def reset_mid_body(port: int, image: bytes) -> Outcome:
    """Send half the body, then reset the connection (RST, not FIN)."""
    sock = connect(port)
    sock.sendall(head(port, length=len(image)) + image[: len(image) // 2])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    sock.close()
    time.sleep(0.1)
    ok = healthy(port)
    return Outcome("reset mid-body", ok, "still serving" if ok else "server down")


def foreign_host(port: int, image: bytes) -> Outcome:
    """A DNS-rebinding page: ``Host: attacker.example:port`` on a loopback server."""
    answers = [
        send(port, "GET", "/api/model", host=f"attacker.example:{port}"),
        send(port, "POST", "/api/predict", image, host=f"attacker.example:{port}"),
        send(port, "GET", "/", host=f"localhost:{port + 1}"),  # the right name, another port
    ]
    statuses = [a.status for a in answers]
    ok = statuses == [400] * 3 and all("error" in a.json() for a in answers)
    return Outcome("foreign Host header", ok, f"answered {statuses}")


def lying_length(port: int, image: bytes, *, wait: float = 15.0) -> Outcome:
    """``Content-Length`` larger than the body that follows, then silence.

    Clean: a 408 within ``wait`` seconds (more than the server's body deadline).
    """
    with connect(port) as sock:
        sock.sendall(head(port, length=len(image) + 1000) + image)
        try:
            status = read_answer(sock, timeout=wait).status
        except (OSError, http.client.HTTPException) as exc:
            return Outcome("lying Content-Length", False, f"no answer ({exc!r})")
    return Outcome("lying Content-Length", status == 408, f"answered {status}")


def huge_headers(port: int, image: bytes) -> Outcome:
    """1 MiB of headers. Uvicorn's h11 parser buffers at most its limit of an incomplete
    head (16 KiB with ``mnistlab serve``'s settings); clean is a 400 or a closed
    connection, and a server that still answers."""
    filler = "".join(f"X-Filler-{i}: {'a' * 1000}\r\n" for i in range(1024))
    request = head(port, length=len(image))[:-2] + filler.encode() + b"\r\n" + image
    with connect(port) as sock:
        with suppress(OSError):  # closed while we were still sending: refused
            sock.sendall(request)
        try:
            status: int | str = read_answer(sock).status
        except (OSError, http.client.HTTPException) as exc:
            status = f"connection closed ({type(exc).__name__})"
    ok = status in (400, 431) or isinstance(status, str)
    ok = ok and healthy(port)
    return Outcome("huge headers", ok, f"answered {status}")


#: Every case, each called as ``case(port, image)`` with a PNG the served model accepts.
CASES: list[Callable[[int, bytes], Outcome]] = [
    slow_heads,
    slow_bodies,
    disconnect_mid_body,
    disconnect_before_answer,
    reset_mid_body,
    foreign_host,
    lying_length,
    huge_headers,
]
