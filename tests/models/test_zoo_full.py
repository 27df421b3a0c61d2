"""Full-MNIST pins of the models' test accuracy (trained on all 60,000 training images,
scored once on the 10,000 test images): minutes, so marked slow. Floors, not exact figures,
where the fit may vary with the machine; the textbook's KNN is exact.

Run with: MNISTLAB_DATA=../shared/data/mnist python -m pytest -m slow
"""

import numpy as np
import pytest

from mnistlab import models
from tests.conftest import study_results

pytestmark = [pytest.mark.slow, pytest.mark.mnist]


def _test_accuracy(name: str, ds) -> float:
    est = models.get(name, n_jobs=-1).fit(ds.X_train, ds.y_train)
    return float(np.mean(est.predict(ds.X_test) == ds.y_test))


@pytest.mark.ci_paired
def test_textbook_knn(mnist):
    """Hands-On ML (3rd ed.), ch. 3, exercise 1: KNeighborsClassifier(4, weights='distance')."""
    assert _test_accuracy("knn", mnist) == 0.9714


def test_fast_as_the_default_study_trains_it(default_study):
    # the study's model section trains 'fast' on all 60,000 images and scores the test set once
    result = study_results(default_study, "model")["fast"]
    assert result["test"]["accuracy"] >= 0.985


# three SVMs fitted side by side in two threads (libsvm: one core each); CI runs it in the
# background beside the ci_paired pins
@pytest.mark.ci_beside
def test_best(mnist):
    assert _test_accuracy("best", mnist) >= 0.995  # 0.9958 by bench_models.py
