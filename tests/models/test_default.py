"""The default model of predict and serve: one per dataset and seed, shared by processes."""

import pytest

from mnistlab import models
from mnistlab.data import load
from mnistlab.models import default_model, load_model
from tests._concurrency import at_once
from tests.conftest import write_idx_dir


def test_the_seed_reaches_the_default_model_and_names_its_place():
    ds = load("digits")
    est, card, path, trained = models.default_model(ds, random_state=7, n_jobs=1)
    assert trained and card["seed"] == 7
    seeded = {k: v for k, v in est.get_params().items() if k.endswith("random_state")}
    assert seeded and set(seeded.values()) == {7}
    # the same seed finds it again; another seed trains another model elsewhere
    assert models.default_model(ds, random_state=7, n_jobs=1)[2:] == (path, False)
    other = models.default_model(ds, random_state=8, n_jobs=1)
    assert other[2] != path and other[3] and other[1]["seed"] == 8
    assert path == models.default_model_dir(ds, "fast", 7)


def _default(i):
    _, card, path, trained = default_model(load("digits"), n_jobs=1)
    load_model(path)  # what is on disk is whole once the call returns
    return trained, card["model_sha256"], str(path)


def test_processes_started_together_train_the_default_model_once():
    # predict and serve started together both trained it and corrupted its directory
    results = at_once(_default, 2)
    assert sorted(trained for trained, _, _ in results) == [False, True]
    assert len({(sha, path) for _, sha, path in results}) == 1
    _, card, _, trained = default_model(load("digits"), n_jobs=1)
    assert not trained and card["model_sha256"] == results[0][1]


def test_data_of_the_same_size_with_other_content_gets_its_own_default_model():
    import dataclasses

    ds = load("digits")
    edited = ds.X_train.copy()
    edited[0, 0] = (edited[0, 0] + 1) % (ds.pixel_max + 1)
    other = dataclasses.replace(ds, X_train=edited)  # same name, source, size and checksums
    assert models.default_model_dir(other) != models.default_model_dir(ds)


def test_the_default_model_also_learns_thicker_and_thinner_strokes(tmp_path):
    """MNIST-sized images: trained on copies with strokes a pixel wider and narrower."""
    from mnistlab.data import load_idx_dir

    ds = load_idx_dir(write_idx_dir(tmp_path / "idx", n_train=70, shape=(28, 28)))
    est, card, path, trained = models.default_model(ds, n_jobs=1)
    assert trained and card["augment"] == {"thickness": list(models.DEFAULT_THICKNESS)}
    assert est[-1].n_samples_fit_ == 70 * (1 + len(models.DEFAULT_THICKNESS))
    # the recipe is part of where it is kept: a cached plain model is never taken for it
    assert path != models.default_model_dir(ds, "knn")
    digits = load("digits")  # 8x8: no such copies
    est, card, _, _ = models.default_model(digits, n_jobs=1)
    assert "augment" not in card and est[-1].n_samples_fit_ == digits.n_train


def test_a_model_kept_as_default_is_what_default_model_finds():
    ds = load("digits")
    est = models.get("fast", random_state=3).fit(ds.X_train, ds.y_train)
    path = models.keep_as_default(est, ds, "best", 3, train_seconds=1.5)
    assert path == models.default_model_dir(ds, "best", 3)
    assert models.preferred_model_dirs(ds, 3) == {"best": path}
    _, card, found, trained = models.default_model(ds, random_state=3)
    assert (card["name"], found, trained) == ("best", path, False)
    assert card["train_seconds"] == 1.5
    assert models.preferred_model_dirs(ds, 4) == {}  # another seed does not see it


@pytest.mark.parametrize("name", [models.DEFAULT_MODEL, *models.PREFERRED_MODELS])
def test_where_a_default_model_is_kept_follows_its_recipe_in_the_registry(name):
    # predict does not import the registry, so the digests are written out: a change to a
    # model's settings must change where it is kept, or the old model is served as the new
    assert models.RECIPES[name] == models.recipe_digest(name), "update models.RECIPES"


def test_a_model_kept_by_another_recipe_is_not_found(monkeypatch):
    ds = load("digits")
    path = models.default_model_dir(ds, "best")
    monkeypatch.setitem(models.RECIPES, "best", "another recipe")
    assert models.default_model_dir(ds, "best") != path


@pytest.mark.parametrize("name", ["card.json", "model.skops", "arrays.npz"])
def test_a_directory_in_place_of_a_cached_file_is_cleared_and_the_model_trained_again(name):
    ds = load("digits")
    path = default_model(ds, n_jobs=1)[2]
    outside = path.parent / "outside.txt"  # what a link in the directory points to is kept
    outside.write_text("kept")
    (path / "model.skops").unlink()  # damaged: trained again
    (path / "arrays.npz").unlink()
    (path / name).unlink(missing_ok=True)
    (path / name).mkdir()
    (path / name / "inside").symlink_to(outside)
    _, card2, path2, trained = default_model(ds, n_jobs=1)
    assert trained and path2 == path and (path / name).is_file()
    assert load_model(path)[1]["model_sha256"] == card2["model_sha256"]
    assert outside.read_text() == "kept"


def test_a_recipe_holds_every_parameter_of_our_estimators_and_changed_ones_of_others():
    from sklearn.neighbors import KNeighborsClassifier

    from mnistlab.preprocessing import Deskew

    # a changed default of our own estimator changes the recipe (and where a model is kept);
    # a parameter a new scikit-learn adds with its default does not
    assert models.recipe(Deskew())["params"] == {
        "chunk_size": "2048",
        "image_shape": "'auto'",
        "n_jobs": "None",
    }
    assert models.recipe(KNeighborsClassifier())["params"] == {}
    assert models.recipe(KNeighborsClassifier(3))["params"] == {"n_neighbors": "3"}
    assert models.recipe({"b", "a", "c"}) == ["'a'", "'b'", "'c'"]  # not the hash seed's order
