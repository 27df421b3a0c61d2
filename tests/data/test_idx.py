import gzip
import logging
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

from mnistlab import InputError
from mnistlab.data import load, load_idx_dir, parse_idx
from tests.conftest import idx_bytes, write_idx_dir


def test_parse_idx_roundtrip_all_dtypes():
    for code, dtype in (
        (0x08, np.uint8),
        (0x09, np.int8),
        (0x0B, np.int16),
        (0x0C, np.int32),
        (0x0D, np.float32),
        (0x0E, np.float64),
    ):
        a = np.arange(24, dtype=dtype).reshape(2, 3, 4)
        out = parse_idx(idx_bytes(a, code))
        np.testing.assert_array_equal(out, a)
        assert out.shape == (2, 3, 4)


def test_load_small_dir_unverified_with_notice(idx_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        ds = load_idx_dir(idx_dir)
    assert not ds.verified and ds.name == "idx"
    assert "checksums differ" in caplog.text
    assert ds.X_train.shape == (60, 30) and ds.X_train.dtype == np.uint8
    assert ds.image_shape == (6, 5) and ds.pixel_max == 255
    assert ds.y_train.dtype == np.int64 and ds.y_test.tolist() == [i % 10 for i in range(20)]
    assert not ds.X_train.flags.writeable  # the frozen dataset's arrays are read-only


def test_raw_and_gz_load_the_same(tmp_path):
    a = load_idx_dir(write_idx_dir(tmp_path / "gz", gz=True))
    b = load_idx_dir(write_idx_dir(tmp_path / "raw", gz=False))
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert a.checksums == b.checksums  # the MD5 is of the decompressed bytes


def test_require_verified_refuses_other_idx(idx_dir):
    with pytest.raises(InputError, match="checksum mismatch"):
        load_idx_dir(idx_dir, require_verified=True)


def _corrupt(directory, name, data: bytes, gz: bool = True):
    path = directory / f"{name}.gz"
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"


@pytest.mark.parametrize(
    ("name", "payload", "match"),
    [
        (TRAIN_IMAGES, b"\x00\x00", "truncated file"),
        (TRAIN_IMAGES, b"\x12\x34\x08\x03" + b"\x00" * 12, "wrong magic"),
        (TRAIN_IMAGES, b"\x00\x00\x42\x03" + b"\x00" * 12, "unknown IDX type code 0x42"),
        (TRAIN_IMAGES, idx_bytes(np.zeros((60, 6, 5), np.uint8))[:-7], "truncated: header says"),
        (TRAIN_IMAGES, idx_bytes(np.zeros((60, 6, 5), np.uint8)) + b"x", "trailing bytes"),
        (TRAIN_IMAGES, idx_bytes(np.zeros((60, 30), np.uint8)), "must be a 3-D array"),
        (TRAIN_IMAGES, idx_bytes(np.zeros((60, 6, 5), np.int16), 0x0B), "unsigned bytes"),
        (TRAIN_LABELS, idx_bytes(np.zeros(59, np.uint8)), "60 images but .* 59 labels"),
        (TRAIN_LABELS, idx_bytes(np.r_[np.zeros(59), 12].astype(np.uint8)), "label 12 at index 59"),
    ],
)
def test_structural_errors_name_file_and_problem(idx_dir, name, payload, match):
    _corrupt(idx_dir, name, payload)
    with pytest.raises(InputError, match=match) as info:
        load_idx_dir(idx_dir)
    assert name in str(info.value)


@pytest.mark.parametrize(
    ("prefix", "shape", "match"),
    [
        ("train", (0, 6, 5), "holds no images"),
        ("t10k", (0, 6, 5), "holds no images"),
        ("train", (60, 0, 0), "images of 0x0 pixels"),
        ("train", (60, 6, 0), "images of 6x0 pixels"),
    ],
)
def test_no_images_or_empty_images_are_refused(idx_dir, prefix, shape, match):
    # were loaded, then every command failed on them ("zero-size array to reduction")
    _corrupt(idx_dir, f"{prefix}-images-idx3-ubyte", idx_bytes(np.zeros(shape, np.uint8)))
    n_labels = shape[0]
    _corrupt(idx_dir, f"{prefix}-labels-idx1-ubyte", idx_bytes(np.zeros(n_labels, np.uint8)))
    if prefix == "train" and shape[1] * shape[2] == 0:
        _corrupt(idx_dir, "t10k-images-idx3-ubyte", idx_bytes(np.zeros((20, *shape[1:]), np.uint8)))
    with pytest.raises(InputError, match=match):
        load_idx_dir(idx_dir)


def test_not_gzip_but_named_gz(idx_dir):
    (idx_dir / f"{TRAIN_IMAGES}.gz").write_bytes(b"\x00\x00\x08\x03plain bytes")
    with pytest.raises(InputError, match="named .gz but is not gzip"):
        load_idx_dir(idx_dir)


def test_corrupt_gzip(idx_dir):
    path = idx_dir / f"{TRAIN_IMAGES}.gz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(InputError, match="corrupt or truncated gzip"):
        load_idx_dir(idx_dir)


def _gzip_bomb(header: bytes, megabytes: int) -> bytes:
    """``header`` then ``megabytes`` MB of zeros, gzip-compressed (about 1 KB per MB)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    head = deflate.compress(header)
    body = b"".join(deflate.compress(zeros) for _ in range(megabytes))
    return head + body + deflate.flush()


def test_gzip_bomb_stops_after_the_size_its_header_declares(idx_dir):
    # a 64 KB file whose header agrees with the labels (60x6x5), then 64 MB of zeros
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 60, 6, 5)
    _corrupt(idx_dir, TRAIN_IMAGES, _gzip_bomb(header, 64), gz=False)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="trailing bytes: header says 60x6x5"):
            load_idx_dir(idx_dir)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # was 64 MB and more: everything was decompressed first


def test_header_claiming_more_than_the_gzip_can_hold(idx_dir):
    # 60000x28x28 is 47 MB; deflate cannot make that from a few hundred bytes
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 60000, 28, 28)
    _corrupt(idx_dir, TRAIN_IMAGES, header + bytes(100))
    with pytest.raises(InputError, match="compressed bytes can hold"):
        load_idx_dir(idx_dir)


@pytest.mark.parametrize(
    "dims", [(65536,) * 4, (2**32 - 1,) * 3, (2**32 - 1,) * 255, (0, 2**31, 2**31)]
)
def test_dimensions_whose_product_overflows(idx_dir, dims):
    header = struct.pack(f">BBBB{len(dims)}I", 0, 0, 8, len(dims), *dims)
    with pytest.raises(InputError, match="IDX header declares .* bytes accepted"):
        parse_idx(header)  # (65536,)*4 wrapped to 0 bytes in int64 and crashed in reshape
    _corrupt(idx_dir, TRAIN_IMAGES, header)
    with pytest.raises(InputError, match="bytes accepted"):
        load_idx_dir(idx_dir)


def test_a_sparse_file_of_gigabytes_is_refused_unread(idx_dir):
    # 3 GiB of zeros take no room on disk but were all read: 64 GiB was the cap (RAM is less)
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 3, 2**15, 2**15)
    with pytest.raises(InputError, match="more than the 2147483648 bytes accepted"):
        parse_idx(header)
    path = idx_dir / TRAIN_IMAGES
    (idx_dir / f"{TRAIN_IMAGES}.gz").unlink()
    with path.open("wb") as f:
        f.write(header)
        f.truncate(len(header) + 3 * 2**30)
    with pytest.raises(InputError, match="bytes accepted"):
        load_idx_dir(idx_dir)


def test_multi_member_gzip(idx_dir):
    path = idx_dir / f"{TRAIN_IMAGES}.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:100]) + gzip.compress(data[100:]))
    assert load_idx_dir(idx_dir).X_train.shape == (60, 30)


def test_missing_file(idx_dir):
    (idx_dir / f"{TRAIN_LABELS}.gz").unlink()
    with pytest.raises(InputError, match=f"missing {TRAIN_LABELS}"):
        load_idx_dir(idx_dir)


def test_empty_and_missing_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="directory is empty"):
        load_idx_dir(tmp_path / "empty")
    with pytest.raises(InputError, match="no such directory"):
        load_idx_dir(tmp_path / "nope")
    with pytest.raises(InputError, match="no such file or directory"):
        load(str(tmp_path / "nope"))


@pytest.mark.mnist
def test_real_mnist_verified_with_exact_counts(mnist_dir):
    ds = load_idx_dir(mnist_dir, require_verified=True)
    assert ds.verified and ds.name == "mnist"
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.X_train.dtype == np.uint8 and ds.image_shape == (28, 28)
    assert np.bincount(ds.y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(ds.y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert ds.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the textbook's first images
