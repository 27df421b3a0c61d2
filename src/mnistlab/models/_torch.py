"""What the PyTorch models share: the device choice, threads, determinism, tensors of images.

Nothing here imports torch at module level: the torch extra is optional.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np

from mnistlab._errors import InputError

#: The accepted ``device`` values besides an explicit ``"cuda:<index>"``.
DEVICES = ("auto", "cpu", "cuda", "mps")


def torch_available() -> bool:
    """Whether PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def require_torch(hint: str) -> None:
    """Raise :class:`InputError` with ``hint`` (how to install) when PyTorch is missing."""
    if not torch_available():
        raise InputError(hint)


def check_device(device: Any) -> str:
    """The device parameter as a string, or :class:`InputError` naming the accepted values."""
    text = str(device).strip().lower() if isinstance(device, str) else None
    if text in DEVICES or (text is not None and text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise InputError(f"invalid device {device!r}; use one of {', '.join(DEVICES)} or cuda:<n>")


def _available(kind: str) -> bool:
    import torch

    if kind == "cuda":
        return bool(torch.cuda.is_available())
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        return bool(mps is not None and mps.is_available())
    return kind == "cpu"


def resolve_device(device: Any = "auto", *, fallback: bool = False) -> str:
    """The torch device to run on: ``"auto"`` is CUDA, then Apple's MPS, else the CPU.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "mps"} or "cuda:<n>"
    fallback : bool, default=False
        An explicit device that is not available here: the CPU with a warning (for
        predicting with a model trained elsewhere) instead of an :class:`InputError`
        (for training, where the request was the user's).
    """
    name = check_device(device)
    if name == "auto":
        return next(d for d in ("cuda", "mps", "cpu") if _available(d))
    kind = name.partition(":")[0]
    if _available(kind):
        if kind == "cuda" and ":" in name:
            import torch

            if int(name[5:]) >= torch.cuda.device_count():
                raise InputError(f"device {name!r}: only {torch.cuda.device_count()} CUDA devices")
        return name
    if fallback:
        warnings.warn(f"device {name!r} is not available here; using the cpu", stacklevel=3)
        return "cpu"
    raise InputError(
        f"device {name!r} is not available here (PyTorch {_torch_version()}); "
        "use --device auto or cpu, or install a PyTorch built for it (see the README)"
    )


def _torch_version() -> str:
    import torch

    return str(torch.__version__)


@contextmanager
def deterministic_torch():
    """PyTorch's deterministic algorithms while inside (an op without one raises)."""
    import torch

    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def torch_mode(deterministic: bool):
    """:func:`deterministic_torch` when asked, else nothing."""
    return deterministic_torch() if deterministic else nullcontext()


def set_threads(n_jobs: int | None, deterministic: bool) -> None:
    """PyTorch's CPU threads: ``n_jobs`` if positive, else all cores (1 when deterministic)."""
    import torch

    n = n_jobs
    if n is None or n < 0:
        n = 1 if deterministic else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, int(n)))


def image_tensor(X: np.ndarray, image_shape: tuple[int, int], device: str):
    """Images as an (n, 1, h, w) tensor on ``device``, kept as uint8 when the pixels are
    bytes (a quarter of the memory; each batch becomes float when it is used)."""
    import torch

    h, w = image_shape
    X = np.asarray(X)
    if X.dtype.kind in "iub" and X.size and X.min() >= 0 and X.max() <= 255:
        arr = X.astype(np.uint8, copy=False)
    else:
        arr = X.astype(np.float32, copy=False)
    arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:  # torch wants writable memory (a read-only memmap, say)
        arr = arr.copy()
    return torch.from_numpy(arr.reshape(-1, 1, h, w)).to(device)


def as_float(batch, scale: float):
    """A batch of :func:`image_tensor` as float32 in [0, 1] (divided by ``scale``)."""
    import torch

    return batch.to(torch.float32).div_(float(scale))


def numpy_state(module) -> dict[str, np.ndarray]:
    """A module's state as CPU numpy arrays: what a model file keeps, whatever the device."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_state(module, weights: dict, what: str):
    """Load numpy ``weights`` into ``module``; a mismatch is one :class:`InputError` line."""
    import torch

    state = {k: torch.from_numpy(np.array(v)) for k, v in weights.items()}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"the {what}'s weights do not match its architecture ({first})") from None
    return module


def set_device(estimator, device: str | None):
    """Set the ``device`` of ``estimator`` and of every estimator inside it that has one.

    Models without PyTorch parts are returned unchanged (``--device`` applies to the
    networks only); ``None`` leaves the estimator's own choice.
    """
    if device is None:
        return estimator
    name = check_device(device)
    keys = [k for k in estimator.get_params(deep=True) if k == "device" or k.endswith("__device")]
    if keys:  # a fitted network moves to the new device when it next predicts
        estimator.set_params(**dict.fromkeys(keys, name))
    return estimator
