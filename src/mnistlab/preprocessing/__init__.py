"""Preprocessing: noise, image transformers (deskewing, HOG,
gradient directions, scattering), augmentation, image import.

>>> from mnistlab.preprocessing import Deskew, HOG, Augmented, add_noise

Each name is imported on first use (``lazy_loader``): reading images does not import
scikit-learn.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_augment": [
            "TEXTBOOK_SHIFTS",
            "Augmented",
            "augment",
            "rotate_images",
            "shift_images",
            "thicken_images",
        ],
        "_gradients": ["GradientDirections"],
        "_images": ["HOG", "Deskew", "infer_shape"],
        "_import": [
            "FORMATS",
            "MAX_PIXELS_SIDE",
            "STROKE_WIDTH",
            "ImageBatch",
            "ImageError",
            "image_files",
            "image_to_row",
            "normalise_strokes",
            "open_image",
            "read_images",
        ],
        "_noise": ["NOISES", "NoiseModel", "add_noise"],
        "_scale": ["BlockScaler"],
        "_scattering": ["Scattering"],
    },
)
