"""Tables once: every task result's tables, their labels and formats, and the three renderers."""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from mnistlab import plots, report, tasks
from mnistlab.data import load, subset
from mnistlab.evaluation import per_class_report
from mnistlab.report import (
    FORMATS,
    Column,
    SectionResult,
    StudyResult,
    Table,
    format_value,
    html_table,
    render_html,
    rich_table,
    styled,
    to_frame,
)


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(scope="module")
def results(digits):
    """Each task run once on the 8x8 digits (small models, 2 folds), computed when asked."""
    small = subset(digits, 400, 200, random_state=0)
    train, test = small.y_train < 4, small.y_test < 4
    four_digits = replace(
        small,
        X_train=small.X_train[train],
        y_train=small.y_train[train],
        X_test=small.X_test[test],
        y_test=small.y_test[test],
    )
    run = {
        "binary": lambda: tasks.run_binary(digits, 5, None, "sgd", cv=2, target_recall=0.98),
        "pairs": lambda: tasks.run_pairs(four_digits, "knn", cv=2),  # 6 pairs
        "multiclass": lambda: tasks.run_multiclass(digits, "sgd,knn", cv=2),
        "multilabel": lambda: tasks.run_multilabel(digits, "large,odd", "knn5", cv=2),
        "denoise": lambda: tasks.run_denoise(digits, "gaussian", None, "pca", classifier="knn"),
        "clean": lambda: tasks.run_clean(four_digits, "logreg", cv=2),
    }
    done: dict = {}

    def get(name):
        if name not in done:
            done[name] = run[name]()
        return done[name]

    return get


def _search_run():
    """A search result as run_search returns it (its numbers are not what is tested here)."""
    cv_results = pd.DataFrame(
        {
            "iter": [0, 1, 1],
            "rank_test_score": [3, 1, 2],
            "mean_test_score": [0.9, 0.97, 0.95],
            "std_test_score": [0.01, 0.004, 0.02],
            "n_resources": [500, 1500, 1500],
            "mean_fit_time": [0.5, 1.25, 1.0],
            "params": [{"k": 1}, {"k": 3}, {"k": 5}],
        }
    )
    arch = {
        "params": {"hidden": 64},
        "n_parameters": 50_890,
        "fit_seconds": 12.0,
        "valid_accuracy": None,
    }
    r = tasks.SearchResult("fast", cv_results, {"k": 3}, 0.97, 3, 2, 4.0, [arch])
    return tasks.SearchRun("quick", {"fast": r})


def tables_of(name, results, digits):
    if name == "search":
        return report.search_tables(_search_run())
    if name == "data":
        return report.dataset_tables(digits)
    if name == "model":
        pred = digits.y_test.copy()
        pred[:7] = (pred[:7] + 1) % 10
        scores = {"fast": {"test": {"accuracy": 0.98}, "fit_seconds": 1.5, "predict_seconds": 0.2}}
        return [
            report.model_scores_table(scores),
            report.per_class_table(
                per_class_report(digits.y_test, pred), "fast: per class on the test set"
            ),
            report.confusions_table({("fast", "test"): (digits.y_test, pred)}),
        ]
    if name == "multiclass":
        return report.multiclass_tables(results(name), per_model=True)
    return getattr(report, f"{name}_tables")(results(name))


TASKS = [
    "data",
    "binary",
    "pairs",
    "multiclass",
    "multilabel",
    "denoise",
    "clean",
    "search",
    "model",
]


# --- the formatter --------------------------------------------------------------------------


def test_one_formatter_writes_every_kind():
    assert format_value(0.98765, "score") == "0.9877"
    assert format_value(0.0123, "percent") == "1.23%"
    assert format_value(60000, "count") == "60,000"
    assert format_value(np.int64(1437), "count") == "1,437"
    assert format_value([0.9, 0.95], "scores") == "0.9000 0.9500"
    assert format_value(1580.774, "decimal") == "1,580.77"
    assert format_value(-1234.5678, "real") == "-1234.57"
    assert format_value(12.345, "seconds") == "12.3"
    assert format_value("sgd[ovr]", "text") == "sgd[ovr]"
    for kind in FORMATS:
        assert format_value(None, kind) == format_value(math.nan, kind) == "—"


def test_a_column_refuses_an_unknown_format_and_a_table_a_ragged_row():
    with pytest.raises(ValueError, match="unknown format"):
        Column("accuracy", "{:.9f}")
    with pytest.raises(ValueError, match="does not match"):
        Table("t", [Column("a"), Column("b", "score")], [["x"]])
    with pytest.raises(ValueError, match="styles"):
        Table("t", [Column("a")], [["x"]], ["blink"])


def test_threshold_rules_are_named_once_in_tables_and_figures(results):
    binary = results("binary")
    _, thresholds, _ = report.binary_tables(binary)
    rules = [row[1] for row in thresholds.rows]
    assert rules == ["precision ≥ 0.9", "recall ≥ 0.98", "best F1"]
    fig = plots.pr_curves(binary)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "threshold for precision ≥ 0.9" in legend and "threshold for recall ≥ 0.98" in legend
    fig = plots.precision_recall_vs_threshold(binary, "sgd")
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "threshold for precision ≥ 0.9 (" in legend


def test_an_unreachable_rule_says_so(results):
    binary = results("binary")
    r = binary.models["sgd"]
    t = replace(r.thresholds["precision"], value=None, precision=None, recall=None)
    t = replace(t, reached=False, best=0.8)
    broken = replace(binary, models={"sgd": replace(r, thresholds={"precision": t})})
    row = report.binary_tables(broken)[1].rows[0]
    assert row[1] == "precision ≥ 0.9: unreachable (best 0.8000)" and row[2:5] == [None] * 3


# --- every task's tables -------------------------------------------------------------------

#: Labels a reader sees: never a raw column or key name such as cv_accuracy or n_train.
RAW = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.mark.parametrize("name", TASKS)
def test_every_table_has_human_labels_and_formatted_numbers(name, results, digits):
    tables = tables_of(name, results, digits)
    assert tables
    for t in tables:
        assert t.caption and len(set(t.labels)) == len(t.labels), t.caption
        assert not [label for label in t.labels if RAW.match(label)], t.labels
        for row, cells in zip(t.rows, t.cells(), strict=True):
            for v, c, cell in zip(row, t.columns, cells, strict=True):
                if isinstance(v, float):  # every float goes through a number format
                    assert c.format not in ("text", "count"), (t.caption, c.label)
                assert cell == format_value(v, c.format)


@pytest.mark.parametrize(
    ("name", "label", "kind"),
    [
        ("pairs", "CV error", "percent"),
        ("pairs", "test error", "percent"),
        ("binary", "CV accuracy", "score"),
        ("binary", "threshold", "real"),
        ("binary", "fit s", "seconds"),
        ("multiclass", "CV fold accuracy", "scores"),
        ("multiclass", "training images", "count"),
        ("denoise", "accuracy won back", "percent"),
        ("clean", "label quality", "score"),
        ("data", "training share", "percent"),
        ("model", "test accuracy", "score"),
    ],
)
def test_a_quantity_has_one_label_and_one_format(name, label, kind, results, digits):
    found = [c for t in tables_of(name, results, digits) for c in t.columns if c.label == label]
    assert found and {c.format for c in found} == {kind}


def test_one_label_means_one_format_across_every_task(results, digits):
    seen: dict[str, set[str]] = {}
    for name in TASKS:
        for t in tables_of(name, results, digits):
            for c in t.columns:
                seen.setdefault(c.label, set()).add(c.format)
    per_model = {"sgd", "knn"}  # the per-class F1 table has one column per model
    assert {k: v for k, v in seen.items() if len(v) > 1 and k not in per_model} == {}


def test_tables_show_the_results_numbers(results):
    binary = results("binary")
    cv, _, test = report.binary_tables(binary)
    r = binary.models["sgd"]
    assert to_frame(cv).set_index("model").loc["sgd", "CV ROC AUC"] == r.cv["roc_auc"]
    assert (
        to_frame(test).set_index("model").loc["never positive", "test accuracy"]
        == (binary.baseline["test"]["accuracy"])
    )
    assert test.styles == [None, "dim"]
    pairs = results("pairs")
    hardest = report.pairs_tables(pairs, top=3)[0]
    assert len(hardest.rows) == 3
    assert hardest.rows[0][1] == pytest.approx(np.nanmax(pairs.cv_error))


# --- the three renderers -------------------------------------------------------------------


def _rich_cells(t: Table) -> list[list[str]]:
    console = Console(width=1000, record=True, color_system=None)
    console.print(rich_table(t))
    lines = console.export_text().splitlines()
    rows = [ln for ln in lines if ln.startswith("│")]
    return [[c.strip() for c in ln.strip("│").split("│")] for ln in rows]


def _td(markup: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", markup, flags=re.S)
    cells = [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]
    return [c for c in cells if c]


def _th(markup: str) -> list[str]:
    return [
        html.unescape(c).strip() for c in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", markup, re.S)
    ]


@pytest.mark.parametrize("name", TASKS)
def test_rich_html_and_pandas_show_the_same_cells(name, results, digits):
    for t in tables_of(name, results, digits):
        cells = t.cells()
        assert _rich_cells(t) == cells, t.caption
        markup = html_table(t)
        assert _td(markup) == cells, t.caption
        assert _th(markup) == (t.labels if t.header else [])
        assert html.escape(t.caption, quote=False) in markup
        shown = styled(t).to_html()
        assert _td(shown) == cells, t.caption
        assert [h for h in _th(shown) if h] == t.labels
        frame = to_frame(t)
        assert list(frame.columns) == t.labels and frame.attrs["caption"] == t.caption


def test_no_renderer_reads_markup_in_a_name():
    evil = "[bold]x[/bold] <script>alert(1)</script>"
    t = Table(evil, [Column(evil), Column("score", "score")], [[evil, 0.5]])
    assert _rich_cells(t) == [[evil, "0.5000"]]
    markup = html_table(t)
    assert "<script>" not in markup and "&lt;script&gt;" in markup


# --- the report ----------------------------------------------------------------------------


def test_json_round_trip_and_a_tampered_table_is_refused(results):
    for t in report.binary_tables(results("binary")):
        doc = json.loads(json.dumps(t.to_json()))
        back = Table.from_json(doc)
        assert back.cells() == t.cells() and back.labels == t.labels and back.styles == t.styles
    doc = report.binary_tables(results("binary"))[0].to_json()
    for bad in (
        {**doc, "columns": [["model", "eval"], *doc["columns"][1:]]},
        {**doc, "rows": [["sgd", "many", *doc["rows"][0][2:]]]},
        {**doc, "rows": "<b>"},
        {**doc, "styles": ["blink"] * len(doc["rows"])},
        {**doc, "styles": [[]] * len(doc["rows"])},
        {**doc, "columns": 5},
        {**doc, "caption": ["x"]},
        {k: v for k, v in doc.items() if k != "header"},
        "a table",
    ):
        with pytest.raises(ValueError):
            Table.from_json(bad)
    with pytest.raises(ValueError):
        SectionResult("binary", {}, {}, {}, tables=[doc], figures_after={"x": "not a list"})


def test_the_report_headers_are_the_tables_labels(results, digits):
    tables = report.binary_tables(results("binary")) + report.pairs_tables(results("pairs"))
    section = SectionResult(
        "binary",
        {},
        {"n_train": digits.n_train, "n_test": digits.n_test},
        {},
        tables=tables,
        figures={"roc.png": b"png"},
        figures_after={tables[2].caption: ["roc.png"]},
    )
    cached = SectionResult(**{**section.to_json(), "figures": section.figures})
    assert [t.cells() for t in cached.tables] == [t.cells() for t in tables]
    study = StudyResult(digits.describe(), {}, "quick", 42, 1, [cached], {"binary": True})
    page = render_html(study)
    assert _th(page) == [label for t in tables for label in t.labels]
    assert _td(page) == [cells for t in tables for cells in t.cells()]
    # the figure follows the table that names it, before the next table
    assert page.index(tables[2].caption) < page.index("roc.png") < page.index(tables[3].caption)
