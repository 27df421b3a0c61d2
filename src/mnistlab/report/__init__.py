"""Report: the ``metrics.json`` document and (later) the HTML report of the whole study."""

from mnistlab.report._metrics import metrics_document

__all__ = ["metrics_document"]
