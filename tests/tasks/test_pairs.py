import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.tasks import run_pairs


@pytest.fixture(scope="module")
def result():
    return run_pairs(load("digits"), n_jobs=2)


def test_all_45_pairs_symmetric(result):
    assert len(result.pairs) == 45 and result.digits == list(range(10))
    np.testing.assert_array_equal(result.cv_error, result.cv_error.T)
    assert np.isnan(np.diag(result.cv_error)).all()
    off = result.cv_error[~np.eye(10, dtype=bool)]
    assert (off >= 0).all() and off.mean() < 0.05


def test_hardest_sorted(result):
    top = result.hardest(5)
    assert len(top) == 5 and top["cv_error"].is_monotonic_decreasing
    a, b = (int(x) for x in top.loc[0, "pair"].split("-"))
    assert top.loc[0, "cv_error"] == np.nanmax(result.cv_error) == result.cv_error[a, b]


def test_metrics(result):
    m = result.to_metrics()["pca-knn"]
    assert len(m["cv"]["error_matrix"]) == 10 and m["cv"]["error_matrix"][0][0] is None
    assert len(m["pairs"]) == 45 and len(m["hardest"]) == 10


def test_unknown_model():
    with pytest.raises(InputError, match="unknown model"):
        run_pairs(load("digits"), "nope")
