"""Hyperparameter search by successive halving, on this machine or a Dask cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import loguniform

from mnistlab import models
from mnistlab._errors import InputError
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset, subset
from mnistlab.evaluation import fit_predict
from mnistlab.tasks._common import build_one, parse_names

#: Settings of each ``--budget``: training images searched on, candidates drawn,
#: the halving factor and the smallest number of images a candidate is tried on.
BUDGETS = {
    "quick": {
        "n_train": 6_000,
        "n_candidates": 8,
        "factor": 3,
        "min_resources": 600,
        "max_resources": None,
    },
    # 27 -> 9 -> 3 -> 1 candidates on 1,000 -> 3,000 -> 9,000 -> 27,000 images: the ranking
    # settles by 27,000 images, and the zoo's search then fits 20 minutes on 2 cores
    "full": {
        "n_train": None,
        "n_candidates": 27,
        "factor": 3,
        "min_resources": 1_000,
        "max_resources": 27_000,
    },
}


def distributions(space: dict, n_features: int | None = None) -> dict:
    """Registry search spaces as scikit-learn distributions (``("log-uniform", a, b)``).

    With ``n_features``, numbers of components are capped to it (the 8x8 digits
    have 64 pixels, fewer than some PCA sizes tried on MNIST).
    """
    out = {}
    for key, value in space.items():
        if isinstance(value, tuple) and value and value[0] == "log-uniform":
            out[key] = loguniform(value[1], value[2])
        else:
            values = list(value)
            if n_features is not None and key.endswith("n_components"):
                values = sorted({min(v, n_features) for v in values})
            out[key] = values
    return out


@contextlib.contextmanager
def dask_backend(address: str | None) -> Iterator[object | None]:
    """Run joblib's parallel work on Dask: ``"local"`` starts a 2-worker LocalCluster
    (one thread each, no dashboard), an address connects to a running scheduler."""
    if not address:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--dask needs the dask extra: pip install 'mnistlab[dask]'") from None
    import joblib

    if address == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True
        )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=10)
        except OSError as exc:
            raise InputError(f"--dask {address}: cannot reach the scheduler ({exc})") from None
        cluster = None
    try:
        with joblib.parallel_config(backend="dask"):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@dataclass
class SearchResult:
    """One model's search: the full ``cv_results_``, the best parameters and score."""

    model: str
    cv_results: pd.DataFrame
    best_params: dict
    best_score: float
    n_candidates: int
    n_iterations: int
    seconds: float
    architectures: list[dict] = field(default_factory=list)

    def top(self, k: int = 10) -> pd.DataFrame:
        """The ``k`` best candidates of the last round (most images), best first."""
        last = self.cv_results[self.cv_results["iter"] == self.cv_results["iter"].max()]
        cols = [
            "rank_test_score",
            "mean_test_score",
            "std_test_score",
            "n_resources",
            "mean_fit_time",
            "params",
        ]
        return last.sort_values("rank_test_score")[cols].head(k).reset_index(drop=True)


@dataclass
class SearchRun:
    """Results of :func:`run_search`, keyed by model."""

    budget: str
    results: dict[str, SearchResult] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``: validation scores only."""
        return {
            "task": {"budget": self.budget, **self.settings},
            **{
                n: {
                    "cv": {
                        "accuracy": {"mean": r.best_score},
                        "best_params": r.best_params,
                        "n_candidates": r.n_candidates,
                        "n_iterations": r.n_iterations,
                    },
                    "fit_seconds": r.seconds,
                    **({"architectures": r.architectures} if r.architectures else {}),
                }
                for n, r in self.results.items()
            },
        }


def search_one(
    X: np.ndarray,
    y: np.ndarray,
    model: str,
    *,
    budget: dict,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    device: str | None = None,
) -> SearchResult:
    """Successive-halving random search of registry model ``model`` (training data only)."""
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    entry = models.entry(model)
    if not entry.search_space:
        raise InputError(f"model {model!r} has no search space")
    # many more fits (candidates times folds) than cores: the jobs go across them, whatever
    # the model would do inside
    plan = models.plan_jobs(models.Parallelism.FOLDS, n_jobs, n_folds=cv)
    est = models.set_device(models.get(model, random_state=random_state, n_jobs=plan.model), device)
    search = HalvingRandomSearchCV(
        est,
        distributions(entry.search_space, X.shape[1]),
        n_candidates=budget["n_candidates"],
        factor=budget["factor"],
        min_resources=min(budget["min_resources"], len(y) // 3),
        max_resources=min(budget["max_resources"] or len(y), len(y)),
        resource="n_samples",
        cv=cv,
        random_state=random_state,
        n_jobs=plan.folds,
        refit=False,
        error_score="raise",
    )
    seconds = fit_predict(search, X, y).fit_seconds
    return SearchResult(
        model,
        pd.DataFrame(search.cv_results_),
        search.best_params_,
        float(search.best_score_),
        int(search.n_candidates_[0]),
        int(search.n_iterations_),
        seconds,
    )


def run_search(
    dataset: Dataset,
    model_names: str | Sequence[str],
    *,
    budget: str = "quick",
    dask: str | None = None,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
    device: str | None = None,
    progress: Progress = SILENT,
) -> SearchRun:
    """Search the hyperparameters of each model by successive halving (validation only).

    The number of training images is the resource: many candidates are tried
    on few images, the best third goes on to three times as many, and so on.
    The test set is never touched (score a chosen model with ``evaluate``).

    Parameters
    ----------
    dataset : Dataset
    model_names : str or sequence of str
        Registry names with a search space, or ``"all"`` for the zoo.
    budget : {"quick", "full"}
        See :data:`BUDGETS`.
    dask : str, optional
        ``"local"`` or a scheduler address: the fits run on Dask workers.
    cv, random_state, n_jobs, progress
    device : str, optional
        Where the networks train (see :func:`mnistlab.models.resolve_device`); None
        leaves each model's own choice ("auto").
    """
    if budget not in BUDGETS:
        raise InputError(f"unknown budget {budget!r}; choose from {', '.join(BUDGETS)}")
    entries = models.MODELS.entries()
    zoo = [e.name for e in entries if e.zoo]
    searchable = [e.name for e in entries if e.search_space and not e.multilabel_only]
    names = zoo if model_names == "all" else parse_names(model_names, searchable, "model")
    settings = BUDGETS[budget]
    data = subset(dataset, settings["n_train"], None, random_state=random_state)
    run = SearchRun(
        budget, settings={"cv": cv, "n_train": data.n_train, "dask": dask or None, **settings}
    )
    with dask_backend(dask):
        for name in names:
            with progress.task(f"search {name} ({budget})", 1) as task:
                run.results[name] = search_one(
                    data.X_train,
                    data.y_train,
                    name,
                    budget=settings,
                    cv=cv,
                    random_state=random_state,
                    n_jobs=-1 if dask else n_jobs,
                    device=device,
                )
                task.advance()
            if models.entry(name).family == "neural":
                result = run.results[name]
                top = result.top(3)
                with progress.task(f"{name}: the best {len(top)} architectures, curves", len(top)):
                    result.architectures = [
                        compare_architecture(
                            data.X_train, data.y_train, name, params, random_state, n_jobs, device
                        )
                        for params in top["params"]
                    ]
    return run


def learning_history(estimator: Any) -> list[dict]:
    """Loss and validation accuracy per epoch of a fitted neural network (CNN or MLP)."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    if hasattr(final, "history_"):
        return list(final.history_)
    if hasattr(final, "loss_curve_"):
        valid = getattr(final, "validation_scores_", None) or [None] * len(final.loss_curve_)
        return [
            {"epoch": i + 1, "train_loss": float(loss)}
            | ({"valid_acc": float(v)} if v is not None else {})
            for i, (loss, v) in enumerate(zip(final.loss_curve_, valid, strict=False))
        ]
    return []


def n_parameters(estimator: Any) -> int:
    """Trainable parameters of a fitted neural network (CNN or MLP); 0 for other models."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    if hasattr(final, "n_parameters_"):
        return int(final.n_parameters_)
    if hasattr(final, "coefs_"):
        return int(sum(w.size for w in final.coefs_) + sum(b.size for b in final.intercepts_))
    return 0


def compare_architecture(
    X: np.ndarray,
    y: np.ndarray,
    model: str,
    params: dict,
    random_state: int,
    n_jobs: Any,
    device: str | None = None,
) -> dict:
    """Fit one candidate with a validation split of the training data (never the test set):
    its parameter count, training time and learning curves."""
    est = build_one(model, random_state=random_state, n_jobs=n_jobs).set_params(**params)
    models.set_device(est, device)
    final = est[-1] if hasattr(est, "steps") else est
    if isinstance(final, models.CNNClassifier):  # MLPs hold out 10% with early stopping
        final.set_params(validation_fraction=0.2)
    fit_seconds = fit_predict(est, X, y).fit_seconds
    history = learning_history(est)
    return {
        "params": params,
        "n_parameters": n_parameters(est),
        "fit_seconds": fit_seconds,
        "valid_accuracy": next(
            (h["valid_acc"] for h in reversed(history) if "valid_acc" in h), None
        ),
        "history": history,
    }


@dataclass
class TuningResult:
    """Default against tuned hyperparameters of one model, both cross-validated on the same
    training images (validation scores only; the test set is not read)."""

    model: str
    default: str  # the registry model whose settings are the default
    default_params: dict
    default_scores: np.ndarray  # accuracy per fold
    tuned_scores: np.ndarray
    search: SearchResult
    n_train: int

    @property
    def best_params(self) -> dict:
        """The search's winner."""
        return self.search.best_params

    def rounds(self) -> pd.DataFrame:
        """One row per round of successive halving: candidates, images each, best score."""
        frame = self.search.cv_results
        return (
            frame.groupby("iter")
            .agg(
                candidates=("mean_test_score", "size"),
                images=("n_resources", "first"),
                best=("mean_test_score", "max"),
                worst=("mean_test_score", "min"),
            )
            .reset_index(names="round")
            .assign(round=lambda f: f["round"] + 1)
        )

    def to_metrics(self) -> dict:
        """The ``results.<model>`` block of ``metrics.json``."""

        def cv(scores: np.ndarray) -> dict:
            return {"accuracy": {"folds": scores.tolist(), "mean": float(scores.mean())}}

        return {
            "default": {
                "model": self.default,
                "params": self.default_params,
                "cv": cv(self.default_scores),
            },
            "tuned": {"params": self.best_params, "cv": cv(self.tuned_scores)},
            "search": {
                "n_candidates": self.search.n_candidates,
                "n_iterations": self.search.n_iterations,
                "rounds": self.rounds().to_dict(orient="records"),
                "seconds": self.search.seconds,
            },
            "n_train": self.n_train,
        }


def tune(
    X: np.ndarray,
    y: np.ndarray,
    model: str,
    *,
    default: str | None = None,
    budget: dict,
    cv: int = 3,
    random_state: int = 42,
    n_jobs: int | None = None,
) -> TuningResult:
    """Search ``model``'s hyperparameters by successive halving, then cross-validate its
    default and the winner on the same images with the same folds.

    Parameters
    ----------
    X, y : training images and labels (never the test set)
    model : str
        A registry name with a search space.
    default : str, optional
        The registry model whose settings count as the default (e.g. "knn5", scikit-learn's
        ``KNeighborsClassifier()``, for the textbook's tuned "knn"); default ``model`` itself.
    budget : dict
        As :data:`BUDGETS`' entries (``n_candidates``, ``factor``, ``min_resources``,
        ``max_resources``).
    cv, random_state, n_jobs
    """
    from sklearn.model_selection import cross_val_score

    default = default or model
    search = search_one(X, y, model, budget=budget, cv=cv, random_state=random_state, n_jobs=n_jobs)
    base = models.get(default, random_state=random_state)
    params = base.get_params()
    default_params = {k: params[k] for k in search.best_params if k in params}
    tuned = models.get(model, random_state=random_state).set_params(**search.best_params)
    scores = [cross_val_score(e, X, y, cv=cv, n_jobs=n_jobs) for e in (base, tuned)]
    return TuningResult(model, default, default_params, *scores, search, len(y))
