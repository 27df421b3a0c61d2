"""The FastAPI application of ``mnistlab serve``.

Every refusal is a JSON ``{"error": ...}`` with a 4xx or 503 status: a Host header that
does not name this server when it is reached on a loopback address (400, a defence
against DNS rebinding), a body over the limit (413, counted while it streams in, so a
lying Content-Length does not help) or not complete within the body deadline (408), an
image that is not PNG or JPEG by content (415), too large (413, read from its header
before any pixel is decoded), corrupt or blank (422); predictions beyond the pool and
its queue (503 with Retry-After). The whole body is read before a request may wait for
a worker, so clients that send slowly cannot hold the queue. Unexpected errors are JSON
500s; every response carries the security headers.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import logging
import ntpath
import os
import posixpath
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from mnistlab.models import load_model, predict_digits
from mnistlab.preprocessing import ImageError, image_to_row

#: Where the server's own lines go: uvicorn's error log, next to its access lines.
logger = logging.getLogger("uvicorn.error")

#: HTTP status of each reason an image is refused.
_STATUS = {"format": 415, "size": 413, "corrupt": 422, "blank": 422, "read": 400}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: Host names of a server reached on a loopback address.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
#: Scope key of a ``threading.Event`` set when the client closes before its answer.
_GONE = "mnistlab.client_gone"
_HOST_RE = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]/@\s]+)(?::(?P<port>[0-9]{1,5}))?")


@dataclass(frozen=True)
class Limits:
    """Bounds of the server.

    Parameters
    ----------
    max_body : int
        Largest request body in bytes (1 MB). Images are also limited to
        ``MAX_PIXELS_SIDE`` (2000) pixels on a side, read from their header.
    workers : int
        Predictions that run at once (threads).
    queue : int
        Requests that may wait for a worker; one more gets 503.
    body_timeout : float
        Seconds a request may take to send its whole body, counted from its headers;
        slower ones get 408 and never wait for a worker.
    """

    max_body: int = 1_000_000
    workers: int = 2
    queue: int = 256
    body_timeout: float = 10.0

    def __post_init__(self) -> None:
        for name in ("max_body", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.queue < 0:
            raise ValueError("queue must be 0 or more")
        if not self.body_timeout > 0:  # also refuses NaN
            raise ValueError("body_timeout must be more than 0 seconds")


class _BodyTooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1, from a dual-stack socket
    return (mapped or ip).is_loopback


def _host_refusal(scope: dict, allowed: Sequence[str] | None) -> str | None:
    """Why the request's Host header is refused, or None when it is served.

    ``allowed=None`` applies the loopback rule: a request that reached a loopback address
    must name a loopback host with the port it reached (a page from another site whose
    name was rebound to 127.0.0.1 names its own site). Otherwise the Host must be one of
    ``allowed`` (a name, or name:port), or ``allowed`` holds ``"*"``.
    """
    server = scope.get("server") or (None, None)
    if allowed is None and not (server[0] and _is_loopback(server[0])):
        return None
    if allowed is not None and "*" in allowed:
        return None
    values = [v for k, v in scope.get("headers") or [] if k.lower() == b"host"]
    match = _HOST_RE.fullmatch(values[0].decode("latin-1")) if len(values) == 1 else None
    if match is None:
        return "the request needs exactly one valid Host header"
    name, port = match["name"].lower(), match["port"]
    if allowed is None:
        default = 443 if scope.get("scheme") == "https" else 80
        if name in LOOPBACK_HOSTS and int(port or default) == server[1]:
            return None
    elif name in allowed or f"{name}:{port}" in allowed:
        return None
    return (
        f"this server does not answer to the host {match[0]!r}; "
        f"open it at http://127.0.0.1:{server[1]}/"
        if allowed is None
        else f"this server does not answer to the host {match[0]!r}"
    )


class _Guard:
    """ASGI middleware in front of the application.

    It refuses foreign Host headers, reads the whole body (at most ``limits.max_body``
    bytes, declared or streamed, within ``limits.body_timeout`` seconds) before the
    application sees the request, logs a client that leaves as one line, and adds the
    security headers to every response.
    """

    def __init__(self, app: Any, limits: Limits, allowed_hosts: Sequence[str] | None) -> None:
        self.app = app
        self.limits = limits
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = {"complete": False}

        async def secured_send(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in _SECURITY_HEADERS.items()
                    if k.lower().encode() not in names
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif not message.get("more_body", False):
                answered["complete"] = True
            await send(message)

        refusal = _host_refusal(scope, self.allowed_hosts)
        if refusal is not None:
            await _send_json(secured_send, 400, {"error": refusal}, close=True)
            return
        limit = self.limits.max_body
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_json(secured_send, 413, {"error": _too_large(limit)}, close=True)
            return
        # The body is read here, under a deadline, so a request holds a place in the
        # queue only once it is complete (uvicorn itself never times out a slow body).
        try:
            body = await asyncio.wait_for(_read_body(receive, limit), self.limits.body_timeout)
        except TimeoutError:
            error = (
                f"the request body did not arrive within {self.limits.body_timeout:g} s; "
                "send it again"
            )
            await _send_json(secured_send, 408, {"error": error}, close=True)
            return
        except _BodyTooLarge:
            await _send_json(secured_send, 413, {"error": _too_large(limit)}, close=True)
            return
        except _ClientGone:
            logger.info("%s closed the connection while sending %s", _who(scope), _what(scope))
            return

        gone = threading.Event()
        disconnected = asyncio.Event()
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def watch():
            # The server answers "disconnect" when the client leaves or the response ends.
            while (await receive())["type"] != "http.disconnect":
                pass
            if not answered["complete"]:
                gone.set()
                logger.info(
                    "%s closed the connection before the answer to %s", _who(scope), _what(scope)
                )
            disconnected.set()

        watcher = asyncio.ensure_future(watch())
        # Not awaited: cancelling it must not swallow a cancellation of this request.
        watcher.add_done_callback(lambda task: task.cancelled() or task.exception())
        try:
            await self.app({**scope, _GONE: gone}, replay, secured_send)
        finally:
            watcher.cancel()


async def _read_body(receive, limit: int) -> bytes:
    chunks, seen = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _who(scope: dict) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "a client"


def _what(scope: dict) -> str:
    return f"{scope.get('method', '?')} {scope.get('path', '?')}"


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes; send a smaller image"


async def _send_json(send, status: int, payload: dict, *, close: bool = False) -> None:
    """Answer with JSON from the middleware; ``close`` ends the connection (its body may
    still be arriving)."""
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_ABSOLUTE = re.compile(r"(?<![\w.:/\\~-])(?:/|~/|[A-Za-z]:[\\/]|\\\\)[^\s\"'<>|,;()]+")


def _without_paths(value: Any) -> Any:
    """``value`` (a JSON document) with each absolute path cut to its last component.

    A card records where its data was read from; a server must not tell the network
    how its machine's folders are laid out.
    """
    if isinstance(value, dict):
        return {_without_paths(k): _without_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    if isinstance(value, str):
        whole = value.strip()
        if _ABSOLUTE.fullmatch(whole) or ntpath.isabs(whole) or posixpath.isabs(whole):
            return _last_part(whole)  # the whole string: spaces in a folder name too
        return _ABSOLUTE.sub(lambda m: _last_part(m[0]), value)
    return value


def _last_part(path: str) -> str:
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] or "…"


def _single_threaded(estimator: Any) -> Any:
    """Predict with one thread per request: the server's pool is the parallelism."""
    params = estimator.get_params(deep=True)
    one = {k: 1 for k, v in params.items() if k.split("__")[-1] == "n_jobs" and v not in (None, 1)}
    return estimator.set_params(**one) if one else estimator


class Predictor:
    """What a server answers with: a model that predicts the digit of an uploaded image,
    and the worker threads and queue its predictions run in.

    The application keeps one, as ``app.state.predictor``; its routes read it from there.

    Parameters
    ----------
    estimator : fitted classifier
        With ``predict_proba`` or ``decision_function``; it predicts with one thread
        (the server's workers are the parallelism).
    card : dict
        Its model card (``image_shape``, ``pixel_max``, ``name``, ``classes``...).
    limits : Limits, optional
    """

    def __init__(self, estimator: Any, card: dict[str, Any], limits: Limits | None = None):
        self.estimator = _single_threaded(estimator)
        self.limits = limits or Limits()
        self.image_shape = tuple(int(s) for s in card["image_shape"])
        self.pixel_max = int(card["pixel_max"])
        self.classes = card.get("classes")
        #: the card as served: a copy that cannot change under us, without the machine's folders
        self.card = _without_paths(json.loads(json.dumps(card)))
        self.name = self.card.get("name", "model")
        #: requests holding a worker or waiting for one
        self.admitted = 0
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_dir(cls, path: str | os.PathLike, *, limits: Limits | None = None) -> Predictor:
        """Load the model directory ``path`` (checked as :func:`mnistlab.models.load_model`
        checks every model)."""
        return cls(*load_model(path), limits)

    def predict_image(self, data: bytes) -> dict[str, Any]:
        """The digit of one PNG or JPEG, as :func:`mnistlab.models.predict_digits` gives it,
        with the image the model saw and the model's name.

        Raises
        ------
        ImageError
            The image is refused (its ``reason`` says why).
        """
        row = image_to_row(data, self.image_shape, self.pixel_max, name="the upload")
        result = predict_digits(self.estimator, row[None, :], self.classes)[0]
        h, w = self.image_shape
        result["image"] = {
            "height": h,
            "width": w,
            "pixel_max": self.pixel_max,
            "pixels": row.reshape(self.image_shape).tolist(),
        }
        result["model"] = self.name
        return result

    def start(self) -> None:
        """Start the worker threads (when the server starts)."""
        self._pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="predict")

    def stop(self) -> None:
        """Stop the workers; predictions still waiting are cancelled."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    @property
    def full(self) -> bool:
        """Every worker busy and the queue full: a new request is refused."""
        return self.admitted >= self.limits.workers + self.limits.queue

    async def predict(self, data: bytes, gone: threading.Event) -> dict[str, Any] | None:
        """:meth:`predict_image` in a worker thread; None when the client left while its
        request waited (its worker is freed at once)."""
        if self._pool is None:
            raise RuntimeError("the predictor is not started")

        def unless_gone() -> dict[str, Any] | None:
            return None if gone.is_set() else self.predict_image(data)

        self.admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, unless_gone)
        finally:
            self.admitted -= 1


# --- the application: module-level routes that read app.state.predictor ------------------------


def _predictor(request: Request) -> Predictor:
    return request.app.state.predictor


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _error(422, "invalid request: " + "; ".join(str(e.get("msg")) for e in exc.errors()))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette sends this from outside every middleware, so the headers are added
    # here; the exception still reaches uvicorn, which logs its traceback.
    return _error(500, "internal error; the server's log has the details", _SECURITY_HEADERS)


@asynccontextmanager
async def _lifespan(app: FastAPI):
    predictor: Predictor = app.state.predictor
    predictor.start()
    try:
        yield
    finally:
        predictor.stop()


_STATIC = resources.files("mnistlab.serve") / "static"
_ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


@functools.cache
def _asset(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


@functools.cache
def _page(model: str, dataset: str, height: int, width: int) -> str:
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string((_STATIC / "index.html").read_text(encoding="utf-8"))
    return template.render(model=model, dataset=dataset, height=height, width=width)


router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    p = _predictor(request)
    dataset = (p.card.get("data") or {}).get("name", "")
    return HTMLResponse(_page(p.name, str(dataset), *p.image_shape))


@router.get("/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in _ASSETS:
        return _error(404, f"no such file: {name}")
    return Response(_asset(name), media_type=_ASSETS[name], headers={"Cache-Control": "no-cache"})


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    """Liveness: the model is loaded and the server answers."""
    p = _predictor(request)
    return {"status": "ok", "model": p.card.get("name"), "busy": p.admitted}


@router.get("/api/model")
async def model_card(request: Request) -> dict:
    """The model's card: its name, data, image shape, parameters and accuracy."""
    return _predictor(request).card


@router.post(
    "/api/predict",
    responses={
        413: {"description": "body or image too large"},
        415: {"description": "not a PNG or JPEG"},
        422: {"description": "corrupt or blank image"},
        503: {"description": "too many requests waiting"},
    },
)
async def predict(request: Request):
    """Predict the digit of a PNG or JPEG: the raw body, or a multipart field ``file``.

    Answers ``digit``, ``probability``, ``probabilities`` (one per class), ``top``
    (the three best), ``image`` (what the model saw) and ``model``.
    """
    p = _predictor(request)
    # The guard has read the whole body already: only complete requests queue.
    try:
        data = await _read_upload(request, p.limits.max_body)
    except _Refusal as exc:
        return _error(exc.status, exc.message)
    if not data:
        return _error(400, "the request body is empty; send a PNG or JPEG image")
    if p.full:
        return _error(
            503,
            f"busy: {p.limits.queue} requests are already waiting; try again shortly",
            {"Retry-After": "1"},
        )
    try:
        result = await p.predict(data, request.scope.get(_GONE) or threading.Event())
    except ImageError as exc:
        return _error(_STATUS.get(exc.reason, 422), str(exc))
    if result is None:  # nobody reads this answer
        return _error(400, "the client closed the connection")
    return result


async def _read_upload(request: Request, max_body: int) -> bytes:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=1, max_part_size=max_body)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _Refusal(422, "the multipart form needs a file field named 'file'")
        return await upload.read()
    return await request.body()


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(
    estimator: Any,
    card: dict[str, Any],
    *,
    limits: Limits | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The FastAPI application serving ``estimator`` (a fitted classifier) and its card.

    Parameters
    ----------
    estimator : fitted classifier
        With ``predict_proba`` or ``decision_function``.
    card : dict
        Its model card (``image_shape``, ``pixel_max``, ``name``, ``classes``...).
    limits : Limits, optional
    allowed_hosts : sequence of str, optional
        Host header values served: names (``"example.org"``) or ``name:port``; ``["*"]``
        serves any. By default a request that reached a loopback address must name
        ``localhost``, ``127.0.0.1`` or ``[::1]`` with that port (a DNS-rebinding
        defence), and requests that reached another address are served whatever Host.

    Returns
    -------
    fastapi.FastAPI
        Its state is one :class:`Predictor`, ``app.state.predictor``.
    """
    predictor = Predictor(estimator, card, limits)
    app = FastAPI(
        title="mnistlab",
        summary="Draw a digit; the model says which it is.",
        lifespan=_lifespan,
        docs_url=None,  # Swagger UI loads from a CDN: nothing offline, and the CSP forbids it
        redoc_url=None,
        exception_handlers={
            StarletteHTTPException: _http_error,
            RequestValidationError: _validation_error,
            Exception: _unexpected,
        },
    )
    app.state.predictor = predictor
    app.include_router(router)
    if allowed_hosts is not None:
        allowed_hosts = tuple(h.lower() for h in allowed_hosts)
    app.add_middleware(_Guard, limits=predictor.limits, allowed_hosts=allowed_hosts)
    return app
