"""The device choice ("auto": CUDA, then Apple's MPS, else the CPU), tested on the CPU by
pretending that an accelerator is there or not; and a model trained on a GPU (simulated)
that loads and predicts on a CPU-only machine."""

from __future__ import annotations

import numpy as np
import pytest

from mnistlab import InputError, models
from mnistlab.data import load
from mnistlab.models._torch import check_device, numpy_state, resolve_device

pytestmark = pytest.mark.requires("torch")


@pytest.fixture
def accelerators(monkeypatch):
    """Set which accelerators torch reports: ``accelerators(cuda=True, mps=False)``."""
    import torch

    def set_(cuda: bool = False, mps: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: int(cuda))
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return set_


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu"), (True, False, "cuda")],
)
def test_auto_prefers_cuda_then_mps_then_the_cpu(accelerators, cuda, mps, expected):
    accelerators(cuda=cuda, mps=mps)
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"


def test_an_explicit_device_that_is_not_there(accelerators):
    accelerators(cuda=False, mps=False)
    with pytest.raises(InputError, match="device 'cuda' is not available here"):
        resolve_device("cuda")
    with pytest.raises(InputError, match="device 'mps' is not available here"):
        resolve_device("mps")
    with pytest.warns(UserWarning, match="using the cpu"):
        assert resolve_device("cuda:0", fallback=True) == "cpu"
    accelerators(cuda=True)
    assert resolve_device("cuda:0") == "cuda:0"
    with pytest.raises(InputError, match="only 1 CUDA devices"):
        resolve_device("cuda:3")


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "", None, 0])
def test_bad_device_names(bad):
    with pytest.raises(InputError, match="invalid device"):
        check_device(bad)


def test_training_on_a_missing_device_is_refused_in_one_line(accelerators):
    accelerators(cuda=False, mps=False)
    ds = load("digits")
    for est in (
        models.CNNClassifier(channels=(4,), dense=8, epochs=1, device="cuda"),
        models.get_denoiser("unet").set_params(epochs=1, device="cuda"),
    ):
        y = ds.y_train[:50] if isinstance(est, models.CNNClassifier) else ds.X_train[:50]
        with pytest.raises(InputError, match="not available here"):
            est.fit(ds.X_train[:50], y)


def test_a_model_trained_on_a_gpu_loads_and_predicts_on_a_cpu_only_machine(accelerators, tmp_path):
    """Its weights are numpy arrays (torch's map_location, done at fit time): what a GPU
    run leaves is simulated by a model whose parameters name the GPU."""
    ds = load("digits")
    est = models.CNNClassifier(channels=(4,), dense=8, epochs=1, random_state=0, n_jobs=1)
    est.fit(ds.X_train[:300], ds.y_train[:300])
    expected = est.predict_proba(ds.X_test)
    assert all(isinstance(v, np.ndarray) for v in numpy_state(est._module_cache).values())
    est.set_params(device="cuda")  # as if trained with --device cuda
    est.device_ = "cuda"
    del est._module_cache
    path = models.save_model(est, tmp_path / "cnn", name="cnn", dataset=ds)
    accelerators(cuda=False, mps=False)
    # loading checks the model by predicting: it warns there too
    with pytest.warns(UserWarning, match="device 'cuda' is not available here; using the cpu"):
        loaded, card = models.load_model(path, image_shape=ds.image_shape)
        proba = loaded.predict_proba(ds.X_test)
    assert card["params"]["device"] == "cuda"
    np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)


def test_set_device_reaches_the_networks_only():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    pipe = make_pipeline(MinMaxScaler(), models.CNNClassifier())
    assert models.set_device(pipe, "cpu").get_params()["cnnclassifier__device"] == "cpu"
    knn = models.get("knn")
    assert models.set_device(knn, "cuda").get_params() == models.get("knn").get_params()
    assert models.set_device(models.get("cnn"), None).device == "auto"
    with pytest.raises(InputError, match="invalid device 'gpu'"):
        models.set_device(models.get("cnn"), "gpu")
