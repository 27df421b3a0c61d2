"""Manual augmentation: the copies shown, and the same models trained without and with them."""

import numpy as np
import pytest

from mnistlab import models
from mnistlab.data import load
from mnistlab.preprocessing import rotate_images, shift_images
from mnistlab.tasks import augmentation_columns, augmentation_examples, run_augment, shift_name


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def test_copies_are_named_for_what_they_do():
    assert shift_name(0, 1) == "1 px right" and shift_name(-2, 1) == "2 px up, 1 px right"
    assert augmentation_columns([(1, 0)], [-10, 15]) == [
        "original",
        "shifted 1 px down",
        "rotated 10° clockwise",
        "rotated 15° anticlockwise",
    ]
    # a positive angle turns a vertical bar's top to the left: anticlockwise, as drawn
    bar = np.zeros((9, 9))
    bar[:, 4] = 100
    turned = rotate_images(bar.reshape(1, -1), (9, 9), 20).reshape(9, 9)
    assert turned[1, :4].sum() > 0 and turned[1, 5:].sum() == 0


def test_examples_are_one_digit_each_with_its_copies(digits):
    shifts, angles = [(0, 1), (-1, 0)], [10.0]
    images, labels = augmentation_examples(
        digits.X_train, digits.y_train, digits.image_shape, 4, shifts, angles
    )
    assert images.shape == (4, 4, 64) and len(set(labels)) == 4
    first = int(np.flatnonzero(digits.y_train == labels[0])[0])
    original = digits.X_train[first : first + 1]
    np.testing.assert_array_equal(images[0, 0], original[0])
    np.testing.assert_array_equal(images[0, 1], shift_images(original, (8, 8), 0, 1)[0])
    np.testing.assert_array_equal(images[0, 3], rotate_images(original, (8, 8), 10.0)[0])


def test_same_model_and_seed_without_and_with_copies(digits):
    result = run_augment(digits, "sgd", shifts=[(0, 1), (1, 0)], angles=[10], n_examples=3)
    r = result.models["sgd"]
    assert r.n_train == digits.n_train and r.n_augmented == 3 * digits.n_train
    plain = models.get("sgd", random_state=42).fit(digits.X_train, digits.y_train)
    assert r.plain_accuracy == np.mean(plain.predict(digits.X_test) == digits.y_test)
    assert 0.8 < r.augmented_accuracy <= 1
    assert result.columns == augmentation_columns([(0, 1), (1, 0)], [10])
    assert result.examples.shape == (3, 4, 64)
    m = result.to_metrics()
    assert m["sgd"]["augmented"]["test"]["accuracy"] == r.augmented_accuracy
    assert m["task"]["copies"] == result.columns[1:]
    assert result.table()["change (points)"].iloc[0] == pytest.approx(
        100 * (r.augmented_accuracy - r.plain_accuracy)
    )
