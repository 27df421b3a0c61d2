"""Reading IDX files (the MNIST format), gzip-compressed or raw, with numpy."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from mnistlab._errors import InputError

#: IDX type codes and the big-endian numpy dtype they stand for.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: Canonical MD5 of the *decompressed* MNIST files (the original ones, as loaders check them).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

MNIST_FILES = tuple(MNIST_MD5)


def read_bytes(path: str | Path) -> bytes:
    """Return the bytes of ``path``, decompressed if it is gzip (detected by content)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an IDX file") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            # zlib is ~25% faster than gzip.decompress; fall back for multi-member files.
            inflater = zlib.decompressobj(wbits=31)
            data = inflater.decompress(raw)
            if not inflater.eof:
                raise EOFError("compressed stream ends early")
            return gzip.decompress(raw) if inflater.unused_data else data
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    if path.suffix == ".gz":
        raise InputError(f"{path}: named .gz but is not gzip-compressed; re-download it")
    return raw


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an IDX file into a read-only array (no copy, no Python loop).

    Checks the magic number, the type code, and that the header's dimensions
    account for exactly the bytes that follow.
    """
    if len(data) < 4:
        raise InputError(f"{name}: truncated file ({len(data)} bytes), not an IDX file")
    if data[0] != 0 or data[1] != 0:
        raise InputError(
            f"{name}: wrong magic number 0x{data[:4].hex()}; not an IDX file "
            "(expected 0x0000 then a type code and the number of dimensions)"
        )
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise InputError(f"{name}: unknown IDX type code 0x{code:02x}")
    if ndim == 0:
        raise InputError(f"{name}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(f"{name}: truncated header ({len(data)} bytes, need {header})")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header
    if expected != actual:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise InputError(
            f"{name}: {what}: header says {'x'.join(map(str, dims))} "
            f"({expected} bytes of data) but the file holds {actual}"
        )
    return np.frombuffer(data, dtype, offset=header).reshape(dims)


def find_idx_file(directory: Path, stem: str) -> Path:
    """Find ``stem`` in ``directory`` as ``stem.gz``, ``stem`` or the dotted variant."""
    dotted = stem.replace("-idx", ".idx")  # e.g. train-images.idx3-ubyte, as some mirrors name them
    for name in (f"{stem}.gz", stem, f"{dotted}.gz", dotted):
        if (directory / name).is_file():
            return directory / name
    raise InputError(
        f"{directory}: missing {stem}(.gz); a MNIST directory needs all four IDX files"
    )


def _read_and_hash(path: Path) -> tuple[bytes, str]:
    data = read_bytes(path)
    return data, hashlib.md5(data, usedforsecurity=False).hexdigest()


def read_idx_pair(
    images_path: Path, labels_path: Path
) -> tuple[np.ndarray, np.ndarray, tuple[int, int], dict[str, str]]:
    """Read an images file and its labels file.

    Returns the images flattened to rows (uint8, read-only, no copy of the
    decompressed bytes), the labels (int64), the image shape and the MD5 of
    each decompressed file. The two files are decompressed and hashed in two
    threads (zlib and hashlib release the GIL).
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        (img_bytes, img_md5), (lab_bytes, lab_md5) = pool.map(
            _read_and_hash, (images_path, labels_path)
        )
    md5 = {_stem(images_path): img_md5, _stem(labels_path): lab_md5}
    images = parse_idx(img_bytes, str(images_path))
    labels = parse_idx(lab_bytes, str(labels_path))
    if images.ndim != 3:
        raise InputError(
            f"{images_path}: images must be a 3-D array (count, height, width), got "
            f"{images.ndim}-D {images.shape}"
        )
    if images.dtype != np.uint8:
        raise InputError(f"{images_path}: images must be unsigned bytes, got {images.dtype}")
    if labels.ndim != 1:
        raise InputError(f"{labels_path}: labels must be a 1-D array, got {labels.shape}")
    if len(images) != len(labels):
        raise InputError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; they must match"
        )
    if labels.dtype.kind not in "iu":
        raise InputError(f"{labels_path}: labels must be integers, got {labels.dtype}")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        bad = int(np.flatnonzero((labels < 0) | (labels > 9))[0])
        raise InputError(f"{labels_path}: label {int(labels[bad])} at index {bad} is outside 0..9")
    n, h, w = images.shape
    return images.reshape(n, h * w), labels.astype(np.int64), (h, w), md5


def _stem(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    return name.replace(".idx", "-idx")
