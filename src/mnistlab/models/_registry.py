"""The named model registry: ``get("sgd")`` returns a fresh, unfitted scikit-learn estimator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from mnistlab._errors import InputError
from mnistlab.models._cnn import CNNClassifier
from mnistlab.models._conv_denoiser import ConvDenoiser
from mnistlab.models._denoisers import (
    ClippedRegressor,
    IsotonicOutputRegressor,
    NoiseFloorHinge,
    PCADenoiser,
)
from mnistlab.preprocessing import HOG, Augmented, BlockScaler, Deskew

#: The textbook's seed (Hands-On ML uses ``random_state=42`` throughout).
TEXTBOOK_SEED = 42


@dataclass(frozen=True)
class ModelEntry:
    """One named model.

    Attributes
    ----------
    name : str
        The registry name, as used on the command line.
    description : str
        One line for ``mnistlab list``.
    factory : callable
        Returns a new unfitted estimator with the entry's default settings.
    search_space : dict
        Parameter distributions for searches, keyed as ``set_params`` takes them.
    tags : frozenset of str
        Properties: ``"textbook"`` (as in the book), ``"parallel"`` (parallelises well
        by itself, so tasks give it the jobs rather than the CV folds), ...
    max_train : int or None
        Tasks train this model on a stated stratified subset of at most this many
        images (for models too slow for all 60,000); None means all.
    """

    name: str
    description: str
    factory: Callable[[], BaseEstimator]
    search_space: dict[str, Any] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    max_train: int | None = None


_REGISTRY: dict[str, ModelEntry] = {}
_DENOISERS: dict[str, ModelEntry] = {}


def register(entry: ModelEntry, *, replace: bool = False, kind: str = "model") -> ModelEntry:
    """Add an entry to the registry of classifiers (``kind="model"``) or of denoisers."""
    registry = _DENOISERS if kind == "denoiser" else _REGISTRY
    if entry.name in registry and not replace:
        raise ValueError(f"{kind} {entry.name!r} is already registered")
    registry[entry.name] = entry
    return entry


def denoiser_names() -> list[str]:
    """The registered denoiser names, in registration order."""
    return list(_DENOISERS)


def denoiser_entry(name: str) -> ModelEntry:
    """Return the denoiser entry ``name``; an unknown name is an :class:`InputError`."""
    try:
        return _DENOISERS[name]
    except KeyError:
        raise InputError(
            f"unknown denoiser {name!r}; known denoisers: {', '.join(denoiser_names())}"
        ) from None


def get_denoiser(
    name: str, *, random_state: int | None = None, n_jobs: int | None = None
) -> BaseEstimator:
    """A new unfitted denoiser (noisy rows to clean rows); options as :func:`get`."""
    est = clone(denoiser_entry(name).factory())
    if random_state is not None:
        _set_nested(est, "random_state", random_state, outermost=False)
    if n_jobs is not None:
        _set_nested(est, "n_jobs", n_jobs, outermost=True)
    return est


def names() -> list[str]:
    """The registered model names, in registration order."""
    return list(_REGISTRY)


def entry(name: str) -> ModelEntry:
    """Return the registry entry ``name``; an unknown name is an :class:`InputError`."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; known models: {', '.join(names())} (see 'mnistlab list')"
        ) from None


def describe(name: str) -> str:
    """The one-line description of model ``name``."""
    return entry(name).description


def _set_nested(estimator: BaseEstimator, suffix: str, value: Any, *, outermost: bool) -> None:
    """Set the (nested) parameters called ``suffix``, e.g. a pipeline step's ``random_state``.

    With ``outermost`` only the shallowest ones are set, so that a meta-estimator's
    ``n_jobs`` parallelises and its inner estimators stay serial (one level only).
    """
    params = estimator.get_params(deep=True)
    keys = [k for k in params if k == suffix or k.endswith("__" + suffix)]
    # LogisticRegression's n_jobs has had no effect since scikit-learn 1.8 (and warns)
    if suffix == "n_jobs":
        keys = [
            k
            for k in keys
            if not isinstance(
                params.get(k.rpartition("__")[0]) if "__" in k else estimator, LogisticRegression
            )
        ]
    if outermost and keys:
        depth = min(k.count("__") for k in keys)
        keys = [k for k in keys if k.count("__") == depth]
    if keys:
        estimator.set_params(**dict.fromkeys(keys, value))


def get(name: str, *, random_state: int | None = None, n_jobs: int | None = None) -> BaseEstimator:
    """Return a new unfitted estimator for the registry entry ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`names`.
    random_state : int or None
        Set on every component that has a ``random_state``; None keeps the
        entry's default (the textbook's 42 where the book fixes one).
    n_jobs : int or None
        Set on the outermost components that have ``n_jobs``; None keeps the
        default (single process), so that parallelism is chosen at one level only.
    """
    est = clone(entry(name).factory())
    if random_state is not None:
        _set_nested(est, "random_state", random_state, outermost=False)
    if n_jobs is not None:
        _set_nested(est, "n_jobs", n_jobs, outermost=True)
    return est


register(
    ModelEntry(
        "sgd",
        "linear SVM by SGD on raw pixels, as in Hands-On ML ch. 3: SGDClassifier(random_state=42)",
        lambda: SGDClassifier(random_state=TEXTBOOK_SEED),
        search_space={"alpha": ("log-uniform", 1e-6, 1e-2)},
        tags=frozenset({"textbook", "linear", "parallel-multiclass"}),
    )
)
register(
    ModelEntry(
        "sgd-scaled",
        "StandardScaler then the textbook's SGDClassifier(random_state=42), the scaler fitted "
        "inside each CV fold (the book scales all 60,000 images before its CV, which leaks a "
        "little and gives slightly different figures)",
        lambda: make_pipeline(StandardScaler(), SGDClassifier(random_state=TEXTBOOK_SEED)),
        search_space={"sgdclassifier__alpha": ("log-uniform", 1e-6, 1e-2)},
        tags=frozenset({"textbook", "linear", "parallel-multiclass", "slow"}),
    )
)
register(
    ModelEntry(
        "rf",
        "random forest of 100 trees, as in Hands-On ML ch. 3: "
        "RandomForestClassifier(random_state=42)",
        lambda: RandomForestClassifier(random_state=TEXTBOOK_SEED),
        search_space={"n_estimators": [100, 200, 400], "max_features": ["sqrt", 0.1, 0.2]},
        tags=frozenset({"textbook", "forest", "parallel"}),
    )
)
register(
    ModelEntry(
        "knn",
        "k-nearest neighbours, the textbook's tuned one: "
        "KNeighborsClassifier(n_neighbors=4, weights='distance')",
        lambda: KNeighborsClassifier(n_neighbors=4, weights="distance"),
        search_space={"n_neighbors": [3, 4, 5, 6], "weights": ["uniform", "distance"]},
        tags=frozenset({"textbook", "neighbors", "multilabel", "parallel"}),
    )
)
register(
    ModelEntry(
        "logreg",
        "multinomial logistic regression (C=0.1) on pixels scaled to 0..1 (MinMaxScaler)",
        lambda: make_pipeline(MinMaxScaler(), LogisticRegression(C=0.1, max_iter=1000)),
        search_space={"logisticregression__C": ("log-uniform", 1e-3, 1e1)},
        tags=frozenset({"linear"}),
    )
)
register(
    ModelEntry(
        "svc",
        "RBF support vector machine on raw pixels, as in Hands-On ML ch. 3: SVC(random_state=42); "
        "trained on a stratified subset of 10,000 images (it scales quadratically)",
        lambda: SVC(random_state=TEXTBOOK_SEED),
        search_space={"C": ("log-uniform", 1e-1, 1e2), "gamma": ("log-uniform", 1e-8, 1e-5)},
        tags=frozenset({"textbook", "svm", "slow"}),
        max_train=10_000,
    )
)
register(
    ModelEntry(
        "pca-knn",
        "PCA to 40 components, then KNeighborsClassifier(n_neighbors=4, weights='distance'): "
        "nearly the textbook knn's accuracy at a fraction of its cost",
        lambda: Pipeline(
            [
                ("pca", PCA(n_components=40, random_state=TEXTBOOK_SEED)),
                ("knn", KNeighborsClassifier(n_neighbors=4, weights="distance")),
            ]
        ),
        search_space={"pca__n_components": [30, 40, 50, 60], "knn__n_neighbors": [3, 4, 5, 6]},
        tags=frozenset({"neighbors", "parallel"}),
    )
)
register(
    ModelEntry(
        "knn5",
        "KNeighborsClassifier() with its defaults (k=5), as in the textbook's multilabel section",
        lambda: KNeighborsClassifier(),
        tags=frozenset({"textbook", "neighbors", "multilabel", "parallel"}),
    )
)
register(
    ModelEntry(
        "chain-svc",
        "ClassifierChain(SVC(), cv=3, random_state=42), the textbook's multilabel chain; "
        "trained on a stratified subset of 5,000 images",
        lambda: ClassifierChain(SVC(), cv=3, random_state=TEXTBOOK_SEED),
        tags=frozenset({"textbook", "svm", "multilabel", "multilabel-only", "slow"}),
        max_train=5_000,
    )
)
register(
    ModelEntry(
        "multioutput-logreg",
        "MultiOutputClassifier: one logistic regression (pixels scaled to 0..1) per label",
        lambda: MultiOutputClassifier(
            make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=1000))
        ),
        tags=frozenset({"linear", "multilabel", "multilabel-only", "parallel"}),
    )
)


# --- the accurate-model zoo: deskewed images, features, kernels --------------------------------

register(
    ModelEntry(
        "fast",
        "deskew, PCA to 60 components, KNeighborsClassifier(3, distance): quick and accurate "
        "(settings chosen on a validation split of the training set)",
        lambda: Pipeline(
            [
                ("deskew", Deskew()),
                (
                    "pca",
                    PCA(n_components=60, svd_solver="covariance_eigh", random_state=TEXTBOOK_SEED),
                ),
                ("knn", KNeighborsClassifier(n_neighbors=3, weights="distance")),
            ]
        ),
        search_space={
            "pca__n_components": [40, 50, 60, 70, 80],
            "knn__n_neighbors": [3, 4, 5, 6, 8],
            "knn__weights": ["uniform", "distance"],
        },
        tags=frozenset({"neighbors", "parallel", "zoo"}),
    )
)
register(
    ModelEntry(
        "svc-deskew",
        "deskew, PCA to 50 components, RBF SVC(C=10): a strong kernel machine",
        lambda: Pipeline(
            [
                ("deskew", Deskew()),
                ("pca", PCA(n_components=50, random_state=TEXTBOOK_SEED)),
                ("svc", SVC(C=10, random_state=TEXTBOOK_SEED)),
            ]
        ),
        search_space={
            "pca__n_components": [40, 50, 60, 80],
            "svc__C": [2, 5, 10, 20, 50],
            "svc__gamma": ["scale", 0.5e-6, 1e-6, 2e-6, 4e-6],
        },
        tags=frozenset({"svm", "zoo"}),
    )
)
register(
    ModelEntry(
        "svc-hog",
        "deskew, HOG features (scikit-image), RBF SVC(C=10)",
        lambda: Pipeline(
            [
                ("deskew", Deskew()),
                ("hog", HOG()),
                ("svc", SVC(C=10, random_state=TEXTBOOK_SEED)),
            ]
        ),
        search_space={"hog__orientations": [8, 9, 12], "svc__C": [2, 5, 10, 20, 50]},
        tags=frozenset({"svm", "zoo", "slow"}),
    )
)


def _best() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "pixels",
                Pipeline(
                    [
                        ("pca", PCA(50, svd_solver="covariance_eigh", random_state=TEXTBOOK_SEED)),
                        ("scale", BlockScaler()),
                    ]
                ),
            ),
            (
                "hog",
                Pipeline(
                    [
                        ("hog", HOG()),
                        ("pca", PCA(128, svd_solver="covariance_eigh", random_state=TEXTBOOK_SEED)),
                        ("scale", BlockScaler()),
                    ]
                ),
            ),
        ]
    )
    svm = Pipeline(
        [("features", features), ("svc", SVC(C=10, cache_size=2000, random_state=TEXTBOOK_SEED))]
    )
    return Pipeline(
        [
            ("deskew", Deskew()),
            ("vsv", Augmented(svm, angles=(-8, 8), support_vectors_only=True)),
        ]
    )


register(
    ModelEntry(
        "best",
        "the most accurate classical model: deskew; PCA(50) of the pixels joined with "
        "PCA(128) of HOG features; RBF SVC(C=10), refitted with shifted and rotated copies "
        "of its support vectors (virtual support vectors); chosen on a validation split",
        _best,
        search_space={
            "vsv__estimator__svc__C": [2, 5, 10, 20],
            "vsv__estimator__features__hog__pca__n_components": [64, 128, 192],
            "vsv__estimator__features__pixels__pca__n_components": [40, 50, 60],
        },
        tags=frozenset({"svm", "zoo", "slow"}),
    )
)


register(
    ModelEntry(
        "mlp",
        "deskew, standardise, MLPClassifier(256, 128) with early stopping on a validation split",
        lambda: Pipeline(
            [
                ("deskew", Deskew()),
                ("scale", StandardScaler()),
                (
                    "mlp",
                    MLPClassifier(
                        hidden_layer_sizes=(256, 128),
                        alpha=1e-3,
                        early_stopping=True,
                        max_iter=60,
                        random_state=TEXTBOOK_SEED,
                    ),
                ),
            ]
        ),
        search_space={
            "mlp__hidden_layer_sizes": [(256,), (256, 128), (512, 256)],
            "mlp__alpha": [1e-4, 1e-3, 1e-2],
        },
        tags=frozenset({"neural", "zoo"}),
    )
)


def _mlp(hidden: tuple[int, ...], alpha: float, deskew: bool) -> Pipeline:
    steps = [("deskew", Deskew())] if deskew else []
    steps += [
        ("scale", StandardScaler()),
        (
            "mlp",
            MLPClassifier(
                hidden_layer_sizes=hidden,
                alpha=alpha,
                early_stopping=True,
                max_iter=60,
                random_state=TEXTBOOK_SEED,
            ),
        ),
    ]
    return Pipeline(steps)


_MLP_SPACE = {
    "mlp__hidden_layer_sizes": [(128,), (256,), (512,), (256, 128), (512, 256), (512, 256, 128)],
    "mlp__alpha": [1e-5, 1e-4, 1e-3, 1e-2],
    "mlp__learning_rate_init": [3e-4, 1e-3, 3e-3],
}
# the MLP family (scikit-learn's MLPClassifier): not in the classical zoo's search ("all")
for _name, _text, _hidden, _alpha, _deskew in [
    ("mlp-raw", "one hidden layer of 256 on the raw pixels (standardised)", (256,), 1e-4, False),
    ("mlp-wide", "deskew, one wide hidden layer of 1024", (1024,), 1e-3, True),
    ("mlp-deep", "deskew, three hidden layers (512, 256, 128)", (512, 256, 128), 1e-3, True),
]:
    register(
        ModelEntry(
            _name,
            f"MLPClassifier: {_text}, L2 penalty {_alpha:g}, early stopping on a validation split",
            lambda h=_hidden, a=_alpha, d=_deskew: _mlp(h, a, d),
            search_space=_MLP_SPACE,
            tags=frozenset({"neural"}),
        )
    )


register(
    ModelEntry(
        "cnn",
        "a small convolutional network (PyTorch; needs the torch extra): two conv blocks "
        "with batch norm and dropout, 10 epochs of one-cycle AdamW, random shifts and "
        "rotations of every batch; on the GPU when there is one",
        # 10 epochs: chosen on validation (benchmarks/results/cnn_validation.json)
        lambda: CNNClassifier(epochs=10, random_state=TEXTBOOK_SEED),
        search_space={
            "channels": [(16, 32), (32, 64), (32, 64, 128)],
            "dense": [64, 128, 256],
            "dropout": [0.1, 0.25, 0.4],
            "lr": [1e-3, 3e-3, 1e-2],
        },
        tags=frozenset({"neural", "torch"}),
    )
)
register(
    ModelEntry(
        "et",
        "deskew, ExtraTreesClassifier(300 trees): the forest of the zoo",
        lambda: Pipeline(
            [
                ("deskew", Deskew()),
                ("et", ExtraTreesClassifier(n_estimators=300, random_state=TEXTBOOK_SEED)),
            ]
        ),
        search_space={"et__n_estimators": [100, 300, 500], "et__max_features": ["sqrt", 0.1]},
        tags=frozenset({"forest", "parallel", "zoo"}),
    )
)

# --- denoisers: noisy image rows -> clean image rows ------------------------------------------

register(
    ModelEntry(
        "knn-classifier",
        "the textbook's: KNeighborsClassifier() predicting each pixel as a class",
        lambda: KNeighborsClassifier(),
        tags=frozenset({"textbook", "parallel"}),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "knn-regressor",
        "KNeighborsRegressor(n_neighbors=5, weights='distance'): the mean of the nearest "
        "clean images",
        lambda: KNeighborsRegressor(n_neighbors=5, weights="distance"),
        tags=frozenset({"parallel"}),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "pca",
        "projection onto the clean images' principal components (how many: chosen on a "
        "validation split)",
        lambda: PCADenoiser(random_state=TEXTBOOK_SEED),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "ridge",
        "multioutput linear Ridge regression, clipped to the pixel range",
        lambda: ClippedRegressor(Ridge(alpha=1.0)),
        tags=frozenset({"linear"}),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "pca-knn-regressor",
        "PCA of the noisy images to 40 components (which averages the noise out), then the "
        "distance-weighted mean of the 5 nearest clean images",
        lambda: Pipeline(
            [
                ("pca", PCA(n_components=40, random_state=TEXTBOOK_SEED)),
                ("knn", KNeighborsRegressor(n_neighbors=5, weights="distance")),
            ]
        ),
        tags=frozenset({"parallel"}),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "hinge-ridge",
        "Ridge on the pixels plus a hinge above the learned noise floor, then one learned "
        "monotone (isotonic) map of its outputs: piecewise-linear and sharp",
        lambda: IsotonicOutputRegressor(
            Pipeline([("hinge", NoiseFloorHinge()), ("ridge", Ridge(alpha=1.0))])
        ),
        tags=frozenset({"nonlinear"}),
    ),
    kind="denoiser",
)
register(
    ModelEntry(
        "unet",
        "a small convolutional network (needs the torch extra): a two-level U-Net that "
        "learns the noise to take away, 4 epochs of one-cycle AdamW on the MSE",
        lambda: ConvDenoiser(random_state=TEXTBOOK_SEED),
        tags=frozenset({"neural", "torch"}),
    ),
    kind="denoiser",
)
