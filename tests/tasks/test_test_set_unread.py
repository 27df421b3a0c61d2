"""No step chooses or cross-validates on the test set.

Each step runs twice on the 8x8 digits: with the real test set, and with a test set of
NaNs (and wrong labels). Everything cross-validated, and every choice made from it, must
come out identical; only the test figures may differ. Random forests accept NaN rows in
``predict``, so the steps that score the test set still run to the end; models that refuse
NaN are checked the same way with a test set of random images.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from mnistlab.data import load
from mnistlab.tasks import run_binary, run_clean, run_denoise, run_multiclass, run_search


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(scope="module")
def nan_test(digits):
    return dataclasses.replace(
        digits,
        X_test=np.full(digits.X_test.shape, np.nan),
        y_test=(digits.y_test + 1) % 10,  # wrong labels too: a step reading them would change
    )


@pytest.fixture(scope="module")
def random_test(digits):
    rng = np.random.default_rng(0)
    return dataclasses.replace(
        digits,
        X_test=rng.integers(0, digits.pixel_max + 1, digits.X_test.shape).astype(np.uint8),
        y_test=rng.permutation(digits.y_test),
    )


# (replacement test set, models that can predict it)
REPLACED = [("nan_test", "rf"), ("random_test", "sgd,rf")]


def test_search_never_reads_the_test_set(digits, nan_test):
    runs = [run_search(ds, "fast", budget="quick", n_jobs=2) for ds in (digits, nan_test)]
    a, b = (run.results["fast"] for run in runs)
    assert a.best_params == b.best_params and a.best_score == b.best_score
    cols = ["params", "mean_test_score", "n_resources"]
    pd.testing.assert_frame_equal(a.cv_results[cols], b.cv_results[cols])


@pytest.mark.parametrize(("replaced", "names"), REPLACED)
def test_binary_cross_validation_and_choice_never_read_the_test_set(
    digits, request, replaced, names
):
    other = request.getfixturevalue(replaced)
    a, b = (run_binary(ds, 5, model_names=names, n_jobs=2) for ds in (digits, other))
    assert a.best() == b.best()
    for name in names.split(","):
        ra, rb = a.models[name], b.models[name]
        assert ra.cv == rb.cv
        np.testing.assert_array_equal(ra.cv_scores, rb.cv_scores)
        assert {k: t.to_dict() for k, t in ra.thresholds.items()} == {
            k: t.to_dict() for k, t in rb.thresholds.items()
        }
        assert ra.test != rb.test  # the test set was read, but only to report
    assert a.to_metrics()["task"]["best"] == b.to_metrics()["task"]["best"]


@pytest.mark.parametrize(("replaced", "names"), REPLACED)
def test_multiclass_cross_validation_never_reads_the_test_set(digits, request, replaced, names):
    other = request.getfixturevalue(replaced)
    a, b = (run_multiclass(ds, names, n_jobs=2) for ds in (digits, other))
    for name in names.split(","):
        ra, rb = a.models[name], b.models[name]
        np.testing.assert_array_equal(ra.oof.predictions, rb.oof.predictions)
        np.testing.assert_array_equal(ra.oof.fold_accuracy, rb.oof.fold_accuracy)
        np.testing.assert_array_equal(ra.cv_confidence, rb.cv_confidence)
        assert ra.test_accuracy != rb.test_accuracy
    cv = ["model", "cv_accuracy"]
    pd.testing.assert_frame_equal(a.table()[cv], b.table()[cv])


def test_clean_never_reads_the_test_set(digits, nan_test):
    a, b = (run_clean(ds, "rf", n_jobs=2) for ds in (digits, nan_test))
    np.testing.assert_array_equal(a.issues, b.issues)
    np.testing.assert_array_equal(a.quality, b.quality)
    np.testing.assert_array_equal(a.suggested, b.suggested)
    assert a.cv_accuracy == b.cv_accuracy
    assert a.test_accuracy_all != b.test_accuracy_all


def test_the_best_denoiser_is_chosen_without_the_test_set(digits, random_test):
    # denoisers cannot read NaN rows: random images stand in for the test set
    names = "pca,ridge,knn-regressor"
    a, b = (run_denoise(ds, denoiser_names=names, n_jobs=2) for ds in (digits, random_test))
    assert a.best() == b.best()
    for name in names.split(","):
        assert a.denoisers[name].validation_mse == b.denoisers[name].validation_mse
        assert a.denoisers[name].mse != b.denoisers[name].mse
