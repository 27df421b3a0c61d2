"""Full-MNIST pin of the denoising headline: about 9 minutes on 2 idle cores (6 of them the
U-Net's two fits), so marked slow.

Run with: MNISTLAB_DATA=../shared/data/mnist python -m pytest -m slow tests/tasks
"""

import pytest

from mnistlab import models
from mnistlab.data import load_idx_dir
from mnistlab.tasks import run_denoise


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.requires("torch")
def test_denoiser_chosen_on_validation_has_test_mse_at_most_66(mnist_dir):
    ds = load_idx_dir(mnist_dir)
    # every denoiser competes, as in 'mnistlab denoise'; the cheap "fast" classifier only
    # reports accuracies, which this pin does not read
    r = run_denoise(ds, "textbook", classifier="fast", n_jobs=-1)
    assert set(r.denoisers) == set(models.denoiser_names())
    best = r.denoisers[r.best()]
    assert best.validation_mse == min(d.validation_mse for d in r.denoisers.values())
    # bench_denoise.py: the U-Net, 64.1 (issue 16's 60 is not reached; 66.6 with 4 epochs);
    # hinge-ridge 81.1. The margin is for PyTorch's run-to-run differences in threads.
    assert best.mse <= 66, (r.best(), best.mse)
