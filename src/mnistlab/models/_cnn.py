"""A small convolutional network (PyTorch) with the scikit-learn API.

PyTorch is optional (``pip install 'mnistlab[torch]'``); without it the class can be
built and inspected, and ``fit`` says in one line how to install it.

The fitted network is kept as plain numpy arrays (``weights_``), so a model file is
written by skops like any other model, with no pickle of torch objects, and a network
trained on a GPU loads on a CPU-only machine; the torch module is rebuilt from the
hyperparameters and those arrays when it is first needed.
"""

from __future__ import annotations

import math
import time
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from mnistlab._errors import InputError
from mnistlab._params import NETWORK_RUN, POSITIVE_INT
from mnistlab.models._torch import (
    as_float,
    check_device,
    image_tensor,
    load_state,
    numpy_state,
    require_torch,
    resolve_device,
    set_threads,
    torch_available,
    torch_mode,
)
from mnistlab.preprocessing import infer_shape

__all__ = ["CNNClassifier", "torch_available"]

INSTALL_HINT = (
    "the cnn model needs PyTorch: pip install 'mnistlab[torch]' "
    "(a CPU-only PyTorch: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)


def _module_class():
    """The network, defined on first use so that importing this module needs no torch."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class ConvNet(nn.Module):
        """Two conv blocks (conv-BN-ReLU twice, max-pool, dropout), then a dense head.

        In training mode each batch is randomly shifted and rotated (on-the-fly
        augmentation, one affine warp for the whole batch on the CPU).
        """

        def __init__(
            self,
            image_shape=(28, 28),
            channels=(32, 64),
            dense=128,
            dropout=0.25,
            n_classes=10,
            max_shift=2.0,
            max_angle=10.0,
        ):
            super().__init__()
            self.max_shift = float(max_shift)
            self.max_angle = float(max_angle)
            layers: list[nn.Module] = []
            c_in = 1
            h, w = image_shape
            for c in channels:
                layers += [
                    nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                    nn.Conv2d(c, c, 3, padding=1, bias=False),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(2),
                    nn.Dropout(dropout / 2),
                ]
                c_in = c
                h, w = h // 2, w // 2
            if h < 1 or w < 1:
                raise ValueError(f"{len(channels)} pooling blocks are too many for {image_shape}")
            self.features = nn.Sequential(*layers)
            self.head = nn.Sequential(
                nn.Flatten(),
                nn.Linear(c_in * h * w, dense, bias=False),
                nn.BatchNorm1d(dense),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
                nn.Linear(dense, n_classes),
            )

        def _jitter(self, x):
            n, _, h, w = x.shape
            # drawn on the CPU whatever the device, so a seed means the same jitter everywhere
            angle = (torch.rand(n) * 2 - 1) * math.radians(self.max_angle)
            shift = (torch.rand(n, 2) * 2 - 1) * self.max_shift
            cos, sin = torch.cos(angle), torch.sin(angle)
            theta = torch.zeros(n, 2, 3)
            theta[:, 0, 0], theta[:, 0, 1] = cos, -sin
            theta[:, 1, 0], theta[:, 1, 1] = sin, cos
            theta[:, 0, 2] = shift[:, 0] * 2 / w  # pixels -> the grid's [-1, 1] units
            theta[:, 1, 2] = shift[:, 1] * 2 / h
            grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
            return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")

        def forward(self, x):
            if self.training and (self.max_shift > 0 or self.max_angle > 0):
                x = self._jitter(x)
            # channels-last is about 20% faster for these convolutions on the CPU (oneDNN)
            x = x.contiguous(memory_format=torch.channels_last)
            return self.head(self.features(x))

    return ConvNet


def _ensemble_class():
    """Several ConvNets whose softmax outputs are averaged (log-probabilities out)."""
    import torch
    from torch import nn

    class Ensemble(nn.Module):
        def __init__(self, members):
            super().__init__()
            self.members = nn.ModuleList(members)

        def forward(self, x):
            probs = torch.stack([torch.softmax(m(x), dim=1) for m in self.members])
            return torch.log(probs.mean(dim=0).clamp_min(1e-12))

    return Ensemble


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """A convolutional network for digit images, or an ensemble of a few, in PyTorch.

    Each network trains for a fixed number of epochs with a one-cycle learning-rate
    schedule (AdamW) and random shifts and rotations of each training batch, in a plain
    PyTorch loop over the images held as one uint8 tensor (no per-sample loading). With
    ``n_estimators`` > 1 the networks differ only in their seeds and their softmax
    outputs are averaged. Optionally a stratified validation split of the training data
    (never the test set) is held out and scored after every epoch (``history_``).

    Parameters
    ----------
    channels : tuple of int, default=(32, 64)
        Channels of each conv block (each halves the image side).
    dense : int, default=128
        Width of the hidden dense layer.
    dropout : float, default=0.25
        Dropout of the dense layer (half of it after each conv block).
    epochs : int, default=8
        Epochs of each network.
    n_estimators : int, default=1
        Networks in the ensemble (each trained for ``epochs``).
    batch_size : int, default=128
    lr : float, default=3e-3
        Peak learning rate of the one-cycle schedule.
    weight_decay : float, default=5e-4
    max_shift : float, default=2.0
        Largest random shift in pixels (0 turns shifting off).
    max_angle : float, default=10.0
        Largest random rotation in degrees (0 turns rotating off).
    validation_fraction : float, default=0.0
        Share of the training data held out to monitor training (0: none).
    image_shape : tuple of int or "auto", default="auto"
    device : {"auto", "cpu", "cuda", "mps"} or "cuda:<n>", default="auto"
        Where to train and predict: "auto" is CUDA, then Apple's MPS, else the CPU.
        Training on a device that is not available is an error; predicting with a
        model trained elsewhere falls back to the CPU with a warning.
    random_state : int or None, default=None
        Seeds PyTorch (weights, batches, augmentation) and the validation split.
    n_jobs : int or None, default=None
        PyTorch's CPU threads (None or -1: all cores; 1 with ``deterministic``).
    deterministic : bool, default=False
        Reproducible to the bit: PyTorch's deterministic algorithms
        (``torch.use_deterministic_algorithms``) during ``fit`` and ``predict``, and a
        fixed number of threads (``n_jobs`` if positive, else 1, never "all cores"),
        since the order of a parallel sum changes its last bits. Slower. (On CUDA it
        also needs ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` in the environment.)
    verbose : int, default=0
        1 prints a line per epoch.

    Attributes
    ----------
    classes_ : ndarray
    n_features_in_ : int
    image_shape_ : tuple of int
    scale_ : float
        The training pixels' maximum (inputs are divided by it).
    weights_ : dict of str to ndarray
        The trained network's state (parameters and batch-norm statistics); with an
        ensemble, the members' states under ``members.<i>.``.
    history_ : list of dict
        Per epoch: ``epoch`` (counted across the members), ``member``, ``train_loss``,
        ``dur`` and, with a validation split, ``valid_loss`` and ``valid_acc`` of that
        member.
    validation_ : dict
        With a validation split: ``valid_acc`` and ``valid_loss`` of the ensemble, and
        ``valid_acc_first`` (the accuracy of the first 1, 2, ... members averaged).
    device_ : str
        The device it was trained on.
    n_parameters_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from mnistlab.models import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = CNNClassifier(channels=(4,), dense=8, epochs=2, random_state=0, n_jobs=1)
    >>> cnn.fit(X[:200], y[:200]).predict_proba(X[200:202]).shape
    (2, 10)
    >>> cnn.history_[-1]["epoch"], cnn.n_parameters_ > 0
    (2, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "channels": ["array-like"],
        "dense": [POSITIVE_INT],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [POSITIVE_INT],
        "n_estimators": [POSITIVE_INT],
        "batch_size": [POSITIVE_INT],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_shift": [Interval(Real, 0, None, closed="left")],
        "max_angle": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        **NETWORK_RUN,
    }

    def __init__(
        self,
        *,
        channels=(32, 64),
        dense=128,
        dropout=0.25,
        epochs=8,
        n_estimators=1,
        batch_size=128,
        lr=3e-3,
        weight_decay=5e-4,
        max_shift=2.0,
        max_angle=10.0,
        validation_fraction=0.0,
        image_shape="auto",
        device="auto",
        random_state=None,
        n_jobs=None,
        deterministic=False,
        verbose=0,
    ):
        self.channels = channels
        self.dense = dense
        self.dropout = dropout
        self.epochs = epochs
        self.n_estimators = n_estimators
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_shift = max_shift
        self.max_angle = max_angle
        self.validation_fraction = validation_fraction
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.deterministic = deterministic
        self.verbose = verbose

    # --- helpers ------------------------------------------------------------------------------

    def _check_params(self) -> None:
        """What ``_parameter_constraints`` cannot say: one or more blocks, each of 1+
        channels, and a device name that exists."""
        channels = list(self.channels)
        if not channels or not all(isinstance(c, Integral) and c >= 1 for c in channels):
            raise InvalidParameterError(
                "The 'channels' parameter of CNNClassifier must be a non-empty sequence of "
                f"positive ints. Got {self.channels!r} instead."
            )
        check_device(self.device)

    def _new_network(self):
        return _module_class()(
            image_shape=self.image_shape_,
            channels=tuple(int(c) for c in self.channels),
            dense=int(self.dense),
            dropout=float(self.dropout),
            n_classes=len(self.classes_),
            max_shift=float(self.max_shift),
            max_angle=float(self.max_angle),
        )

    def _new_module(self):
        """The whole model: one network (its outputs are logits), or the ensemble."""
        import torch

        n = int(self.n_estimators)
        module = (
            self._new_network()
            if n == 1
            else _ensemble_class()([self._new_network() for _ in range(n)])
        )
        return module.to(memory_format=torch.channels_last)

    def _module(self, device: str):
        """The torch module on ``device``, rebuilt from ``weights_`` after loading a file."""
        module = getattr(self, "_module_cache", None)
        if module is None:
            # numpy weights: they load whatever device trained them (torch's map_location)
            module = load_state(self._new_module(), self.weights_, "CNN").eval()
            self._module_cache = module
        return module.to(device)

    # --- scikit-learn API ---------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network(s) on images ``X`` (rows of pixels) with labels ``y``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=None)
        check_classification_targets(y)
        require_torch(INSTALL_HINT)
        with torch_mode(self.deterministic):
            return self._fit(X, y)

    def _fit(self, X, y):
        import torch

        self.image_shape_ = infer_shape(X.shape[1], self.image_shape)
        blocks = len(tuple(self.channels))
        if min(self.image_shape_) >> blocks < 1:
            raise InputError(
                f"invalid CNNClassifier parameter: channels={self.channels!r}: {blocks} "
                f"pooling blocks are too many for {self.image_shape_[0]}x"
                f"{self.image_shape_[1]} images"
            )
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("CNNClassifier needs at least 2 classes in y")
        peak = float(np.max(X)) if X.size else 0.0
        self.scale_ = peak if peak > 0 else 1.0
        device = resolve_device(self.device)
        set_threads(self.n_jobs, self.deterministic)
        seed = 0 if self.random_state is None else int(self.random_state)
        fit_idx = np.arange(len(X))
        val_idx = fit_idx[:0]
        if self.validation_fraction:
            fit_idx, val_idx = train_test_split(
                fit_idx,
                test_size=float(self.validation_fraction),
                stratify=y_idx,
                random_state=seed,
            )
        images = image_tensor(X, self.image_shape_, device)
        labels = torch.from_numpy(y_idx.astype(np.int64)).to(device)
        fit_t = torch.from_numpy(np.sort(fit_idx)).to(device)
        val_t = torch.from_numpy(np.sort(val_idx)).to(device)

        self.history_ = []
        members, val_probs = [], []
        for member in range(int(self.n_estimators)):
            torch.manual_seed(seed + 1000 * member)
            net = self._new_network().to(device, memory_format=torch.channels_last)
            self._train_one(net, images, labels, fit_t, val_t, member, device)
            members.append(net.eval())
            if len(val_t):
                val_probs.append(self._proba(net, images[val_t], device, logits=True))
        module = members[0] if len(members) == 1 else _ensemble_class()(members).eval()
        self.weights_ = numpy_state(module)
        self.n_parameters_ = int(sum(p.numel() for p in module.parameters()))
        self.device_ = device
        if val_probs:
            y_val = y_idx[np.sort(val_idx)]
            means = np.cumsum(val_probs, axis=0) / np.arange(1, len(val_probs) + 1)[:, None, None]
            first = [float(np.mean(p.argmax(axis=1) == y_val)) for p in means]
            self.validation_ = {
                "valid_acc": first[-1],
                "valid_loss": _nll(means[-1], y_val),
                "valid_acc_first": first,
            }
        self._module_cache = module
        return self

    def _train_one(self, net, images, labels, fit_t, val_t, member, device) -> None:
        """One network's epochs (one-cycle AdamW), a history row per epoch."""
        import torch
        from torch.nn import functional as F

        epochs, batch = int(self.epochs), int(self.batch_size)
        steps = max(1, math.ceil(len(fit_t) / batch))
        opt = torch.optim.AdamW(
            net.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay)
        )
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=float(self.lr), epochs=epochs, steps_per_epoch=steps
        )
        y_val = labels[val_t].cpu().numpy()
        for _ in range(epochs):
            start = time.perf_counter()
            net.train()
            order = fit_t[torch.randperm(len(fit_t), device=device)]
            total = 0.0
            for i in range(steps):
                idx = order[i * batch : (i + 1) * batch]
                if len(idx) < 2 and len(order) > 1:  # batch norm needs two images
                    idx = order[-2:]
                out = net(as_float(images[idx], self.scale_))
                loss = F.cross_entropy(out, labels[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            row = {
                "epoch": len(self.history_) + 1,
                "member": member,
                "train_loss": total / max(1, len(fit_t)),
            }
            if len(val_t):
                proba = self._proba(net.eval(), images[val_t], device, logits=True)
                row["valid_loss"] = _nll(proba, y_val)
                row["valid_acc"] = float(np.mean(proba.argmax(axis=1) == y_val))
            row["dur"] = time.perf_counter() - start
            self.history_.append(row)
            if self.verbose:
                shown = ", ".join(
                    f"{k} {v:.4f}" for k, v in row.items() if k not in ("epoch", "member")
                )
                print(f"member {member} epoch {row['epoch']}: {shown}", flush=True)

    def _proba(self, module, images, device: str, *, logits: bool) -> np.ndarray:
        """Probabilities of ``images`` (a tensor from :func:`image_tensor`), in batches."""
        import torch

        out = []
        with torch.inference_mode():
            for start in range(0, len(images), 1024):
                x = as_float(images[start : start + 1024].to(device), self.scale_)
                z = module(x)
                out.append((torch.softmax(z, dim=1) if logits else torch.exp(z)).cpu().numpy())
        return np.concatenate(out) if out else np.empty((0, len(self.classes_)), np.float32)

    def predict_proba(self, X):
        """Class probabilities (the softmax of the network, averaged over an ensemble)."""
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, reset=False, dtype=None)
        require_torch(INSTALL_HINT)
        device = resolve_device(self.device, fallback=True)
        set_threads(self.n_jobs, self.deterministic)
        with torch_mode(self.deterministic):
            module = self._module(device)
            images = image_tensor(X, self.image_shape_, "cpu")
            return self._proba(module, images, device, logits=int(self.n_estimators) == 1)

    def predict(self, X):
        """The most probable class of each image."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # --- persistence: arrays only, the torch module is rebuilt -----------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: object.__getstate__ is __dict__ itself
        state.pop("_module_cache", None)
        return state


def _nll(proba: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))
