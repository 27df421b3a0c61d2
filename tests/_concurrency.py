"""Run a function in several fresh processes released at the same instant (for lock tests)."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Callable
from typing import Any


def _call(target: Callable, barrier: Any, queue: Any, i: int, args: tuple) -> None:
    try:
        barrier.wait(timeout=300)  # every process has imported everything: start together
        queue.put((i, True, target(i, *args)))
    except BaseException:
        queue.put((i, False, traceback.format_exc()))


def at_once(target: Callable, n: int, *args: Any, timeout: float = 600) -> list[Any]:
    """``[target(i, *args) for i in range(n)]``, each in its own spawned process, all
    started together; ``target`` is a module-level function (pickled by name)."""
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_call, args=(target, barrier, queue, i, args)) for i in range(n)]
    for p in procs:
        p.start()
    try:
        results = sorted(queue.get(timeout=timeout) for _ in procs)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    failed = [out for _, ok, out in results if not ok]
    assert not failed, failed[0]
    return [out for _, _, out in results]
