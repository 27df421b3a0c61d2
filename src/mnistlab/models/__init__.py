"""Models: the named registry of estimators and safe model directories.

>>> from mnistlab import models
>>> models.get("knn")
KNeighborsClassifier(n_neighbors=4, weights='distance')
"""

from mnistlab.models._cnn import CNNClassifier, torch_available
from mnistlab.models._conv_denoiser import ConvDenoiser
from mnistlab.models._default import (
    DEFAULT_MODEL,
    PREFERRED_MODELS,
    cached_preferred,
    default_model,
    default_model_dir,
    default_model_lock,
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
    predict_digits,
    predict_files,
    probabilities,
    write_predictions_csv,
)
from mnistlab.models._registry import (
    TEXTBOOK_SEED,
    ModelEntry,
    denoiser_entry,
    denoiser_names,
    describe,
    entry,
    get,
    get_denoiser,
    names,
    register,
)
from mnistlab.models._torch import resolve_device, set_device

__all__ = [
    "CARD_FILE",
    "DEFAULT_MODEL",
    "MODEL_FILE",
    "PREFERRED_MODELS",
    "TEXTBOOK_SEED",
    "TRUSTED_TYPES",
    "CNNClassifier",
    "ClippedRegressor",
    "ConvDenoiser",
    "IsotonicOutputRegressor",
    "ModelEntry",
    "NoiseFloorHinge",
    "PCADenoiser",
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
    "library_versions",
    "load_model",
    "make_model",
    "names",
    "predict_digits",
    "predict_files",
    "preferred_model_dirs",
    "probabilities",
    "read_card",
    "read_params",
    "register",
    "resolve_device",
    "save_model",
    "set_device",
    "torch_available",
    "trust",
    "write_predictions_csv",
]
