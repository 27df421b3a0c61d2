"""The cache root: its marker, what 'cache clear' may remove, and its locks."""

import os

import numpy as np
import pytest
from typer.testing import CliRunner

from mnistlab._cache import (
    CACHE_MARKER,
    cache_dir,
    cache_lock,
    cache_root,
    clear_cache,
    dataset_digest,
)
from mnistlab._errors import InputError
from mnistlab.cli import _cache as cli_cache
from mnistlab.cli import app
from mnistlab.data import load, subset

runner = CliRunner()


def run(*args, input=None):
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("MNISTLAB_CACHE", str(root))
    return root


def test_a_new_root_is_marked_and_cleared(cache):
    (cache_dir("mnist") / "x.gz").write_bytes(b"0" * 2048)
    (cache_dir("study", "data-1") / "section.json").write_text("{}")
    assert (cache / CACHE_MARKER).is_file()
    code, out, _ = run("cache", "info")
    assert code == 0 and "mnist" in out and "2.0 KB" in out and CACHE_MARKER not in out
    code, out, err = run("cache", "clear", "--yes")
    assert code == 0, err
    assert "2.0 KB freed" in out
    assert not cache.exists()
    code, out, _ = run("cache", "clear", "--yes")
    assert code == 0 and "nothing to clear" in out


def test_clear_refuses_a_folder_mnistlab_did_not_make(cache):
    # MNISTLAB_CACHE pointed at a user's folder: mnistlab may use it, never delete it
    cache.mkdir()
    (cache / "thesis.txt").write_text("precious")
    cache_dir("study")
    assert not (cache / CACHE_MARKER).exists()
    code, _, err = run("cache", "clear", "--yes")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "not a folder mnistlab made" in lines[0]
    assert (cache / "thesis.txt").read_text() == "precious" and (cache / "study").is_dir()
    with pytest.raises(InputError, match="not a folder mnistlab made"):
        clear_cache()


def test_clear_keeps_what_mnistlab_did_not_make_and_follows_no_link(cache, tmp_path):
    cache_dir("models")
    (cache / "notes.txt").write_text("mine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine too")
    os.symlink(elsewhere, cache / "study")  # a known name that is a link: removed, not followed
    code, out, err = run("cache", "clear", "--yes")
    assert code == 0, err
    assert "kept what mnistlab did not make: notes.txt" in out
    assert sorted(p.name for p in cache.iterdir()) == [CACHE_MARKER, "notes.txt"]
    assert (elsewhere / "keep.txt").read_text() == "mine too"


def test_clear_asks_and_needs_yes_without_a_terminal(cache, monkeypatch):
    cache_dir("mnist")
    code, _, err = run("cache", "clear")  # CliRunner's stdin is not a terminal
    assert code == 2 and "pass --yes" in err and len(err.strip().splitlines()) == 1
    assert (cache / "mnist").is_dir()
    monkeypatch.setattr(cli_cache, "_stdin_is_terminal", lambda: True)
    code, out, _ = run("cache", "clear", input="n\n")
    assert code == 1 and "nothing cleared" in out and (cache / "mnist").is_dir()
    code, out, _ = run("cache", "clear", input="y\n")
    assert code == 0 and "cleared" in out and not cache.exists()


def test_the_platform_default_root_is_marked_even_when_not_empty(tmp_path, monkeypatch):
    # caches made before the marker existed live in mnistlab's own platform folder
    root = tmp_path / "platform"
    (root / "mnist").mkdir(parents=True)
    monkeypatch.delenv("MNISTLAB_CACHE")
    monkeypatch.setattr("mnistlab._cache._default_root", lambda: root)
    assert cache_root() == root
    cache_dir("study")
    assert (root / CACHE_MARKER).is_file()


def test_a_root_that_is_a_file_is_one_line(cache):
    cache.write_text("x")
    with pytest.raises(InputError, match="cannot be the cache"):
        cache_dir("mnist")


@pytest.mark.parametrize("name", [".locks", "mnist", "downloads"])
def test_a_file_in_place_of_a_cache_folder_is_one_line(cache, name):
    cache_dir()
    (cache / name).write_text("x")
    with pytest.raises(InputError, match=f"{name}: a file where the cache keeps a folder"):
        cache_dir(name)  # FileExistsError, an internal error of 'data fetch' and others
    code, _, err = run("data", "fetch")
    assert code == 2 and err.strip().splitlines()[-1].startswith(f"error: {cache / name}:")


def test_cache_lock_excludes_another_holder(cache):
    from filelock import Timeout

    with cache_lock("models/x"), pytest.raises(Timeout):
        cache_lock("models/x").acquire(timeout=0.05)
    with cache_lock("models/x"):  # released on exit
        pass


def test_dataset_digest_follows_the_content():
    digits = load("digits")
    assert dataset_digest(digits) == dataset_digest(load("digits"))
    assert dataset_digest(digits) != dataset_digest(subset(digits, 1000, 300))
    flipped = type(digits)(
        digits.X_train,
        np.roll(digits.y_train, 1),
        digits.X_test,
        digits.y_test,
        image_shape=digits.image_shape,
        pixel_max=digits.pixel_max,
        name=digits.name,
        source=digits.source,
    )
    assert dataset_digest(flipped) != dataset_digest(digits)
