import logging

import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load, load_digits_dataset, subset
from tests.conftest import write_idx_dir


def test_digits_embedded_default():
    ds = load("digits")
    assert ds.image_shape == (8, 8) and ds.pixel_max == 16 and ds.X_train.dtype == np.uint8
    assert ds.n_train + ds.n_test == 1797 and ds.X_train.max() == 16
    assert np.array_equal(ds.y_test, load_digits_dataset().y_test)  # a fixed split


def test_auto_falls_back_offline_with_notice(monkeypatch, caplog):
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    monkeypatch.setenv("MNISTLAB_OFFLINE", "1")
    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        ds = load("auto")
    assert ds.name == "digits"
    assert "MNIST not found" in caplog.text and "MNISTLAB_DATA" in caplog.text


def test_auto_falls_back_when_no_mirror_answers(monkeypatch, caplog):
    # conftest points MNISTLAB_MIRRORS at a closed port on 127.0.0.1
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    monkeypatch.delenv("MNISTLAB_OFFLINE", raising=False)
    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        ds = load()
    assert ds.name == "digits" and "MNIST not found" in caplog.text


def test_mnist_source_offline_without_cache_is_an_error(monkeypatch):
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    monkeypatch.setenv("MNISTLAB_OFFLINE", "1")
    with pytest.raises(InputError, match="not in the cache"):
        load("mnist")
    with pytest.raises(InputError, match="needs the network"):
        load("openml")


def test_env_dir_is_used_by_auto(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTLAB_DATA", str(write_idx_dir(tmp_path / "d")))
    ds = load()
    assert ds.image_shape == (6, 5) and not ds.verified
    with pytest.raises(InputError, match="checksum mismatch"):
        load("mnist")  # mnist requires the genuine files


def test_subset_is_stratified_and_ordered():
    ds = load("digits")
    sub = subset(ds, 500, 100, random_state=1)
    assert sub.n_train == 500 and sub.n_test == 100
    expected = 500 * np.bincount(ds.y_train) / ds.n_train
    assert np.abs(np.bincount(sub.y_train) - expected).max() <= 1
    again = subset(ds, 500, 100, random_state=1)
    np.testing.assert_array_equal(sub.X_train, again.X_train)
    assert "stratified subset 500/100" in sub.split
    assert subset(ds, 10**6, None) is ds
    with pytest.raises(InputError, match="smaller than the number of classes"):
        subset(ds, 5, 5)


def test_openml_standard_split(monkeypatch):
    import sklearn.datasets

    calls = {}

    def fake_fetch(name, **kwargs):
        calls.update(kwargs, name=name)
        X = np.tile(np.arange(70000)[:, None] % 256, (1, 784)).astype(np.float64)
        y = np.array([str(i % 10) for i in range(70000)], dtype=object)
        return X, y

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch)
    ds = load("openml")
    assert calls["name"] == "mnist_784" and "openml" in calls["data_home"]
    assert ds.n_train == 60000 and ds.n_test == 10000 and ds.y_train.dtype == np.int64
    assert ds.X_test[0, 0] == 60000 % 256  # the last 10,000 rows are the test set


@pytest.mark.mnist
def test_auto_with_real_mnist(mnist_dir, monkeypatch):
    monkeypatch.setenv("MNISTLAB_DATA", str(mnist_dir))
    ds = load()
    assert ds.verified and ds.name == "mnist" and ds.n_train == 60000
    sub = subset(ds, 10000, 2000, random_state=42)
    expected = 10000 * np.bincount(ds.y_train) / ds.n_train
    assert sub.n_train == 10000 and np.abs(np.bincount(sub.y_train) - expected).max() <= 1
