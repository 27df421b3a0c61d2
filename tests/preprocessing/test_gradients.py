import numpy as np
import pytest
from scipy import ndimage

from mnistlab import InputError
from mnistlab.data import load
from mnistlab.preprocessing import GradientDirections
from mnistlab.preprocessing._gradients import sampling_matrix


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def _scipy_reference(X: np.ndarray, side: int, n_directions: int, grid: int) -> np.ndarray:
    """The features by another route: scipy's Sobel per image, angles split by hand."""
    out = []
    w = sampling_matrix(side, grid).astype(np.float64)
    step = 2 * np.pi / n_directions
    for x in X.reshape(-1, side, side).astype(np.float64):
        gx = ndimage.sobel(x, axis=1, mode="constant")
        gy = ndimage.sobel(x, axis=0, mode="constant")
        planes = np.zeros((n_directions, side, side))
        for (r, c), g in np.ndenumerate(np.hypot(gx, gy)):
            theta = np.arctan2(gy[r, c], gx[r, c]) % (2 * np.pi)
            k, f = divmod(theta / step, 1)
            planes[int(k) % n_directions, r, c] += g * np.sin((1 - f) * step) / np.sin(step)
            planes[(int(k) + 1) % n_directions, r, c] += g * np.sin(f * step) / np.sin(step)
        out.append(np.sqrt(np.einsum("ir,drc,jc->dij", w, planes, w)).ravel())
    return np.array(out)


@pytest.mark.parametrize(("n_directions", "grid"), [(8, 8), (12, 4), (3, 1)])
def test_features_match_a_per_image_reference(digits, n_directions, grid):
    X = digits.X_train[:20]
    F = GradientDirections(n_directions=n_directions, grid=grid).fit_transform(X)
    assert F.shape == (20, n_directions * grid**2) and F.dtype == np.float32
    np.testing.assert_allclose(F, _scipy_reference(X, 8, n_directions, grid), atol=2e-3)


def test_an_image_scores_the_same_alone_and_in_a_batch(digits):
    # scipy's sobel on a stack of images would smooth across neighbouring images
    X = digits.X_train[:300]
    batch = GradientDirections(chunk_size=64, n_jobs=2).fit_transform(X)
    alone = np.vstack([GradientDirections().fit_transform(x[None]) for x in X[:5]])
    np.testing.assert_allclose(alone, batch[:5], rtol=1e-5, atol=1e-6)


def test_a_vertical_stroke_has_only_horizontal_gradients():
    X = np.zeros((1, 28, 28))
    X[0, :, 12:16] = 255  # from top to bottom: its ends are the image's edges
    t = GradientDirections(n_directions=8, power=1.0).fit(X.reshape(1, -1))
    F = t.transform(X.reshape(1, -1)).reshape(8, 8, 8)
    energy = F[:, 2:6].sum(axis=(1, 2))  # the middle rows, far from the edges
    assert energy[0] > 1000 and energy[4] > 1000  # left edge (0 degrees), right edge (180)
    assert np.delete(energy, [0, 4]).max() < 1e-4 * energy[0]


def test_transposing_an_image_mirrors_the_directions(digits):
    # (gx, gy) -> (gy, gx): the angle theta becomes 90 degrees minus theta
    X = digits.X_train[:10].reshape(-1, 8, 8)
    t = GradientDirections(n_directions=8, grid=4).fit(X.reshape(10, -1))
    F = t.transform(X.reshape(10, -1)).reshape(10, 8, 4, 4)
    FT = t.transform(X.transpose(0, 2, 1).reshape(10, -1)).reshape(10, 8, 4, 4)
    for k in range(8):
        np.testing.assert_allclose(FT[:, (2 - k) % 8], F[:, k].transpose(0, 2, 1), atol=1e-4)


@pytest.mark.parametrize("power", [1.0, 0.5])
def test_brighter_images_scale_the_features_by_the_power(digits, power):
    X = digits.X_train[:10].astype(np.float64)
    t = GradientDirections(power=power).fit(X)
    np.testing.assert_allclose(t.transform(3 * X), 3**power * t.transform(X), rtol=1e-4, atol=1e-5)


def test_sampling_rows_sum_to_one_and_peak_at_their_centres():
    w = sampling_matrix(28, 8)
    np.testing.assert_allclose(w.sum(axis=1), 1, rtol=1e-6)
    assert list(w.argmax(axis=1)) == [1, 5, 8, 12, 15, 19, 22, 26]


def test_names_and_refusals(digits):
    t = GradientDirections(grid=2).fit(digits.X_train[:5])
    assert list(t.get_feature_names_out()[:3]) == [
        "direction0_0_0",
        "direction0_0_1",
        "direction0_1_0",
    ]
    assert t.n_features_out_ == 32
    with pytest.raises(InputError, match="must be >= 0"):
        t.transform(-digits.X_train[:5].astype(float))
    with pytest.raises(InputError, match="not a square image"):
        GradientDirections().fit(np.ones((2, 10)))
    rect = GradientDirections(image_shape=(2, 5), grid=2).fit(np.ones((2, 10)))
    assert rect.transform(np.ones((2, 10))).shape == (2, 32)
