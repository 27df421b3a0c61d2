"""The study: sections, the per-section cache, the report and its files."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from mnistlab._errors import InputError
from mnistlab._io import OutputDir
from mnistlab.data import load
from mnistlab.report import (
    PROFILES,
    SECTIONS,
    SectionCache,
    parse_sections,
    run_study,
    section_key,
    write_report,
)
from tests._concurrency import at_once


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def test_parse_sections_keeps_study_order_and_refuses_unknown():
    assert parse_sections("model,data") == ["data", "model"]
    assert parse_sections("all") == list(SECTIONS)
    with pytest.raises(InputError, match="unknown section 'nope'"):
        parse_sections("data,nope")
    with pytest.raises(InputError, match="choose from data, binary"):
        parse_sections("")


def test_every_profile_sets_every_section():
    for profile in PROFILES.values():
        assert set(profile) == set(SECTIONS)


def test_the_quick_profile_has_every_denoiser_but_the_networks():
    from mnistlab import models
    from mnistlab.report._study import QUICK_DENOISERS

    classical = [n for n in models.denoiser_names() if models.denoiser_entry(n).extra is None]
    assert QUICK_DENOISERS.split(",") == classical
    assert PROFILES["quick"]["denoise"]["denoisers"] == QUICK_DENOISERS


def test_key_depends_on_settings_seed_and_data(digits):
    s = PROFILES["default"]["model"]
    key = section_key("model", s, digits, 42)
    assert key == section_key("model", dict(s), digits, 42)
    assert key != section_key("model", {**s, "model": "knn"}, digits, 42)
    assert key != section_key("model", s, digits, 0)
    from mnistlab.data import subset

    assert key != section_key("model", s, subset(digits, 1000, 300), 42)


def test_sections_are_cached_and_resumed(tmp_path, digits):
    cache = SectionCache(tmp_path / "cache")
    first = run_study(digits, "data,model", cache=cache)
    assert first.cached == {"data": False, "model": False}
    seen = []
    again = run_study(digits, "data,model", cache=cache, on_section=lambda r, c: seen.append(c))
    assert again.cached == {"data": True, "model": True} and seen == [True, True]
    assert again.sections[1].metrics == json.loads(json.dumps(first.sections[1].metrics))
    assert again.sections[1].figures == first.sections[1].figures
    redo = run_study(digits, "model", cache=cache, recompute=True)
    assert redo.cached == {"model": False}
    # a damaged entry is recomputed, not trusted
    for entry in (tmp_path / "cache").iterdir():
        (entry / "section.json").write_text("{broken")
    assert run_study(digits, "data", cache=cache).cached == {"data": False}


class _Images(HTMLParser):
    """Every <img>'s attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def assert_images_say_what_they_show(html: str, study) -> None:
    """Every image has an alt text of its own: not empty, not the fallback made of the
    section's title and file name, and different from every other image's."""
    parser = _Images()
    parser.feed(html)
    alts = [img.get("alt") or "" for img in parser.images]
    assert len(alts) == sum(len(s.figures) for s in study.sections)
    for section in study.sections:
        for name in section.figures:
            text = section.alt[name]
            assert text in alts and len(text) > 40, (name, text)
            assert name not in text and not text.startswith(section.name), (name, text)
    assert len(set(alts)) == len(alts)


def test_report_files(tmp_path, digits):
    study = run_study(digits, "data,binary,model", cache=SectionCache(tmp_path / "c"))
    out = OutputDir(tmp_path / "out")
    page = write_report(out, study)
    html = page.read_text()
    assert html.count("data:image/png;base64,") == sum(len(s.figures) for s in study.sections)
    assert_images_say_what_they_show(html, study)
    binary = study.sections[1]
    assert {"confusion_2x2.png", "reliability.png", "pair_3_5_confusion_2x2.png"} <= set(
        binary.figures
    )
    sgd = binary.metrics["5_vs_rest"]["sgd"]["cv"]
    assert f"sgd precision {sgd['precision']['out_of_fold']:.2%}" in binary.alt["confusion_2x2.png"]
    for name in ("data", "binary", "model"):
        assert f'id="{name}"' in html and f'href="#{name}"' in html
        doc = json.loads((tmp_path / "out" / name / "metrics.json").read_text())
        assert doc["command"] == f"study {name}" and doc["seed"] == 42
        for fig in study.sections[[s.name for s in study.sections].index(name)].figures:
            assert (tmp_path / "out" / name / fig).stat().st_size > 1000
    assert "CC BY-SA 3.0" in html or "Attribution-Share Alike 3.0" in html
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="https?://', html)  # self-contained
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert doc["command"] == "study" and set(doc["results"]) == {"data", "binary", "model"}
    acc = doc["results"]["model"]["results"]["fast"]["test"]["accuracy"]
    assert 0.9 < acc <= 1.0
    assert f"{100 * acc:.2f}%" in html


def _csv(path, labels, pixels):
    pairs = zip(labels, pixels, strict=True)
    rows = "".join(f"{y}," + ",".join(map(str, p)) + "\n" for y, p in pairs)
    path.write_text("label," + ",".join(f"pixel{i}" for i in range(16)) + "\n" + rows)
    return path


def test_key_hashes_the_content_of_a_kaggle_csv(tmp_path):
    # a CSV has no checksum: two files of the same size once shared their results
    rng = np.random.default_rng(0)
    labels = [i % 4 for i in range(40)]
    pixels = rng.integers(100, 200, (40, 16))  # three digits each: sizes stay equal
    path = _csv(tmp_path / "train.csv", labels, pixels)
    size, before = path.stat().st_size, load(str(path))
    s = PROFILES["quick"]["data"]
    key = section_key("data", s, before, 42)
    _csv(path, labels, pixels[:, ::-1])
    after = load(str(path))
    assert path.stat().st_size == size and (after.n_train, after.n_test) == (32, 8)
    assert section_key("data", s, after, 42) != key


def test_key_covers_every_computing_library(monkeypatch, digits):
    from mnistlab.report import _study

    versions = _study.computing_versions()
    for lib in ("numpy", "scikit-learn", "pandas", "cleanlab", "scikit-image", "pillow"):
        assert versions[lib], lib
    assert "torch" in versions  # None when not installed
    s = PROFILES["default"]["model"]
    key = section_key("model", s, digits, 42)
    for lib in ("pandas", "cleanlab", "scikit-image", "pillow", "torch"):
        monkeypatch.setattr(_study, "computing_versions", lambda lib=lib: {**versions, lib: "0"})
        assert section_key("model", s, digits, 42) != key, lib


@pytest.mark.parametrize(
    "tamper",
    [
        lambda doc, tmp: doc["figures"].append("../../../pwned.png"),
        lambda doc, tmp: doc["figures"].append(str(tmp / "pwned.png")),
        lambda doc, tmp: doc["figures"].append("sub/../../../../pwned.png"),
        lambda doc, tmp: doc["figures"].append("..\\..\\..\\pwned.png"),
        lambda doc, tmp: doc["figures"].append("metrics.json"),
        lambda doc, tmp: doc.update(figures="digits.png"),
        lambda doc, tmp: doc.update(name="../../.."),
    ],
)
def test_a_tampered_cache_entry_never_writes_outside_out(tmp_path, digits, tamper):
    cache = SectionCache(tmp_path / "a" / "cache")
    run_study(digits, "data", cache=cache)
    (entry,) = (p for p in cache.root.iterdir() if p.name != ".locks")
    (tmp_path / "pwned.png").write_bytes(b"read from outside the cache")
    doc = json.loads((entry / "section.json").read_text())
    tamper(doc, tmp_path)
    (entry / "section.json").write_text(json.dumps(doc))
    study = run_study(digits, "data", cache=cache)
    assert study.cached == {"data": False}  # refused and recomputed
    assert all(b"outside" not in data for data in study.sections[0].figures.values())
    out = tmp_path / "a" / "b" / "out"
    write_report(OutputDir(out), study)
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert {p for p in written if "out" not in p.parts and "cache" not in p.parts} == {
        Path("pwned.png")
    }
    assert json.loads((entry / "section.json").read_text())["figures"] == ["digits.png"]


def test_output_dir_refuses_names_outside_it(tmp_path):
    out = OutputDir(tmp_path / "out")
    for name in ("../x.png", "a/../../x.png", "/etc/x.png", "..\\x.png", ""):
        with pytest.raises(InputError, match="not a file name inside --out"):
            out.file(name)
    assert out.file("data/x.png") == tmp_path / "out" / "data" / "x.png"


def test_a_figure_name_get_would_refuse_is_not_stored(tmp_path):
    from mnistlab.report._sections import SectionResult

    cache = SectionCache(tmp_path / "cache")
    cache.put("data-x", SectionResult("data", {}, {}, {}, figures={"../x.png": b"x"}))
    assert cache.get("data-x") is None and not (tmp_path / "x.png").exists()


def _put_many(i, root):
    from mnistlab.report._sections import SectionResult

    cache = SectionCache(Path(root))
    result = SectionResult("data", {}, {}, {"i": i}, figures={"a.png": b"x" * 5000})
    for _ in range(150):
        cache.put("data-same", result)
    return cache.get("data-same").figures


def test_processes_storing_the_same_entry_never_fail(tmp_path):
    # two studies sharing a cache crashed here with 'Directory not empty'
    figures = at_once(_put_many, 3, str(tmp_path / "cache"))
    assert figures == [{"a.png": b"x" * 5000}] * 3
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name != ".locks"] == ["data-same"]


def _study(i, root):
    study = run_study(load("digits"), "data", cache=SectionCache(Path(root)), n_jobs=1)
    return study.cached["data"]


def test_two_studies_sharing_a_cache_compute_a_section_once(tmp_path):
    # the second waits for the first's section, then reads it from the cache
    assert sorted(at_once(_study, 2, str(tmp_path / "cache"))) == [False, True]


def test_search_and_augment_sections(tmp_path, digits, monkeypatch):
    # fewer images than the profile's, for speed: 8 candidates on 150, 4 on 300, ... 1 on 1,200
    small = {**PROFILES["quick"]["search"], "n_train": 1200, "min_resources": 150}
    monkeypatch.setitem(PROFILES["quick"], "search", small)
    study = run_study(digits, "search,augment", "quick", cache=SectionCache(tmp_path / "c"))
    search, augment = study.sections
    assert list(search.figures) == [
        "search_rounds_knn.png",
        "search_scores_knn.png",
        "search_rounds_fast.png",
        "search_scores_fast.png",
    ]
    knn = search.metrics["knn"]
    assert knn["default"]["model"] == "knn5"
    assert knn["default"]["params"] == {"n_neighbors": 5, "weights": "uniform"}
    assert set(knn["tuned"]["params"]) == {"n_neighbors", "weights"}
    assert "test" not in json.dumps(search.metrics)  # validation scores only
    rounds = knn["search"]["rounds"]
    assert [r["candidates"] for r in rounds] == [8, 4, 2, 1]
    assert [r["images"] for r in rounds] == [150, 300, 600, 1200]
    assert search.tables[0].rows[0][:2] == ["knn", "knn5: weights=uniform, n_neighbors=5"]
    assert list(augment.figures) == ["augmented_copies.png"]
    fast = augment.metrics["fast"]
    assert fast["augmented"]["n_augmented"] == 6 * fast["n_train"]  # 4 shifts, 2 rotations
    row = dict(zip(augment.tables[0].labels, augment.tables[0].rows[1], strict=True))
    assert row["test accuracy"] == fast["test"]["accuracy"]
    assert "rotated 10° clockwise" in augment.alt["augmented_copies.png"]
    html = write_report(OutputDir(tmp_path / "out"), study).read_text()
    assert_images_say_what_they_show(html, study)
    for section in study.sections:  # the figures carry their alt text through the cache
        again = SectionCache(tmp_path / "c").get(
            section_key(section.name, PROFILES["quick"][section.name], digits, 42)
        )
        assert again.alt == section.alt


def test_multiclass_compares_strategies_and_scaling(digits):
    from mnistlab._progress import SILENT
    from mnistlab.report._sections import section_multiclass

    s = {
        **PROFILES["default"]["multiclass"],
        "models": "sgd",
        "variants": ["sgd[ovo]", "sgd-scaled"],
        "variants_max_train": 1000,
    }
    result = section_multiclass(digits, s, 42, 2, SILENT)
    assert {"sgd", "sgd[ovo]", "sgd-scaled"} <= set(result.metrics)
    assert result.metrics["sgd[ovo]"]["n_binary_estimators"] == 45
    assert result.metrics["sgd[ovo]"]["strategy"] == "ovo"
    assert result.metrics["sgd[ovo]"]["n_train"] == 1000  # the variants' stated subset
    assert result.metrics["sgd"]["n_train"] == digits.n_train
    (compared,) = [t for t in result.tables if t.caption.startswith("One-vs-rest")]
    assert [row[:3] for row in compared.rows] == [
        ["sgd", "native", 10],
        ["sgd[ovo]", "ovo", 45],
        ["sgd-scaled", "native", 10],
    ]
    # the variants are in the accuracy bars only: no confusion matrices of their own
    assert not any("ovo" in name or "scaled" in name for name in result.figures)
    assert "sgd[ovo]" in result.alt["accuracy.png"]


def test_a_figure_without_a_description_is_refused():
    from matplotlib.figure import Figure

    from mnistlab.report._sections import _figures_of

    with pytest.raises(ValueError, match="without a description: bare.png"):
        _figures_of({"bare.png": Figure()})
