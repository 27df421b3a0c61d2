"""The default study (``mnistlab study`` with no options) on the full MNIST: every section
runs and is in the report. Minutes, so marked slow; the study runs once for the whole slow
tier (the ``default_study`` fixture) and other pins read their figures from it.

Run with: MNISTLAB_DATA=../shared/data/mnist python -m pytest -m slow
"""

import html
import json

import pytest

from mnistlab.report import SECTIONS
from tests.report.test_study import _Images


@pytest.mark.slow
@pytest.mark.mnist
def test_default_study_runs_every_section(default_study):
    doc = json.loads((default_study / "metrics.json").read_text())
    assert doc["command"] == "study" and doc["args"]["profile"] == "default"
    assert doc["args"]["sections"] == list(SECTIONS)
    assert doc["data"]["n_train"] == 60_000 and doc["data"]["verified"] is True
    assert doc["cached"] == dict.fromkeys(SECTIONS, False)  # computed here, not read
    assert list(doc["results"]) == list(SECTIONS)
    page = (default_study / "index.html").read_text()
    for name, section in SECTIONS.items():
        assert doc["results"][name]["results"], name
        assert html.escape(section.title) in page, name
        assert json.loads((default_study / name / "metrics.json").read_text())["results"]
        assert list((default_study / name).glob("*.png")), name
    images = _Images()
    images.feed(page)
    alts = [img.get("alt") or "" for img in images.images]
    assert alts and all(len(a) > 40 and ".png" not in a for a in alts)  # say what they show
    assert len(set(alts)) == len(alts)
