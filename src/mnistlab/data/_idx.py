"""Reading IDX files (the MNIST format), gzip-compressed or raw, with numpy."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import math
import os
import struct
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


#: Deflate expands a byte into at most 1032 (RFC 1951: a 258-byte match in 2 bits), so a
#: gzip file whose header claims more than this ratio allows is refused before decompressing.
MAX_DEFLATE_RATIO = 1032

#: Largest IDX data accepted, whatever the file (MNIST's train images are 47 MB, EMNIST's
#: largest 550 MB): what a header declares is allocated and read, and a sparse file or a
#: gzip bomb of a few MB can declare gigabytes. Four files are read at once.
MAX_IDX_BYTES = 1 << 31

_HEADER_MAX = 4 + 4 * 255  # the magic number and at most 255 dimensions
_CHUNK = 1 << 20


def _header(data, name: str) -> tuple[np.dtype, tuple[int, ...], int, int]:
    """Check the IDX header at the start of ``data``.

    Returns the dtype, the dimensions, the header's length and the file's
    total length that the header declares (computed exactly, without overflow).
    """
    if len(data) < 4:
        raise InputError(f"{name}: truncated file ({len(data)} bytes), not an IDX file")
    if data[0] != 0 or data[1] != 0:
        raise InputError(
            f"{name}: wrong magic number 0x{bytes(data[:4]).hex()}; not an IDX file "
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
    dims = struct.unpack_from(f">{ndim}I", data, 4)
    dtype = IDX_DTYPES[code]
    n_bytes = math.prod(dims) * dtype.itemsize  # Python ints: cannot overflow
    # numpy refuses a shape such as 0x2^31x2^31 too: the non-zero sides are bounded as well
    extent = math.prod(max(d, 1) for d in dims) * dtype.itemsize
    if extent > MAX_IDX_BYTES:
        raise InputError(
            f"{name}: IDX header declares {'x'.join(map(str, dims))} values ({extent} bytes), "
            f"more than the {MAX_IDX_BYTES} bytes accepted; not a real IDX file"
        )
    return dtype, dims, header, header + n_bytes


def _size_error(name: str, dims, n_bytes: int, actual: str | int, short: bool) -> InputError:
    what = "truncated" if short else "has trailing bytes"
    return InputError(
        f"{name}: {what}: header says {'x'.join(map(str, dims))} "
        f"({n_bytes} bytes of data) but the file holds {actual}"
    )


def _read_into(fh, view: memoryview) -> int:
    """Fill ``view`` from ``fh`` in chunks (bounded memory); return how many bytes came."""
    n = 0
    while n < len(view):
        got = fh.readinto(view[n : n + _CHUNK])
        if not got:
            break
        n += got
    return n


def read_bytes(path: str | Path) -> memoryview:
    """Return the bytes of the IDX file ``path``, decompressed if it is gzip (detected by content).

    The header is read and checked first; then exactly the size it declares is
    decompressed, and one byte more is an error, so a small gzip that expands
    to gigabytes costs no more than what its header claims. The header may not
    claim more than the file could hold (its size, or ``MAX_DEFLATE_RATIO``
    times it when compressed).
    """
    path = Path(path)
    name = str(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an IDX file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        compressed = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        if not compressed and path.suffix == ".gz":
            raise InputError(f"{path}: named .gz but is not gzip-compressed; re-download it")
        try:
            with gzip.GzipFile(fileobj=fh) if compressed else contextlib.nullcontext(fh) as src:
                first = src.read(_HEADER_MAX)
                _, dims, header, total = _header(first, name)
                n_bytes = total - header
                if not compressed and total != size:
                    raise _size_error(name, dims, n_bytes, size - header, total > size)
                if compressed and total > MAX_DEFLATE_RATIO * size + _HEADER_MAX:
                    raise InputError(
                        f"{name}: IDX header declares {'x'.join(map(str, dims))} "
                        f"({n_bytes} bytes of data), more than {size} compressed bytes can hold"
                    )
                buf = np.empty(total + 1, np.uint8)  # one byte more reveals trailing data
                view = memoryview(buf)
                kept = min(len(first), total + 1)
                view[:kept] = first[:kept]
                got = kept + _read_into(src, view[kept:])
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise InputError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    if got != total:
        actual = got - header if got < total else f"more than {n_bytes}"
        raise _size_error(name, dims, n_bytes, actual, got < total)
    return view[:total]


def parse_idx(data: bytes | memoryview, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an IDX file into a read-only array (no copy, no Python loop).

    Checks the magic number, the type code, and that the header's dimensions
    account for exactly the bytes that follow.
    """
    dtype, dims, header, total = _header(data, name)
    if len(data) != total:
        raise _size_error(name, dims, total - header, len(data) - header, len(data) < total)
    array = np.frombuffer(data, dtype, offset=header).reshape(dims)
    array.flags.writeable = False
    return array


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
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise InputError(
            f"{images_path}: images of {images.shape[1]}x{images.shape[2]} pixels; "
            "each image needs at least one"
        )
    if len(images) == 0:
        raise InputError(f"{images_path}: holds no images")
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
