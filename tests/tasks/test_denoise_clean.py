import dataclasses
import math

import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.tasks import mse_255, psnr_255, run_clean, run_denoise


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def test_mse_and_psnr_on_the_255_scale():
    clean = np.zeros((2, 4))
    assert mse_255(clean, np.ones((2, 4)), 255) == 1.0
    assert mse_255(clean, np.ones((2, 4)), 16) == pytest.approx((255 / 16) ** 2)
    assert psnr_255(255.0**2) == 0.0 and psnr_255(0) == float("inf")


@pytest.mark.parametrize("noise", ["textbook", "gaussian", "salt-pepper", "occlusion"])
def test_every_denoiser_beats_the_noisy_input(digits, noise):
    r = run_denoise(
        digits, noise, denoiser_names="knn-regressor,pca,ridge,pca-knn-regressor", n_jobs=2
    )
    for name, d in r.denoisers.items():
        assert d.mse < r.noisy.mse, (noise, name)
        assert d.psnr > r.noisy.psnr
    m = r.to_metrics()
    assert set(m["noisy"]["test"]) >= {"mse", "psnr", "accuracy"}
    assert m["task"]["best"] == r.best()


def test_best_denoiser_is_chosen_on_validation_not_the_test_set(digits):
    r = run_denoise(digits, denoiser_names="pca,ridge", n_jobs=2)
    val = {n: d.validation_mse for n, d in r.denoisers.items()}
    assert all(v > 0 for v in val.values())
    by_val = min(val, key=val.get)
    assert r.best() == by_val and r.to_metrics()["task"]["best_chosen_on"] == "validation"
    assert r.to_metrics()[by_val]["validation"]["mse"] == val[by_val]
    # a test set that prefers the other denoiser does not change the choice
    for name, d in r.denoisers.items():
        d.mse = 0.0 if name != by_val else 1e9
    assert r.best() == by_val
    assert r.settings["n_validation"] == math.ceil(0.1 * digits.n_train)


def test_textbook_denoiser_runs(digits):
    r = run_denoise(digits, denoiser_names="knn-classifier", n_jobs=2)
    assert r.denoisers["knn-classifier"].sample.shape == (8, 64)


def test_bad_denoiser(digits):
    with pytest.raises(InputError, match="unknown denoiser"):
        run_denoise(digits, denoiser_names="nope")
    with pytest.raises(InputError, match="unknown noise"):
        run_denoise(digits, "pink")


def test_planted_label_errors_are_found(digits):
    rng = np.random.default_rng(0)
    y = digits.y_train.copy()
    planted = rng.choice(len(y), 72, replace=False)
    y[planted] = (y[planted] + rng.integers(1, 10, len(planted))) % 10
    r = run_clean(dataclasses.replace(digits, y_train=y), n_jobs=2)
    found = set(r.issues.tolist())
    hits = len(found & set(planted.tolist()))
    assert hits / len(planted) > 0.7 and hits / len(found) > 0.7
    assert (np.diff(r.quality[r.issues]) >= 0).all()  # worst first
    assert r.table().columns.tolist() == ["index", "given", "suggested", "quality"]
