import numpy as np
import pytest

from mnistlab.data import FOREIGN_KINDS, foreign_digits, installed_fonts

FONTS = installed_fonts()
needs_fonts = pytest.mark.skipif(not FONTS, reason="no TrueType fonts installed")


@needs_fonts
def test_same_seed_same_digits_other_seed_others():
    a = foreign_digits(5, random_state=3)
    b = foreign_digits(5, random_state=3)
    c = foreign_digits(5, random_state=4)
    assert len(a.images) == 5 * len(FOREIGN_KINDS)
    assert all(np.array_equal(x, y) for x, y in zip(a.images, b.images, strict=True))
    assert not any(
        x.shape == z.shape and np.array_equal(x, z) for x, z in zip(a.images, c.images, strict=True)
    )


@needs_fonts
def test_labels_kinds_and_images():
    fd = foreign_digits(20, random_state=0)
    assert fd.y.tolist() == list(range(10)) * 2 * len(FOREIGN_KINDS)
    assert fd.kinds.tolist() == [k for k in FOREIGN_KINDS for _ in range(20)]
    for img in fd.images:
        assert img.dtype == np.uint8 and img.ndim == 2 and min(img.shape) >= 20
        assert int(img.max()) - int(img.min()) >= 48  # ink stands out from the paper
    markers = [img for img, k in zip(fd.images, fd.kinds, strict=True) if k == "marker"]
    assert all(img.shape == (280, 280) for img in markers)  # the drawing page's canvas


@needs_fonts
def test_a_kind_does_not_depend_on_the_others():
    alone = foreign_digits(5, ("scan",), random_state=1)
    together = foreign_digits(5, random_state=1)
    scans = [img for img, k in zip(together.images, together.kinds, strict=True) if k == "scan"]
    assert all(np.array_equal(x, y) for x, y in zip(alone.images, scans, strict=True))


def test_strokes_alone_without_fonts():
    fd = foreign_digits(10, ("marker", "placement", "scan"), fonts=())
    assert len(fd.images) == 30 and fd.fonts == []
    with pytest.raises(ValueError, match="no fonts"):
        foreign_digits(1, ("font",), fonts=())


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind 'emoji'"):
        foreign_digits(1, ("emoji",), fonts=())


def test_installed_fonts_are_font_files_without_symbols():
    assert all(f.lower().endswith((".ttf", ".otf")) for f in FONTS)
    assert not any("math" in f.lower() for f in FONTS)
