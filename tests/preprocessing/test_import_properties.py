"""Property tests (hypothesis): image import, given any bytes, returns a row like the training
images or raises mnistlab's InputError (ImageError); never another exception."""

import io
import os
import struct
import zlib

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from mnistlab import InputError
from mnistlab.preprocessing import image_to_row
from tests._fuzz import mutations

#: A few hundred examples each in CI; MNISTLAB_FUZZ_EXAMPLES=5000 searches deeper.
FUZZ = settings(
    max_examples=int(os.environ.get("MNISTLAB_FUZZ_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,  # the same inputs on every run: a CI failure can be reproduced
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def _seeds() -> list[bytes]:
    """Small PNGs and JPEGs of a stroke in the modes and options a user's file may have."""
    rng = np.random.default_rng(0)
    grey = rng.integers(200, 256, (24, 20), dtype=np.uint8)  # paper grain: more data to mutate
    grey[4:20, 9:12] = 20
    base = Image.fromarray(grey)
    rgba = Image.fromarray(np.dstack([grey] * 3 + [255 - grey]))
    palette = base.convert("P")
    palette.info["transparency"] = 0
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated, so exif_transpose has work to do
    return [
        _encode(base, "PNG"),
        _encode(base.convert("RGB"), "PNG"),
        _encode(rgba, "PNG"),
        _encode(base.convert("LA"), "PNG"),
        _encode(palette, "PNG"),
        _encode(base.convert("1"), "PNG"),
        _encode(base.convert("I;16"), "PNG"),
        _encode(base, "PNG", optimize=True, exif=exif),
        _encode(base, "JPEG", quality=90),
        _encode(base.convert("RGB"), "JPEG", exif=exif),
        _encode(base.convert("RGB"), "JPEG", progressive=True),
        _encode(base.convert("CMYK"), "JPEG"),
    ]


SEEDS = _seeds()


def _fix_png_crcs(data: bytes) -> bytes:
    """Recompute every chunk's CRC, so that a mutation reaches the decoder behind the check."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, at = bytearray(data[:8]), 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        body = data[at + 4 : at + 8 + length]
        if len(body) < 4 + length or at + 12 + length > len(data):
            break
        out += data[at : at + 4] + body + struct.pack(">I", zlib.crc32(body))
        at += 12 + length
    return bytes(out + data[at:])


@st.composite
def mutated_images(draw) -> bytes:
    data = draw(mutations(draw(st.sampled_from(SEEDS)), min_edits=1, keep=8))
    return _fix_png_crcs(data) if draw(st.booleans()) else data


magic_then_noise = st.builds(
    lambda magic, tail: magic + tail,
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"II*\x00"]),
    st.binary(max_size=100),
)


any_bytes = st.one_of(mutated_images(), mutated_images(), magic_then_noise, st.binary(max_size=100))


@FUZZ
@given(data=any_bytes)
def test_image_to_row_any_bytes(data):
    try:
        row = image_to_row(data, name="upload.png")
    except InputError as exc:
        event(f"InputError: {getattr(exc, 'reason', '?')}")
        return
    event("accepted")
    assert row.shape == (784,) and row.dtype == np.uint8 and row.max() == 255


@FUZZ
@given(data=any_bytes)
def test_image_to_row_any_bytes_digits_shape(data):
    try:
        row = image_to_row(data, (8, 8), 16, name="upload.png")
    except InputError:
        return
    assert row.shape == (64,) and row.max() == 16
