import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from mnistlab.models import BlasSVC, _svc


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:900], y[:900], X[900:]


@pytest.mark.parametrize("params", [{}, {"C": 5, "gamma": 0.002}, {"break_ties": True}])
@pytest.mark.parametrize("classes", [10, 3, 2])
def test_same_scores_and_predictions_as_libsvm(digits, monkeypatch, params, classes):
    X, y, T = digits
    keep = y < classes
    # blocks of a few rows: the chunking must not change a value
    monkeypatch.setattr(_svc, "_BLOCK_BYTES", 8 * 7 * 900)
    ours = BlasSVC(**params).fit(X[keep], y[keep])
    theirs = SVC(**params).fit(X[keep], y[keep])
    assert ours._blas()
    for shape in ("ovr", "ovo"):
        ours.decision_function_shape = theirs.decision_function_shape = shape
        np.testing.assert_allclose(
            ours.decision_function(T), theirs.decision_function(T), rtol=1e-9, atol=1e-9
        )
    ours.decision_function_shape = theirs.decision_function_shape = "ovr"
    np.testing.assert_array_equal(ours.predict(T), theirs.predict(T))


def test_data_far_from_the_origin_scores_as_libsvm(digits):
    # |x|^2 + |v|^2 - 2 x.v of two points near 1e8 would lose every digit of their distance
    X, y, T = digits
    X, T = X + 1e8, T + 1e8
    ours, theirs = BlasSVC(gamma=0.001).fit(X, y), SVC(gamma=0.001).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(T), theirs.decision_function(T), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(T), theirs.predict(T))


def test_votes_break_ties_as_libsvm():
    # three classes at the corners of a triangle: its centre ties every vote
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]]).repeat(2, axis=0)
    y = np.array([0, 0, 1, 1, 2, 2])
    centre = np.array([[0.5, np.sqrt(3) / 6]])
    ours, theirs = BlasSVC().fit(X, y), SVC().fit(X, y)
    np.testing.assert_array_equal(ours.predict(centre), theirs.predict(centre))


@pytest.mark.parametrize("case", ["linear", "sparse"])
def test_libsvm_still_scores_other_kernels_and_sparse_input(digits, case):
    X, y, T = digits
    if case == "sparse":
        X, T = sp.csr_matrix(X), sp.csr_matrix(T)
    kernel = "linear" if case == "linear" else "rbf"
    ours = BlasSVC(kernel=kernel).fit(X, y)
    theirs = SVC(kernel=kernel).fit(X, y)
    assert not ours._blas()
    np.testing.assert_array_equal(ours.decision_function(T), theirs.decision_function(T))
    np.testing.assert_array_equal(ours.predict(T), theirs.predict(T))


def test_no_support_vectors_scores_the_intercepts(digits):
    # a degenerate (or crafted) model: nothing to average, no warning of an empty mean
    X, y, T = digits
    svc = BlasSVC().fit(X, y)
    svc.support_vectors_ = svc.support_vectors_[:0]
    svc._dual_coef_ = svc._dual_coef_[:, :0]
    svc._n_support = np.zeros_like(svc._n_support)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = svc._ovo_decision(np.asarray(T[:3], dtype=float))
    np.testing.assert_array_equal(scores, np.tile(svc._intercept_, (3, 1)))
