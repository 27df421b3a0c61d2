"""Full-MNIST pin of the denoising headline: about 10 minutes on 2 idle cores (8 of them the
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
def test_denoiser_chosen_on_validation_has_test_mse_at_most_60(mnist_dir):
    ds = load_idx_dir(mnist_dir)
    # every denoiser competes, as in 'mnistlab denoise'; the cheap "fast" classifier only
    # reports accuracies, which this pin does not read
    r = run_denoise(ds, "textbook", classifier="fast", n_jobs=-1)
    assert set(r.denoisers) == set(models.denoiser_names())
    best = r.denoisers[r.best()]
    assert best.validation_mse == min(d.validation_mse for d in r.denoisers.values())
    # issue 16's target; bench_denoise.py: the U-Net with its noise estimate bounded, 59.29
    # (64.1 unbounded); hinge-ridge 81.1. No margin: on 2 cores PyTorch repeats the fit
    # exactly (this pin gave 59.29 as well, with another classifier)
    assert best.mse <= 60, (r.best(), best.mse)
