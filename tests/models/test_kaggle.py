"""A Kaggle submission from a model and a digit-recognizer test.csv."""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier

from mnistlab._errors import InputError
from mnistlab.models import kaggle_submission


def _test_csv(path, side=28, rows=3):
    n = side * side
    lines = [",".join(f"pixel{i}" for i in range(n))]
    lines += [",".join(str((r * 7 + i) % 256) for i in range(n)) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _model(digit=7):
    return DummyClassifier(strategy="constant", constant=digit).fit(
        np.zeros((2, 784)), [digit, digit]
    )


def test_kaggle_submission_writes_one_row_per_image(tmp_path):
    sub = tmp_path / "sub.csv"
    pred = kaggle_submission(
        _model(), _test_csv(tmp_path / "test.csv"), sub, image_shape=(28, 28), pixel_max=255
    )
    assert pred.tolist() == [7, 7, 7]
    assert sub.read_text().splitlines() == ["ImageId,Label", "1,7", "2,7", "3,7"]


def test_kaggle_submission_refuses_a_model_of_other_images(tmp_path):
    csv = _test_csv(tmp_path / "test.csv", side=8)
    sub = tmp_path / "sub.csv"
    with pytest.raises(InputError, match="rows are 8x8 images but the model was trained on 28x28"):
        kaggle_submission(_model(), csv, sub, image_shape=(28, 28), pixel_max=255)
    with pytest.raises(
        InputError, match="^m: trained on pixels 0..16, but Kaggle CSVs hold 0..255"
    ):
        kaggle_submission(_model(), csv, sub, image_shape=(8, 8), pixel_max=16, model="m")
    assert not sub.exists()
