"""Named pipes in tests: code under test must never wait for a writer that never comes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path


def release_later(pipe: Path, seconds: float = 5) -> None:
    """After ``seconds``, give a reader blocked in ``open(pipe)`` its end of file, so that a
    test of code that waits fails on its clock instead of hanging the run."""

    def release() -> None:
        time.sleep(seconds)
        with contextlib.suppress(OSError):
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=release, daemon=True).start()
