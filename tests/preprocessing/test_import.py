import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.preprocessing import (
    STROKE_WIDTH,
    ImageError,
    image_to_row,
    normalise_strokes,
    read_images,
)


def _png(array, fmt="PNG", mode=None):
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format=fmt)
    return buf.getvalue()


def _stroke(size=200, light_on_dark=False):
    img = np.full((size, size), 255, np.uint8)
    img[40:160, 90:110] = 0  # a dark vertical bar: a "1" on white paper
    return 255 - img if light_on_dark else img


@pytest.mark.parametrize("light_on_dark", [False, True])
def test_polarity_crop_and_centre(light_on_dark):
    row = image_to_row(_png(_stroke(light_on_dark=light_on_dark))).reshape(28, 28)
    assert row.dtype == np.uint8 and row.max() == 255
    assert row[0].max() == 0 and row[:, 0].max() == 0  # background dark, like MNIST
    rows, _cols = np.nonzero(row > 50)
    assert rows.max() - rows.min() + 1 == 20  # fitted to a 20-pixel box
    assert abs(np.average(np.arange(28), weights=row.sum(axis=0)) - 13.5) < 1


def test_colour_jpeg_and_transparent_png():
    rgb = np.stack([_stroke()] * 3, axis=-1)
    rgb[..., 0] = np.maximum(rgb[..., 0], 40)  # a tinted photo
    assert image_to_row(_png(rgb, "JPEG")).max() > 200
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 45:55] = (0, 0, 0, 255)  # black ink on a transparent canvas
    assert image_to_row(_png(rgba)).max() == 255


def test_digits_shape_and_range():
    row = image_to_row(_png(_stroke()), (8, 8), 16)
    assert row.shape == (64,) and row.max() == 16


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (_png(np.full((50, 50), 255, np.uint8)), "blank"),
        (b"not an image at all", "not a PNG or JPEG"),
        (_png(_stroke(), "GIF"), "a GIF image"),
        (_png(_stroke())[:200], "cannot decode"),
        (_png(np.zeros((1, 2100), np.uint8)), "larger than 2000"),
    ],
)
def test_bad_images(data, match):
    with pytest.raises(InputError, match=match):
        image_to_row(data, name="upload.png")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read it"):
        image_to_row(tmp_path / "none.png")


@pytest.mark.mnist
def test_mnist_images_rendered_as_drawings_come_back(mnist_dir):
    """Test images drawn dark-on-light at 280x280 and imported are classified as well."""
    from mnistlab import models
    from mnistlab.data import load_idx_dir

    ds = load_idx_dir(mnist_dir)
    model = models.get("fast", n_jobs=-1).fit(ds.X_train[:20000], ds.y_train[:20000])
    X = ds.X_test[:200]
    rows = np.array(
        [
            image_to_row(
                _png(
                    np.asarray(
                        Image.fromarray(255 - x.reshape(28, 28)).resize(
                            (280, 280), Image.Resampling.NEAREST
                        )
                    )
                )
            )
            for x in X
        ]
    )
    acc_imported = np.mean(model.predict(rows) == ds.y_test[:200])
    acc_original = np.mean(model.predict(X) == ds.y_test[:200])
    assert acc_imported >= 0.97 and acc_imported >= acc_original - 0.02


def test_digits_images_round_trip():
    ds = load("digits")
    x = ds.X_test[0]
    img = (255 - x.reshape(8, 8) * 15).astype(np.uint8)
    big = np.asarray(Image.fromarray(img).resize((80, 80), Image.Resampling.NEAREST))
    row = image_to_row(_png(big), (8, 8), 16)
    assert np.corrcoef(row.astype(float), x.astype(float))[0, 1] > 0.6


def test_read_images_refuses_the_bad_files_and_reads_the_others(tmp_path):
    good = tmp_path / "one.png"
    good.write_bytes(_png(_stroke()))
    other = tmp_path / "other.png"
    other.write_bytes(_png(_stroke(light_on_dark=True)))
    blank = tmp_path / "blank.png"
    blank.write_bytes(_png(np.full((50, 50), 255, np.uint8)))
    text = tmp_path / "notes.png"
    text.write_text("not an image\n")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(_png(_stroke())[:200])
    paths = [blank, good, text, other, truncated, tmp_path / "gone.png"]
    batch = read_images(paths, (8, 8), 16)
    assert batch.files == [str(p) for p in paths]
    assert batch.X.shape == (2, 64) and batch.X.dtype == np.uint8
    assert np.array_equal(batch.X[0], image_to_row(good, (8, 8), 16))
    reasons = [e.reason if e else None for e in batch.errors]
    assert reasons == ["blank", None, "format", None, "corrupt", "read"]
    assert all(isinstance(e, ImageError) for e in batch.refused) and len(batch.refused) == 4
    assert str(batch.refused[0]) == f"{blank}: the image is blank (no digit found)"


def test_read_images_with_nothing_readable(tmp_path):
    assert read_images([], (28, 28), 255).X.shape == (0, 784)
    batch = read_images([tmp_path / "gone.png"], (28, 28), 255)
    assert batch.X.shape == (0, 784) and [e.reason for e in batch.refused] == ["read"]


def _box(row):
    """Height and width of the ink (> 50) in a 28x28 row."""
    rows, cols = np.nonzero(row.reshape(28, 28) > 50)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_noisy_scan_is_cropped_to_the_digit_not_the_noise():
    """Noise on grey paper is not ink: the digit still fills MNIST's 20-pixel box."""
    rng = np.random.default_rng(0)
    scan = np.full((150, 150), 200.0)
    scan[30:120, 65:80] = 110  # a low-contrast "1"
    scan += rng.normal(0, 10, scan.shape)
    row = image_to_row(_png(np.clip(scan, 0, 255).astype(np.uint8)))
    assert _box(row)[0] >= 19
    assert row.reshape(28, 28)[:3].max() == 0  # the paper stays black


def test_a_speck_far_away_does_not_shrink_the_digit():
    img = _stroke(400)
    img[390:392, 5:7] = 0  # a speck of dust in a corner
    assert _box(image_to_row(_png(img)))[0] >= 19


def test_small_digit_off_centre_on_a_large_canvas():
    img = np.full((800, 800), 255, np.uint8)
    img[620:680, 100:106] = 0  # a thin "1", 60 pixels tall, bottom left
    row = image_to_row(_png(img))
    assert _box(row)[0] >= 19
    assert abs(np.average(np.arange(28), weights=row.reshape(28, 28).sum(axis=1)) - 13.5) < 1


@pytest.mark.parametrize("thickness", [2, 8, 40])
def test_normalise_strokes_gives_one_width(thickness):
    """A hairline, a pen and a marker of the same length come back with the same stroke."""
    ink = np.zeros((200, 60), np.float32)
    ink[20:180, 30 - thickness // 2 : 30 + (thickness + 1) // 2] = 1.0
    drawn = normalise_strokes(ink, STROKE_WIDTH)
    width = (drawn > 0.5).sum(axis=1)[len(drawn) // 2]
    assert abs(width - STROKE_WIDTH * 160) <= 2  # on the 160-pixel working side
    assert drawn.shape[0] >= 0.7 * 160  # the stroke keeps most of its length


def test_normalise_strokes_keeps_a_blob_without_skeleton():
    ink = np.zeros((3, 3), np.float32)
    assert normalise_strokes(ink) is ink


def test_stroke_width_none_keeps_the_ink_as_drawn():
    thick = np.full((200, 200), 255, np.uint8)
    thick[30:170, 60:140] = 0  # a very wide bar
    as_drawn = image_to_row(_png(thick))  # the default
    redrawn = image_to_row(_png(thick), stroke_width=STROKE_WIDTH)
    assert (as_drawn > 50).sum() > 2 * (redrawn > 50).sum()


def test_every_foreign_digit_is_read_and_fills_the_box():
    """Fonts, markers, scans and misplaced digits all come back as MNIST-sized digits."""
    from mnistlab.data import foreign_digits

    fd = foreign_digits(5, fonts=None)
    for img in fd.images:
        height, width = _box(image_to_row(Image.fromarray(img)))
        assert max(height, width) >= 18  # the noise of a scan never widens the crop


def test_image_files_expands_directories_to_their_images_in_name_order(tmp_path):
    from mnistlab.preprocessing import image_files

    folder = tmp_path / "digits"
    folder.mkdir()
    for name in ("b.PNG", "a.jpg", "c.jpeg", "notes.txt"):
        (folder / name).write_bytes(b"x")
    (folder / "sub.png").mkdir()  # a directory named like an image is not a file
    single = tmp_path / "one.gif"  # named files are taken as given: read_images judges them
    single.write_bytes(b"x")
    assert image_files([single, folder]) == [
        single,
        *(folder / n for n in ("a.jpg", "b.PNG", "c.jpeg")),
    ]


@pytest.mark.parametrize(
    ("make", "match"), [("empty", "no PNG or JPEG files"), ("missing", "no such file")]
)
def test_image_files_refuses_empty_directories_and_missing_paths(tmp_path, make, match):
    from mnistlab.preprocessing import image_files

    path = tmp_path / make
    if make == "empty":
        path.mkdir()
    with pytest.raises(InputError, match=match):
        image_files([path])


def _within(seconds, func, *args):
    """``func(*args)``, failing the test if it does not return within ``seconds``."""
    import threading

    out = {}
    worker = threading.Thread(target=lambda: out.update(value=func(*args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{func.__name__} did not return within {seconds} s"
    return out["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_an_image_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    try:
        batch = _within(10, read_images, [fifo], (8, 8), 16)
    finally:  # a reader still blocked in open() gets its end of file (none: ENXIO)
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert str(batch.refused[0]) == f"{fifo}: empty (nothing was written to it)"


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd here")
def test_an_image_through_a_pipe_is_read():
    """``mnistlab predict <(convert scan.tif png:-)`` passes /dev/fd/N, a pipe."""
    import threading

    data = _png(_stroke())
    read_end, write_end = os.pipe()

    def write():
        with os.fdopen(write_end, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        row = _within(10, image_to_row, f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        writer.join(10)
    assert np.array_equal(row, image_to_row(data))


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
def test_a_device_is_refused():
    with pytest.raises(ImageError, match=r"^/dev/null: not a file or a pipe$") as err:
        image_to_row("/dev/null")  # /dev/zero or /dev/urandom would fill memory, read whole
    assert err.value.reason == "read"


def test_a_file_too_large_to_be_an_image_is_refused_unread(tmp_path):
    from mnistlab.preprocessing._import import MAX_FILE_BYTES

    big = tmp_path / "big.png"
    big.write_bytes(_png(_stroke()))
    with big.open("r+b") as f:  # sparse: no disk used, but read whole it fills memory
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ImageError, match=f"larger than {MAX_FILE_BYTES:,} bytes") as err:
        image_to_row(big)
    assert err.value.reason == "size"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs or symlinks here")
def test_a_directory_s_unreadable_entries_are_refused_one_by_one_not_skipped(tmp_path):
    from mnistlab.preprocessing import image_files

    (tmp_path / "a.png").write_bytes(_png(_stroke()))
    os.mkfifo(tmp_path / "b.png")
    (tmp_path / "c.png").symlink_to(tmp_path / "gone.png")
    (tmp_path / "d.png").symlink_to(tmp_path / "e.png")  # a loop of two links
    (tmp_path / "e.png").symlink_to(tmp_path / "d.png")
    (tmp_path / "f.png").mkdir()  # a directory is still no image file
    (tmp_path / "g.png").symlink_to(tmp_path, target_is_directory=True)
    files = image_files([tmp_path])
    assert [f.name for f in files] == ["a.png", "b.png", "c.png", "d.png", "e.png"]
    batch = _within(10, read_images, files, (8, 8), 16)
    assert batch.X.shape == (1, 64)
    assert [e.reason if e else None for e in batch.errors] == [None, *["read"] * 4]


def test_a_directory_or_an_entry_that_cannot_be_looked_at(tmp_path, monkeypatch):
    from mnistlab.preprocessing import image_files

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    is_dir = Path.is_dir
    monkeypatch.setattr(  # root may stat everything
        Path, "is_dir", lambda self: denied(self) if self.name == "b.png" else is_dir(self)
    )
    assert image_files([tmp_path]) == [tmp_path / "a.png", tmp_path / "b.png"]
    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(InputError, match=r"cannot list it \(Permission denied\)"):
        image_files([tmp_path])


def test_an_image_with_exif_of_the_wrong_types_is_refused_and_the_others_read(tmp_path):
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "cam"  # rotated; the camera's make
    buf = io.BytesIO()
    Image.fromarray(_stroke()).save(buf, "JPEG", exif=exif)
    # the make's tag renamed XResolution (a number), its value still text: Pillow's
    # exif_transpose raises TypeError (struct.error for other tags), not OSError
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(buf.getvalue().replace(b"\x01\x0f\x00\x02", b"\x01\x1a\x00\x02", 1))
    good = tmp_path / "good.png"
    good.write_bytes(_png(_stroke()))
    batch = read_images([bad, good], (8, 8), 16)
    assert [e.reason if e else None for e in batch.errors] == ["corrupt", None]
    assert str(batch.refused[0]).startswith(f"{bad}: cannot decode the image (TypeError: ")


@pytest.mark.parametrize("paper", [(0, 0, 0, 0), (255, 255, 255, 0)])
def test_light_ink_on_a_transparent_canvas_is_read_like_dark_ink(paper):
    """A drawing app in dark mode exports white strokes on a transparent canvas."""
    rows = []
    for ink in ((255, 255, 255, 255), (0, 0, 0, 255)):
        rgba = np.zeros((100, 100, 4), np.uint8)
        rgba[:] = paper
        rgba[20:80, 45:55] = ink
        rgba[20:30, 35:45] = ink  # the flag of a "1"
        rows.append(image_to_row(_png(rgba)))
    assert np.array_equal(rows[0], rows[1])


def test_a_phone_s_jpeg_with_a_second_image_is_read_as_the_jpeg_it_starts_with():
    """Cameras append a preview (or the other eye) to the JPEG: Pillow calls it MPO."""
    first = Image.fromarray(_stroke()).convert("RGB")
    buf = io.BytesIO()
    first.save(buf, "MPO", save_all=True, append_images=[first.resize((50, 50))])
    assert Image.open(io.BytesIO(buf.getvalue())).format == "MPO"
    plain = io.BytesIO()
    first.save(plain, "JPEG")
    assert np.array_equal(image_to_row(buf.getvalue()), image_to_row(plain.getvalue()))


def test_a_jpeg_of_thousands_of_scans_is_refused_before_it_is_decoded():
    """Each progressive scan is a pass over the whole image: 20,000 of them (3 MB) took
    28 s to decode at 2000x2000, 6,000 (a 1 MB upload to serve) 9 s."""
    buf = io.BytesIO()
    Image.fromarray(_stroke()).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    last_scan = data[data.rindex(b"\xff\xda") : -2]  # up to the end-of-image marker
    bomb = data[:-2] + last_scan * 1000 + data[-2:]
    assert Image.open(io.BytesIO(bomb)).load() is not None  # libjpeg reads it
    with pytest.raises(ImageError, match=r"a JPEG of more than \d+ scans") as err:
        image_to_row(bomb)
    assert err.value.reason == "size"
    assert image_to_row(data).max() == 255  # an ordinary progressive JPEG is read


def test_a_file_that_cannot_be_looked_at_is_refused_by_read_images(tmp_path, monkeypatch):
    """A file in a directory one may not read: stat fails with EACCES (root may stat
    everything, hence the stand-in), which pathlib's exists() and is_dir() raise."""
    from mnistlab.preprocessing import image_files

    hidden = tmp_path / "locked" / "x.png"
    stat = Path.stat

    def denied(self, *args, **kwargs):
        if self == hidden:
            raise PermissionError(13, "Permission denied", str(self))
        return stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", denied)
    assert image_files([hidden]) == [hidden]  # not an internal error: passed on to be read
    batch = read_images([hidden], (8, 8), 16)
    assert batch.X.shape == (0, 64)
    assert batch.errors[0].reason == "read" and "cannot read it" in str(batch.errors[0])
