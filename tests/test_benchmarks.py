"""The benchmarks' shared results writer and targets, and the README's generated figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(autouse=True)
def _bench_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


def test_readme_figures_are_generated_from_results():
    import readme_table

    readme = readme_table.README.read_text(encoding="utf-8")
    assert readme_table.render(readme, readme_table.table()) == readme, (
        "run python benchmarks/readme_table.py"
    )


def test_render_replaces_only_the_marked_block():
    import readme_table

    text = f"intro\n{readme_table.START}\nold\n{readme_table.END}\noutro\n"
    out = readme_table.render(text, "new")
    assert out == f"intro\n{readme_table.START}\nnew\n{readme_table.END}\noutro\n"
    with pytest.raises(ValueError, match="markers"):
        readme_table.render("no markers", "new")


def test_write_results_records_figures_targets_and_environment(tmp_path):
    from _common import Target, write_results

    targets = [Target("acc", 0.99, ">=", 0.985), Target("time", 700.0, "<=", 600, " s")]
    path = write_results(
        "bench_x",
        {"acc": np.float64(0.99), "folds": np.array([0.5, 0.25])},
        targets,
        extra={"rederive": "python benchmarks/bench_x.py"},
        directory=tmp_path,
        argv=[str(BENCH / "bench_x.py"), "--flag"],
    )
    doc = json.loads(path.read_text())
    assert path == tmp_path / "bench_x.json"
    assert doc["figures"] == {"acc": 0.99, "folds": [0.5, 0.25]}
    assert [t["met"] for t in doc["targets"]] == [True, False]
    assert doc["all_targets_met"] is False
    assert doc["command"] == "python benchmarks/bench_x.py --flag"
    assert doc["rederive"] == "python benchmarks/bench_x.py"
    env = doc["environment"]
    assert env["cores"] >= 1 and env["cpu"]
    assert {"numpy", "scikit-learn", "scipy", "mnistlab"} <= set(env["libraries"])
    assert doc["date"][:4].isdigit()
    assert not list(tmp_path.glob("*.part"))  # written atomically


def test_check_exits_1_on_a_missed_target(capsys):
    from _common import Target, check

    check([Target("acc", 0.99, ">=", 0.985)])
    assert "acc: 0.99 >= 0.985: met" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        check([Target("acc", 0.99, ">=", 0.985), Target("errors", 2, "==", 0)])
    assert exc.value.code == 1
    assert "errors: 2 == 0: MISSED" in capsys.readouterr().out


def test_finish_writes_the_results_before_failing(tmp_path):
    from _common import Target, finish

    with pytest.raises(SystemExit) as exc:
        finish("bench_y", {}, [Target("t", 11.0, "<=", 10, " s")], directory=tmp_path)
    assert exc.value.code == 1
    assert json.loads((tmp_path / "bench_y.json").read_text())["all_targets_met"] is False


def test_unknown_comparison_is_refused():
    from _common import Target

    with pytest.raises(ValueError, match="comparison"):
        Target("t", 1, "<", 2)


def test_validation_split_is_fixed_and_disjoint():
    from _common import validation_split

    fit, va = validation_split(1000, size=100)
    fit2, va2 = validation_split(1000, size=100)
    assert np.array_equal(va, va2) and np.array_equal(fit, fit2)
    assert len(va) == 100 and len(fit) == 900
    assert not set(fit) & set(va)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_fast_table_vote_is_the_classifiers(weights):
    """The table's vote over shared neighbours equals KNeighborsClassifier's, ties included."""
    from bench_models import _vote
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(0)
    X = rng.integers(0, 3, (300, 2)).astype(float)  # duplicates: ties and exact matches
    y = rng.integers(0, 4, 300)
    Q = rng.integers(0, 3, (100, 2)).astype(float)
    dist, ind = NearestNeighbors(n_neighbors=8).fit(X[:200]).kneighbors(Q)
    for k in (3, 4, 8):
        knn = KNeighborsClassifier(k, weights=weights).fit(X[:200], y[:200])
        ours = _vote(y[:200][ind[:, :k]], dist[:, :k], weights, 4)
        # neighbours at equal distance may be taken in another order: compare on queries
        # whose k-th and (k+1)-th distances differ
        clear = dist[:, k - 1] < dist[:, min(k, 7)] if k < 8 else np.ones(len(Q), bool)
        assert np.array_equal(ours[clear], knn.predict(Q)[clear])


@pytest.mark.parametrize(
    ("results", "name", "kind"),
    [
        ("cnn_validation", "cnn", "model"),
        ("unet_validation", "unet", "denoiser"),
        ("fast_validation", "fast", "model"),
        ("best_validation", "svc-pixels-hog", "model"),
        ("gradients_validation", "svc-gradients", "model"),
    ],
)
def test_the_registry_holds_what_validation_chose(results, name, kind):
    """The registry's settings are the ones its validation table chose (a table run before a
    change of the registry records the registry of its time; this checks today's)."""
    from mnistlab import models

    doc = json.loads((BENCH / "results" / f"{results}.json").read_text())
    est = models.get(name) if kind == "model" else models.get_denoiser(name)
    params = est.get_params()
    chosen = doc["figures"]["chosen"]
    # JSON has no tuples: compare sequences as lists
    held = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    assert {k: held[k] for k in chosen} == chosen


def test_the_registrys_best_is_what_the_50000_image_blocks_table_chose():
    """``best`` is the candidate ``--blocks --train-size 50000`` chose, setting for setting
    (the table records the registry of its run, before ``best`` became that candidate)."""
    from bench_best_candidates import variant

    from mnistlab import models

    doc = json.loads((BENCH / "results" / "best_blocks_validation_50000.json").read_text())
    figures = doc["figures"]
    chosen = next(r for r in figures["table"] if r["candidate"] == figures["chosen"])
    assert doc["split"]["fit"] == 50_000
    name, make = variant(chosen["variant"])
    assert name == figures["chosen"]
    assert repr(make().get_params()) == repr(models.get("best", n_jobs=-1).get_params())


def test_svc_pixels_hog_with_scattering_adds_a_third_block_and_leaves_the_registry_alone():
    """bench_best_candidates --blocks: ``svc-pixels-hog`` plus a scattering block, on the 8x8
    digits."""
    from bench_best_candidates import with_scattering
    from sklearn.datasets import load_digits

    from mnistlab import models

    X, y = load_digits(return_X_y=True)
    est = with_scattering(20).fit(X[:400], y[:400])
    union = est.named_steps["vsv"].estimator_.named_steps["features"]
    assert [name for name, _ in union.transformer_list] == ["pixels", "hog", "scattering"]
    assert est.score(X[400:600], y[400:600]) > 0.8
    fresh = models.get("svc-pixels-hog").named_steps["vsv"].estimator.named_steps["features"]
    assert [name for name, _ in fresh.transformer_list] == ["pixels", "hog"]


def test_code_digest_follows_the_code_not_the_settings(tmp_path, monkeypatch):
    """A row's ``code`` changes with the source of the model's modules (and of the mnistlab
    modules whose names they import), not with its settings."""
    import importlib
    import sys

    from _common import code_digest
    from sklearn.pipeline import make_pipeline

    from mnistlab.preprocessing import Deskew

    probe = tmp_path / "mnistlab_probe_digest.py"
    probe.write_text("from mnistlab.preprocessing import Deskew\n\nclass Probe:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("mnistlab_probe_digest")
    try:
        before = code_digest(module.Probe)
        assert before == code_digest(module.Probe())
        probe.write_text(probe.read_text() + "\nSEEN = 1\n")
        assert code_digest(importlib.reload(module).Probe) != before
    finally:
        monkeypatch.delitem(sys.modules, "mnistlab_probe_digest")
    # the estimator's nested steps count; their settings do not
    one = code_digest(make_pipeline(Deskew(), KNeighborsClassifier(3)))
    assert one == code_digest(make_pipeline(Deskew(chunk_size=7), KNeighborsClassifier(5)))
    assert one != code_digest(KNeighborsClassifier(3))


def test_earlier_rows_keep_only_todays_code_on_the_same_split(tmp_path, monkeypatch, capsys):
    import _common

    monkeypatch.setattr(_common, "RESULTS", tmp_path)
    split = {"fit": 10, "seed": 0}
    rows = [{"name": "a", "code": "new"}, {"name": "b", "code": "old"}, {"name": "c"}]
    (tmp_path / "table.json").write_text(json.dumps({"split": split, "figures": {"runs": rows}}))
    assert _common.earlier_rows("table", split, "runs", lambda row: "new") == rows[:1]
    assert "2 of 3 earlier rows of table dropped" in capsys.readouterr().out
    assert _common.earlier_rows("table", {**split, "seed": 1}, "runs", lambda row: "new") == []
    assert _common.earlier_rows("missing", split, "runs", lambda row: "new") == []
    # a candidate that no longer exists (digest None) keeps none, even a row without code
    assert _common.earlier_rows("table", split, "runs", lambda row: None) == []


def test_best_candidates_rows_are_keyed_by_their_candidates_code():
    from _common import code_digest
    from bench_best_candidates import _row_digest

    from mnistlab import models

    assert _row_digest({"variant": ""}) == code_digest(models.get("svc-pixels-hog"))
    # the ensemble holds a scattering SVM: other modules, another digest
    assert _row_digest({"variant": "ensemble"}) != _row_digest({"variant": ""})
    assert _row_digest({"variant": "no-longer-a-variant"}) is None


def test_blocks_tables_are_named_by_fit_size_and_the_ensembles_by_shifts():
    from bench_best_candidates import blocks_results_name, variant

    from mnistlab.preprocessing import TEXTBOOK_SHIFTS

    assert blocks_results_name(20_000) == "best_blocks_validation"
    assert blocks_results_name(50_000) == "best_blocks_validation_50000"
    params = variant("ensemble")[1]().get_params()
    assert params["pixels_hog__vsv__shifts"] == params["scattering__vsv__shifts"] == TEXTBOOK_SHIFTS


def test_gradients_variants_are_the_registrys_svc_gradients_and_its_ensemble():
    """--variants gradients:D:G:C[:vsv] and ensemble+gradients: on the 8x8 digits."""
    from bench_best_candidates import variant
    from sklearn.datasets import load_digits

    from mnistlab import models

    X, y = load_digits(return_X_y=True)
    plain = variant("gradients:8:4:5")[1]()
    expected = models.get("svc-gradients", n_jobs=-1).set_params(
        gradients__n_directions=8, gradients__grid=4
    )
    assert repr(plain.get_params()) == repr(expected.get_params())
    assert plain.fit(X[:400], y[:400]).score(X[400:600], y[400:600]) > 0.8
    name, make = variant("gradients:8:4:5:vsv")
    est = make().fit(X[:400], y[:400])
    assert "virtual SVs" in name and est.named_steps["vsv"].n_augmented_ > 0
    ensemble = variant("ensemble+gradients:8:4:5")[1]()
    assert [n for n, _ in ensemble.estimators] == ["gradients", "pixels_hog", "scattering"]
