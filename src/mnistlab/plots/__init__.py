"""Plots: functions that take results and return matplotlib figures (no pyplot state)."""

from mnistlab.plots._images import digit_grid

__all__ = ["digit_grid"]
