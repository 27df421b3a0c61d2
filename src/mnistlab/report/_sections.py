"""The parts of the study: each runs the same task function and figure set as its command.

A section function takes the dataset, its settings, the seed, ``n_jobs`` and a progress
reporter, and returns a :class:`SectionResult`: plain data (metrics, tables, PNG bytes)
that can be cached as JSON and files, never as a pickle.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mnistlab import _defaults as defaults
from mnistlab import models, tasks
from mnistlab._progress import Progress
from mnistlab.data import Dataset, dataset_statistics, subset
from mnistlab.evaluation import per_class_report, test_summary, top_confusions
from mnistlab.report._figures import (
    binary_figures,
    clean_figures,
    data_figures,
    denoise_figures,
    evaluate_figures,
    multiclass_figures,
    multilabel_figures,
    pairs_figures,
)


@dataclass
class SectionResult:
    """What one section hands to the report: all plain, JSON-able data but the PNGs."""

    name: str
    settings: dict
    data: dict
    metrics: dict
    headline: list[list[str]] = field(default_factory=list)  # [label, value]
    tables: list[dict] = field(default_factory=list)  # {"caption", "columns", "rows"}
    figures: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        """Everything but the figures' bytes (their names are kept, in order)."""
        return {
            "name": self.name,
            "settings": self.settings,
            "data": self.data,
            "metrics": self.metrics,
            "headline": self.headline,
            "tables": self.tables,
            "figures": list(self.figures),
            "notes": self.notes,
            "seconds": self.seconds,
        }


def png(fig: Any, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _pngs(figures: dict[str, Any]) -> dict[str, bytes]:
    return {name: png(fig) for name, fig in figures.items()}


def _table(caption: str, frame: pd.DataFrame, digits: int = 4) -> dict:
    """A table as JSON: numbers rounded for reading (metrics.json keeps them whole)."""
    rows = []
    for row in frame.itertuples(index=False):
        out = []
        for v in row:
            if isinstance(v, (float, np.floating)):
                out.append(None if np.isnan(v) else round(float(v), digits))
            elif isinstance(v, np.integer):
                out.append(int(v))
            else:
                out.append(v if isinstance(v, (int, str, bool)) or v is None else str(v))
        rows.append(out)
    return {"caption": caption, "columns": [str(c) for c in frame.columns], "rows": rows}


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%"


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
    counts = stats["class_counts"]
    frame = pd.DataFrame({"digit": np.arange(len(counts["train"])), **counts})
    metrics = {
        "dataset": ds.describe(),
        "class_counts": counts,
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
        tables=[_table("Images per digit", frame)],
        figures=_pngs(data_figures(ds, s.get("n", 25))),
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
    metrics, tables, figures, headline = {}, [], {}, []
    problems = [(s["positive"], None)] + ([tuple(s["pair"])] if s.get("pair") else [])
    for positive, negative in problems:
        result = tasks.run_binary(ds, positive, negative, s["models"], **common)
        key = result.problem.name.replace(" ", "_")
        metrics[key] = result.to_metrics()
        rows = [
            {
                "model": name,
                "CV accuracy": r.oof.fold_accuracy.mean(),
                "CV ROC AUC": r.cv["roc_auc"],
                "CV avg precision": r.cv["average_precision"],
                "test precision": r.test["precision"],
                "test recall": r.test["recall"],
                "test F1": r.test["f1"],
                "test ROC AUC": r.test["roc_auc"],
            }
            for name, r in result.models.items()
        ]
        rows.append({"model": "never positive", "CV accuracy": result.baseline["cv"]["accuracy"]})
        tables.append(
            _table(f"{result.problem.name}: cross-validation and test", pd.DataFrame(rows))
        )
        th = []
        for name, r in result.models.items():
            for rule, t in r.thresholds.items():
                tt = r.test_thresholds.get(rule) or {}
                th.append(
                    {
                        "model": name,
                        "rule": rule if t.target is None else f"{rule} >= {t.target:g}",
                        "threshold": t.value if t.reached else None,
                        "CV precision": t.precision if t.reached else None,
                        "CV recall": t.recall if t.reached else None,
                        "test precision": tt.get("precision"),
                        "test recall": tt.get("recall"),
                    }
                )
        tables.append(
            _table(
                f"{result.problem.name}: thresholds chosen on out-of-fold scores, "
                "applied to the test set",
                pd.DataFrame(th),
            )
        )
        prefix = "" if negative is None else f"pair_{positive}_{negative}_"
        made = {prefix + k: png(f) for k, f in binary_figures(result).items()}
        figures.update(made)
        tables[-1]["figures"] = list(made)  # shown with this problem's tables in the report
        best = result.models[result.best()]
        headline.append(
            [
                f"{result.problem.name}: test ROC AUC of the best by CV ({best.name})",
                f"{best.test['roc_auc']:.4f}",
            ]
        )
        if negative is None:
            headline.append(
                ["never-positive baseline accuracy", _pct(result.baseline["cv"]["accuracy"])]
            )
    return SectionResult("binary", s, _data_block(ds), metrics, headline, tables, figures)


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
        tables=[_table("The hardest pairs (out-of-fold error, test error)", hard)],
        figures=_pngs(pairs_figures(result)),
    )


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
    table = result.table()
    tables = [_table("Accuracy: cross-validated and on the test set", table)]
    best = table.loc[table["cv_accuracy"].idxmax()]
    r = result.models[best["model"]]
    tables.append(
        _table(
            f"{best['model']}: per class on the test set",
            per_class_report(ds.y_test, r.test_pred).reset_index(names="class"),
        )
    )
    tables.append(
        _table(
            f"{best['model']}: most frequent test confusions",
            top_confusions(ds.y_test, r.test_pred),
        )
    )
    figures = multiclass_figures(result, ds, tuple(s["pair"]))
    return SectionResult(
        "multiclass",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            ["best by cross-validation", f"{best['model']}: {_pct(best['cv_accuracy'])} CV"],
            ["its test accuracy", _pct(best["test_accuracy"])],
        ],
        tables=tables,
        figures=_pngs(figures),
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
    rows = [
        {
            "model": name,
            "CV F1 (macro)": r.cv["f1_macro"],
            "test F1 (macro)": r.test["f1_macro"],
            "test subset accuracy": r.test["subset_accuracy"],
            "test Hamming loss": r.test["hamming_loss"],
            "n_train": r.n_train,
            "fit s": r.fit_seconds,
        }
        for name, r in result.models.items()
    ]
    frame = pd.DataFrame(rows)
    best = frame.loc[frame["CV F1 (macro)"].idxmax()]
    return SectionResult(
        "multilabel",
        s,
        _data_block(ds),
        result.to_metrics(),
        headline=[
            ["labels", ", ".join(result.labels)],
            ["best by CV F1", f"{best['model']}: test F1 {best['test F1 (macro)']:.4f}"],
        ],
        tables=[_table("Multilabel scores", frame)],
        figures=_pngs(multilabel_figures(result)),
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
    rows = [
        {
            "denoiser": name,
            "validation MSE": r.validation_mse,
            "MSE (0..255)": r.mse,
            "PSNR dB": r.psnr,
            "classifier accuracy": r.accuracy,
            "accuracy recovered": r.recovered,
            "fit s": r.fit_seconds,
        }
        for name, r in [("noisy input", result.noisy), *result.denoisers.items()]
    ]
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
        tables=[
            _table(
                f"Denoisers on '{result.noise}' noise: validation MSE (which chooses), "
                "then the test set",
                pd.DataFrame(rows),
            )
        ],
        figures=_pngs(denoise_figures(result)),
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
        tables=[_table("The worst ten", result.table().head(10))],
        figures=_pngs(clean_figures(result, ds, s.get("show", defaults.CLEAN_SHOW))),
    )


def section_model(ds: Dataset, s: dict, seed: int, n_jobs: Any, progress: Progress):
    ds = _sized(ds, s, seed)
    name = s["model"]
    with progress.task(f"{name}: train on {ds.n_train:,} images", 1) as task:
        start = time.perf_counter()
        est = models.get(name, random_state=seed, n_jobs=n_jobs).fit(ds.X_train, ds.y_train)
        fit_seconds = time.perf_counter() - start
        task.advance()
    with progress.task(f"{name}: score the test set once", 1) as task:
        start = time.perf_counter()
        pred = est.predict(ds.X_test)
        predict_seconds = time.perf_counter() - start
        task.advance()
    acc = float(np.mean(pred == ds.y_test))
    rows = [
        {"model": name, "test accuracy": acc, "fit s": fit_seconds, "predict s": predict_seconds}
    ]
    others: dict[str, dict] = {}
    for other in s.get("cached_models", {}):  # kept by 'train --as-default': scored, not trained
        path = models.default_model_dir(ds, other, seed)
        est_o, card_o = models.load_model(path, image_shape=ds.image_shape)
        with progress.task(f"{other} (from the cache): score the test set once", 1) as task:
            start = time.perf_counter()
            pred_o = est_o.predict(ds.X_test)
            seconds_o = time.perf_counter() - start
            task.advance()
        acc_o = float(np.mean(pred_o == ds.y_test))
        others[other] = {
            "test": {"accuracy": acc_o},
            "fit_seconds": card_o.get("train_seconds"),
            "predict_seconds": seconds_o,
            "model_sha256": card_o.get("model_sha256"),
        }
        rows.append(
            {
                "model": f"{other} (cached)",
                "test accuracy": acc_o,
                "fit s": card_o.get("train_seconds"),
                "predict s": seconds_o,
            }
        )
    per_class = per_class_report(ds.y_test, pred)
    metrics = {
        name: {
            "test": test_summary(ds.y_test, pred),
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
        },
        **others,
    }
    headline = [
        [f"{name}: test accuracy", _pct(acc)],
        ["train + predict", f"{fit_seconds + predict_seconds:.1f} s"],
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
            _table("Test accuracy", pd.DataFrame(rows)),
            _table(f"{name}: per class on the test set", per_class.reset_index(names="class")),
            _table("Most frequent confusions", top_confusions(ds.y_test, pred)),
        ],
        figures=_pngs(evaluate_figures(name, ds.y_test, pred)),
        notes=[models.describe(name)],
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
            "that never says 5 is right about 91% of the time.",
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
            "the confusion matrices (normalised by row, and with correct predictions removed) "
            "and the most confident mistakes show where they go wrong.",
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
            "model",
            "An accurate model",
            "Deskewing, PCA and nearest neighbours beat the chapter's tuned KNN in a fraction "
            "of its time; trained on all training images and scored once on the test set. "
            "Models kept by 'mnistlab train --model cnn|best --as-default' are scored too.",
            section_model,
        ),
    ]
}
