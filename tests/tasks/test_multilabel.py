import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.tasks import LABELS, make_labels, run_multilabel


def test_labels():
    y = np.arange(10)
    Y = make_labels(y, ["large", "odd", "prime", "loop"])
    assert Y[:, 0].tolist() == [d >= 7 for d in range(10)]
    assert Y[:, 1].tolist() == [d % 2 == 1 for d in range(10)]
    assert np.flatnonzero(Y[:, 2]).tolist() == [2, 3, 5, 7]
    assert np.flatnonzero(Y[:, 3]).tolist() == [0, 6, 8, 9]
    assert set(LABELS) >= {"large", "odd"}


@pytest.fixture(scope="module")
def result():
    return run_multilabel(
        load("digits"), "large,odd", "knn5,multioutput-logreg,chain-svc", n_jobs=2
    )


def test_run(result):
    assert result.labels == ["large", "odd"]
    knn = result.models["knn5"]
    assert knn.test["f1_macro"] > 0.9 and knn.test["hamming_loss"] < 0.1
    assert knn.oof.predictions.shape == (1437, 2)
    m = result.to_metrics()
    assert set(m["knn5"]["cv"]["f1_macro"]) == {"folds", "mean", "out_of_fold"}
    assert set(m["chain-svc"]["test"]["per_label"]) == {"large", "odd"}


def test_bad_input():
    ds = load("digits")
    with pytest.raises(InputError, match="unknown label 'big'"):
        run_multilabel(ds, "big")
    with pytest.raises(InputError, match="unknown multilabel model 'sgd'"):
        run_multilabel(ds, "large", "sgd")
