"""The ``serve`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    DeviceOpt,
    _check_device,
    _load,
    _require_extra,
    app,
    err_console,
    shared_options,
)
from mnistlab.cli._train import _serving_model


def _check_address(host: str, port: int) -> None:
    """Refuse an address we cannot listen on with one line (uvicorn would exit with a log)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
            ) from None


@app.command("serve")
@shared_options(only=("data", "seed", "quiet", "debug"))
def serve(
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="A model directory written by 'train'; default: the same cached "
            "'fast' model as 'predict'.",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on; the default answers this machine only. "
            "0.0.0.0 opens it to the network.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Predictions run at once (threads).")
    ] = 2,
    queue: Annotated[
        int,
        typer.Option(
            "--queue",
            min=0,
            max=100_000,
            help="Requests that may wait for a worker; beyond it the server answers 503.",
        ),
    ] = 256,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout",
            min=0.1,
            max=3600,
            help="Seconds a request may take to send its body; slower ones get 408.",
        ),
    ] = 10.0,
    device: DeviceOpt = "auto",
    *,
    common: Common,
) -> None:
    """Serve a page to draw digits on, and a JSON API (POST /api/predict, GET /api/model).

    Uploads are PNG or JPEG (by content), at most 1 MB and 2000 pixels on a side, as the
    raw request body or a multipart field 'file'. Stop it with Ctrl-C. Reached on a
    loopback address, it answers only requests for localhost, 127.0.0.1 or [::1] and its
    port (a page of another site cannot use it).
    """
    _require_extra("serve", "mnistlab serve")
    import uvicorn

    from mnistlab import models
    from mnistlab.serve import UVICORN_SETTINGS, Limits, create_app

    _check_address(host, port)  # before a model is trained, not after
    _check_device(device)
    if model_dir is not None:
        card = models.read_card(model_dir)
        est, card = _serving_model(model_dir, tuple(card["image_shape"]), None, quiet=common.quiet)
    else:
        ds = _load(common)
        est, card = _serving_model(None, ds.image_shape, ds, quiet=common.quiet, seed=common.seed)
    # a network trained on a GPU serves on this machine's device ("auto": the best here)
    models.set_device(est, device)
    limits = Limits(workers=workers, queue=queue, body_timeout=body_timeout)
    app_ = create_app(est, card, limits=limits)
    if host not in ("127.0.0.1", "localhost", "::1") and not common.quiet:
        err_console.print(
            f"warning: listening on {host}: other machines can reach this server", markup=False
        )
    if not common.quiet:
        shown = f"[{host}]" if ":" in host else host
        err_console.print(f"serving {card['name']} on http://{shown}:{port}/ (Ctrl-C stops it)")
    level = "warning" if common.quiet else "info"
    uvicorn.run(app_, host=host, port=port, log_level=level, **UVICORN_SETTINGS)
