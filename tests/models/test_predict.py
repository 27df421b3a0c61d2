import csv

import numpy as np
import pytest
from PIL import Image
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import load
from mnistlab.models import predict_digits, predict_files, write_predictions_csv
from mnistlab.preprocessing import read_images


@pytest.fixture(scope="module")
def digits_model():
    ds = load("digits")
    return KNeighborsClassifier(n_neighbors=3).fit(ds.X_train, ds.y_train), ds


def _digit_png(path, x):
    img = (255 - x.reshape(8, 8) * (255 // x.max())).astype(np.uint8)
    Image.fromarray(img).resize((80, 80), Image.Resampling.NEAREST).save(path)
    return path


def test_predict_files_keeps_the_order_and_marks_the_refused(tmp_path, digits_model):
    model, ds = digits_model
    a = _digit_png(tmp_path / "a.png", ds.X_test[0])
    b = _digit_png(tmp_path / "b.png", ds.X_test[1])
    blank = tmp_path / "blank.png"
    Image.new("L", (30, 30), 255).save(blank)
    batch = read_images([a, blank, b], (8, 8), 16)
    rows = predict_files(model, batch)
    expected = predict_digits(model, batch.X)
    assert [r["file"] for r in rows] == [str(a), str(blank), str(b)]
    assert [rows[0]["digit"], rows[2]["digit"]] == [e["digit"] for e in expected]
    assert rows[0]["top3"] == expected[0]["top"] and rows[0]["error"] is None
    assert rows[1] == {
        "file": str(blank),
        "digit": None,
        "probability": None,
        "top3": [],
        "error": "the image is blank (no digit found)",
    }


def test_predict_files_with_every_file_refused(tmp_path, digits_model):
    model, _ = digits_model
    rows = predict_files(model, read_images([tmp_path / "gone.png"], (8, 8), 16))
    assert rows[0]["digit"] is None and rows[0]["error"].startswith("cannot read it")


def test_predictions_csv_quotes_hostile_file_names(tmp_path, digits_model):
    """A comma, a quote or a newline in a file name must not shift or add columns."""
    model, ds = digits_model
    d = tmp_path / "in"
    d.mkdir()
    good = _digit_png(d / 'a,"b"\nc.png', ds.X_test[0])
    bad = d / "x,y.png"
    bad.write_text("no image, really\n")
    rows = predict_files(model, read_images([good, bad], (8, 8), 16))
    out = tmp_path / "p.csv"
    write_predictions_csv(out, rows)
    with out.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == ["file", "digit", "probability", "top3", "error"]
    assert table[1][:2] == [str(good), str(rows[0]["digit"])] and table[1][4] == ""
    assert float(table[1][2]) == pytest.approx(rows[0]["probability"], abs=1e-6)
    assert table[2] == [str(bad), "", "", "", "not a PNG or JPEG image"]
    assert len(table) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "p.csv"]  # no temporary left
