import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from mnistlab.evaluation import (
    confidence,
    confident_mistakes,
    multilabel_metrics,
    n_binary_estimators,
    per_class_report,
    top_confusions,
)

Y = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
P = np.array([0, 1, 1, 1, 1, 2, 0, 2, 2])


def test_top_confusions():
    t = top_confusions(Y, P)
    assert t.to_dict(orient="records") == [
        {"true": 0, "predicted": 1, "count": 2, "rate": pytest.approx(2 / 3)},
        {"true": 2, "predicted": 0, "count": 1, "rate": 0.25},
    ]


def test_per_class_report():
    r = per_class_report(Y, P)
    assert r.loc["1", "recall"] == 1.0 and r.loc["1", "precision"] == 0.5
    assert r.loc["2", "support"] == 4 and "macro avg" in r.index


def test_confidence_and_mistakes_order():
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]])
    np.testing.assert_allclose(confidence(proba, "predict_proba"), [0.9, 0.6, 0.8])
    dec = np.array([[2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        confidence(dec, "decision_function"), [np.exp(2) / (1 + np.exp(2)), 0.5]
    )
    y, p = np.array([0, 1, 0]), np.array([1, 0, 1])
    assert confident_mistakes(y, p, np.array([0.5, 0.9, 0.7])).tolist() == [1, 2, 0]
    assert confident_mistakes(y, y, np.ones(3)).tolist() == []


def test_n_binary_estimators():
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.arange(60) % 3
    assert n_binary_estimators(SGDClassifier().fit(X, y), 3) == 3
    assert n_binary_estimators(SVC().fit(X, y), 3) == 3
    assert n_binary_estimators(LogisticRegression().fit(X, y), 3) == 1
    assert n_binary_estimators(OneVsRestClassifier(SVC()).fit(X, y), 3) == 3
    ovo = make_pipeline(StandardScaler(), OneVsOneClassifier(LogisticRegression())).fit(X, y)
    assert n_binary_estimators(ovo, 3) == 3


def test_multilabel_metrics():
    Yt = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=bool)
    Yp = np.array([[1, 0], [1, 0], [0, 1], [1, 0]], dtype=bool)
    m = multilabel_metrics(Yt, Yp, ["a", "b"])
    assert m["subset_accuracy"] == 0.5 and m["hamming_loss"] == 0.25
    assert m["per_label"]["b"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
