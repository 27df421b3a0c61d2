"""Progress reporting that the library emits and the edges (CLI, notebook) render.

Library code takes a :class:`Progress` and does ``with progress.task("rf: 3-fold CV", 4) as t:
... t.advance()``. The default reports nothing; the command line passes one that draws a
bar on a terminal and prints plain lines in logs; a notebook passes :class:`TqdmProgress`.
"""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import Any


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


class _TqdmTask(ProgressTask):
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


class TqdmProgress(Progress):
    """Draws each step as a tqdm bar: a widget in Jupyter or Colab, a text bar elsewhere.

    The library is silent by default; pass ``progress=TqdmProgress()`` to any task
    (``run_binary``, ``run_multiclass``, ``run_study``, ...) to watch it work.

    Examples
    --------
    >>> import io
    >>> from mnistlab import TqdmProgress
    >>> with TqdmProgress(file=io.StringIO()).task("3-fold CV", 3) as step:
    ...     step.advance(3)
    """

    def __init__(self, *, file: Any = None, leave: bool = True) -> None:
        self.file = file
        self.leave = leave

    def task(self, description: str, total: int) -> ProgressTask:
        # tqdm.auto draws a notebook widget when ipywidgets is there, else a text bar; its
        # warning about the missing widget library says nothing a learner can act on here
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm

        return _TqdmTask(tqdm(total=total, desc=description, file=self.file, leave=self.leave))
