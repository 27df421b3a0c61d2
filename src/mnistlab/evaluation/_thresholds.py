"""Decision thresholds chosen on precision-recall trade-offs."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import precision_recall_curve

from mnistlab._errors import InputError


@dataclass(frozen=True)
class Threshold:
    """A decision threshold and what it gives on the data it was chosen on.

    ``reached`` is False when no threshold meets the target: ``value`` is then
    None and ``best`` is the best precision (or recall) any threshold achieves.
    """

    rule: str
    target: float | None
    value: float | None
    precision: float | None
    recall: float | None
    reached: bool = True
    best: float | None = None

    def to_dict(self) -> dict:
        """Plain-dict form for ``metrics.json``."""
        return asdict(self)

    @property
    def label(self) -> str:
        """The rule as tables and figures name it, e.g. "precision ≥ 0.9" or "best F1"."""
        return rule_label(self.rule, self.target)

    def message(self) -> str:
        """One line for the user when the target cannot be met."""
        what = "precision" if self.rule == "precision" else "recall"
        return (
            f"no threshold reaches {what} {self.target:g}; the best achievable is {self.best:.4f}"
        )


def rule_label(rule: str, target: float | None) -> str:
    """How a threshold rule is named everywhere: "precision ≥ 0.9", "recall ≥ 0.98", "best F1"."""
    return "best F1" if rule == "f1" else f"{rule} ≥ {target:g}"


def _check_target(target: float, name: str) -> None:
    if not 0 < target <= 1:
        raise InputError(f"{name} {target:g} is outside (0, 1]; give a value such as 0.9")


def _curve(y_true, scores):
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    return precision[:-1], recall[:-1], thresholds  # drop the (1, 0) end point without threshold


def threshold_for_precision(y_true, scores, target: float) -> Threshold:
    """The lowest threshold whose precision reaches ``target`` (the most recall at that precision).

    This is the textbook's ``thresholds[(precisions >= target).argmax()]``.
    """
    _check_target(target, "target precision")
    precision, recall, thresholds = _curve(y_true, scores)
    ok = np.flatnonzero(precision >= target)
    if len(ok) == 0:
        return Threshold("precision", target, None, None, None, False, float(precision.max()))
    i = ok[0]
    return Threshold(
        "precision", target, float(thresholds[i]), float(precision[i]), float(recall[i])
    )


def threshold_for_recall(y_true, scores, target: float) -> Threshold:
    """The highest threshold whose recall still reaches ``target`` (the most precision there)."""
    _check_target(target, "target recall")
    precision, recall, thresholds = _curve(y_true, scores)
    ok = np.flatnonzero(recall >= target)
    if len(ok) == 0:  # cannot happen with the lowest threshold (recall 1) but keep it honest
        return Threshold("recall", target, None, None, None, False, float(recall.max()))
    i = ok[-1]
    return Threshold("recall", target, float(thresholds[i]), float(precision[i]), float(recall[i]))


def threshold_for_best_f1(y_true, scores) -> Threshold:
    """The threshold that maximises F1."""
    precision, recall, thresholds = _curve(y_true, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    i = int(np.argmax(f1))
    return Threshold("f1", None, float(thresholds[i]), float(precision[i]), float(recall[i]))
