import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_predict, cross_val_score

from mnistlab import models
from mnistlab._progress import Progress, ProgressTask
from mnistlab.data import load
from mnistlab.evaluation import cross_val_outputs, score_method


@pytest.fixture(scope="module")
def digits():
    return load("digits")


class Counting(Progress):
    def __init__(self):
        self.calls = []

    def task(self, description, total):
        calls = self.calls

        class T(ProgressTask):
            def advance(self, n=1):
                calls.append((description, total))

        return T()


@pytest.mark.parametrize("name", ["sgd", "rf"])
def test_equals_cross_val_score_and_predict(digits, name):
    X, y = digits.X_train, digits.y_train == 5
    est = models.get(name)
    if name == "rf":
        est.set_params(n_estimators=10)
    progress = Counting()
    out = cross_val_outputs(est, X, y, cv=3, n_jobs=2, progress=progress)
    np.testing.assert_array_equal(out.fold_accuracy, cross_val_score(est, X, y, cv=3))
    np.testing.assert_array_equal(out.predictions, cross_val_predict(est, X, y, cv=3))
    method = score_method(est)
    assert out.method == method == ("decision_function" if name == "sgd" else "predict_proba")
    np.testing.assert_allclose(out.scores, cross_val_predict(est, X, y, cv=3, method=method))
    assert len(progress.calls) == 3 and len(out.folds) == 3
    assert np.sort(np.concatenate(out.folds)).tolist() == list(range(len(y)))
    assert out.fit_seconds.shape == (3,) and (out.fit_seconds >= 0).all()


@pytest.mark.mnist
def test_textbook_sgd_five_detector_figures(mnist_dir):
    """Hands-On ML (3rd ed.), ch. 3: SGDClassifier(random_state=42), 3-fold CV on 60,000."""
    from sklearn.metrics import confusion_matrix, roc_auc_score

    from mnistlab.data import load_idx_dir
    from mnistlab.evaluation import threshold_for_precision

    ds = load_idx_dir(mnist_dir)
    y = ds.y_train == 5
    out = cross_val_outputs(models.get("sgd"), ds.X_train, y, cv=3, n_jobs=-1)
    assert out.fold_accuracy.tolist() == [0.95035, 0.96035, 0.9604]
    assert confusion_matrix(y, out.predictions).tolist() == [[53892, 687], [1891, 3530]]
    assert roc_auc_score(y, out.scores) == pytest.approx(0.9604938554008616, abs=1e-12)
    t = threshold_for_precision(y, out.scores, 0.9)
    assert t.value == pytest.approx(3370.0194991439557, rel=1e-9)
    assert t.recall == pytest.approx(0.4799852425751706, abs=1e-12)


class _SeesTheFilter(ClassifierMixin, BaseEstimator):
    """Predicts 1 where the ConvergenceWarning filter of the caller reached its fit."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.quiet_ = any(f[0] == "ignore" and f[2] is ConvergenceWarning for f in warnings.filters)
        return self

    def predict(self, X):
        return np.full(len(X), int(self.quiet_))


def test_the_fold_processes_keep_the_callers_warning_filters():
    # the lesson silences ConvergenceWarning: its processes printed them all the same
    X, y = np.arange(60.0).reshape(30, 2), np.arange(30) % 2
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        out = cross_val_outputs(_SeesTheFilter(), X, y, cv=3, method=None, n_jobs=2)
    assert out.predictions.tolist() == [1] * 30
