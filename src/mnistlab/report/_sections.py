"""The parts of the study: each runs the same task function and figure set as its command.

A section function takes the dataset, its settings, the seed, ``n_jobs`` and a progress
reporter, and returns a :class:`SectionResult`: plain data (metrics, tables, PNG bytes)
that can be cached as JSON and files, never as a pickle.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mnistlab import _defaults as defaults
from mnistlab import models, tasks
from mnistlab._io import tight_bbox
from mnistlab._progress import Progress
from mnistlab.data import Dataset, dataset_statistics, subset
from mnistlab.evaluation import evaluate_model, per_class_report
from mnistlab.report._figures import (
    augment_figures,
    binary_figures,
    clean_figures,
    data_figures,
    denoise_figures,
    evaluate_figures,
    multiclass_figures,
    multilabel_figures,
    pairs_figures,
    search_figures,
)
from mnistlab.report._tables import (
    Column,
    Table,
    binary_tables,
    clean_tables,
    confusions_table,
    dataset_tables,
    denoise_tables,
    format_params,
    format_value,
    model_scores_table,
    multiclass_tables,
    multilabel_tables,
    pairs_tables,
    per_class_table,
)


@dataclass
class SectionResult:
    """What one section hands to the report: all plain, JSON-able data but the PNGs."""

    name: str
    settings: dict
    data: dict
    metrics: dict
    headline: list[list[str]] = field(default_factory=list)  # [label, value]
    tables: list[Table] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    alt: dict[str, str] = field(default_factory=dict)  # figure name -> what it shows
    figures_after: dict[str, list[str]] = field(default_factory=dict)  # by table caption

    def __post_init__(self) -> None:
        # from the cache: plain JSON, checked (ValueError) before the report trusts it
        self.tables = [t if isinstance(t, Table) else Table.from_json(t) for t in self.tables]
        after = self.figures_after
        if not isinstance(after, dict) or not all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in after.values()
        ):
            raise ValueError("figures_after is not a mapping of captions to figure names")

    def to_json(self) -> dict:
        """Everything but the figures' bytes (their names are kept, in order)."""
        return {
            "name": self.name,
            "settings": self.settings,
            "data": self.data,
            "metrics": self.metrics,
            "headline": self.headline,
            "tables": [t.to_json() for t in self.tables],
            "figures": list(self.figures),
            "notes": self.notes,
            "seconds": self.seconds,
            "alt": self.alt,
            "figures_after": self.figures_after,
        }


def png(fig: Any, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=tight_bbox(fig))
    return buf.getvalue()


def _figures_of(figures: dict[str, Any]) -> dict[str, dict]:
    """``figures`` (PNG bytes) and ``alt`` (each figure's label: what it shows, see
    ``report._figures.described``) of a :class:`SectionResult`."""
    missing = [name for name, fig in figures.items() if not fig.get_label()]
    if missing:  # every image of the report says what it shows
        raise ValueError(f"figures without a description: {', '.join(missing)}")
    return {
        "figures": {name: png(fig) for name, fig in figures.items()},
        "alt": {name: fig.get_label() for name, fig in figures.items()},
    }


def _pct(v: float) -> str:
    return format_value(v, "percent")


def _sized(dataset: Dataset, settings: dict, seed: int) -> Dataset:
    """The section's data: a stated stratified subset when its settings ask for one."""
    n_train, n_test = settings.get("n_train"), settings.get("n_test")
    if (n_train and n_train < dataset.n_train) or (n_test and n_test < dataset.n_test):
        return subset(dataset, n_train, n_test, random_state=seed)
    return dataset


def _data_block(dataset: Dataset) -> dict:
    return {"n_train": dataset.n_train, "n_test": dataset.n_test}


# --- the sections -----------------------------------------------------------------------------


def section_data(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    stats = dataset_statistics(ds)  # the numbers of 'mnistlab data info'
    metrics = {
        "dataset": ds.describe(),
        "class_counts": stats["class_counts"],
        "mean_pixel": stats["pixels"]["train"]["mean"] / ds.pixel_max,
        "pixels": stats["pixels"],
    }
    return SectionResult(
        "data",
        s,
        _data_block(ds),
        metrics,
        headline=[
            ["training images", f"{ds.n_train:,}"],
            ["test images", f"{ds.n_test:,}"],
            ["image", f"{ds.image_shape[0]}x{ds.image_shape[1]}, 0..{ds.pixel_max}"],
            ["checksums", "verified" if ds.verified else "not verified"],
        ],
        tables=dataset_tables(ds, stats)[1:],  # the rest is in the headline
        **_figures_of(data_figures(ds, s.get("n", 25))),
    )


def section_binary(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    common = {
        "cv": s["cv"],
        "target_precision": s["target_precision"],
        "random_state": seed,
        "n_jobs": n_jobs,
        "progress": progress,
    }
    metrics, tables, figures, alt, headline, after = {}, [], {}, {}, [], {}
    problems = [(s["positive"], None)] + ([tuple(s["pair"])] if s.get("pair") else [])
    for positive, negative in problems:
        result = tasks.run_binary(ds, positive, negative, s["models"], **common)
        key = result.problem.name.replace(" ", "_")
        metrics[key] = result.to_metrics()
        tables += binary_tables(result)
        prefix = "" if negative is None else f"pair_{positive}_{negative}_"
        made = {prefix + k: f for k, f in binary_figures(result).items()}
        rendered = _figures_of(made)
        figures.update(rendered["figures"])
        alt.update(rendered["alt"])
        after[tables[-1].caption] = list(made)  # shown with this problem's tables
        best = result.models[result.best()]
        headline.append(
            [
                f"{result.problem.name}: test ROC AUC of the best by CV ({best.name})",
                format_value(best.test["roc_auc"], "score"),
            ]
        )
        if negative is None:
            headline.append(
                ["never-positive baseline accuracy", _pct(result.baseline["cv"]["accuracy"])]
            )
    return SectionResult(
        "binary",
        s,
        _data_block(ds),
        metrics,
        headline,
        tables,
        figures,
        figures_after=after,
        alt=alt,
    )


def section_pairs(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_pairs(
        ds, s["model"], cv=s["cv"], random_state=seed, n_jobs=n_jobs, progress=progress
    )
    metrics = result.to_metrics()
    hard = result.hardest(s.get("top", 10))
    m = metrics[s["model"]]
    return SectionResult(
        "pairs",
        s,
        _data_block(ds),
        metrics,
        headline=[
            ["mean pairwise error (CV)", _pct(m["cv"]["mean_error"])],
            ["hardest pair", f"{hard['pair'][0]} ({_pct(hard['cv_error'][0])} CV error)"],
        ],
        tables=pairs_tables(result, s.get("top", 10)),
        **_figures_of(pairs_figures(result)),
    )


def _variant(spec: str) -> tuple[str, str]:
    """ "sgd[ovo]" -> ("sgd", "ovo"); a bare name is the model's own ("native") handling."""
    name, _, strategy = spec.partition("[")
    return name, strategy.rstrip("]") or "native"


def section_multiclass(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_multiclass(
        ds,
        s["models"],
        strategy=s["strategy"],
        cv=s["cv"],
        random_state=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    # the strategies and scaling: in the tables and bars, without the per-model figures
    variants = tasks.MulticlassResult(ds.y_test, settings=result.settings)
    for spec in s.get("variants") or []:
        name, strategy = _variant(spec)
        variants.models[spec] = tasks.evaluate_classifier(
            ds,
            name,
            strategy=strategy,
            cv=s["cv"],
            random_state=seed,
            n_jobs=n_jobs,
            # a stated smaller subset keeps the comparison cheap (SGD converges slowly)
            max_train=min(
                (c for c in (models.entry(name).max_train, s.get("variants_max_train")) if c),
                default=None,
            ),
            progress=progress,
        )
    table = result.table()
    best = table.loc[table["cv_accuracy"].idxmax()]
    r = result.models[best["model"]]
    tables = multiclass_tables(result)
    if variants.models:
        tables.append(_strategies_table(result, variants))
    tables.append(
        per_class_table(
            per_class_report(ds.y_test, r.test_pred),
            f"{best['model']}, the best by CV: per class on the test set",
        )
    )
    figures = multiclass_figures(result, ds, tuple(s["pair"]), extra=variants)
    return SectionResult(
        "multiclass",
        s,
        _data_block(ds),
        {**result.to_metrics(), **variants.to_metrics(), "task": result.settings},
        headline=[
            ["best by cross-validation", f"{best['model']}: {_pct(best['cv_accuracy'])} CV"],
            ["its test accuracy", _pct(best["test_accuracy"])],
        ],
        tables=tables,
        **_figures_of(figures),
    )


def section_multilabel(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_multilabel(
        ds,
        s["labels"],
        s["models"],
        cv=s["cv"],
        random_state=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    best = max(result.models.values(), key=lambda r: r.cv["f1_macro"])
    return SectionResult(
        "multilabel",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            ["labels", ", ".join(result.labels)],
            [
                "best by CV F1 macro",
                f"{best.name}: test F1 macro {format_value(best.test['f1_macro'], 'score')}",
            ],
        ],
        tables=multilabel_tables(result),
        **_figures_of(multilabel_figures(result)),
    )


def section_denoise(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_denoise(
        ds,
        s["noise"],
        None,
        s.get("denoisers"),
        random_state=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    best = result.denoisers[result.best()]
    return SectionResult(
        "denoise",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            ["classifier on clean test images", _pct(result.clean_accuracy)],
            ["on noisy images", _pct(result.noisy.accuracy)],
            [
                f"after the best denoiser on validation ({result.best()})",
                _pct(best.accuracy),
            ],
        ],
        tables=denoise_tables(result),
        **_figures_of(denoise_figures(result)),
    )


def section_clean(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_clean(
        ds, s["model"], cv=s["cv"], random_state=seed, n_jobs=n_jobs, progress=progress
    )
    return SectionResult(
        "clean",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            [
                "likely label issues",
                f"{len(result.issues):,} ({_pct(len(result.issues) / len(result.given))})",
            ],
            ["test accuracy, all training images", _pct(result.test_accuracy_all)],
            ["test accuracy, issues removed", _pct(result.test_accuracy_cleaned)],
        ],
        tables=clean_tables(result),
        **_figures_of(clean_figures(result, ds, s.get("show", defaults.CLEAN_SHOW))),
    )


def section_model(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    name = s["model"]
    est = tasks.build_one(name, random_state=seed, n_jobs=n_jobs)
    ev = evaluate_model(
        est,
        ds.X_test,
        ds.y_test,
        X_train=ds.X_train,
        y_train=ds.y_train,
        progress=progress,
        name=name,
    )
    fit_seconds, predict_seconds, pred = ev.fit_seconds, ev.predict_seconds, ev.predictions
    others: dict[str, dict] = {}
    preds = {name: pred}
    for other in s.get("cached_models", {}):  # kept by 'train --as-default': scored, not trained
        path = models.default_model_dir(ds, other, seed)
        est_o, card_o = models.load_model(path, image_shape=ds.image_shape)
        ev_o = evaluate_model(
            est_o, ds.X_test, ds.y_test, progress=progress, name=f"{other} (from the cache)"
        )
        others[other] = {
            "test": {"accuracy": ev_o.accuracy},
            "fit_seconds": card_o.get("train_seconds"),
            "predict_seconds": ev_o.predict_seconds,
            "model_sha256": card_o.get("model_sha256"),
        }
        preds[f"{other} (cached)"] = ev_o.predictions
    per_class = ev.per_class()
    metrics = {name: ev.to_metrics(), **others}
    headline = [
        [f"{name}: test accuracy", _pct(ev.accuracy)],
        ["train + predict", f"{format_value(fit_seconds + predict_seconds, 'seconds')} s"],
    ]
    headline += [
        [f"{o} (cached): test accuracy", _pct(m["test"]["accuracy"])] for o, m in others.items()
    ]
    return SectionResult(
        "model",
        s,
        _data_block(ds),
        metrics,
        headline=headline,
        tables=[
            model_scores_table(
                {f"{o} (cached)" if o != name else o: m for o, m in metrics.items()}
            ),
            per_class_table(per_class, f"{name}: per class on the test set"),
            confusions_table({(n, "test"): (ds.y_test, p) for n, p in preds.items()}),
        ],
        **_figures_of(evaluate_figures(name, ds.y_test, pred)),
        notes=[models.describe(name)],
    )


# --- the tables of the search and augment sections and of the SGD variants: small and
# self-contained, to move into report._tables -------------------------------------------------


def _frame_table(caption: str, frame: Any, formats: dict[str, str]) -> Table:
    """A DataFrame as a :class:`Table`; columns not in ``formats`` are text."""
    columns = [Column(str(c), formats.get(str(c), "text")) for c in frame.columns]
    return Table(caption, columns, frame.to_numpy(dtype=object).tolist())


def _strategies_table(result: Any, variants: Any) -> Table:
    """SGD as it is, wrapped one-vs-rest and one-vs-one, and on standardised pixels."""
    import pandas as pd

    table = result.table()
    names = {_variant(v)[0] for v in variants.models}
    compared = pd.concat([table[table["model"].isin(names)], variants.table()], ignore_index=True)
    return _frame_table(
        "One-vs-rest, one-vs-one and scaling: binary classifiers trained, "
        "cross-validated and test accuracy",
        compared[
            ["model", "strategy", "n_estimators", "cv_accuracy", "test_accuracy", "fit_seconds"]
        ],
        {
            "n_estimators": "count",
            "cv_accuracy": "score",
            "test_accuracy": "score",
            "fit_seconds": "seconds",
        },
    )


def _search_table(results: dict) -> Table:
    """Default against tuned, per model: validation (CV) accuracy on the same images."""
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "model": name,
                "default": f"{t.default}: {format_params(t.default_params)}",
                "default CV accuracy": t.default_scores.mean(),
                "tuned": format_params(t.best_params),
                "tuned CV accuracy": t.tuned_scores.mean(),
                "candidates": t.search.n_candidates,
                "rounds": t.search.n_iterations,
                "images": t.n_train,
                "search s": t.search.seconds,
            }
            for name, t in results.items()
        ]
    )
    return _frame_table(
        "Default and tuned hyperparameters: cross-validated accuracy on the same "
        "images (the test set is not read)",
        frame,
        {
            "default CV accuracy": "score",
            "tuned CV accuracy": "score",
            "candidates": "count",
            "rounds": "count",
            "images": "count",
            "search s": "seconds",
        },
    )


def section_search(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    data = subset(ds, s.get("n_train"), None, random_state=seed)
    budget = {k: s[k] for k in ("n_candidates", "factor", "min_resources")}
    budget["max_resources"] = None
    results = {}
    for name in tasks.parse_names(s["models"], models.names(), "model"):
        default = s.get("defaults", {}).get(name, name)
        with progress.task(f"{name}: successive halving, then default and tuned CV", 1) as task:
            results[name] = tasks.tune(
                data.X_train,
                data.y_train,
                name,
                default=default,
                budget=budget,
                cv=s["cv"],
                random_state=seed,
                n_jobs=n_jobs,
            )
            task.advance()
    import pandas as pd

    rounds = pd.concat([t.rounds().assign(model=n) for n, t in results.items()], ignore_index=True)[
        ["model", "round", "candidates", "images", "best", "worst"]
    ]
    return SectionResult(
        "search",
        s,
        {"n_train": data.n_train, "n_test": 0},
        {
            "task": {"cv": s["cv"], "budget": budget},
            **{n: t.to_metrics() for n, t in results.items()},
        },
        headline=[
            [
                f"{n}: default → tuned (CV)",
                f"{_pct(t.default_scores.mean())} → {_pct(t.tuned_scores.mean())}",
            ]
            for n, t in results.items()
        ],
        tables=[
            _search_table(results),
            _frame_table(
                "The rounds of successive halving: candidates, training images each, "
                "validation accuracy",
                rounds,
                {
                    "round": "count",
                    "candidates": "count",
                    "images": "count",
                    "best": "score",
                    "worst": "score",
                },
            ),
        ],
        **_figures_of(search_figures(results)),
    )


def section_augment(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    result = tasks.run_augment(
        ds,
        s["models"],
        shifts=s["shifts"],
        angles=s["angles"],
        n_examples=s.get("examples", 4),
        random_state=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    return SectionResult(
        "augment",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            [
                f"{n}: test accuracy → augmented",
                f"{_pct(r.plain_accuracy)} → {_pct(r.augmented_accuracy)}",
            ]
            for n, r in result.models.items()
        ],
        tables=[
            _frame_table(
                f"Test accuracy without and with {len(result.columns) - 1} augmented copies of "
                "each training image (same models, same seed; the test images as they are)",
                result.table(),
                {
                    "training images": "count",
                    "with copies": "count",
                    "test accuracy": "score",
                    "augmented: test accuracy": "score",
                    "change (points)": "decimal",
                    "s": "seconds",
                    "augmented s": "seconds",
                },
            )
        ],
        **_figures_of(augment_figures(result, ds)),
    )


@dataclass(frozen=True)
class Section:
    """A part of the study: its title, a sentence on what it shows, and its function."""

    name: str
    title: str
    text: str
    run: Callable[..., SectionResult]


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in [
        Section(
            "data",
            "The data",
            "What the images look like, how many there are of each digit, and whether the "
            "files are the genuine ones.",
            section_data,
        ),
        Section(
            "binary",
            "Binary classifiers: a 5-detector and a digit pair",
            "The chapter's '5 or not 5' detector and a pair of look-alike digits, judged by "
            "cross-validated precision-recall and ROC curves; thresholds are chosen on "
            "out-of-fold scores, never on the test set. Accuracy alone misleads: a detector "
            "that never says 5 is right about 91% of the time. The 2x2 confusion matrix gives "
            "precision and recall; the reliability diagram shows whether the random forest's "
            "probabilities mean what they say.",
            section_binary,
        ),
        Section(
            "pairs",
            "Every pair of digits",
            "A detector for each of the 45 digit pairs: which digits are hard to tell apart?",
            section_pairs,
        ),
        Section(
            "multiclass",
            "Multiclass classification and error analysis",
            "Ten-class models compared by cross-validation, then scored once on the test set; "
            "SGD also wrapped one-vs-rest and one-vs-one, and on standardised pixels. The "
            "confusion matrices (normalised by row; the errors alone, normalised by row and by "
            "column) and the most confident mistakes show where they go wrong.",
            section_multiclass,
        ),
        Section(
            "multilabel",
            "Multilabel classification",
            "Several yes/no labels per image at once (large digit, odd, prime), scored by "
            "F1 per label and on average.",
            section_multilabel,
        ),
        Section(
            "denoise",
            "Multioutput classification: removing noise",
            "A model whose output is a whole image: noisy digits in, clean digits out, judged "
            "by pixel error and by how well a fixed classifier reads the result.",
            section_denoise,
        ),
        Section(
            "clean",
            "Cleaning the training set",
            "Confident learning (cleanlab) on out-of-fold probabilities finds training "
            "images whose label is probably wrong.",
            section_clean,
        ),
        Section(
            "search",
            "Tuning hyperparameters: default against tuned",
            "A random search by successive halving (scikit-learn's HalvingRandomSearchCV): "
            "many candidates on a few images, the best on more and more, for the textbook's "
            "nearest-neighbour model (scikit-learn's default k=5 against the search's "
            "choice) and for the fast model of the zoo. Validation scores only: the default "
            "and the winner are cross-validated on the same images; the test set is not read.",
            section_search,
        ),
        Section(
            "model",
            "An accurate model",
            "Deskewing, PCA and nearest neighbours beat the chapter's tuned KNN in a fraction "
            "of its time; trained on all training images and scored once on the test set. "
            "Models kept by 'mnistlab train --model cnn|best --as-default' are scored too.",
            section_model,
        ),
        Section(
            "augment",
            "Augmenting the training images",
            "The textbook's exercise: shifted copies of every training image (and here rotated "
            "ones too) added to the training set, the same models trained with the same seed, "
            "each scored once on the test set without and with the copies.",
            section_augment,
        ),
    ]
}
