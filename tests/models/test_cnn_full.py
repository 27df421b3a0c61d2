"""Full-MNIST pin of the CNN's test accuracy: about 12 minutes on 2 cores, so marked slow.
The floor is issue 16's target, 99.7% (bench_cnn.py measured 99.74%, 26 errors, on these 2
cores; PyTorch's last bits vary with the thread count, so elsewhere a few images may differ).

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
    assert float(np.mean(cnn.predict(mnist.X_test) == mnist.y_test)) >= 0.997
