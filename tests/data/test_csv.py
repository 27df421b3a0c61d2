import numpy as np
import pandas as pd
import pytest

from mnistlab import InputError
from mnistlab.data import load, read_kaggle_csv, write_submission

HEADER = "label," + ",".join(f"pixel{i}" for i in range(16))


def write_csv(path, rows, header=HEADER):
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def good_rows(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return [[i % 10, *rng.integers(0, 256, 16)] for i in range(n)]


def test_read_train_csv(tmp_path):
    X, y, shape = read_kaggle_csv(write_csv(tmp_path / "t.csv", good_rows()))
    assert X.shape == (40, 16) and X.dtype == np.uint8 and shape == (4, 4)
    assert y.tolist() == [i % 10 for i in range(40)]


def test_csv_without_label_is_for_prediction_only(tmp_path):
    header = ",".join(f"pixel{i}" for i in range(16))
    path = write_csv(tmp_path / "test.csv", [r[1:] for r in good_rows()], header)
    X, y, _ = read_kaggle_csv(path)
    assert y is None and X.shape == (40, 16)
    with pytest.raises(InputError, match="no 'label' column"):
        load(str(path))


def test_load_kaggle_fixed_stratified_split(tmp_path):
    path = write_csv(tmp_path / "train.csv", good_rows(100))
    a, b = load(str(path)), load(str(path))
    assert a.name == "kaggle" and a.n_train == 80 and a.n_test == 20
    np.testing.assert_array_equal(a.y_test, b.y_test)  # independent of any seed
    assert np.bincount(a.y_test).tolist() == [2] * 10
    assert "random_state=0" in a.split


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty file"),
        ("label,pix0,pix1\n1,2,3\n", "bad header"),
        (HEADER.rsplit(",", 1)[0] + "\n", "bad header"),  # a missing pixel column
        (HEADER + "\n", "no rows"),
        (HEADER + "\n1," + ",".join(["0"] * 14) + "\n", "row 1 has 15 cells, the header names 17"),
        (HEADER + "\n1,," + ",".join(["0"] * 15) + "\n", "empty cell in row 1, column 'pixel0'"),
        (HEADER + "\n1,a," + ",".join(["0"] * 15) + "\n", "not a whole number 'a'"),
        (HEADER + "\n1,-3," + ",".join(["0"] * 15) + "\n", "negative value '-3'|outside 0..255"),
        (HEADER + "\n1,256," + ",".join(["0"] * 15) + "\n", "256 in row 1, column 'pixel0'"),
        (HEADER + "\n1,99999999," + ",".join(["0"] * 15) + "\n", "99999999|outside 0..255"),
        (HEADER + "\n10," + ",".join(["0"] * 16) + "\n", "label 10 in row 1"),
        (HEADER + "\n1,0.5," + ",".join(["0"] * 15) + "\n", "not a whole number '0.5'"),
    ],
)
def test_bad_csv(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=match) as info:
        read_kaggle_csv(path)
    assert str(path) in str(info.value)


def test_missing_csv(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_kaggle_csv(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="not found"):
        load(str(tmp_path / "nope.csv"))


def test_write_submission(tmp_path):
    path = write_submission(tmp_path / "sub.csv", np.array([3, 1, 4]))
    frame = pd.read_csv(path)
    assert frame.columns.tolist() == ["ImageId", "Label"]
    assert frame["ImageId"].tolist() == [1, 2, 3] and frame["Label"].tolist() == [3, 1, 4]
    assert [p.name for p in tmp_path.iterdir()] == ["sub.csv"]  # no temporary file left
