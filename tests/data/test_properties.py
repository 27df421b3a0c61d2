"""Property tests (hypothesis): the IDX and CSV readers, given any bytes, either return data or
raise mnistlab's InputError; never another exception, a crash or a huge allocation."""

import gzip
import os
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnistlab import InputError
from mnistlab.data import load_idx_dir, parse_idx, read_bytes, read_kaggle_csv
from mnistlab.data._idx import IDX_DTYPES
from tests._fuzz import mutations
from tests.conftest import idx_bytes, write_idx_dir

#: A few hundred examples each in CI; MNISTLAB_FUZZ_EXAMPLES=5000 searches deeper.
FUZZ = settings(
    max_examples=int(os.environ.get("MNISTLAB_FUZZ_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,  # the same inputs on every run: a CI failure can be reproduced
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CODES = {np.dtype(dtype).newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


def _header(dims, code=0x08) -> bytes:
    return struct.pack(f">BBBB{len(dims)}I", 0, 0, code, len(dims), *dims)


# headers whose dimensions are small, huge or overflowing, with whatever follows
headers = st.builds(
    lambda dims, code, tail: _header(dims, code) + tail,
    st.lists(st.sampled_from([0, 1, 3, 28, 60000, 2**16, 2**31, 2**32 - 1]), max_size=6),
    st.sampled_from([*IDX_DTYPES, 0x00, 0x0A]),
    st.binary(max_size=64),
)
valid_idx = hnp.arrays(
    st.sampled_from(list(CODES)),
    hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
)


def _accepts_or_input_error(fn, *args):
    try:
        result = fn(*args)
    except InputError as exc:
        event(f"InputError: {str(exc).split(': ', 1)[-1][:40]}")
        return None
    event("accepted")
    return result


def _encode(array: np.ndarray) -> bytes:
    return idx_bytes(array, CODES[array.dtype])


@FUZZ
@given(data=st.one_of(st.binary(max_size=200), headers, valid_idx.map(_encode)))
def test_parse_idx_any_bytes(data):
    array = _accepts_or_input_error(parse_idx, data)
    if array is not None:  # then the header accounts for every byte
        assert array.nbytes == len(data) - 4 - 4 * array.ndim
        assert not array.flags.writeable


@FUZZ
@given(array=valid_idx)
def test_parse_idx_round_trip(array):
    out = parse_idx(_encode(array))
    assert out.shape == array.shape
    np.testing.assert_array_equal(out, array)


@FUZZ
@given(data=st.data(), compress=st.sampled_from(["none", "gzip", "mutate gzip"]))
def test_read_bytes_mutated_files(tmp_path, data, compress):
    original = idx_bytes(np.arange(60, dtype=np.uint8).reshape(3, 4, 5))
    raw = data.draw(st.one_of(mutations(original), headers))
    if compress == "none":
        content, name = raw, "f-idx3-ubyte"
    else:
        content, name = gzip.compress(raw), "f-idx3-ubyte.gz"
        if compress == "mutate gzip":
            content = data.draw(mutations(content))
    path = tmp_path / name
    path.write_bytes(content)
    out = _accepts_or_input_error(read_bytes, path)
    if out is not None:
        assert bytes(out) == raw  # what came out is exactly what was written
        parse_idx(out)  # read_bytes checked the header, so this parses


@FUZZ
@given(data=st.data(), which=st.integers(0, 3), gz=st.booleans())
def test_load_idx_dir_one_mutated_file(tmp_path_factory, data, which, gz):
    directory = write_idx_dir(tmp_path_factory.mktemp("idx"), n_train=6, n_test=4, gz=gz)
    path = sorted(directory.iterdir())[which]
    payload = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
    mutated = data.draw(mutations(payload))
    path.write_bytes(gzip.compress(mutated) if gz else mutated)
    _accepts_or_input_error(load_idx_dir, directory)


def test_gzip_member_of_zeros_cannot_claim_more_than_deflate_allows(tmp_path):
    # the largest header a small file may claim is bounded by deflate's ratio, not by the header
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(zlib.compress(_header([2**31]), wbits=31))
    with pytest.raises(InputError, match="compressed bytes can hold"):
        read_bytes(path)


# --- the Kaggle CSV loader ----------------------------------------------------------------

PIXELS = 4
HEADER = "label," + ",".join(f"pixel{i}" for i in range(PIXELS))
TOKENS = [
    "²", "٣", "\ufeff", '"', "-1", "256", "", " ", "\r", "\n", ",", "1e3", "nan", "0x10",
    "9" * 40, "\x00", "label", "pixel0", "\t", "#",
]  # fmt: skip
rows = st.lists(
    st.tuples(st.integers(0, 9), *[st.integers(0, 255)] * PIXELS), min_size=1, max_size=20
)


def _csv(table) -> str:
    return HEADER + "\n" + "".join(",".join(map(str, r)) + "\n" for r in table)


@st.composite
def csv_mutations(draw) -> bytes:
    """A valid CSV with tricky text put in, bytes changed, or encoded otherwise."""
    text = _csv(draw(rows))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        token = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        text = text[:at] + token + text[at + draw(st.integers(0, 2)) :]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    raw = text.encode(encoding, errors="replace")
    return draw(st.one_of(st.just(raw), mutations(raw)))


@FUZZ
@given(raw=st.one_of(csv_mutations(), st.binary(max_size=300)))
def test_read_kaggle_csv_any_bytes(tmp_path, raw):
    path = tmp_path / "train.csv"
    path.write_bytes(raw)
    result = _accepts_or_input_error(read_kaggle_csv, path)
    if result is not None:
        X, y, shape = result
        assert X.dtype == np.uint8 and X.shape[1] == shape[0] * shape[1]
        assert y is None or (y.dtype == np.int64 and len(y) == len(X) and y.max() <= 9)


@FUZZ
@given(table=rows, bom=st.booleans())
def test_read_kaggle_csv_round_trip(tmp_path, table, bom):
    path = tmp_path / "train.csv"
    path.write_bytes(_csv(table).encode("utf-8-sig" if bom else "utf-8"))
    X, y, shape = read_kaggle_csv(path)
    expected = np.array(table)
    assert shape == (2, 2)
    np.testing.assert_array_equal(X, expected[:, 1:])
    np.testing.assert_array_equal(y, expected[:, 0])
