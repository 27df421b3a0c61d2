"""A small convolutional denoiser (PyTorch) with the scikit-learn API: noisy rows to clean rows.

Like :class:`~mnistlab.models.CNNClassifier` it needs the torch extra only to fit and
predict, and keeps its trained weights as numpy arrays (``weights_``), so a model file
holds no torch objects and a denoiser trained on a GPU loads on a CPU-only machine.
"""

from __future__ import annotations

import math
import time
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._params import NETWORK_RUN, POSITIVE_INT
from mnistlab.models._torch import (
    check_device,
    load_state,
    numpy_state,
    require_torch,
    resolve_device,
    set_threads,
    torch_mode,
)
from mnistlab.preprocessing import infer_shape

INSTALL_HINT = (
    "the conv denoiser needs PyTorch: pip install 'mnistlab[torch]' "
    "(a CPU-only PyTorch: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)


def _unet_class():
    """A two-level U-Net, defined on first use so that importing this module needs no torch."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    def block(c_in: int, c_out: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        )

    class UNet(nn.Module):
        """Two convolutions at full size, two at half size (context: the strokes' shape),
        upsampled and joined with the full-size features; the output is the input minus
        the noise it estimates (unbounded, or inside a given range)."""

        def __init__(self, channels=(16, 32)):
            super().__init__()
            c1, c2 = channels
            self.enc = nn.Sequential(block(1, c1), block(c1, c1))
            self.mid = nn.Sequential(block(c1, c2), block(c2, c2))
            self.dec = nn.Sequential(block(c1 + c2, c1), nn.Conv2d(c1, 1, 3, padding=1))

        def forward(self, x, noise_range=None):
            skip = self.enc(x)
            deep = self.mid(F.max_pool2d(skip, 2, ceil_mode=True))
            up = F.interpolate(deep, size=skip.shape[-2:], mode="nearest")
            out = self.dec(torch.cat([skip, up], dim=1))
            if noise_range is None:
                # residual: the network learns the noise to take away (quicker to learn)
                return x + out
            # the noise (noisy - clean) as a fraction of the interval where it can be: in
            # the range seen in training, and leaving a clean pixel in [0, 1]
            low, high = noise_range
            least = torch.clamp(x - 1, min=low)
            most = torch.clamp(x, max=high)
            return x - (least + (most - least) * torch.sigmoid(out))

    return UNet


def _noise_range(X: np.ndarray, Y: np.ndarray, chunk: int = 4096) -> tuple[float, float]:
    """The smallest and largest ``X - Y``, a chunk of rows at a time (no full-size copy)."""
    lows, highs = [], []
    for s in range(0, len(X), chunk):
        d = X[s : s + chunk] - Y[s : s + chunk]
        lows.append(float(d.min()))
        highs.append(float(d.max()))
    return min(lows), max(highs)


class ConvDenoiser(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """A small convolutional network (a two-level U-Net) that maps noisy images to clean ones.

    Trained to minimise the mean squared error with one-cycle AdamW for a fixed number
    of epochs; the inputs are divided by the clean images' maximum and the outputs clipped
    to [0, 1] and multiplied by it, so predictions stay inside the clean images' range.

    With ``bound_noise`` the network estimates the noise (noisy minus clean) as a
    fraction of the interval where it can be, so a denoised pixel always lies where the
    clean one can: the textbook's noise adds 0 to 99 (the range the training pairs show),
    so a clean pixel is at most its noisy value, at least 99 below it, and in the clean
    images' range. A noise without a bound (Gaussian, clipped) shows the whole pixel
    range, which bounds nothing but the clean range.

    Parameters
    ----------
    channels : tuple of two int, default=(16, 32)
        Channels at full and at half size.
    bound_noise : bool, default=True
        Estimate the noise inside the range of ``X - y`` in training, leaving the clean
        pixel in ``[0, max(y)]``; False: an unbounded correction.
    epochs : int, default=4
    batch_size : int, default=128
    lr : float, default=3e-3
        Peak learning rate of the one-cycle schedule.
    image_shape : tuple of int or "auto", default="auto"
    device : {"auto", "cpu", "cuda", "mps"} or "cuda:<n>", default="auto"
        As :class:`~mnistlab.models.CNNClassifier`'s.
    random_state : int or None, default=None
    n_jobs : int or None, default=None
        PyTorch's CPU threads (None or -1: all cores; 1 with ``deterministic``).
    deterministic : bool, default=False
        PyTorch's deterministic algorithms and a fixed number of threads.
    verbose : int, default=0

    Attributes
    ----------
    image_shape_ : tuple of int
    scale_ : float
        The clean training images' maximum.
    noise_range_ : tuple of float or None
        The smallest and largest ``X - y`` in training, in the images' units; None
        without ``bound_noise``.
    weights_ : dict of str to ndarray
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss`` (MSE on the 0..1 scale), ``dur``.
    device_ : str
    n_parameters_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from mnistlab.models import ConvDenoiser
    >>> X = load_digits().data[:200]
    >>> noisy = np.clip(X + np.random.default_rng(0).normal(0, 3, X.shape), 0, 16)
    >>> unet = ConvDenoiser(channels=(4, 8), epochs=2, random_state=0, n_jobs=1)
    >>> unet.fit(noisy, X).predict(noisy[:3]).shape
    (3, 64)
    >>> len(unet.history_), unet.n_parameters_ > 0
    (2, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "channels": ["array-like"],
        "bound_noise": ["boolean"],
        "epochs": [POSITIVE_INT],
        "batch_size": [POSITIVE_INT],
        "lr": [Interval(Real, 0, None, closed="neither")],
        **NETWORK_RUN,
    }

    def __init__(
        self,
        *,
        channels=(16, 32),
        bound_noise=True,
        epochs=4,
        batch_size=128,
        lr=3e-3,
        image_shape="auto",
        device="auto",
        random_state=None,
        n_jobs=None,
        deterministic=False,
        verbose=0,
    ):
        self.channels = channels
        self.bound_noise = bound_noise
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.deterministic = deterministic
        self.verbose = verbose

    def _check_params(self) -> None:
        """What ``_parameter_constraints`` cannot say: two levels of 1+ channels, and a
        device name that exists."""
        ch = list(self.channels)
        if len(ch) != 2 or not all(isinstance(c, Integral) and c >= 1 for c in ch):
            raise InvalidParameterError(
                "The 'channels' parameter of ConvDenoiser must be a sequence of two positive "
                f"ints. Got {self.channels!r} instead."
            )
        check_device(self.device)

    def _new_module(self):
        return _unet_class()(tuple(int(c) for c in self.channels))

    def _bounds(self) -> tuple[float, float] | None:
        """The noise range on the network's 0..1 scale (None: unbounded)."""
        if getattr(self, "noise_range_", None) is None:
            return None
        low, high = self.noise_range_
        return low / self.scale_, high / self.scale_

    def _tensor(self, X, device: str):
        import torch

        h, w = self.image_shape_
        x = np.asarray(X, dtype=np.float32).reshape(-1, 1, h, w) / np.float32(self.scale_)
        # channels-last: oneDNN's CPU convolutions run 1.5-1.9x faster in it (2 cores)
        t = torch.from_numpy(np.ascontiguousarray(x))
        return t.to(device, memory_format=torch.channels_last)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on noisy rows ``X`` and clean rows ``y`` of the same shape."""
        self._check_params()
        X, Y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float32)
        if Y.ndim != 2 or Y.shape != X.shape:
            raise ValueError("ConvDenoiser maps images to images: y must have X's shape")
        require_torch(INSTALL_HINT)
        self.image_shape_ = infer_shape(X.shape[1], self.image_shape)
        peak = float(np.max(Y)) if Y.size else 0.0
        self.scale_ = peak if peak > 0 else 1.0
        self.noise_range_ = _noise_range(X, Y) if self.bound_noise else None
        with torch_mode(self.deterministic):
            return self._fit(X, Y)

    def _fit(self, X, Y):
        import torch
        from torch.nn import functional as F

        device = resolve_device(self.device)
        set_threads(self.n_jobs, self.deterministic)
        torch.manual_seed(0 if self.random_state is None else int(self.random_state))
        xs, ys = self._tensor(X, device), self._tensor(Y, device)
        net = self._new_module().to(device, memory_format=torch.channels_last)
        epochs, batch = int(self.epochs), int(self.batch_size)
        steps = max(1, math.ceil(len(xs) / batch))
        opt = torch.optim.AdamW(net.parameters(), lr=float(self.lr), weight_decay=0.0)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=float(self.lr), epochs=epochs, steps_per_epoch=steps
        )
        bounds = self._bounds()
        self.history_ = []
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            net.train()
            order = torch.randperm(len(xs), device=device)
            total = 0.0
            for i in range(steps):
                idx = order[i * batch : (i + 1) * batch]
                loss = F.mse_loss(net(xs[idx], bounds), ys[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            row = {
                "epoch": epoch,
                "train_loss": total / len(xs),
                "dur": time.perf_counter() - start,
            }
            self.history_.append(row)
            if self.verbose:
                print(f"epoch {epoch}: train loss {row['train_loss']:.5f} ({row['dur']:.0f} s)")
        net.eval()
        self.weights_ = numpy_state(net)
        self.n_parameters_ = int(sum(p.numel() for p in net.parameters()))
        self.device_ = device
        self._module_cache = net
        return self

    def predict(self, X):
        """Denoised rows on the clean images' scale."""
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, reset=False, dtype=np.float32)
        require_torch(INSTALL_HINT)
        import torch

        device = resolve_device(self.device, fallback=True)
        set_threads(self.n_jobs, self.deterministic)
        with torch_mode(self.deterministic), torch.inference_mode():
            net = getattr(self, "_module_cache", None)
            if net is None:
                net = load_state(self._new_module(), self.weights_, "conv denoiser").eval()
                self._module_cache = net
            net = net.to(device, memory_format=torch.channels_last)
            bounds = self._bounds()
            out = [
                net(self._tensor(X[s : s + 1024], device), bounds).cpu().numpy()
                for s in range(0, len(X), 1024)
            ]
        flat = np.concatenate(out).reshape(len(X), -1) if out else np.empty((0, X.shape[1]))
        return np.clip(flat.astype(np.float64), 0, 1) * self.scale_

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_module_cache", None)
        return state
