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
from mnistlab.tasks._clean import CleanResult, find_label_issues, run_clean
from mnistlab.tasks._common import build_for_cv, build_one, parse_names, single_label_names
from mnistlab.tasks._denoise import (
    DenoiseResult,
    DenoiserResult,
    mse_255,
    psnr_255,
    run_denoise,
)
from mnistlab.tasks._multiclass import (
    DEFAULT_MULTICLASS_MODELS,
    STRATEGIES,
    ClassifierResult,
    MulticlassResult,
    evaluate_classifier,
    run_multiclass,
    wrap_strategy,
)
from mnistlab.tasks._multilabel import (
    DEFAULT_LABELS,
    DEFAULT_MULTILABEL_MODELS,
    LABELS,
    MultilabelModelResult,
    MultilabelResult,
    make_labels,
    multilabel_names,
    run_multilabel,
)
from mnistlab.tasks._pairs import DEFAULT_PAIRS_MODEL, PairsResult, run_pairs
from mnistlab.tasks._search import (
    BUDGETS,
    SearchResult,
    SearchRun,
    dask_backend,
    run_search,
    search_one,
)

__all__ = [
    "BUDGETS",
    "DEFAULT_BINARY_MODELS",
    "DEFAULT_LABELS",
    "DEFAULT_MULTICLASS_MODELS",
    "DEFAULT_MULTILABEL_MODELS",
    "DEFAULT_PAIRS_MODEL",
    "LABELS",
    "STRATEGIES",
    "BinaryProblem",
    "BinaryResult",
    "ClassifierResult",
    "CleanResult",
    "DenoiseResult",
    "DenoiserResult",
    "DetectorResult",
    "MulticlassResult",
    "MultilabelModelResult",
    "MultilabelResult",
    "PairsResult",
    "SearchResult",
    "SearchRun",
    "binary_problem",
    "build_for_cv",
    "build_one",
    "dask_backend",
    "evaluate_classifier",
    "evaluate_detector",
    "find_label_issues",
    "make_labels",
    "mse_255",
    "multilabel_names",
    "parse_names",
    "positive_scores",
    "psnr_255",
    "run_binary",
    "run_clean",
    "run_denoise",
    "run_multiclass",
    "run_multilabel",
    "run_pairs",
    "run_search",
    "search_one",
    "single_label_names",
    "wrap_strategy",
]
