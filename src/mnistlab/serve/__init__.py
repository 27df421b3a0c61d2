"""A web page to draw digits on and a small JSON API, served by FastAPI.

>>> from mnistlab.serve import create_app, Limits
>>> app = create_app(estimator, card)          # doctest: +SKIP
"""

from mnistlab.serve._app import LOOPBACK_HOSTS, UVICORN_SETTINGS, Limits, create_app

__all__ = ["LOOPBACK_HOSTS", "UVICORN_SETTINGS", "Limits", "create_app"]
