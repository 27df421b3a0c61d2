"""A web page to draw digits on and a small JSON API, served by FastAPI.

>>> from mnistlab.serve import create_app, Limits
>>> app = create_app(estimator, card)          # doctest: +SKIP
>>> app.state.predictor.predict_image(png)     # doctest: +SKIP
"""

from mnistlab.serve._app import LOOPBACK_HOSTS, Limits, Predictor, create_app
from mnistlab.serve._server import HEAD_TIMEOUT, UVICORN_SETTINGS, h11_with_head_timeout

__all__ = [
    "HEAD_TIMEOUT",
    "LOOPBACK_HOSTS",
    "UVICORN_SETTINGS",
    "Limits",
    "Predictor",
    "create_app",
    "h11_with_head_timeout",
]
