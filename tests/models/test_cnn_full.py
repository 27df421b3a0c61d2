"""Full-MNIST pin of the CNN's test accuracy: minutes, so marked slow. A floor with margin,
since PyTorch's results vary with the thread count.

Run with: MNISTLAB_DATA=../shared/data/mnist python -m pytest -m slow
"""

import numpy as np
import pytest

from mnistlab import models


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.requires("torch")
def test_cnn_on_full_mnist(mnist):
    cnn = models.get("cnn", n_jobs=-1).fit(mnist.X_train, mnist.y_train)
    assert float(np.mean(cnn.predict(mnist.X_test) == mnist.y_test)) >= 0.9955
