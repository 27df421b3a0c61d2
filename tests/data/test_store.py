"""Decoded IDX datasets kept in the cache: loaded again without decoding, never trusted blindly."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import stat
import time

import numpy as np
import pytest

from mnistlab._cache import _DIGESTS, cache_root, dataset_digest
from mnistlab.data import _sources, _store, load_idx_dir
from tests._fifo import release_later
from tests.conftest import write_idx_dir


@pytest.fixture(autouse=True)
def _store_small_datasets(monkeypatch):
    monkeypatch.setattr(_store, "MIN_STORED_BYTES", 0)  # the test files are a few KB


def _refuse_decoding(*args, **kwargs):
    raise AssertionError("the IDX files were decoded")


def _entry():
    (entry,) = (cache_root() / "datasets").iterdir()
    return entry


def _same(a, b) -> None:
    for attr in ("X_train", "y_train", "X_test", "y_test"):
        x, y = getattr(a, attr), getattr(b, attr)
        assert x.dtype == y.dtype and not x.flags.writeable
        np.testing.assert_array_equal(x, y)
    for attr in ("image_shape", "pixel_max", "name", "source", "verified", "checksums", "split"):
        assert getattr(a, attr) == getattr(b, attr), attr


def test_a_dataset_loads_again_from_the_cache_without_decoding(idx_dir, monkeypatch):
    first = load_idx_dir(idx_dir)
    computed = dataset_digest(first)
    # the stored arrays are those of the files, and so is the digest it remembers
    with monkeypatch.context() as m:
        m.setattr(_sources, "read_idx_pair", _refuse_decoding)
        again = load_idx_dir(idx_dir)
    _same(again, first)
    assert type(again.X_train) is np.ndarray and again.image_shape == (6, 5)
    assert dataset_digest(again) == computed
    _DIGESTS.clear()
    assert dataset_digest(again) == computed  # hashed from its mapped arrays: the same


def test_a_changed_file_is_decoded_again(tmp_path):
    directory = write_idx_dir(tmp_path / "idx", seed=0)
    first = load_idx_dir(directory)
    write_idx_dir(directory, seed=1)  # same names and sizes, other pixels
    second = load_idx_dir(directory)
    assert not np.array_equal(second.X_train, first.X_train)
    assert len(list((cache_root() / "datasets").iterdir())) == 2


def _truncate(entry):
    path = entry / "X_train.npy"
    path.write_bytes(path.read_bytes()[:-7])


def _labels_out_of_range(entry):
    y = np.load(entry / "y_test.npy")
    y[0] = 200
    np.save(entry / "y_test.npy", y)


def _pickled_labels(entry):
    np.save(entry / "y_train.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)


def _meta(change):
    def damage(entry):
        meta = json.loads((entry / "meta.json").read_text())
        change(meta)
        (entry / "meta.json").write_text(json.dumps(meta))

    return damage


def _empty_test_split(entry):
    # every command failed on it: "zero-size array to reduction operation"
    np.save(entry / "X_test.npy", np.zeros((0, 30), np.uint8))
    np.save(entry / "y_test.npy", np.zeros(0, np.int64))


DAMAGE = {
    "truncated-array": _truncate,
    "labels-out-of-range": _labels_out_of_range,
    "pickled-object-array": _pickled_labels,
    "not-json": lambda entry: (entry / "meta.json").write_text("{broken"),
    "image-shape-of-other-pixels": _meta(lambda m: m.update(image_shape=[5, 5])),
    "image-shape-not-integers": _meta(lambda m: m.update(image_shape=[6.0, 5.0])),
    "checksums-of-other-files": _meta(lambda m: m.update(checksums={"x": "y"})),
    "entry-of-another-key": _meta(lambda m: m.update(key="0" * 64)),
    "missing-array": lambda entry: (entry / "X_test.npy").unlink(),
    "empty-test-split": _empty_test_split,
    "image-shape-of-booleans": _meta(lambda m: m.update(image_shape=[True, 30])),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_entry_is_decoded_again_and_replaced(idx_dir, case, monkeypatch):
    first = load_idx_dir(idx_dir)
    entry = _entry()
    DAMAGE[case](entry)
    decoded = []
    read = _sources.read_idx_pair
    monkeypatch.setattr(_sources, "read_idx_pair", lambda *a: decoded.append(1) or read(*a))
    _same(load_idx_dir(idx_dir), first)
    assert decoded  # not trusted: decoded from the files
    monkeypatch.setattr(_sources, "read_idx_pair", _refuse_decoding)
    _same(load_idx_dir(idx_dir), first)  # and stored again, whole


def test_structural_errors_are_still_reported(idx_dir):
    load_idx_dir(idx_dir)  # stored
    path = idx_dir / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-1]))
    with pytest.raises(_sources.InputError, match="truncated"):
        load_idx_dir(idx_dir)


def test_unverified_data_still_says_so(idx_dir, caplog):
    load_idx_dir(idx_dir)
    caplog.clear()
    ds = load_idx_dir(idx_dir)
    assert ds.name == "idx" and not ds.verified
    assert "checksums differ from MNIST's" in caplog.text
    with pytest.raises(_sources.InputError, match="checksum mismatch"):
        load_idx_dir(idx_dir, require_verified=True)


def test_a_cache_that_cannot_be_written_only_costs_the_decoding(idx_dir, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache should be")
    monkeypatch.setenv("MNISTLAB_CACHE", str(blocked))
    first = load_idx_dir(idx_dir)
    _same(load_idx_dir(idx_dir), first)


def test_small_datasets_are_not_stored(idx_dir, monkeypatch):
    monkeypatch.setattr(_store, "MIN_STORED_BYTES", 1 << 20)
    load_idx_dir(idx_dir)
    assert not (cache_root() / "datasets").exists() or not any(
        (cache_root() / "datasets").iterdir()
    )


@pytest.mark.mnist
def test_mnist_from_the_cache_is_mapped_not_read(mnist_dir, monkeypatch):
    import mmap

    load_idx_dir(mnist_dir)  # decoded and stored
    monkeypatch.setattr(_sources, "read_idx_pair", _refuse_decoding)
    ds = load_idx_dir(mnist_dir)
    assert ds.verified and ds.n_train == 60_000 and ds.X_train.shape == (60_000, 784)
    # its 55 MB of pixels are read from the file when used, not when loaded
    base = ds.X_train
    while not isinstance(base, mmap.mmap) and getattr(base, "base", None) is not None:
        base = base.base
    assert isinstance(base, mmap.mmap)


def test_a_pipe_in_the_entry_is_not_waited_on(idx_dir):
    first = load_idx_dir(idx_dir)
    pipe = _entry() / "X_train.npy"
    pipe.unlink()
    os.mkfifo(pipe)
    release_later(pipe)  # a reader blocked in open() gets an end of file: the test then fails
    start = time.monotonic()
    _same(load_idx_dir(idx_dir), first)  # waited forever for a writer before
    assert time.monotonic() - start < 4
    assert not stat.S_ISFIFO(pipe.lstat().st_mode)  # replaced


def test_files_replaced_while_decoded_are_not_stored_under_the_old_content(tmp_path, monkeypatch):
    directory = write_idx_dir(tmp_path / "idx", seed=0, gz=False)
    original = load_idx_dir(write_idx_dir(tmp_path / "copy", seed=0, gz=False))
    shutil.rmtree(cache_root() / "datasets")
    source_key = _store.source_key
    replaced = []

    def replaced_once_hashed(paths):  # the files change between hashing and decoding
        key = source_key(paths)
        if not replaced:
            write_idx_dir(directory, seed=1, gz=False)
            replaced.append(key)
        return key

    monkeypatch.setattr(_store, "source_key", replaced_once_hashed)
    load_idx_dir(directory)
    write_idx_dir(directory, seed=0, gz=False)  # the first content again
    again = load_idx_dir(directory)  # was served the seed-1 arrays from the cache
    for attr in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, attr), getattr(original, attr))
    assert again.checksums == original.checksums
