"""Digits that are not MNIST: printed, marker, scanned and misplaced, generated from a seed.

A test set for how the models read digits a user draws, photographs or types. Nothing
here comes from MNIST: printed digits are rendered with the fonts installed on the
machine, strokes are drawn from hand-made outlines of each digit (with random slant,
shape and width), and scans and placements are made from both. Keep it out of training:
it measures how a model trained on MNIST generalises.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: The kinds of foreign digit, in the order the generator makes them.
FOREIGN_KINDS = ("font", "marker", "scan", "placement")

_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")

# Each digit's outlines as control polygons in a unit box (x right, y down), several
# variants per digit (how people write them); smoothed by corner cutting when drawn.
_C = [(0.5 + 0.45 * np.cos(t), 0.5 + 0.5 * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 13)]
_OUTLINES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [
        [_C],
        [
            [
                (0.55, 0.0),
                (0.15, 0.15),
                (0.05, 0.6),
                (0.35, 1.0),
                (0.8, 0.9),
                (0.95, 0.4),
                (0.7, 0.02),
                (0.5, 0.05),
            ]
        ],
    ],
    1: [
        [[(0.5, 0.0), (0.5, 1.0)]],
        [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)], [(0.25, 1.0), (0.85, 1.0)]],
    ],
    2: [
        [
            [
                (0.1, 0.25),
                (0.3, 0.02),
                (0.7, 0.0),
                (0.9, 0.25),
                (0.75, 0.55),
                (0.05, 1.0),
                (0.95, 1.0),
            ]
        ],
        [
            [
                (0.1, 0.2),
                (0.5, 0.0),
                (0.9, 0.2),
                (0.8, 0.5),
                (0.2, 0.9),
                (0.05, 1.0),
                (0.4, 0.85),
                (0.95, 1.0),
            ]
        ],
    ],
    3: [
        [
            [
                (0.1, 0.1),
                (0.5, 0.0),
                (0.85, 0.15),
                (0.8, 0.4),
                (0.4, 0.5),
                (0.85, 0.6),
                (0.9, 0.9),
                (0.5, 1.0),
                (0.05, 0.9),
            ]
        ],
        [[(0.1, 0.0), (0.9, 0.0), (0.45, 0.42), (0.85, 0.6), (0.9, 0.9), (0.5, 1.0), (0.05, 0.9)]],
    ],
    4: [
        [[(0.65, 1.0), (0.65, 0.0), (0.05, 0.68), (0.95, 0.68)]],
        [[(0.15, 0.0), (0.1, 0.6), (0.9, 0.6)], [(0.7, 0.1), (0.7, 1.0)]],
    ],
    5: [
        [
            [
                (0.85, 0.0),
                (0.25, 0.0),
                (0.2, 0.42),
                (0.6, 0.38),
                (0.9, 0.6),
                (0.85, 0.9),
                (0.45, 1.0),
                (0.05, 0.88),
            ]
        ],
        [
            [
                (0.2, 0.05),
                (0.15, 0.45),
                (0.6, 0.38),
                (0.9, 0.6),
                (0.85, 0.92),
                (0.45, 1.0),
                (0.05, 0.85),
            ],
            [(0.2, 0.05), (0.9, 0.0)],
        ],
    ],
    6: [
        [
            [
                (0.8, 0.0),
                (0.35, 0.15),
                (0.1, 0.55),
                (0.2, 0.95),
                (0.6, 1.0),
                (0.9, 0.75),
                (0.75, 0.5),
                (0.4, 0.5),
                (0.15, 0.7),
            ]
        ],
        [
            [
                (0.7, 0.0),
                (0.2, 0.5),
                (0.15, 0.85),
                (0.5, 1.0),
                (0.85, 0.85),
                (0.8, 0.55),
                (0.45, 0.5),
                (0.2, 0.65),
            ]
        ],
    ],
    7: [
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
        [[(0.05, 0.05), (0.95, 0.0), (0.45, 1.0)], [(0.3, 0.52), (0.8, 0.5)]],
        [[(0.1, 0.15), (0.15, 0.0), (0.95, 0.0), (0.55, 0.5), (0.4, 1.0)]],
    ],
    8: [
        [
            [
                (0.5, 0.48),
                (0.15, 0.3),
                (0.2, 0.05),
                (0.5, 0.0),
                (0.8, 0.05),
                (0.85, 0.3),
                (0.5, 0.48),
                (0.1, 0.7),
                (0.2, 0.95),
                (0.5, 1.0),
                (0.85, 0.95),
                (0.9, 0.7),
                (0.5, 0.48),
            ]
        ],
        [
            [
                (0.8, 0.1),
                (0.5, 0.0),
                (0.2, 0.1),
                (0.2, 0.35),
                (0.8, 0.65),
                (0.8, 0.92),
                (0.5, 1.0),
                (0.15, 0.92),
                (0.15, 0.65),
                (0.8, 0.35),
                (0.8, 0.1),
            ]
        ],
    ],
    9: [
        [
            [
                (0.85, 0.25),
                (0.55, 0.0),
                (0.15, 0.1),
                (0.1, 0.4),
                (0.45, 0.55),
                (0.85, 0.3),
                (0.85, 0.0),
                (0.8, 1.0),
            ]
        ],
        [
            [
                (0.85, 0.3),
                (0.5, 0.0),
                (0.12, 0.15),
                (0.15, 0.45),
                (0.5, 0.52),
                (0.85, 0.3),
                (0.8, 0.75),
                (0.55, 1.0),
                (0.2, 0.92),
            ]
        ],
    ],
}


@dataclass(frozen=True)
class ForeignDigits:
    """Generated foreign digits.

    Attributes
    ----------
    images : list of ndarray
        Greyscale uint8 images of various sizes (mostly dark ink on light paper).
    y : ndarray of shape (n,)
        The digit of each image.
    kinds : ndarray of shape (n,)
        The kind of each image, one of :data:`FOREIGN_KINDS`.
    fonts : list of str
        The font files the printed digits were drawn from.
    """

    images: list[np.ndarray]
    y: np.ndarray
    kinds: np.ndarray
    fonts: list[str]


@lru_cache(maxsize=1)
def installed_fonts() -> tuple[str, ...]:
    """The TrueType/OpenType font files installed here (``fc-list``, else the usual folders).

    Symbol and maths fonts, whose digits are not ordinary, are left out.
    """
    files: set[str] = set()
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=False
        ).stdout
        files.update(line.strip() for line in out.splitlines())
    if not files:
        for folder in _FONT_DIRS:
            for ext in ("ttf", "otf", "TTF", "OTF"):
                files.update(glob.glob(f"{folder}/**/*.{ext}", recursive=True))
    skip = ("math", "symbol", "emoji", "dingbat", "wingding", "webding")
    return tuple(
        sorted(
            f
            for f in files
            if f.lower().endswith((".ttf", ".otf")) and not any(s in f.lower() for s in skip)
        )
    )


def _render_font(digit: int, font_path: str, rng: np.random.Generator, height: int):
    """The digit in ``font_path``, ink 1.0 on 0.0, about ``height`` pixels tall, slightly
    rotated; a float array cropped loosely around the glyph."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, size=int(height * 1.35))
    left, top, right, bottom = font.getbbox(str(digit))
    pad = height // 2
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(img).text((pad - left, pad - top), str(digit), fill=255, font=font)
    img = img.rotate(float(rng.uniform(-6, 6)), resample=Image.Resampling.BICUBIC, expand=True)
    return _crop(np.asarray(img, dtype=np.float32) / 255.0)


def _crop(ink: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _chaikin(points: np.ndarray, closed: bool, rounds: int = 3) -> np.ndarray:
    for _ in range(rounds):
        ends = np.vstack([points, points[:1]]) if closed else points
        a, b = ends[:-1], ends[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        points = cut if closed else np.vstack([ends[:1], cut, ends[-1:]])
    return points


def _render_strokes(digit: int, rng: np.random.Generator, height: int, width_frac: float):
    """A hand-drawn-looking digit about ``height`` pixels tall with strokes of
    ``width_frac * height`` pixels: a random variant of its outline, slanted, squeezed and
    jittered; ink 1.0 on 0.0 (drawn at twice the size, then reduced: anti-aliased)."""
    from PIL import Image, ImageDraw

    variants = _OUTLINES[digit]
    strokes = variants[rng.integers(len(variants))]
    aspect = rng.uniform(0.55, 0.95) if digit != 1 else rng.uniform(0.1, 0.4)
    slant = rng.uniform(-0.3, 0.15)  # mostly leaning right, as people write
    angle = np.deg2rad(rng.uniform(-8, 8))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    s = 2 * height
    lw = max(2, round(2 * width_frac * height))
    pad = lw + s // 4
    lines = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=float) + rng.normal(0, 0.025, (len(stroke), 2))
        closed = len(p) > 3 and np.allclose(stroke[0], stroke[-1])
        p = _chaikin(p[:-1] if closed else p, closed)
        if closed:
            p = np.vstack([p, p[:1]])
        x = (p[:, 0] - 0.5) * aspect + slant * (0.5 - p[:, 1])
        y = p[:, 1] - 0.5
        lines.append((np.column_stack([x, y]) @ rot.T) * s)
    allp = np.vstack(lines)
    lo = allp.min(axis=0)
    size = np.ceil(allp.max(axis=0) - lo).astype(int) + 2 * pad
    img = Image.new("L", (int(size[0]), int(size[1])), 0)
    draw = ImageDraw.Draw(img)
    r = lw / 2
    for line in lines:
        pts = [(float(a), float(b)) for a, b in line - lo + pad]
        draw.line(pts, fill=255, width=lw, joint="curve")
        for a, b in (pts[0], pts[-1]):  # round caps
            draw.ellipse((a - r, b - r, a + r, b + r), fill=255)
    img = img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS)
    return _crop(np.clip(np.asarray(img, dtype=np.float32) / 255.0, 0, 1))


def _on_paper(
    ink: np.ndarray,
    canvas: tuple[int, int],
    centre,
    paper: float = 255.0,
    colour: float = 0.0,
) -> np.ndarray:
    """Place ``ink`` (0..1) centred at ``centre`` on a ``canvas`` of ``paper`` grey."""
    h, w = canvas
    out = np.zeros((h, w), dtype=np.float32)
    ih, iw = ink.shape
    top, left = int(centre[0] - ih / 2), int(centre[1] - iw / 2)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + ih, h), min(left + iw, w)
    out[r0:r1, c0:c1] = ink[r0 - top : r1 - top, c0 - left : c1 - left]
    return paper + (colour - paper) * out


def _to_uint8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def _digit_ink(digit: int, rng: np.random.Generator, fonts, height: int, width_frac=None):
    """Printed (from a random font) or drawn strokes, half and half."""
    if fonts and rng.random() < 0.5:
        return _render_font(digit, fonts[rng.integers(len(fonts))], rng, height)
    wf = rng.uniform(0.06, 0.14) if width_frac is None else width_frac
    return _render_strokes(digit, rng, height, wf)


def _one(kind: str, digit: int, rng: np.random.Generator, fonts) -> np.ndarray:
    if kind == "font":  # typed: a font, dark text on light paper (a few the other way)
        height = int(rng.integers(28, 160))
        ink = _render_font(digit, fonts[rng.integers(len(fonts))], rng, height)
        side = int(max(ink.shape) * rng.uniform(1.1, 1.6))
        img = _on_paper(
            ink,
            (side, side),
            (side / 2, side / 2),
            paper=rng.uniform(200, 255),
            colour=rng.uniform(0, 80),
        )
        return _to_uint8(255 - img if rng.random() < 0.1 else img)
    if kind == "marker":  # a thick marker or finger on the drawing page (280x280)
        ink = _render_strokes(digit, rng, int(rng.integers(150, 230)), rng.uniform(0.12, 0.24))
        return _to_uint8(
            _on_paper(ink, (280, 280), (140 + rng.normal(0, 8), 140 + rng.normal(0, 8)))
        )
    if kind == "scan":  # a blurry low-resolution scan or photo: reduce, blur, enlarge, noise
        from PIL import Image, ImageFilter

        ink = _digit_ink(digit, rng, fonts, 120)
        side = int(max(ink.shape) * 1.4)
        paper, colour = rng.uniform(170, 240), rng.uniform(40, 110)
        img = Image.fromarray(
            _to_uint8(_on_paper(ink, (side, side), (side / 2, side / 2), paper, colour))
        )
        small = int(rng.integers(13, 25))  # the digit: 9 to 17 pixels tall
        img = img.resize((small, small), Image.Resampling.BOX)
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
        big = int(rng.integers(100, 300))
        img = img.resize((big, big), Image.Resampling.BILINEAR)
        noisy = np.asarray(img, dtype=np.float32) + rng.normal(0, rng.uniform(2, 10), (big, big))
        return _to_uint8(noisy)
    if kind == "placement":  # drawn small or off-centre on a large canvas
        side = int(rng.integers(400, 900))
        height = int(side * rng.uniform(0.08, 0.3))
        ink = _digit_ink(digit, rng, fonts, height, rng.uniform(0.05, 0.14))
        ih, iw = ink.shape
        centre = (rng.uniform(ih / 2, side - ih / 2), rng.uniform(iw / 2, side - iw / 2))
        return _to_uint8(_on_paper(ink, (side, side), centre))
    raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(FOREIGN_KINDS)}")


def foreign_digits(
    n_per_kind: int = 500,
    kinds: tuple[str, ...] = FOREIGN_KINDS,
    *,
    random_state: int = 0,
    fonts: tuple[str, ...] | None = None,
) -> ForeignDigits:
    """Generate ``n_per_kind`` digits of each kind, the ten digits in turn, from a seed.

    Parameters
    ----------
    n_per_kind : int, default=500
    kinds : tuple of str
        From :data:`FOREIGN_KINDS`: ``"font"`` (printed in an installed font), ``"marker"``
        (thick strokes on a 280x280 drawing), ``"scan"`` (reduced to 12-21 pixels, blurred,
        enlarged, noisy, low contrast), ``"placement"`` (small and anywhere on a canvas of
        400-900 pixels).
    random_state : int, default=0
        The same seed and fonts give the same images; use different seeds for a validation
        set and a test set.
    fonts : tuple of str, optional
        Font files; default :func:`installed_fonts`. Without any, printed digits are
        left out of the other kinds and the "font" kind is an error.

    Returns
    -------
    ForeignDigits
    """
    fonts = installed_fonts() if fonts is None else tuple(fonts)
    if "font" in kinds and not fonts:
        raise ValueError("no fonts found for the 'font' kind (install some, or leave it out)")
    images, y, kk = [], [], []
    for kind in kinds:
        if kind not in FOREIGN_KINDS:
            raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(FOREIGN_KINDS)}")
        # one stream per kind: a kind's images do not depend on which other kinds are made
        rng = np.random.default_rng([random_state, FOREIGN_KINDS.index(kind)])
        for i in range(n_per_kind):
            images.append(_one(kind, i % 10, rng, fonts))
            y.append(i % 10)
            kk.append(kind)
    return ForeignDigits(images, np.array(y, dtype=np.int64), np.array(kk), list(fonts))
