"""How ``mnistlab serve`` runs uvicorn: bounded timeouts and a deadline for request heads.

Uvicorn times out only idle keep-alive connections: a client that opens a connection and
sends nothing, or part of a request head, holds it forever. The application bounds
bodies (``Limits.body_timeout``); :func:`h11_with_head_timeout` bounds heads.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds from a connection's opening (or an answer's end, past the keep-alive) that a
#: client has to send a whole request head.
HEAD_TIMEOUT = 10.0


def h11_with_head_timeout(seconds: float = HEAD_TIMEOUT) -> type[H11Protocol]:
    """Uvicorn's h11 protocol that closes a connection whose request head is not complete
    within ``seconds`` (a new connection, or data after an answer)."""
    if not seconds > 0:
        raise ValueError("the head timeout must be more than 0 seconds")

    class HeadTimeoutH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            # h11 stays IDLE until a whole head has arrived; then the body deadline rules.
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                if self._head_timer is None:
                    self._arm()
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._head_timer = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _expire(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                who = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
                self.logger.info("%s sent no complete request within %g s; closed", who, seconds)
                self.transport.close()

    return HeadTimeoutH11Protocol


#: Keyword arguments of ``uvicorn.run`` for ``mnistlab serve``.
UVICORN_SETTINGS: dict[str, Any] = {
    "http": h11_with_head_timeout(HEAD_TIMEOUT),
    "timeout_keep_alive": 5,  # seconds an idle connection stays open after an answer
    "h11_max_incomplete_event_size": 16 * 1024,  # an unfinished request head: 16 KiB at most
    "timeout_graceful_shutdown": 5,  # Ctrl-C does not wait on stalled clients
    "server_header": False,  # do not advertise uvicorn's version
}
