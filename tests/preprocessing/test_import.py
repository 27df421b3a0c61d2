import io

import numpy as np
import pytest
from PIL import Image

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.preprocessing import ImageError, image_to_row, read_images


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
