"""Tasks: each study step as a function returning a plain result object.

Plotting and writing take these results, so the command line, the notebook and the
report share one computation.
"""

from mnistlab.tasks._binary import (
    DEFAULT_BINARY_MODELS,
    BinaryProblem,
    BinaryResult,
    DetectorResult,
    binary_problem,
    evaluate_detector,
    positive_scores,
    run_binary,
)
from mnistlab.tasks._common import parse_names
from mnistlab.tasks._pairs import DEFAULT_PAIRS_MODEL, PairsResult, run_pairs

__all__ = [
    "DEFAULT_BINARY_MODELS",
    "DEFAULT_PAIRS_MODEL",
    "BinaryProblem",
    "BinaryResult",
    "DetectorResult",
    "PairsResult",
    "binary_problem",
    "evaluate_detector",
    "parse_names",
    "positive_scores",
    "run_binary",
    "run_pairs",
]
