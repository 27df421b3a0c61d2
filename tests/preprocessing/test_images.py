import pickle
import warnings
from typing import ClassVar

import numpy as np
import pytest
from joblib import cpu_count, effective_n_jobs
from scipy import ndimage
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.preprocessing import (
    HOG,
    Augmented,
    BlockScaler,
    Deskew,
    augment,
    rotate_images,
    shift_images,
    thicken_images,
)


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def _scipy_deskew(image):
    c0, c1 = np.mgrid[: image.shape[0], : image.shape[1]]
    t = image.sum()
    m0, m1 = (c0 * image).sum() / t, (c1 * image).sum() / t
    alpha = ((c0 - m0) * (c1 - m1) * image).sum() / ((c0 - m0) ** 2 * image).sum()
    aff = np.array([[1, 0], [alpha, 1]])
    off = np.array([m0, m1]) - aff @ (np.array(image.shape) / 2.0)
    return ndimage.affine_transform(image, aff, offset=off, order=1, mode="grid-constant")


def test_deskew_equals_the_per_image_scipy_version(digits):
    X = digits.X_train[:300]
    ours = Deskew(chunk_size=64, n_jobs=2).fit_transform(X)  # several chunks, two threads
    ref = np.array([_scipy_deskew(x.reshape(8, 8).astype(float)).ravel() for x in X])
    np.testing.assert_allclose(ours, ref, atol=1e-4)
    assert ours.dtype == np.float32


def test_deskew_equals_scipy_on_steep_slants_and_wide_images():
    # a few ink pixels far from the diagonal slant a row wholly off the image: the
    # row-wise shifts must read zeros there, as scipy's sampling does
    rng = np.random.default_rng(0)
    X = np.zeros((64, 12, 20))
    for image in X[:60]:
        image.flat[rng.choice(image.size, size=rng.integers(2, 12), replace=False)] = 200
    for image, (a, b) in zip(X[60:], [(0, 19), (19, 0), (1, 18), (18, 1)], strict=True):
        image[5, a], image[6, b] = 255, 90  # adjacent rows, far apart: a slant of about 19
    X = X.reshape(len(X), -1)
    ours = Deskew(image_shape=(12, 20), chunk_size=16).fit_transform(X)
    ref = np.array([_scipy_deskew(x.reshape(12, 20)).ravel() for x in X])
    np.testing.assert_allclose(ours, ref, atol=2e-3)


def test_deskew_straightens_a_slanted_bar():
    img = np.zeros((16, 16))
    for r in range(2, 14):
        img[r, 4 + r // 2] = 255  # leaning right
    out = Deskew().fit_transform(img.reshape(1, -1)).reshape(16, 16)
    cols = [np.average(np.arange(16), weights=row) for row in out if row.sum() > 0]
    assert np.ptp(cols) < 1.0  # upright: every row's ink in the same column


def test_deskew_keeps_blank_images_blank_and_checks_shape():
    assert not Deskew().fit_transform(np.zeros((2, 64))).any()
    with pytest.raises(ValueError, match="not a square image"):
        Deskew().fit(np.zeros((2, 63)))
    d = Deskew(image_shape=(7, 9)).fit(np.zeros((2, 63)))
    assert d.image_shape_ == (7, 9)


def test_deskew_refuses_negative_pixels_as_its_tag_says():
    # positive_only was declared but never enforced: negative rows were sheared silently
    assert Deskew().__sklearn_tags__().input_tags.positive_only
    X = np.zeros((2, 64))
    X[1, 5] = -1
    with pytest.raises(InputError, match="Negative values in data passed to Deskew"):
        Deskew().fit(X)
    fitted = Deskew().fit(np.abs(X))
    with pytest.raises(InputError, match="Negative values in data passed to Deskew"):
        fitted.transform(X)


@pytest.mark.parametrize("est", [Deskew(), HOG()], ids=["Deskew", "HOG"])
def test_image_transformers_preserve_exactly_the_dtypes_their_tags_name(digits, est):
    preserved = est.__sklearn_tags__().transformer_tags.preserves_dtype
    assert preserved == ["float32"]
    for dtype in (np.float32, np.float64, np.uint8):
        out = clone(est).fit_transform(digits.X_train[:20].astype(dtype))
        assert out.dtype == np.float32
        assert (np.dtype(dtype).name in preserved) == (out.dtype == dtype)


def test_image_estimators_clone_pickle_idempotent(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    for est in (Deskew(), HOG()):
        a = est.fit_transform(X)
        b = pickle.loads(pickle.dumps(est)).transform(X)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(clone(est).fit(X).transform(X), a)
    aug = Augmented(KNeighborsClassifier(3)).fit(X, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(aug)).predict(X), aug.predict(X))


def test_hog_features(digits):
    h = HOG().fit(digits.X_train)
    F = h.transform(digits.X_train[:10])
    assert F.shape == (10, h.n_features_out_) and len(h.get_feature_names_out()) == F.shape[1]
    assert h.transform(digits.X_train[:10]).dtype == np.float32
    with pytest.raises(ValueError, match="too small"):
        HOG(pixels_per_cell=4).fit(np.zeros((2, 16)))


def test_shift_and_rotate():
    X = np.arange(16, dtype=np.uint8).reshape(1, 16) + 1
    s = shift_images(X, (4, 4), 1, 0).reshape(4, 4)
    assert (s[0] == 0).all() and (s[1:] == X.reshape(4, 4)[:-1]).all()
    r = rotate_images(X, (4, 4), 90).reshape(4, 4)
    assert r.dtype == np.uint8 and r.shape == (4, 4)
    Xa, ya = augment(np.tile(X, (3, 1)), np.array([1, 2, 3]), angles=(10,))
    assert Xa.shape == (18, 16) and ya.tolist() == [1, 2, 3] * 6


def test_thicken_and_thin_strokes_by_a_pixel():
    img = np.zeros((1, 10, 10), np.uint8)
    img[0, 2:8, 4:7] = 200  # a vertical stroke 3 pixels wide
    X = img.reshape(1, 100)
    widths = [
        int((thicken_images(X, (10, 10), p).reshape(10, 10)[5] > 0).sum()) for p in (-1, 0, 1, 2)
    ]
    assert widths == [2, 3, 4, 5]
    assert thicken_images(X, (10, 10), 1).dtype == np.uint8
    # the copies of each image stay apart: one image's ink never reaches its neighbour
    two = np.vstack([X, np.zeros_like(X)])
    assert thicken_images(two, (10, 10), 2)[1].max() == 0
    Xa, ya = augment(two, np.array([3, 4]), (10, 10), shifts=(), thickness=(1, -1))
    assert Xa.shape == (6, 100) and ya.tolist() == [3, 4, 3, 4, 3, 4]


def test_augmented_fits_on_copies_and_predicts_originals(digits):
    X, y = digits.X_train, digits.y_train
    m = Augmented(KNeighborsClassifier(), angles=(-8, 8)).fit(X, y)
    assert m.estimator_.n_samples_fit_ == len(X) * 7
    assert m.score(digits.X_test, digits.y_test) > 0.95
    assert not hasattr(Augmented(make_pipeline(KNeighborsClassifier())), "decision_function")


def test_augmented_in_cross_validation_does_not_leak(digits):
    """Each fold augments its own training part: validation images are never seen."""
    X, y = digits.X_train[:600], digits.y_train[:600]

    class Spy(KNeighborsClassifier):
        seen: ClassVar[list] = []

        def fit(self, X, y):
            Spy.seen.append(len(X))
            return super().fit(X, y)

    cross_val_score(Augmented(Spy(n_neighbors=1)), X, y, cv=3)
    assert Spy.seen == [400 * 5] * 3


def test_virtual_support_vectors_augment_only_the_support(digits):
    from sklearn.svm import SVC

    X, y = digits.X_train, digits.y_train
    plain = make_pipeline(BlockScaler(), SVC(C=5)).fit(X, y)
    n_support = len(plain[-1].support_)
    assert n_support < len(X)
    m = Augmented(make_pipeline(BlockScaler(), SVC(C=5)), support_vectors_only=True).fit(X, y)
    assert m.n_augmented_ == 4 * n_support  # four shifted copies of each support vector
    assert len(m.estimator_[-1].support_) > 0
    assert m.score(digits.X_test, digits.y_test) >= plain.score(digits.X_test, digits.y_test) - 0.01
    with pytest.raises(ValueError, match="needs a support vector machine"):
        Augmented(KNeighborsClassifier(), support_vectors_only=True).fit(X, y)


def test_block_scaler_keeps_the_geometry():
    X = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 50.0]])
    Z = BlockScaler().fit_transform(X)
    assert np.allclose(Z * np.std(X), X)
    assert np.allclose(BlockScaler().fit_transform(np.ones((3, 2))), 1.0)


def test_deskew_from_a_model_file_stays_bounded(digits):
    """A model file skips fit's parameter checks: a chunk_size of 0 and a billion jobs must
    neither fail nor start a billion threads."""
    X = digits.X_train[:300]
    expected = Deskew().fit_transform(X)
    d = Deskew().fit(X)
    d.chunk_size, d.n_jobs = 0, 10**9
    np.testing.assert_array_equal(d.transform(X), expected)


def test_deskew_saved_before_it_had_n_jobs_still_loads(digits):
    X = digits.X_train[:50]
    d = Deskew().fit(X)
    state = d.__getstate__()
    del state["n_jobs"]  # as in a file written before Deskew had n_jobs
    old = Deskew.__new__(Deskew)
    old.__setstate__(state)
    assert old.get_params()["n_jobs"] is None
    np.testing.assert_array_equal(old.transform(X), d.transform(X))


@pytest.mark.parametrize("name", ["Deskew", "GradientDirections", "Scattering"])
def test_astronomical_pixels_are_refused_and_the_brightest_taken_stay_finite(digits, name):
    """float32 computation: pixels of 1e37 would overflow to inf and NaN features."""
    from mnistlab import preprocessing
    from mnistlab.preprocessing._images import MAX_PIXEL

    X = np.zeros((3, 64))
    X[:, 20:30] = MAX_PIXEL  # the brightest accepted: finite features
    t = getattr(preprocessing, name)().fit(digits.X_train[:5])
    assert np.isfinite(t.transform(X)).all()
    X[1, 25] = 1e37
    with pytest.raises(InputError, match="Values above 1e"):
        t.transform(X)


@pytest.mark.parametrize("name", ["Deskew", "GradientDirections", "Scattering"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**40, "Values above 1e"),
        (float("inf"), "Values above 1e"),
        (10**400, "not numbers"),
        ("a", "not numbers"),
        (None, "not numbers"),
    ],
    ids=["1e40", "inf", "1e400", "str", "None"],
)
def test_object_arrays_of_what_is_not_a_pixel_are_refused(digits, name, value, message):
    """scikit-learn keeps an object array as it is (dtype=None) and looks there only for
    NaN: its Python numbers became inf in float32 (NaN features), or did not convert at all
    (a traceback)."""
    from mnistlab import preprocessing

    X = np.zeros((3, 64)).astype(object)
    X[1, 25] = value
    t = getattr(preprocessing, name)().fit(digits.X_train[:5])
    with pytest.raises(InputError, match=message):
        t.transform(X)


def test_an_object_array_of_numbers_is_taken(digits):
    from mnistlab.preprocessing import GradientDirections

    X = digits.X_train[:5]
    t = GradientDirections().fit(X)
    np.testing.assert_array_equal(t.transform(X.astype(object)), t.transform(X))


@pytest.mark.parametrize("name", ["Deskew", "GradientDirections", "Scattering"])
def test_half_precision_pixels_are_taken_without_a_warning(digits, name):
    """1e15 does not fit in a float16: comparing a float16 with it warned of an overflow."""
    from mnistlab import preprocessing

    X = digits.X_train[:5].astype(np.float16)
    t = getattr(preprocessing, name)().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(t.transform(X)).all()


def test_chunks_stay_bounded_whatever_chunk_size_and_n_jobs_a_model_file_holds():
    """A model file skips fit's checks: a chunk_size of a billion computed all the images in
    one chunk (~40 kB of temporaries per 28x28 image: gigabytes for MNIST), and each thread
    holds a chunk."""
    from mnistlab.preprocessing._images import MAX_PIXELS_IN_FLIGHT, fill_in_chunks

    for width in (1, 784):
        X = np.arange(3 * MAX_PIXELS_IN_FLIGHT // width, dtype=np.float32)[:, None]
        X = np.broadcast_to(X, (len(X), width))
        for n_jobs in (None, 2, -1):
            sizes = []

            def compute(chunk, sizes=sizes):
                sizes.append(len(chunk))
                return chunk[:, :1]

            out = fill_in_chunks(np.empty((len(X), 1), np.float32), X, compute, 10**9, n_jobs)
            np.testing.assert_array_equal(out, X[:, :1])
            threads = min(effective_n_jobs(n_jobs), cpu_count())
            assert max(sizes) * width * threads <= MAX_PIXELS_IN_FLIGHT
