"""The FastAPI application of ``mnistlab serve``.

Every refusal is a JSON ``{"error": ...}`` with a 4xx or 503 status: a body over the
limit (413, counted while it streams in, so a lying Content-Length does not help), an
image that is not PNG or JPEG by content (415), too large (413, read from its header
before any pixel is decoded), corrupt or blank (422); predictions beyond the pool and
its queue (503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from mnistlab.models import predict_digits
from mnistlab.preprocessing import ImageError, image_to_row

#: HTTP status of each reason an image is refused.
_STATUS = {"format": 415, "size": 413, "corrupt": 422, "blank": 422, "read": 400}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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
    """

    max_body: int = 1_000_000
    workers: int = 2
    queue: int = 256

    def __post_init__(self) -> None:
        for name in ("max_body", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.queue < 0:
            raise ValueError("queue must be 0 or more")


class _BodyTooLarge(Exception):
    pass


class _Guard:
    """ASGI middleware: refuse bodies over ``limit`` bytes, declared or streamed, and add
    the security headers to every response."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured_send(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in _SECURITY_HEADERS.items()
                    if k.lower().encode() not in names
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _send_json(secured_send, 413, {"error": _too_large(self.limit)})
            return
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:  # the app's exception handler answers 413
                    raise _BodyTooLarge
            return message

        await self.app(scope, limited_receive, secured_send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes; send a smaller image"


async def _send_json(send, status: int, payload: dict) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _single_threaded(estimator: Any) -> Any:
    """Predict with one thread per request: the server's pool is the parallelism."""
    params = estimator.get_params(deep=True)
    one = {k: 1 for k, v in params.items() if k.split("__")[-1] == "n_jobs" and v not in (None, 1)}
    return estimator.set_params(**one) if one else estimator


def create_app(estimator: Any, card: dict[str, Any], *, limits: Limits | None = None):
    """The FastAPI application serving ``estimator`` (a fitted classifier) and its card.

    Parameters
    ----------
    estimator : fitted classifier
        With ``predict_proba`` or ``decision_function``.
    card : dict
        Its model card (``image_shape``, ``pixel_max``, ``name``, ``classes``...).
    limits : Limits, optional

    Returns
    -------
    fastapi.FastAPI
    """
    limits = limits or Limits()
    estimator = _single_threaded(estimator)
    shape = tuple(int(s) for s in card["image_shape"])
    pixel_max = int(card["pixel_max"])
    classes = card.get("classes")
    public_card = json.loads(json.dumps(card))  # a copy that cannot change under us
    pool: dict[str, ThreadPoolExecutor] = {}
    state = {"admitted": 0}

    @asynccontextmanager
    async def lifespan(app):
        pool["executor"] = ThreadPoolExecutor(limits.workers, thread_name_prefix="predict")
        try:
            yield
        finally:
            pool.pop("executor").shutdown(wait=True, cancel_futures=True)

    app = FastAPI(
        title="mnistlab",
        summary="Draw a digit; the model says which it is.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN: nothing offline, and the CSP forbids it
        redoc_url=None,
    )
    static = resources.files("mnistlab.serve") / "static"
    env = Environment(autoescape=select_autoescape(default=True))
    page = env.from_string((static / "index.html").read_text(encoding="utf-8")).render(
        model=card.get("name", "model"),
        dataset=(card.get("data") or {}).get("name", ""),
        height=shape[0],
        width=shape[1],
    )
    assets = {
        "app.js": ((static / "app.js").read_bytes(), "text/javascript; charset=utf-8"),
        "app.css": ((static / "app.css").read_bytes(), "text/css; charset=utf-8"),
    }

    def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error(422, "invalid request: " + "; ".join(str(e.get("msg")) for e in exc.errors()))

    @app.exception_handler(_BodyTooLarge)
    async def body_too_large(request: Request, exc: _BodyTooLarge):
        return error(413, _too_large(limits.max_body))

    def predict_bytes(data: bytes) -> dict[str, Any]:
        row = image_to_row(data, shape, pixel_max, name="the upload")
        result = predict_digits(estimator, row[None, :], classes)[0]
        result["image"] = {
            "height": shape[0],
            "width": shape[1],
            "pixel_max": pixel_max,
            "pixels": row.reshape(shape).tolist(),
        }
        result["model"] = public_card.get("name", "model")
        return result

    async def read_upload(request: Request) -> bytes:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=1, max_part_size=limits.max_body)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise _Refusal(422, "the multipart form needs a file field named 'file'")
            return await upload.read()
        return await request.body()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets:
            return error(404, f"no such file: {name}")
        body, media = assets[name]
        return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: the model is loaded and the server answers."""
        return {"status": "ok", "model": public_card.get("name"), "busy": state["admitted"]}

    @app.get("/api/model")
    async def model_card() -> dict:
        """The model's card: its name, data, image shape, parameters and accuracy."""
        return public_card

    @app.post(
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
        if state["admitted"] >= limits.workers + limits.queue:
            return error(
                503,
                f"busy: {limits.queue} requests are already waiting; try again shortly",
                {"Retry-After": "1"},
            )
        state["admitted"] += 1
        try:
            try:
                data = await read_upload(request)
            except _Refusal as exc:
                return error(exc.status, exc.message)
            if not data:
                return error(400, "the request body is empty; send a PNG or JPEG image")
            loop = asyncio.get_running_loop()
            try:
                result = await loop.run_in_executor(pool["executor"], predict_bytes, data)
            except ImageError as exc:
                return error(_STATUS.get(exc.reason, 422), str(exc))
            return result
        finally:
            state["admitted"] -= 1

    app.add_middleware(_Guard, limit=limits.max_body)
    return app


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
