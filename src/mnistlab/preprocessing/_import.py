"""Import photos and drawings of digits: made the way the training images were made."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistlab._errors import InputError

#: MNIST's median stroke width as a fraction of the side of its 20-pixel box (measured on
#: the training images: 2 x the median distance from the skeleton to the background of the
#: ink above half its peak); the width :func:`normalise_strokes` redraws digits with.
STROKE_WIDTH = 0.12
#: The side, in pixels, that a digit is brought to before its strokes are measured and
#: redrawn: 8 times MNIST's 20-pixel box, so a stroke is ~19 pixels wide.
_WORK_SIDE = 160

#: Largest accepted image, checked from the header before any pixel is decoded.
MAX_PIXELS_SIDE = 2000
#: Largest accepted image file: twice a 2000x2000 PNG of 16-bit RGBA stored uncompressed.
MAX_FILE_BYTES = 64 << 20
#: Most scans of a JPEG: each is a pass over the whole image (libjpeg's progressive JPEGs
#: have about 10; thousands of empty ones in a small file take minutes to decode).
MAX_JPEG_SCANS = 100
FORMATS = ("PNG", "JPEG")
#: Pillow's names of JPEG files with more images after the first (a camera's preview)
_JPEG_KINDS = ("MPO",)


class ImageError(InputError):
    """An image that cannot be used, with the reason as a word a server can map to a status.

    ``reason`` is one of "read", "format", "size", "corrupt", "blank".
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def open_image(source: str | os.PathLike | bytes, *, name: str | None = None):
    """Open a PNG or JPEG (recognised by content, not name) without decoding its pixels yet.

    Refuses other formats and images larger than ``MAX_PIXELS_SIDE`` on a side,
    before decoding, so a decompression bomb costs nothing.
    """
    from PIL import Image, UnidentifiedImageError

    label = name or (str(source) if not isinstance(source, bytes) else "image")
    data = source if isinstance(source, bytes) else _read_file(source, label)
    if not data:  # an empty file, or a pipe nobody wrote to
        raise ImageError(f"{label}: empty (nothing was written to it)", "read")
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(f"{label}: not a PNG or JPEG image", "format") from None
    except Image.DecompressionBombError:  # Pillow's own, far larger, limit
        raise ImageError(
            f"{label}: its header claims more than {MAX_PIXELS_SIDE} pixels on a side", "size"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:  # a header that does not parse
        raise ImageError(f"{label}: cannot decode the image ({exc})", "corrupt") from None
    if img.format not in FORMATS + _JPEG_KINDS:
        raise ImageError(f"{label}: a {img.format} image; only PNG and JPEG are accepted", "format")
    # 0xFF 0xDA starts a scan; entropy-coded data never holds it (0xFF is followed by 0),
    # other segments rarely: an upper bound of the scans, counted before any is decoded
    if img.format != "PNG" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise ImageError(f"{label}: a JPEG of more than {MAX_JPEG_SCANS} scans", "size")
    w, h = img.size
    if max(w, h) > MAX_PIXELS_SIDE:
        raise ImageError(
            f"{label}: {w}x{h} pixels is larger than {MAX_PIXELS_SIDE} on a side", "size"
        )
    if w == 0 or h == 0:
        raise ImageError(f"{label}: an empty image", "corrupt")
    return img


def _read_file(path: str | os.PathLike, label: str) -> bytes:
    """The bytes of a file or a pipe, at most :data:`MAX_FILE_BYTES`: a FIFO nobody writes
    to is empty at once (never waited for), a device (``/dev/zero``) is refused, a huge
    file is refused unread."""
    try:
        # non-blocking: opening a FIFO waits for a writer otherwise (no effect on files)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISFIFO(st.st_mode):  # a pipe (predict <(...)): read as it comes
                os.set_blocking(f.fileno(), True)  # without a writer: end of file at once
            elif not stat.S_ISREG(st.st_mode):
                raise ImageError(f"{label}: not a file or a pipe", "read")
            data = f.read(MAX_FILE_BYTES + 1)  # the file may grow after fstat
    except OSError as exc:
        raise ImageError(f"{label}: cannot read it ({exc.strerror or exc})", "read") from None
    if max(st.st_size, len(data)) > MAX_FILE_BYTES:
        raise ImageError(f"{label}: larger than {MAX_FILE_BYTES:,} bytes", "size")
    return data


def _grey(img) -> np.ndarray:
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        grey = np.asarray(rgba.convert("L"), dtype=np.float32)
        if alpha.min() < 0.99:  # transparent drawing: ink is where it is opaque
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            grey = np.asarray(Image.alpha_composite(white, rgba).convert("L"), np.float32)
            if float(np.ptp(grey)) < 32:  # light ink, gone on white: on black then
                black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                grey = np.asarray(Image.alpha_composite(black, rgba).convert("L"), np.float32)
        return grey
    return np.asarray(img.convert("L"), dtype=np.float32)


def image_to_row(
    source,
    image_shape: tuple[int, int] = (28, 28),
    pixel_max: int = 255,
    *,
    name: str | None = None,
    stroke_width: float | None = None,
) -> np.ndarray:
    """Turn a PNG or JPEG of one digit into a row like the training images.

    As MNIST was made: grey; light ink on a dark background (the polarity is
    detected from the image's border); cropped to the ink's bounding box;
    scaled to fit a box of 20/28 of the image side (the whole side for 8x8 digits),
    keeping the aspect ratio;
    placed so that its centre of mass is at the centre; values 0..``pixel_max``.
    The same at 8x8 for the UCI digits. A blank image is an error, not a guess.
    The paper's noise is removed first, so a blurry, noisy scan is cropped to its digit.

    Parameters
    ----------
    source : path, bytes or PIL image
    image_shape : tuple of int
        The model's image shape (from its card).
    pixel_max : int
        The model's pixel range (from its card).
    name : str, optional
        How to name the image in errors.
    stroke_width : float, optional
        Redraw the strokes this wide (a fraction of the digit's side, e.g.
        :data:`STROKE_WIDTH`) with :func:`normalise_strokes`, for 28x28 models; default
        None: as drawn (the default model reads foreign digits better so, as it learned
        thicker and thinner strokes: ``benchmarks/results/foreign_validation.json``).

    Returns
    -------
    ndarray of shape (height * width,), dtype uint8
    """
    from PIL import Image

    label = name or (str(source) if isinstance(source, (str, os.PathLike)) else "image")
    img = source if isinstance(source, Image.Image) else open_image(source, name=label)
    try:
        grey = _grey(img)
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt data
        raise ImageError(f"{label}: cannot decode the image ({exc})", "corrupt") from None
    except Exception as exc:  # Pillow on crafted data (EXIF values of the wrong type): anything
        shown = f"{type(exc).__name__}: {str(exc)[:200]}"
        # the cause kept: with --debug, a bug of ours is not taken for a corrupt image
        raise ImageError(f"{label}: cannot decode the image ({shown})", "corrupt") from exc
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    ink = grey - background if background < 128 else background - grey  # light ink
    ink = np.clip(ink, 0, None)
    if float(ink.max()) < 32:  # less than an eighth of the range above the background
        raise ImageError(f"{label}: the image is blank (no digit found)", "blank")
    ink = _clean_ink(ink)
    if ink is None:
        raise ImageError(f"{label}: the image is blank (no digit found)", "blank")
    h, w = image_shape
    if stroke_width is not None and min(h, w) >= 16:
        ink = normalise_strokes(ink, stroke_width)
    # MNIST fits digits in 20 of 28 pixels; the UCI 8x8 digits fill their whole frame
    box = round(min(h, w) * 20 / 28) if min(h, w) >= 16 else min(h, w)
    scale = box / max(ink.shape)
    new_h = max(1, round(ink.shape[0] * scale))
    new_w = max(1, round(ink.shape[1] * scale))
    patch = np.asarray(
        Image.fromarray(ink.astype(np.float32), mode="F").resize(
            (new_w, new_h), Image.Resampling.LANCZOS
        ),
        dtype=np.float32,
    )
    patch = np.clip(patch, 0, None)
    total = patch.sum()
    cy = (patch.sum(axis=1) @ np.arange(new_h)) / total
    cx = (patch.sum(axis=0) @ np.arange(new_w)) / total
    top = int(np.rint((h - 1) / 2 - cy))
    left = int(np.rint((w - 1) / 2 - cx))
    canvas = np.zeros((h, w), dtype=np.float32)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + new_h, h), min(left + new_w, w)
    canvas[r0:r1, c0:c1] = patch[r0 - top : r1 - top, c0 - left : c1 - left]
    canvas *= pixel_max / max(float(canvas.max()), 1e-6)
    return np.clip(np.rint(canvas), 0, pixel_max).astype(np.uint8).ravel()


def _crop(ink: np.ndarray, level: float = 0.1) -> np.ndarray | None:
    """``ink`` cropped to what rises above ``level``, or None when nothing does."""
    rows = np.flatnonzero((ink > level).any(axis=1))
    cols = np.flatnonzero((ink > level).any(axis=0))
    if not len(rows):
        return None
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _clean_ink(ink: np.ndarray) -> np.ndarray | None:
    """The ink from 0 to 1, the paper's grain and noise removed, cropped to the digit.

    A scan or photo has noisy, uneven paper: smoothed a little (a tenth of a pixel of the
    final image), the paper's level and spread measured on the border (robustly: the digit
    may touch it), and what does not rise above them dropped; specks far smaller than the
    digit are ignored when cropping. A clean drawing passes unchanged.
    """
    from scipy import ndimage

    sigma = max(ink.shape) / 280  # 1 pixel of the 280x280 drawing page
    smooth = ndimage.gaussian_filter(ink, sigma) if sigma > 0.3 else ink
    peak = float(smooth.max())
    border = np.concatenate([smooth[0], smooth[-1], smooth[:, 0], smooth[:, -1]])
    level = float(np.median(border))
    floor = level + 4 * 1.4826 * float(np.median(np.abs(border - level)))
    ink = np.clip((smooth - floor) / max(peak - floor, 1e-6), 0, 1)
    labels, n = ndimage.label(ink > 0.1)
    if n > 1:  # keep the strokes, drop specks (< 2% of the largest piece)
        areas = np.bincount(labels.ravel())[1:]
        keep = np.flatnonzero(areas >= 0.02 * areas.max()) + 1
        ink = np.where(np.isin(labels, keep), ink, 0)
    return _crop(ink)


def normalise_strokes(ink: np.ndarray, width: float = STROKE_WIDTH) -> np.ndarray:
    """Redraw a cropped digit with strokes ``width`` times its longest side wide.

    A marker, a bold font, a hairline or a thin pen on a large canvas all become MNIST's
    typical stroke: the ink (above half its peak) is thinned to its skeleton
    (scikit-image) and drawn again, anti-aliased, at a fixed width, on a working side of
    160 pixels.

    Parameters
    ----------
    ink : ndarray of shape (height, width)
        Ink from 0 to 1 on 0, cropped to the digit.
    width : float
        The stroke width, as a fraction of the digit's longest side.

    Returns
    -------
    ndarray
        The redrawn ink, cropped; ``ink`` itself when it has no skeleton.
    """
    from PIL import Image
    from scipy import ndimage
    from skimage.morphology import skeletonize

    scale = _WORK_SIDE / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    work = np.asarray(
        Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)
    )
    radius = width * _WORK_SIDE / 2
    pad = int(np.ceil(radius)) + 2
    skeleton = skeletonize(np.pad(work > 0.5 * float(work.max()), pad))
    if not skeleton.any():
        return ink
    drawn = np.clip(radius + 0.5 - ndimage.distance_transform_edt(~skeleton), 0, 1)
    return _crop(drawn.astype(np.float32))


@dataclass(frozen=True)
class ImageBatch:
    """Images read from files: the rows of the readable ones and why the others were refused.

    Attributes
    ----------
    files : list of str
        Every file, in the order given.
    X : ndarray of shape (n_readable, height * width), dtype uint8
        The rows of the readable files, in the same order.
    errors : list of ImageError or None
        Per file: why it was refused, or None when it was read.
    """

    files: list[str]
    X: np.ndarray
    errors: list[ImageError | None]

    @property
    def refused(self) -> list[ImageError]:
        """The errors of the refused files, in order (``str(e)`` is "PATH: reason")."""
        return [e for e in self.errors if e is not None]


def image_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files to read: each path, a directory standing for its PNG and JPEG files.

    A directory's files are taken in name order, by their suffix (.png, .jpg, .jpeg in
    any case); whether they really are images is for :func:`read_images` to find out
    (so a FIFO, a broken link or a loop of links named like an image is refused there,
    not skipped; only a directory named like one is).
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if _is_dir(p):
            try:
                entries = list(p.iterdir())
            except OSError as exc:
                raise InputError(f"{p}: cannot list it ({exc.strerror or exc})") from None
            found = sorted(
                f
                for f in entries
                if f.suffix.lower() in (".png", ".jpg", ".jpeg") and not _is_dir(f)
            )
            if not found:
                raise InputError(f"{p}: no PNG or JPEG files in this directory")
            files += found
        elif _exists(p):
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; True when that cannot be known (a file in a directory one
    may not read): reading it then says why."""
    try:
        return path.exists()
    except OSError:
        return True


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; False when that cannot be known (a link into a
    directory one may not read): reading it then says why."""
    try:
        return path.is_dir()
    except OSError:
        return False


def read_images(
    paths: Iterable[str | os.PathLike],
    image_shape: tuple[int, int] = (28, 28),
    pixel_max: int = 255,
) -> ImageBatch:
    """Read each file with :func:`image_to_row`; an unreadable one is refused, not fatal.

    Parameters
    ----------
    paths : iterable of path
    image_shape : tuple of int
        The model's image shape (from its card).
    pixel_max : int
        The model's pixel range (from its card).

    Returns
    -------
    ImageBatch
    """
    files, rows, errors = [], [], []
    for path in paths:
        files.append(str(path))
        try:
            rows.append(image_to_row(path, image_shape, pixel_max, name=str(path)))
            errors.append(None)
        except ImageError as exc:  # one bad file must not cost the others their answer
            errors.append(exc)
    X = np.array(rows, dtype=np.uint8).reshape(len(rows), int(np.prod(image_shape)))
    return ImageBatch(files, X, errors)
