import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mnistlab import InputError
from mnistlab.cli import app
from mnistlab.data import load, read_kaggle_csv, write_submission
from tests._fifo import release_later

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


@pytest.mark.parametrize("n", [20, 40, 45])
def test_too_few_rows_for_the_fixed_split(tmp_path, n):
    # 40 rows of 10 labels: a test part of 8 rows cannot hold one of each (an internal error)
    path = write_csv(tmp_path / "train.csv", good_rows(n))
    with pytest.raises(InputError, match=f"{n} rows are too few .* at least 46 rows"):
        load(str(path))
    assert load(str(write_csv(tmp_path / "46.csv", good_rows(46)))).n_test == 10


def test_a_pipe_is_refused_not_waited_on(tmp_path):
    pipe = tmp_path / "train.csv"
    os.mkfifo(pipe)
    release_later(pipe)  # a reader blocked in open() gets an end of file: the test then fails
    start = time.monotonic()
    with pytest.raises(InputError, match="not a regular file"):
        read_kaggle_csv(pipe)  # waited forever for a writer before
    assert time.monotonic() - start < 4


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


ZEROS = ",".join(["0"] * 15)


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ("²", "not a whole number '²' in row 2, column 'pixel0'"),  # was int()'s ValueError
        ("٣", "not a whole number '٣' in row 2, column 'pixel0'"),  # was an IndexError
        ("1\u0663", "not a whole number"),
    ],
)
def test_non_ascii_digits(tmp_path, cell, match):
    path = tmp_path / "digits.csv"
    path.write_bytes(f"{HEADER}\n1,0,{ZEROS}\n1,{cell},{ZEROS}\n".encode())
    with pytest.raises(InputError, match=match):
        read_kaggle_csv(path)


def test_bytes_not_utf8_after_the_first_block(tmp_path):
    path = tmp_path / "latin1.csv"
    rows = f"1,0,{ZEROS}\n" * 20000  # 680 KB: pandas decodes them in blocks
    path.write_bytes(f"{HEADER}\n{rows}1,\xe9,{ZEROS}\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"row 20001 is not UTF-8 text \(byte 0xe9\)"):
        read_kaggle_csv(path)  # was a UnicodeDecodeError traceback
    path.write_bytes(b"\xff\xfe" + HEADER.encode("utf-16-le"))
    with pytest.raises(InputError, match="not a text CSV file"):
        read_kaggle_csv(path)


def test_one_huge_cell(tmp_path):
    # The diagnosis made a fixed-width string array of rows x columns x the longest cell:
    # 1 MB here, 68 GB in all (58 GiB for Kaggle's 785 columns and a 20 KB cell).
    path = tmp_path / "huge.csv"
    path.write_text(f"{HEADER}\n" + f"1,0,{ZEROS}\n" * 1000 + f"1,{'9' * 2**20},{ZEROS}\n")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="row 1001 is longer than"):
            read_kaggle_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_one_huge_line_is_not_buffered_whole(tmp_path):
    # pandas keeps a line whole, whatever its length: 470 MB to refuse a 200 MB line
    path = tmp_path / "huge.csv"
    with path.open("w") as f:
        f.write(f"{HEADER}\n1,")
        for _ in range(150):
            f.write("1" * 2**20)
    code = (
        "import re, sys\n"
        "from mnistlab.data import read_kaggle_csv\n"
        "try:\n"
        "    read_kaggle_csv(sys.argv[1])\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
        "print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read())[1])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "row 1 is longer than" in out[0]
    assert int(out[1]) < 200 << 10  # peak KB; the imports alone take about 90 MB


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    plain = write_csv(tmp_path / "plain.csv", good_rows())
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())  # as Excel saves "CSV UTF-8"
    X, y, shape = read_kaggle_csv(bom)
    X0, y0, shape0 = read_kaggle_csv(plain)
    assert shape == shape0
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(("rows", "cell"), [(1, "²"), (20000, "\xe9"), (1000, "9" * 2**20)])
def test_cli_exit_2_with_one_line(tmp_path, rows, cell):
    path = tmp_path / "bad.csv"
    encoding = "latin-1" if cell == "\xe9" else "utf-8"
    good = f"1,0,{ZEROS}\n" * rows
    path.write_bytes(f"{HEADER}\n{good}1,{cell},{ZEROS}\n".encode(encoding))
    result = CliRunner().invoke(app, ["data", "info", "--data", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and str(path.name) in lines[0]


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
