"""Multioutput denoising: noisy images in, clean images out, judged by MSE, PSNR and accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from mnistlab import _defaults as defaults
from mnistlab import models
from mnistlab._progress import SILENT, Progress
from mnistlab.data import Dataset
from mnistlab.evaluation import fit_predict
from mnistlab.preprocessing import NOISES, add_noise
from mnistlab.tasks._common import build_one, parse_names

DEFAULT_CLASSIFIER = defaults.DENOISE_CLASSIFIER


def mse_255(clean: np.ndarray, other: np.ndarray, pixel_max: int) -> float:
    """Mean squared error on the 0..255 scale (other ranges are rescaled to it)."""
    scale = 255.0 / pixel_max
    diff = (np.asarray(other, dtype=np.float64) - clean) * scale
    return float(np.mean(diff**2))


def psnr_255(mse: float) -> float:
    """Peak signal-to-noise ratio in dB, with peak 255."""
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@dataclass
class DenoiserResult:
    """One denoiser: its validation MSE (which chooses), and its figures on the noisy test set."""

    name: str
    mse: float
    psnr: float
    accuracy: float
    recovered: float | None
    fit_seconds: float
    predict_seconds: float
    sample: np.ndarray  # denoised versions of the sample test images
    details: dict = field(default_factory=dict)
    validation_mse: float | None = None  # fitted on the rest of the training set

    def to_metrics(self) -> dict:
        """The ``results.<denoiser>`` block of ``metrics.json``."""
        return {
            "validation": {"mse": self.validation_mse},
            "test": {
                "mse": self.mse,
                "psnr": self.psnr,
                "accuracy": self.accuracy,
                "accuracy_recovered": self.recovered,
            },
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            **self.details,
        }


@dataclass
class DenoiseResult:
    """Results of :func:`run_denoise`: the baseline (noisy input) and every denoiser."""

    noise: str
    strength: float
    classifier: str
    clean_accuracy: float
    noisy: DenoiserResult
    denoisers: dict[str, DenoiserResult]
    sample_index: np.ndarray
    sample_clean: np.ndarray
    sample_noisy: np.ndarray
    image_shape: tuple[int, int]
    pixel_max: int
    settings: dict = field(default_factory=dict)

    def best(self) -> str:
        """The denoiser with the lowest validation MSE (the test set only reports)."""
        return min(self.denoisers, key=lambda n: self.denoisers[n].validation_mse)

    def to_metrics(self) -> dict:
        """The ``results`` block of ``metrics.json``."""
        return {
            "task": {
                "noise": self.noise,
                "strength": self.strength,
                "classifier": self.classifier,
                "clean_accuracy": self.clean_accuracy,
                "best": self.best(),
                "best_chosen_on": "validation",
                **self.settings,
            },
            "noisy": self.noisy.to_metrics(),
            **{n: r.to_metrics() for n, r in self.denoisers.items()},
        }


def run_denoise(
    dataset: Dataset,
    noise: str = "textbook",
    strength: float | None = None,
    denoiser_names: str | Sequence[str] | None = None,
    *,
    classifier: str = DEFAULT_CLASSIFIER,
    n_samples: int = 8,
    validation_size: float | int = 0.1,
    random_state: int = 42,
    n_jobs: int | None = None,
    progress: Progress = SILENT,
) -> DenoiseResult:
    """Add noise, train denoisers on the noisy training set, judge them on the noisy test set.

    Each denoiser maps noisy rows to clean rows. It is judged by MSE (0..255
    scale) and PSNR on the test set, and by the accuracy of one fixed
    classifier (trained on clean images) on its output, against the clean and
    the noisy test images: ``accuracy_recovered`` is the share of the accuracy
    lost to noise that the denoiser wins back (None when noise costs less than
    one percentage point, where the ratio would be noise itself).

    Each denoiser is first fitted on the training set minus a validation split
    (seeded by ``random_state``) and scored there: :meth:`DenoiseResult.best`
    chooses on these validation MSEs. It is then refitted on the whole training
    set, and the test set only reports.

    Parameters
    ----------
    dataset : Dataset
    noise : str
        A name from :data:`mnistlab.preprocessing.NOISES`.
    strength : float, optional
        The noise's strength (default: its own).
    denoiser_names : str or sequence of str, optional
        Registry denoisers (default: all; those needing PyTorch only when it is installed).
    classifier : str
        Registry model used to measure accuracy.
    n_samples : int
        Test images kept for the figures.
    validation_size : float or int
        The validation split of the training set: a fraction, or a number of images.
    random_state : int
        Seeds the noise (train and test differently) and the models.
    n_jobs : int, optional
    progress : Progress
    """
    # by default all of them; those needing PyTorch only where it is installed
    default = [
        n
        for n in models.denoiser_names()
        if models.denoiser_entry(n).extra != "torch" or models.torch_available()
    ]
    names = parse_names(denoiser_names or default, models.denoiser_names(), "denoiser")
    models.entry(classifier)
    kw = {"pixel_max": dataset.pixel_max, "image_shape": dataset.image_shape}
    model = NOISES.get(noise)
    X_train_noisy = add_noise(dataset.X_train, noise, strength, random_state=random_state, **kw)
    X_test_noisy = add_noise(dataset.X_test, noise, strength, random_state=random_state + 1, **kw)
    strength = model.default if strength is None else float(strength)
    clean, pmax = dataset.X_test, dataset.pixel_max
    fit_idx, val_idx = train_test_split(
        np.arange(dataset.n_train), test_size=validation_size, random_state=random_state
    )

    with progress.task(f"classifier {classifier} on clean images", 1) as task:
        clf = build_one(classifier, random_state=random_state, n_jobs=n_jobs)
        pred = fit_predict(clf, dataset.X_train, dataset.y_train, clean).predictions
        clean_acc = float(np.mean(pred == dataset.y_test))
        task.advance()
    noisy_acc = float(np.mean(clf.predict(X_test_noisy) == dataset.y_test))
    lost = clean_acc - noisy_acc

    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(len(clean), size=min(n_samples, len(clean)), replace=False))
    noisy_mse = mse_255(clean, X_test_noisy, pmax)
    baseline = DenoiserResult(
        "noisy", noisy_mse, psnr_255(noisy_mse), noisy_acc, 0.0, 0.0, 0.0, X_test_noisy[sample]
    )
    results = {}
    for name in names:
        with progress.task(f"denoiser {name}", 3) as task:
            est = build_one(
                name, random_state=random_state, n_jobs=n_jobs, registry=models.DENOISERS
            )
            val = fit_predict(
                est, X_train_noisy[fit_idx], dataset.X_train[fit_idx], X_train_noisy[val_idx]
            )
            val_mse = mse_255(dataset.X_train[val_idx], val.predictions, pmax)
            task.advance()
            final = fit_predict(est, X_train_noisy, dataset.X_train, X_test_noisy)
            out = final.predictions
            task.advance(2)
        mse = mse_255(clean, out, pmax)
        acc = float(np.mean(clf.predict(out) == dataset.y_test))
        details = {}
        if hasattr(est, "n_components_"):
            details = {
                "n_components": int(est.n_components_),
                "validation_mse": {str(k): v for k, v in est.validation_mse_.items()},
            }
        results[name] = DenoiserResult(
            name,
            mse,
            psnr_255(mse),
            acc,
            (acc - noisy_acc) / lost if lost >= 0.01 else None,
            final.fit_seconds,
            final.predict_seconds,
            np.asarray(out)[sample],
            details,
            val_mse,
        )
    return DenoiseResult(
        noise,
        strength,
        classifier,
        clean_acc,
        baseline,
        results,
        sample,
        clean[sample],
        X_test_noisy[sample],
        dataset.image_shape,
        pmax,
        settings={
            "n_train": dataset.n_train,
            "n_test": dataset.n_test,
            "n_validation": len(val_idx),
        },
    )
