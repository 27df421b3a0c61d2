"""Models: the named registry of estimators and safe model directories.

>>> from mnistlab import models
>>> models.get("knn")
KNeighborsClassifier(n_neighbors=4, weights='distance')
"""

from mnistlab.models._cnn import CNNClassifier, torch_available
from mnistlab.models._default import (
    DEFAULT_MODEL,
    PREFERRED_MODELS,
    cached_preferred,
    default_model,
    default_model_dir,
    default_model_lock,
    keep_as_default,
    preferred_model_dirs,
)
from mnistlab.models._denoisers import (
    ClippedRegressor,
    IsotonicOutputRegressor,
    NoiseFloorHinge,
    PCADenoiser,
)
from mnistlab.models._make import make_model, read_params
from mnistlab.models._persist import (
    CARD_FILE,
    MODEL_FILE,
    TRUSTED_TYPES,
    library_versions,
    load_model,
    read_card,
    save_model,
    trust,
)
from mnistlab.models._predict import (
    kaggle_submission,
    predict_digits,
    predict_files,
    probabilities,
    write_predictions_csv,
)
from mnistlab.models._registry import (
    DENOISERS,
    MODELS,
    TEXTBOOK_SEED,
    JobPlan,
    ModelEntry,
    Parallelism,
    Registry,
    denoiser_entry,
    denoiser_names,
    describe,
    entry,
    get,
    get_denoiser,
    names,
    plan_jobs,
    register,
)

__all__ = [
    "CARD_FILE",
    "DEFAULT_MODEL",
    "DENOISERS",
    "MODELS",
    "MODEL_FILE",
    "PREFERRED_MODELS",
    "TEXTBOOK_SEED",
    "TRUSTED_TYPES",
    "CNNClassifier",
    "ClippedRegressor",
    "IsotonicOutputRegressor",
    "JobPlan",
    "ModelEntry",
    "NoiseFloorHinge",
    "PCADenoiser",
    "Parallelism",
    "Registry",
    "cached_preferred",
    "default_model",
    "default_model_dir",
    "default_model_lock",
    "denoiser_entry",
    "denoiser_names",
    "describe",
    "entry",
    "get",
    "get_denoiser",
    "kaggle_submission",
    "keep_as_default",
    "library_versions",
    "load_model",
    "make_model",
    "names",
    "plan_jobs",
    "predict_digits",
    "predict_files",
    "preferred_model_dirs",
    "probabilities",
    "read_card",
    "read_params",
    "register",
    "save_model",
    "torch_available",
    "trust",
    "write_predictions_csv",
]
