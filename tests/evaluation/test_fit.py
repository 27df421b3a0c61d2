import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from mnistlab.evaluation import predict_with_scores


class _CountingKNN(KNeighborsClassifier):
    """A subclass: still argmax of its probabilities."""


@pytest.mark.parametrize(
    ("estimator", "from_proba"),
    [
        (KNeighborsClassifier(n_neighbors=3), True),
        (_CountingKNN(n_neighbors=3), True),
        (RandomForestClassifier(n_estimators=3, random_state=0), True),
        (ExtraTreesClassifier(n_estimators=3, random_state=0), True),
        (DecisionTreeClassifier(random_state=0), True),
        (ExtraTreeClassifier(random_state=0), True),
        (LogisticRegression(max_iter=200), False),
    ],
)
def test_predictions_come_from_the_probabilities_only_where_that_is_exact(
    monkeypatch, estimator, from_proba
):
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), estimator).fit(X[:400], y[:400])
    expected = model.predict(X[400:500])
    calls = []
    monkeypatch.setattr(type(model), "predict", lambda self, X: calls.append(1) or expected)
    pred, scores = predict_with_scores(model, X[400:500], "predict_proba")
    np.testing.assert_array_equal(pred, expected)
    assert scores.shape == (100, 10)
    assert bool(calls) is not from_proba  # a second pass only where argmax is not exact
