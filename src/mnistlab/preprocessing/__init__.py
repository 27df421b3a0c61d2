"""Preprocessing: noise models, image transformers (deskewing, HOG) and augmentation.

>>> from mnistlab.preprocessing import Deskew, HOG, Augmented, add_noise
"""

from mnistlab.preprocessing._augment import (
    TEXTBOOK_SHIFTS,
    Augmented,
    augment,
    rotate_images,
    shift_images,
)
from mnistlab.preprocessing._images import HOG, Deskew, infer_shape
from mnistlab.preprocessing._noise import NOISES, NoiseModel, add_noise

__all__ = [
    "HOG",
    "NOISES",
    "TEXTBOOK_SHIFTS",
    "Augmented",
    "Deskew",
    "NoiseModel",
    "add_noise",
    "augment",
    "infer_shape",
    "rotate_images",
    "shift_images",
]
