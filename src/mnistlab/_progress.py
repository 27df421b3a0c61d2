"""Progress reporting that the library emits and the edges (CLI, notebook) render.

Library code takes a :class:`Progress` and does ``with progress.task("rf: 3-fold CV", 4) as t:
... t.advance()``. The default reports nothing; the command line passes one that draws a
bar on a terminal and prints plain lines in logs.
"""

from __future__ import annotations

from types import TracebackType


class ProgressTask:
    """One step with a known number of units; a no-op unless subclassed."""

    def advance(self, n: int = 1) -> None:
        """Mark ``n`` more units done."""

    def __enter__(self) -> ProgressTask:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """The step is finished."""


class Progress:
    """Hands out :class:`ProgressTask` objects; this base reports nothing."""

    def task(self, description: str, total: int) -> ProgressTask:
        """Start a step of ``total`` units."""
        return ProgressTask()


SILENT = Progress()
