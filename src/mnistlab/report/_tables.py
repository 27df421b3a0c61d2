"""The tables of each task result: one set for the command line, the report and the notebook.

Every ``*_tables`` function returns a list of :class:`Table` (a caption, columns that each
carry a human label and a format, rows of plain values). Three small renderers draw them:
:func:`rich_table` for the command line, the ``table`` macro of ``templates/_table.html``
for the HTML report (:func:`html_table` renders it alone), and :func:`to_frame` /
:func:`styled` for pandas. Every label and number format is decided here, once:
:func:`format_value` is the only formatter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab.data import dataset_statistics

if TYPE_CHECKING:
    import pandas as pd

#: Formats by the kind of quantity: how each is written, in every renderer.
FORMATS: dict[str, Callable[[Any], str]] = {
    "text": str,
    "count": lambda v: f"{int(v):,}",  # images, estimators, weights
    "score": lambda v: f"{v:.4f}",  # a number in [0, 1]: accuracy, precision, AUC, quality
    "scores": lambda v: " ".join(f"{x:.4f}" for x in v),  # per-fold scores
    "percent": lambda v: f"{v:.2%}",  # error rates and shares
    "decimal": lambda v: f"{v:,.2f}",  # MSE, PSNR, pixel values
    "real": lambda v: f"{v:.6g}",  # unbounded model outputs: decision thresholds
    "seconds": lambda v: f"{v:,.1f}",
}

#: Written left-aligned; numbers are right-aligned.
LEFT = frozenset({"text"})

MISSING = "—"


def format_value(value: Any, kind: str = "text") -> str:
    """``value`` written as its column's format says; None and NaN are a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return FORMATS[kind](value)


@dataclass(frozen=True)
class Column:
    """A column: its human label and the format of its values (a key of :data:`FORMATS`)."""

    label: str
    format: str = "text"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"column {self.label!r}: unknown format {self.format!r}")

    @property
    def align(self) -> str:
        return "left" if self.format in LEFT else "right"


def _plain(v: Any) -> Any:
    """A JSON-able value: numpy scalars and arrays become Python ones, NaN becomes None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.ndarray, list, tuple)):
        return [_plain(x) for x in v]
    return v


@dataclass
class Table:
    """A caption, labelled and formatted columns, and rows of plain values.

    ``styles`` marks rows for the renderers: "dim" (a baseline), "bold" (the best, a
    total) or None. ``header`` False draws a two-column list of properties.
    """

    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    styles: list[str | None] = field(default_factory=list)
    header: bool = True

    def __post_init__(self) -> None:
        self.rows = [[_plain(v) for v in row] for row in self.rows]
        self.styles = list(self.styles) or [None] * len(self.rows)
        if any(len(row) != len(self.columns) for row in self.rows):
            raise ValueError(f"table {self.caption!r}: a row does not match the columns")
        if len(self.styles) != len(self.rows) or not set(self.styles) <= {None, "dim", "bold"}:
            raise ValueError(f"table {self.caption!r}: bad row styles")

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def cells(self) -> list[list[str]]:
        """Every row as the text the renderers show."""
        return [
            [format_value(v, c.format) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def to_json(self) -> dict:
        return {
            "caption": self.caption,
            "columns": [[c.label, c.format] for c in self.columns],
            "rows": self.rows,
            "styles": self.styles,
            "header": self.header,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Table:
        """The inverse of :meth:`to_json`; ValueError for anything else (a tampered cache)."""
        try:
            columns = [Column(str(label), str(kind)) for label, kind in doc["columns"]]
            rows = doc["rows"]
            if not isinstance(doc["caption"], str) or not all(isinstance(r, list) for r in rows):
                raise ValueError("not a table")
            table = cls(doc["caption"], columns, rows, doc["styles"], bool(doc["header"]))
            table.cells()  # the formats must accept what the cache holds
        except (TypeError, KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"not a table: {exc}") from None
        return table


# --- renderers --------------------------------------------------------------------------------


def rich_table(table: Table) -> Any:
    """A :class:`rich.table.Table`; no text is read as rich markup."""
    from rich.table import Table as RichTable
    from rich.text import Text

    out = RichTable(title=Text(table.caption), title_justify="left", show_header=table.header)
    for i, c in enumerate(table.columns):
        bold = "bold" if not table.header and i == 0 else None
        out.add_column(Text(c.label), justify=c.align, style=bold)  # type: ignore[arg-type]
    for cells, style in zip(table.cells(), table.styles, strict=True):
        out.add_row(*(Text(s) for s in cells), style=style)
    return out


@cache
def template_env() -> Any:
    """The report's Jinja environment: its templates, autoescaped, with the table macro."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("mnistlab.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["format_value"] = format_value
    return env


def html_table(table: Table) -> str:
    """The table as the report draws it (the ``table`` macro of ``_table.html``)."""
    return template_env().get_template("_table.html").module.table(table)


def to_frame(table: Table) -> pd.DataFrame:
    """The values, unformatted, under the human labels; the caption in ``attrs``."""
    import pandas as pd  # not for the command line's tables: 'predict' answers without it

    frame = pd.DataFrame(table.rows, columns=table.labels)
    frame.attrs["caption"] = table.caption
    return frame


def styled(table: Table) -> Any:
    """The DataFrame as a pandas Styler that writes each column as every renderer does."""
    formats = {c.label: partial(format_value, kind=c.format) for c in table.columns}
    return to_frame(table).style.format(formats).set_caption(table.caption).hide(axis="index")


# --- shared pieces ----------------------------------------------------------------------------

MODEL = Column("model")
TRAIN_IMAGES = Column("training images", "count")
FIT = Column("fit s", "seconds")
PREDICT = Column("predict s", "seconds")


def per_class_table(report: pd.DataFrame, caption: str) -> Table:
    """Precision, recall, F1 and support per class (``evaluation.per_class_report``)."""
    return Table(
        caption,
        [
            Column("class"),
            Column("precision", "score"),
            Column("recall", "score"),
            Column("F1", "score"),
            Column("support", "count"),
        ],
        [
            [str(k), row["precision"], row["recall"], row["f1-score"], int(row["support"])]
            for k, row in report.iterrows()
        ],
    )


def _confusions(frame: pd.DataFrame) -> str:
    return ", ".join(
        f"{t}→{p}: {format_value(c, 'count')} ({format_value(x, 'percent')})"
        for t, p, c, x in frame.itertuples(index=False)
    )


def confusions_table(predictions: Mapping[tuple[str, str], tuple[Any, Any]], k: int = 5) -> Table:
    """The ``k`` most frequent mistakes of each ``(model, which predictions)``."""
    from mnistlab.evaluation import top_confusions  # imports scikit-learn: only for this table

    return Table(
        "Most frequent confusions (true → predicted: count, share of the true class)",
        [MODEL, Column("predictions"), Column("confusions")],
        [
            [model, which, _confusions(top_confusions(y_true, y_pred, k))]
            for (model, which), (y_true, y_pred) in predictions.items()
        ],
    )


def model_scores_table(scores: Mapping[str, Mapping[str, Any]]) -> Table:
    """Test accuracy and times of models scored once (the study's model section)."""
    return Table(
        "Test accuracy",
        [MODEL, Column("test accuracy", "score"), FIT, PREDICT],
        [
            [name, m["test"]["accuracy"], m.get("fit_seconds"), m.get("predict_seconds")]
            for name, m in scores.items()
        ],
    )


# --- one function per result ------------------------------------------------------------------


def dataset_tables(dataset: Any, stats: Mapping[str, Any] | None = None) -> list[Table]:
    """What the data is, its class counts and its pixel statistics.

    ``stats`` is :func:`mnistlab.data.dataset_statistics` of ``dataset`` (computed if None).
    """
    stats = stats if stats is not None else dataset_statistics(dataset)
    h, w = dataset.image_shape
    props = [
        ["source", dataset.source],
        [
            "verified",
            "yes: MD5 of all four files match MNIST's"
            if dataset.verified
            else "no (no canonical checksums for this source)",
        ],
        ["split", dataset.split],
    ]
    for split, X in (("train", dataset.X_train), ("test", dataset.X_test)):
        props.append([split, f"{len(X):,} images of {h}x{w}, {X.dtype}, {X.shape} array"])
    props.append(["pixels", f"0..{dataset.pixel_max}"])
    props += [[f"md5 {name}", md5] for name, md5 in dataset.checksums.items()]
    train, test = (np.asarray(stats["class_counts"][k]) for k in ("train", "test"))
    counts = Table(
        "Class counts",
        [
            Column("digit"),
            TRAIN_IMAGES,
            Column("training share", "percent"),
            Column("test images", "count"),
            Column("test share", "percent"),
        ],
        [
            [str(d), train[d], train[d] / train.sum(), test[d], test[d] / test.sum()]
            for d in range(len(train))
        ]
        + [["total", train.sum(), None, test.sum(), None]],
        [None] * len(train) + ["bold"],
    )
    pixels = Table(
        "Pixel statistics",
        [
            Column("split"),
            Column("min", "count"),
            Column("max", "count"),
            Column("mean", "decimal"),
            Column("std", "decimal"),
            Column("zeros", "percent"),
        ],
        [
            [split, p["min"], p["max"], p["mean"], p["std"], p["zero_fraction"]]
            for split, p in stats["pixels"].items()
        ],
    )
    about = Table(
        f"Dataset: {dataset.name}", [Column("property"), Column("value")], props, header=False
    )
    return [about, counts, pixels]


def binary_tables(result: Any) -> list[Table]:
    """Cross-validation, the thresholds chosen on it, and the test set, with the baseline."""
    p = result.problem
    models = result.models.items()
    cv = Table(
        f"{p.name}: {result.settings.get('cv', 3)}-fold cross-validation on "
        f"{len(p.y_train):,} training images (out-of-fold)",
        [
            MODEL,
            TRAIN_IMAGES,
            Column("CV fold accuracy", "scores"),
            Column("CV accuracy", "score"),
            Column("CV ROC AUC", "score"),
            Column("CV average precision", "score"),
            Column("CV precision", "score"),
            Column("CV recall", "score"),
            Column("CV F1", "score"),
        ],
        [
            [
                name,
                r.n_train,
                r.oof.fold_accuracy,
                r.oof.fold_accuracy.mean(),
                *(r.cv[k] for k in ("roc_auc", "average_precision", "precision", "recall", "f1")),
            ]
            for name, r in models
        ]
        + [
            ["never positive", len(p.y_train), None, result.baseline["cv"]["accuracy"]] + [None] * 5
        ],
        [None] * len(result.models) + ["dim"],
    )
    rows = []
    for name, r in models:
        for rule, t in r.thresholds.items():
            tt = r.test_thresholds.get(rule) or {}
            best = format_value(t.best, "score")
            label = t.label if t.reached else f"{t.label}: unreachable (best {best})"
            rows.append(
                [name, label, t.value, t.precision, t.recall, tt.get("precision"), tt.get("recall")]
            )
    thresholds = Table(
        f"{p.name}: thresholds chosen on out-of-fold scores, then applied to the test set",
        [
            MODEL,
            Column("rule"),
            Column("threshold", "real"),
            Column("CV precision", "score"),
            Column("CV recall", "score"),
            Column("test precision", "score"),
            Column("test recall", "score"),
        ],
        rows,
    )
    keys = ("accuracy", "precision", "recall", "f1", "roc_auc", "average_precision")
    test = Table(
        f"{p.name}: test set ({len(p.y_test):,} images, scored once)",
        [
            MODEL,
            Column("test accuracy", "score"),
            Column("test precision", "score"),
            Column("test recall", "score"),
            Column("test F1", "score"),
            Column("test ROC AUC", "score"),
            Column("test average precision", "score"),
            FIT,
            PREDICT,
        ],
        [[name, *(r.test[k] for k in keys), r.fit_seconds, r.predict_seconds] for name, r in models]
        + [["never positive", result.baseline["test"]["accuracy"]] + [None] * 7],
        [None] * len(result.models) + ["dim"],
    )
    return [cv, thresholds, test]


def pairs_tables(result: Any, top: int = 10) -> list[Table]:
    """The ``top`` hardest digit pairs: out-of-fold and test error."""
    return [
        Table(
            f"Hardest pairs for {result.model} ({result.settings.get('cv', 3)}-fold CV, "
            "then the test set)",
            [
                Column("pair"),
                Column("CV error", "percent"),
                Column("test error", "percent"),
                Column("CV ROC AUC", "score"),
                TRAIN_IMAGES,
            ],
            result.hardest(top)[["pair", "cv_error", "test_error", "cv_roc_auc", "n_train"]]
            .to_numpy(dtype=object)
            .tolist(),
        )
    ]


def multiclass_tables(result: Any, per_model: bool = False) -> list[Table]:
    """Accuracy of every model, per-class F1 and the most frequent confusions.

    ``per_model`` adds each model's out-of-fold per-class report.
    """
    s = result.settings
    models = result.models.items()
    tables = [
        Table(
            f"Multiclass ({s.get('strategy', 'native')}): {s.get('cv', 3)}-fold CV on the "
            f"training set, then the test set ({len(result.y_test):,} images) once",
            [
                MODEL,
                TRAIN_IMAGES,
                Column("binary estimators", "count"),
                Column("score shape"),
                Column("CV fold accuracy", "scores"),
                Column("CV accuracy", "score"),
                Column("test accuracy", "score"),
                FIT,
                PREDICT,
            ],
            [
                [
                    name,
                    r.n_train,
                    r.n_estimators,
                    "x".join(map(str, r.score_shape)),
                    r.oof.fold_accuracy,
                    r.cv_accuracy,
                    r.test_accuracy,
                    r.fit_seconds,
                    r.predict_seconds,
                ]
                for name, r in models
            ],
        )
    ]
    reports = {name: r.cv_report() for name, r in models}
    classes = [k for k in next(iter(reports.values())).index if k != "weighted avg"]
    tables.append(
        Table(
            "Per-class F1, out-of-fold",
            [Column("class")] + [Column(name, "score") for name in reports],
            [[k] + [rep.loc[k, "f1-score"] for rep in reports.values()] for k in classes],
            [None] * (len(classes) - 1) + ["bold"],
        )
    )
    if per_model:
        tables += [
            per_class_table(rep, f"{name}: per-class report (out-of-fold)")
            for name, rep in reports.items()
        ]
    predictions = {}
    for name, r in models:
        predictions[name, "out-of-fold"] = (r.y_cv, r.oof.predictions)
        predictions[name, "test"] = (result.y_test, r.test_pred)
    tables.append(confusions_table(predictions))
    return tables


def multilabel_tables(result: Any) -> list[Table]:
    """F1, Hamming loss and subset accuracy (out-of-fold and test); per-label test scores."""
    keys = ("f1_macro", "f1_weighted", "hamming_loss", "subset_accuracy")
    names = ("F1 macro", "F1 weighted", "Hamming loss", "subset accuracy")
    scores = Table(
        f"Multilabel ({', '.join(result.labels)}): out-of-fold (CV) and test",
        [MODEL, TRAIN_IMAGES]
        + [Column(f"{where} {n}", "score") for where in ("CV", "test") for n in names]
        + [FIT],
        [
            [name, r.n_train, *(m[k] for m in (r.cv, r.test) for k in keys), r.fit_seconds]
            for name, r in result.models.items()
        ],
    )
    per_label = Table(
        "Per label, test set",
        [
            MODEL,
            Column("label"),
            Column("test precision", "score"),
            Column("test recall", "score"),
            Column("test F1", "score"),
        ],
        [
            [name, lab, *(r.test["per_label"][lab][k] for k in ("precision", "recall", "f1"))]
            for name, r in result.models.items()
            for lab in result.labels
        ],
    )
    return [scores, per_label]


def denoise_tables(result: Any) -> list[Table]:
    """Every denoiser against the noisy input: pixel error, and the classifier's accuracy."""
    n_test = result.settings.get("n_test")
    where = f"test set, {n_test:,} images" if n_test else "test set"
    best = result.best()
    entries = [("noisy (baseline)", result.noisy), *result.denoisers.items()]
    return [
        Table(
            f"Denoising {result.noise} noise (strength {result.strength:g}): {where}; "
            f"{result.classifier} accuracy on clean images "
            f"{format_value(result.clean_accuracy, 'score')}; the best is chosen on "
            "validation MSE",
            [
                Column("input"),
                Column("validation MSE", "decimal"),
                Column("test MSE", "decimal"),
                Column("test PSNR dB", "decimal"),
                Column("classifier accuracy", "score"),
                Column("accuracy won back", "percent"),
                FIT,
                PREDICT,
            ],
            [
                [
                    name,
                    r.validation_mse,
                    r.mse,
                    r.psnr,
                    r.accuracy,
                    r.recovered,
                    r.fit_seconds,
                    r.predict_seconds,
                ]
                for name, r in entries
            ],
            ["dim"] + ["bold" if name == best else None for name, _ in entries[1:]],
        )
    ]


def clean_tables(result: Any, top: int = 10) -> list[Table]:
    """Test accuracy with and without the likely label issues; the ``top`` worst of them."""
    n, n_train = len(result.issues), len(result.given)
    worst = result.table().head(top)
    return [
        Table(
            "Test accuracy of the same model trained with and without them",
            [Column("training set"), TRAIN_IMAGES, Column("test accuracy", "score")],
            [
                ["all", n_train, result.test_accuracy_all],
                ["without the issues", n_train - n, result.test_accuracy_cleaned],
            ],
        ),
        Table(
            f"The worst {top}" if top != 10 else "The worst ten",
            [
                Column("training index"),
                Column("given label"),
                Column("suggested label"),
                Column("label quality", "score"),
            ],
            worst[["index", "given", "suggested", "quality"]].to_numpy(dtype=object).tolist(),
        ),
    ]


def _params(params: Any) -> str:
    return json.dumps(params, default=str)


def format_params(params: dict) -> str:
    """Parameters as "k=v, ..." with the pipeline step prefixes dropped (floats to 3 digits).

    Examples
    --------
    >>> format_params({"svc__C": 2.0, "pca__n_components": 40, "svc__gamma": 1.2345e-06})
    'C=2, n_components=40, gamma=1.23e-06'
    """
    return ", ".join(
        f"{k.rpartition('__')[2]}={v:.3g}"
        if isinstance(v, float)
        else f"{k.rpartition('__')[2]}={v}"
        for k, v in params.items()
    )


def search_tables(run: Any, top: int = 10) -> list[Table]:
    """Per model: the ``top`` candidates by validation score; neural networks' architectures."""
    tables = []
    for name, r in run.results.items():
        tables.append(
            Table(
                f"{name}: top candidates ({r.n_candidates} drawn, {r.n_iterations} rounds, "
                f"{format_value(r.seconds, 'seconds')} s)",
                [
                    Column("rank", "count"),
                    Column("CV accuracy", "score"),
                    Column("CV std", "score"),
                    TRAIN_IMAGES,
                    FIT,
                    Column("parameters"),
                ],
                [
                    [
                        row.rank_test_score,
                        row.mean_test_score,
                        row.std_test_score,
                        row.n_resources,
                        row.mean_fit_time,
                        _params(row.params),
                    ]
                    for row in r.top(top).itertuples(index=False)
                ],
            )
        )
        if r.architectures:
            tables.append(
                Table(
                    f"{name}: the best architectures, refitted with a validation split",
                    [
                        Column("parameters"),
                        Column("trainable weights", "count"),
                        FIT,
                        Column("validation accuracy", "score"),
                    ],
                    [
                        [
                            _params(a["params"]),
                            a["n_parameters"],
                            a["fit_seconds"],
                            a["valid_accuracy"],
                        ]
                        for a in r.architectures
                    ],
                )
            )
    return tables


def predictions_table(model: str, rows: Sequence[Mapping[str, Any]]) -> Table:
    """One row per file (``models.predict_files``): the digit, its probability, the top 3."""

    def top3(r: Mapping[str, Any]) -> str:
        if r["error"] is not None:
            return f"refused: {r['error']}"
        return ", ".join(f"{d} ({format_value(q, 'score')})" for d, q in r["top3"])

    return Table(
        f"Predictions of {model}",
        [Column("file"), Column("digit"), Column("probability", "score"), Column("top 3")],
        [[r["file"], r["digit"], r["probability"], top3(r)] for r in rows],
    )


def study_table(study: Any) -> Table:
    """The study's sections: time, whether from the cache, and their headlines."""
    return Table(
        f"Study of {study.dataset.get('name')} ({study.profile} profile, "
        f"{format_value(study.seconds, 'seconds')} s)",
        [Column("section"), Column("seconds", "seconds"), Column("headline")],
        [
            [
                s.name + (" (cached)" if study.cached.get(s.name) else ""),
                s.seconds,
                "; ".join(f"{k}: {v}" for k, v in s.headline),
            ]
            for s in study.sections
        ],
    )
