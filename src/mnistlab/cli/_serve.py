"""The ``serve`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, DeviceOpt, ServingModelOpt, app, shared_options


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


HostOpt = Annotated[
    str,
    typer.Option(
        help="Address to listen on; the default answers this machine only. 0.0.0.0 opens it "
        "to the network.",
    ),
]
WorkersOpt = Annotated[int, typer.Option(min=1, max=64, help="Predictions run at once (threads).")]
QueueOpt = Annotated[
    int,
    typer.Option(
        min=0,
        max=100_000,
        help="Requests that may wait for a worker; beyond it the server answers 503.",
    ),
]
BodyTimeoutOpt = Annotated[
    float,
    typer.Option(
        min=0.1, max=3600, help="Seconds a request may take to send its body; slower ones get 408."
    ),
]


@app.command("serve")
@shared_options(only=("data", "seed", "quiet", "debug"))
def serve(
    model_dir: ServingModelOpt = None,
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: WorkersOpt = 2,
    queue: QueueOpt = 256,
    body_timeout: BodyTimeoutOpt = 10.0,
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
    shared.require_extra("serve", "mnistlab serve")
    import uvicorn

    from mnistlab import models
    from mnistlab.serve import UVICORN_SETTINGS, Limits, create_app

    _check_address(host, port)  # before a model is trained, not after
    if model_dir is not None:
        card = models.read_card(model_dir)
        est, card = shared.serving_model(
            model_dir, tuple(card["image_shape"]), None, quiet=common.quiet
        )
    else:
        ds = shared.load_data(common)
        est, card = shared.serving_model(
            None, ds.image_shape, ds, quiet=common.quiet, seed=common.seed
        )
    # a network trained on a GPU serves on this machine's device ("auto": the best here)
    models.set_device(est, device)
    limits = Limits(workers=workers, queue=queue, body_timeout=body_timeout)
    app_ = create_app(est, card, limits=limits)
    if host not in ("127.0.0.1", "localhost", "::1") and not common.quiet:
        shared.err_console.print(
            f"warning: listening on {host}: other machines can reach this server", markup=False
        )
    if not common.quiet:
        shown = f"[{host}]" if ":" in host else host
        shared.err_console.print(
            f"serving {card['name']} on http://{shown}:{port}/ (Ctrl-C stops it)"
        )
    level = "warning" if common.quiet else "info"
    uvicorn.run(app_, host=host, port=port, log_level=level, **UVICORN_SETTINGS)
