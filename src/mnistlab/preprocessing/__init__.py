"""Preprocessing: noise models (and later transformers, augmentation, image import)."""

from mnistlab.preprocessing._noise import NOISES, NoiseModel, add_noise

__all__ = ["NOISES", "NoiseModel", "add_noise"]
