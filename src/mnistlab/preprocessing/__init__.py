"""Preprocessing: noise, image transformers (deskewing, HOG), augmentation, image import.

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
from mnistlab.preprocessing._import import (
    FORMATS,
    MAX_PIXELS_SIDE,
    ImageBatch,
    ImageError,
    image_files,
    image_to_row,
    open_image,
    read_images,
)
from mnistlab.preprocessing._noise import NOISES, NoiseModel, add_noise
from mnistlab.preprocessing._scale import BlockScaler

__all__ = [
    "FORMATS",
    "HOG",
    "MAX_PIXELS_SIDE",
    "NOISES",
    "TEXTBOOK_SHIFTS",
    "Augmented",
    "BlockScaler",
    "Deskew",
    "ImageBatch",
    "ImageError",
    "NoiseModel",
    "add_noise",
    "augment",
    "image_files",
    "image_to_row",
    "infer_shape",
    "open_image",
    "read_images",
    "rotate_images",
    "shift_images",
]
