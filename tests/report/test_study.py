"""The study: sections, the per-section cache, the report and its files."""

from __future__ import annotations

import json
import re

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


def test_report_files(tmp_path, digits):
    study = run_study(digits, "data,binary,model", cache=SectionCache(tmp_path / "c"))
    out = OutputDir(tmp_path / "out")
    page = write_report(out, study)
    html = page.read_text()
    assert html.count("data:image/png;base64,") == sum(len(s.figures) for s in study.sections)
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
