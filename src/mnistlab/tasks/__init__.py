"""Tasks: each study step as a function returning a plain result object.

Plotting and writing take these results, so the command line, the notebook and the
report share one computation.

Each name is imported on first use (``lazy_loader``).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_augment": [
            "AugmentModelResult",
            "AugmentResult",
            "augmentation_columns",
            "augmentation_examples",
            "run_augment",
            "shift_name",
        ],
        "_binary": [
            "DEFAULT_BINARY_MODELS",
            "BinaryProblem",
            "BinaryResult",
            "DetectorResult",
            "binary_problem",
            "evaluate_detector",
            "positive_scores",
            "run_binary",
        ],
        "_clean": ["CleanResult", "find_label_issues", "run_clean"],
        "_common": ["build_for_cv", "build_one", "parse_names", "single_label_names"],
        "_denoise": ["DenoiseResult", "DenoiserResult", "mse_255", "psnr_255", "run_denoise"],
        "_multiclass": [
            "DEFAULT_MULTICLASS_MODELS",
            "STRATEGIES",
            "ClassifierResult",
            "MulticlassResult",
            "evaluate_classifier",
            "run_multiclass",
            "wrap_strategy",
        ],
        "_multilabel": [
            "DEFAULT_LABELS",
            "DEFAULT_MULTILABEL_MODELS",
            "LABELS",
            "MultilabelModelResult",
            "MultilabelResult",
            "make_labels",
            "multilabel_names",
            "run_multilabel",
        ],
        "_pairs": ["DEFAULT_PAIRS_MODEL", "PairsResult", "run_pairs"],
        "_search": [
            "BUDGETS",
            "SearchResult",
            "SearchRun",
            "TuningResult",
            "dask_backend",
            "run_search",
            "search_one",
            "tune",
        ],
    },
)
