"""Models: the named registry of estimators and safe model directories.

>>> from mnistlab import models
>>> models.get("knn")
KNeighborsClassifier(n_neighbors=4, weights='distance')

Each name is imported on first use (``lazy_loader``): loading a model directory does not
import the registry's every estimator, nor PyTorch.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_arrays": ["ARRAYS_FILE", "ArrayPipeline", "load_arrays", "model_arrays", "write_arrays"],
        "_cnn": ["CNNClassifier", "torch_available"],
        "_conv_denoiser": ["ConvDenoiser"],
        "_default": [
            "DEFAULT_MODEL",
            "DEFAULT_THICKNESS",
            "PREFERRED_MODELS",
            "RECIPES",
            "cached_preferred",
            "default_model",
            "default_model_dir",
            "default_model_lock",
            "keep_as_default",
            "preferred_model_dirs",
        ],
        "_ensemble": ["DecisionAveragingClassifier"],
        "_denoisers": [
            "ClippedRegressor",
            "IsotonicOutputRegressor",
            "NoiseFloorHinge",
            "PCADenoiser",
        ],
        "_make": ["make_model", "read_params"],
        "_svc": ["BlasSVC"],
        "_persist": [
            "CARD_FILE",
            "MODEL_FILE",
            "TRUSTED_TYPES",
            "library_versions",
            "load_model",
            "read_card",
            "save_model",
            "trust",
        ],
        "_predict": [
            "kaggle_submission",
            "predict_digits",
            "predict_files",
            "probabilities",
            "write_predictions_csv",
        ],
        "_registry": [
            "DENOISERS",
            "MODELS",
            "TEXTBOOK_SEED",
            "JobPlan",
            "ModelEntry",
            "Parallelism",
            "Registry",
            "denoiser_entry",
            "denoiser_names",
            "describe",
            "entry",
            "get",
            "get_denoiser",
            "names",
            "plan_jobs",
            "recipe",
            "recipe_digest",
            "register",
        ],
        "_torch": ["resolve_device", "set_device"],
    },
)
