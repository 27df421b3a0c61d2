import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.preprocessing import NOISES, add_noise

X = np.full((50, 64), 8, dtype=np.uint8)


def test_textbook_noise_is_unclipped_int16():
    Xm = np.full((200, 784), 250, dtype=np.uint8)
    noisy = add_noise(Xm, "textbook", random_state=0)
    assert noisy.dtype == np.int16 and noisy.max() > 255 and noisy.max() <= 250 + 99
    assert (noisy - Xm).min() >= 0
    np.testing.assert_array_equal(noisy, add_noise(Xm, "textbook", random_state=0))


def test_textbook_noise_scales_to_pixel_max():
    noisy = add_noise(X, "textbook", pixel_max=16, random_state=0)
    assert (noisy - X).min() >= 0 and (noisy - X).max() <= 6  # 100 * 16/255 ≈ 6


@pytest.mark.parametrize("kind", ["gaussian", "salt-pepper", "occlusion"])
def test_other_noises_stay_in_range(kind):
    noisy = add_noise(X, kind, pixel_max=16, image_shape=(8, 8), random_state=1)
    assert noisy.dtype == X.dtype and noisy.min() >= 0 and noisy.max() <= 16
    assert (noisy != X).any()


def test_occlusion_erases_one_block():
    noisy = add_noise(X, "occlusion", 0.5, pixel_max=16, image_shape=(8, 8), random_state=2)
    erased = (noisy == 0).reshape(-1, 8, 8)
    assert (erased.sum(axis=(1, 2)) == 16).all()  # a 4x4 block per image


def test_bad_noise_and_strength():
    with pytest.raises(InputError, match="unknown noise 'pink'"):
        add_noise(X, "pink")
    with pytest.raises(InputError, match="outside"):
        add_noise(X, "salt-pepper", 1.5)
    assert set(NOISES) == {"textbook", "gaussian", "salt-pepper", "occlusion"}
