"""Crafted model directories: each attack is refused at load, in one line, never a crash.

A model file is checked against its card's checksum, but both sit in the same directory:
an attacker rewrites the two. Without the checks of ``mnistlab.models._validate`` the
decision-tree and KDTree/BallTree attacks below are accepted and then kill the process
with a segmentation fault on ``predict``; the SVC ones make libsvm read past its arrays
(wrong answers, no error); the others end in an internal error. So every crafted model is
loaded in a child process.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from mnistlab import InputError, models
from mnistlab.data import load
from mnistlab.preprocessing import GradientDirections, Scattering

SRC = str(Path(models.__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def digits():
    return load("digits")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def write_model(directory: Path, est, digits, *, name: str = "rf", **card_changes) -> Path:
    """Save ``est`` as a model directory, then rewrite its card (checksum kept valid)."""
    models.save_model(est, directory, name=name, dataset=digits, overwrite=True)
    card = json.loads((directory / "card.json").read_text())
    card.update(card_changes)
    (directory / "card.json").write_text(json.dumps(card))
    return directory


def _set_tree(tree, **changes) -> None:
    """Overwrite fields of a scikit-learn Tree's node array, e.g. ``feature__0=-1``."""
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    for field, value in changes.items():
        column, index = field.rsplit("__", 1)
        nodes[column][int(index)] = value
    state["nodes"] = nodes
    tree.__setstate__(state)


def _forest(digits, **changes):
    est = models.get("rf").set_params(n_estimators=3).fit(digits.X_train, digits.y_train)
    _set_tree(est.estimators_[0].tree_, **changes)
    return est


def _forest_with_a_wide_tree(digits):
    """A forest of 64-pixel images holding a tree fitted on 1,000 features (all in range)."""
    est = models.get("rf").set_params(n_estimators=2).fit(digits.X_train, digits.y_train)
    rng = np.random.default_rng(0)
    X = rng.random((len(digits.y_train), 1000))
    X[:, 900] = digits.y_train  # the tree splits on feature 900 of a 64-column row
    est.estimators_[0] = DecisionTreeClassifier(random_state=0).fit(X, digits.y_train)
    return est


def _svc(digits, **attrs):
    n = 400
    est = models.get("svc").fit(digits.X_train[:n], digits.y_train[:n])
    for name, change in attrs.items():
        setattr(est, name, np.ascontiguousarray(change(getattr(est, name))))
    return est


def _blas_svc(digits, **attrs):
    """A BlasSVC (the SVC of svc-deskew and best) with attributes set to the given values."""
    est = models.BlasSVC().fit(digits.X_train[:400], digits.y_train[:400])
    for name, value in attrs.items():
        setattr(est, name, value(getattr(est, name)) if callable(value) else value)
    return est


def _svc_of_many_classes(digits, k: int = 200):
    """A BlasSVC of ``k`` classes (one support vector each), every array consistent.

    Its scores cost ``k (k - 1) / 2`` pairs of classes: BlasSVC weighs every support vector
    against every pair (600 classes, a 5 MB file: 0.9 GB and 8 s; 2,000: 32 GB), and
    scikit-learn's one-vs-rest scores loop over the pairs in Python.
    """
    est = models.BlasSVC().fit(digits.X_train[:400], digits.y_train[:400])
    est.classes_ = np.arange(k)
    est._n_support = np.ones(k, dtype=np.int32)
    est.support_vectors_ = np.ascontiguousarray(est.support_vectors_[np.arange(k) % 10])
    est.support_ = np.arange(k, dtype=np.int32)
    est._dual_coef_ = est.dual_coef_ = np.zeros((k - 1, k))
    est._intercept_ = est.intercept_ = np.zeros(k * (k - 1) // 2)
    return est


def _knn(digits, **attrs):
    est = models.get("knn").fit(digits.X_train, digits.y_train)
    for name, value in attrs.items():
        setattr(est, name, value(getattr(est, name)) if callable(value) else value)
    return est


def _neighbour_tree(digits, algorithm: str, **changes):
    """A KNN searching a KDTree or BallTree, with arrays of the tree's state changed."""
    est = KNeighborsClassifier(algorithm=algorithm).fit(digits.X_train, digits.y_train)
    state = list(est._tree.__getstate__())
    for name, change in changes.items():
        i = ["data", "idx", "nodes"].index(name)
        state[i] = change(state[i].copy())
    est._tree.__setstate__(tuple(state))
    return est


def _leaf_end(value):
    def change(nodes):
        nodes["idx_end"][np.flatnonzero(nodes["is_leaf"])[-1]] = value
        return nodes

    return change


def _no_leaves(nodes):
    nodes["is_leaf"] = 0
    return nodes


def _pca_knn(digits):
    est = models.get("pca-knn").set_params(pca__n_components=20)
    est.fit(digits.X_train, digits.y_train)
    pca = est.named_steps["pca"]
    pca.components_ = np.ascontiguousarray(pca.components_[:, :40])
    return est


def _mlp(digits):
    est = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=20, random_state=0))
    est.fit(digits.X_train, digits.y_train)
    mlp = est[-1]
    mlp.coefs_[1] = np.ascontiguousarray(mlp.coefs_[1][:5])
    return est


def _hog(digits):
    n = 400
    est = models.get("svc-hog").fit(digits.X_train[:n], digits.y_train[:n])
    est.named_steps["hog"].orientations = 10**8  # gigabytes for one image
    return est


def _scattering(digits, **attrs):
    n = 400
    est = Pipeline([("scattering", Scattering()), ("pca", PCA(20)), ("svc", SVC())]).fit(
        digits.X_train[:n], digits.y_train[:n]
    )
    scattering = est.named_steps["scattering"]
    for name, value in attrs.items():
        setattr(scattering, name, value)
    return est


def _gradients(digits, **attrs):
    n = 400
    est = models.get("svc-gradients").fit(digits.X_train[:n], digits.y_train[:n])
    gradients = est.named_steps["gradients"]
    for name, value in attrs.items():
        setattr(gradients, name, value)
    return est


def _gradients_of_one_long_row(digits):
    """32x64 images read as one row of 2,048 pixels (with a card of 1024x1024 images, a
    row of a million: 0.7 GB for the blurring matrix alone)."""
    X = np.random.default_rng(0).random((40, 2048)) * 16
    gradients = GradientDirections(image_shape=(32, 64), grid=2)
    est = Pipeline([("gradients", gradients), ("svc", SVC())]).fit(X, digits.y_train[:40])
    gradients.image_shape_ = (1, 2048)
    return est


def _foreign(digits):
    return Pipeline(
        [
            ("kmeans", KMeans(4, n_init=1, random_state=0)),
            ("knn", KNeighborsClassifier(algorithm="brute")),
        ]
    ).fit(digits.X_train, digits.y_train)


#: name -> (build the estimator, card changes, what the one-line refusal says)
ATTACKS = {
    "tree-left-child-out-of-range": (
        lambda d: _forest(d, left_child__0=10**9),
        {},
        "children out of range",
    ),
    "tree-right-child-negative": (
        lambda d: _forest(d, right_child__0=-7),
        {},
        "children out of range",
    ),
    "tree-cycle-to-the-root": (
        lambda d: _forest(d, right_child__0=0),
        {},
        "children out of range",
    ),
    "tree-feature-out-of-range": (
        lambda d: _forest(d, feature__0=10**6),
        {},
        "split on features outside 0..63",
    ),
    "tree-negative-feature": (
        lambda d: _forest(d, feature__0=-1),
        {},
        "split on features outside 0..63",
    ),
    "forest-tree-of-other-features": (
        _forest_with_a_wide_tree,
        {},
        "a tree of other features or classes",
    ),
    "svc-dual-coef-too-short": (
        lambda d: _svc(d, _dual_coef_=lambda a: a[:, :5]),
        {},
        "_dual_coef_ has shape",
    ),
    "svc-support-counts-of-other-classes": (
        lambda d: _svc(d, _n_support=lambda a: np.array([a.sum(), 0, 0], dtype=np.int32)),
        {},
        "3 support-vector counts for 10 classes",
    ),
    "svc-intercept-too-short": (
        lambda d: _svc(d, _intercept_=lambda a: a[:2]),
        {},
        "_intercept_ has shape",
    ),
    "svc-support-vectors-too-narrow": (
        lambda d: _svc(d, support_vectors_=lambda a: a[:, :8]),
        {},
        "support_vectors_ has shape",
    ),
    # scores of NaN: probabilities of NaN, which serve cannot even send as JSON
    "svc-gamma-nan": (
        lambda d: _blas_svc(d, _gamma=float("nan")),
        {},
        "BlasSVC._gamma is not a finite number >= 0",
    ),
    "svc-gamma-negative": (
        lambda d: _blas_svc(d, _gamma=-1.0),
        {},
        "BlasSVC._gamma is not a finite number >= 0",
    ),
    "svc-coefficient-infinite": (
        lambda d: _blas_svc(
            d,
            _dual_coef_=lambda a: np.where(np.arange(a.size) == 0, np.inf, a.ravel()).reshape(
                a.shape
            ),
        ),
        {},
        "BlasSVC._dual_coef_ holds values that are not finite",
    ),
    "svc-of-too-many-classes": (
        _svc_of_many_classes,
        {},
        "BlasSVC: 200 classes",
    ),
    "knn-stored-images-too-narrow": (
        lambda d: _knn(d, _fit_X=lambda a: np.ascontiguousarray(a[:, :10])),
        {},
        "stored images of 10 features",
    ),
    "knn-label-index-out-of-range": (
        lambda d: _knn(d, _y=lambda a: np.where(np.arange(len(a)) == 0, 10**6, a)),
        {},
        "label indices outside its classes",
    ),
    "knn-weighted-metric": (
        lambda d: _knn(
            d,
            metric="minkowski",
            metric_params={"w": np.ones(3)},
            effective_metric_="minkowski",
            effective_metric_params_={"p": 2, "w": np.ones(3)},
        ),
        {},
        "metric_params may only set p",
    ),
    "kd-tree-point-index-out-of-range": (
        lambda d: _neighbour_tree(d, "kd_tree", idx=lambda a: np.where(a == a[0], 10**9, a)),
        {},
        "KDTree: node or point indices outside its arrays",
    ),
    "ball-tree-leaf-beyond-the-points": (
        lambda d: _neighbour_tree(d, "ball_tree", nodes=_leaf_end(10**6)),
        {},
        "BallTree: node or point indices outside its arrays",
    ),
    "kd-tree-inner-node-on-the-last-level": (
        lambda d: _neighbour_tree(d, "kd_tree", nodes=_no_leaves),
        {},
        "KDTree: node or point indices outside its arrays",
    ),
    "kd-tree-of-other-points": (
        lambda d: _neighbour_tree(d, "kd_tree", data=lambda a: np.ascontiguousarray(a[:-1])),
        {},
        "KDTree: its points differ from the stored images",
    ),
    "knn-weighted-minkowski-tree": (
        lambda d: KNeighborsClassifier(algorithm="ball_tree", p=3).fit(d.X_train, d.y_train),
        {},
        "types mnistlab does not trust (sklearn.metrics._dist_metrics.MinkowskiDistance64)",
    ),
    # refused before it is built: skops, imported by mnistlab, trusts the registry's only
    "estimator-no-mnistlab-model-contains": (
        _foreign,
        {},
        "types mnistlab does not trust (sklearn.cluster._kmeans.KMeans)",
    ),
    "pca-components-of-other-width": (
        _pca_knn,
        {},
        "PCA: components of shape (20, 40), not (20, 64)",
    ),
    "mlp-weights-of-other-shapes": (
        _mlp,
        {},
        "does not run on a 8x8 image (ValueError",
    ),
    "hog-of-a-hundred-million-orientations": (
        _hog,
        {},
        "HOG: orientations=100000000",
    ),
    "scattering-of-a-million-orientations": (
        lambda d: _scattering(d, L=10**6),
        {},
        "Scattering: The 'L' parameter of Scattering must be an int in the range [1, 16]",
    ),
    "scattering-of-a-billion-images-a-chunk": (
        lambda d: _scattering(d, chunk_size=10**9),
        {},
        "Scattering: J=2, L=8 for 8x8 images",
    ),
    "gradients-on-a-grid-of-a-million": (
        lambda d: _gradients(d, grid=10**6),  # 10**12 features an image
        {},
        "GradientDirections: The 'grid' parameter of GradientDirections must be an int in the "
        "range [1, 32]",
    ),
    "gradients-of-other-features-than-its-grid": (
        lambda d: _gradients(d, n_features_out_=10),
        {},
        "GradientDirections: 10 features for 16 directions on a 9 x 9 grid",
    ),
    "gradients-of-a-row-longer-than-a-card-allows": (
        _gradients_of_one_long_row,
        {"image_shape": [32, 64]},
        "GradientDirections: 1x2048 images, sides above 1024",
    ),
    "card-of-other-classes": (
        lambda d: _forest(d),
        {"classes": list(range(9))},
        "classes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] are not its card's",
    ),
    "card-of-other-image-shape": (
        lambda d: _forest(d),
        {"image_shape": [28, 28]},
        "the model takes 64 pixels, but its card says 28x28 images",
    ),
}

#: models that must load (their arrays are consistent): name -> (build, registry name)
INTACT = {
    "intact-forest": (_forest, "rf"),
    "intact-kd-tree": (
        lambda d: KNeighborsClassifier(algorithm="kd_tree").fit(d.X_train, d.y_train),
        "knn",
    ),
    # scikit-learn searches a KDTree on 15 features or fewer
    "intact-pca-knn-of-10-components": (
        lambda d: models.get("pca-knn").set_params(pca__n_components=10).fit(d.X_train, d.y_train),
        "pca-knn",
    ),
    "intact-svc": (_svc, "svc"),
    "intact-scattering": (_scattering, "svc-scattering"),
    "intact-gradients": (_gradients, "svc-gradients"),
}

#: load each directory, then predict: one line per model, flushed (a crash names its model)
_LOADER = """
import sys
from mnistlab import InputError, models
from mnistlab.data import load
X = load("digits").X_test[:20]
for case, path in zip(sys.argv[1::2], sys.argv[2::2]):
    print(case, "START", flush=True)
    try:
        est, card = models.load_model(path)
        est.predict(X)
        models.predict_digits(est, X, card.get("classes"))
        print(case, "LOADED", flush=True)
    except InputError as exc:
        print(case, "REFUSED", str(exc).replace(chr(10), " "), flush=True)
    except Exception as exc:
        print(case, "OTHER", type(exc).__name__, str(exc)[:300].replace(chr(10), " "), flush=True)
"""


@pytest.fixture(scope="module")
def outcomes(digits, tmp_path_factory):
    """Each attack (and an intact forest) loaded in one child process: name -> line."""
    root = tmp_path_factory.mktemp("attacks")
    args = []
    for case, (build, name) in INTACT.items():
        args += [case, str(write_model(root / case, build(digits), digits, name=name))]
    for case, (build, card, _) in ATTACKS.items():
        args += [case, str(write_model(root / case, build(digits), digits, **card))]
    proc = subprocess.run(
        [sys.executable, "-c", _LOADER, *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    lines = [line.split(" ", 1) for line in proc.stdout.splitlines()]
    found = {case: rest for case, rest in lines if not rest.startswith("START")}
    if proc.returncode != 0:  # a crash: the model that was being loaded says so
        found[lines[-1][0]] = f"CRASH return code {proc.returncode}: {proc.stderr[-300:]}"
    return found


@pytest.mark.parametrize("case", list(INTACT))
def test_an_intact_model_loads(outcomes, case):
    assert outcomes.get(case) == "LOADED"


@pytest.mark.parametrize("case", list(ATTACKS))
def test_attack_is_refused_at_load(outcomes, case):
    line = outcomes.get(case, "not reached")
    assert line.startswith("REFUSED"), line
    assert ATTACKS[case][2] in line, line
    assert "refusing this model" in line or "does not trust" in line


def test_a_foreign_estimator_is_refused_after_building_where_skops_trusts_it(digits, tmp_path):
    """skops imported before mnistlab trusts every scikit-learn estimator: the checks after
    building still refuse what the registry does not build."""
    path = write_model(tmp_path / "foreign", _foreign(digits), digits)
    assert sio.get_untrusted_types(file=path / "model.skops") == []  # this test module's skops
    with pytest.raises(InputError, match="holds a KMeans, which no mnistlab model contains"):
        models.load_model(path)


@pytest.mark.parametrize(
    "case", ["tree-left-child-out-of-range", "kd-tree-point-index-out-of-range"]
)
def test_the_attack_really_crashes_the_unchecked_library(digits, tmp_path, case):
    """The attacks are real: loaded by skops alone, the crafted model kills the process."""
    path = tmp_path / "model.skops"
    sio.dump(ATTACKS[case][0](digits), path)
    code = (
        "import sys, skops.io as sio; from mnistlab.data import load; "
        "est = sio.load(sys.argv[1], trusted=sio.get_untrusted_types(file=sys.argv[1])); "
        "est.predict(load('digits').X_test)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, env=_env(), timeout=300
    )
    assert proc.returncode != 0  # killed by a signal (SIGSEGV) here: undefined behaviour


@pytest.mark.requires("torch")
def test_tampered_weights_of_the_cnn_are_refused_at_load(digits, tmp_path):
    est = models.CNNClassifier(channels=(4,), dense=8, epochs=1, random_state=0)
    est.fit(digits.X_train[:200], digits.y_train[:200])
    key = next(iter(est.weights_))
    est.weights_ = {**est.weights_, key: np.zeros((3, 3))}
    del est._module_cache
    path = write_model(tmp_path / "cnn", est, digits, name="cnn")
    with pytest.raises(InputError) as err:
        models.load_model(path)
    assert "weights do not match its architecture" in str(err.value)


@pytest.mark.requires("torch")
def test_a_cnn_too_large_for_its_weights_is_refused_before_it_is_built(digits):
    """Its parameters come from the file: compared on torch's meta device, not allocated."""
    from mnistlab.models._validate import Refused, check_estimator_file

    est = models.CNNClassifier(channels=(4,), dense=8, epochs=1, random_state=0)
    est.fit(digits.X_train[:200], digits.y_train[:200])
    check_estimator_file(est)
    est.set_params(dense=10**7)  # 2.5 GB for the first dense layer
    with pytest.raises(Refused, match="weights do not match its architecture"):
        check_estimator_file(est)


def _bad_forest_dir(digits, tmp_path) -> Path:
    return write_model(tmp_path / "bad", _forest(digits, feature__0=10**6), digits)


def _cli(*args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnistlab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=timeout,
    )


def test_evaluate_refuses_a_crafted_model_in_one_line(digits, tmp_path):
    bad = _bad_forest_dir(digits, tmp_path)
    proc = _cli(
        "evaluate", str(bad), "--data", "digits", "--out", str(tmp_path / "o"), cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "split on features outside" in lines[0]


def test_serve_refuses_a_crafted_model_before_serving(digits, tmp_path):
    bad = _bad_forest_dir(digits, tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _cli("serve", "--model", str(bad), "--port", str(port), cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "split on features outside" in lines[0], proc.stderr
    assert "serving" not in proc.stderr


def _with(**fields):
    return lambda card: {**card, **fields}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda card: [1, 2], "a JSON list, not an object"),
        (lambda card: {"name": "rf"}, "card lacks image_shape, pixel_max, model_sha256"),
        (_with(image_shape="28x28"), "image_shape must be two integers"),
        (_with(image_shape=[28, True]), "image_shape must be two integers"),
        (_with(image_shape=[10**9, 10**9]), "image_shape must be two integers"),
        (_with(pixel_max="255"), "pixel_max='255'"),
        (_with(pixel_max=2.5), "pixel_max=2.5"),
        (_with(name=["rf"]), "name=['rf']"),
        (_with(name="[/x] rf"), "name='[/x] rf'"),
        (_with(model_sha256=7), "model_sha256=7"),
        (_with(classes=["a", None]), "classes=['a', None]"),
        (_with(data="digits"), "data='digits'"),
        (_with(data={"name": 8}), "data={'name': 8}"),
        (_with(train_seconds="fast"), "train_seconds='fast'"),
    ],
)
def test_card_of_the_wrong_types_is_one_line(digits, tmp_path, change, match):
    path = write_model(tmp_path / "m", _forest(digits), digits)
    card = change(json.loads((path / "card.json").read_text()))
    (path / "card.json").write_text(json.dumps(card))
    with pytest.raises(InputError) as err:
        models.read_card(path)
    assert match in str(err.value) and "\n" not in str(err.value)


def test_predict_with_a_card_of_the_wrong_types_exits_2(digits, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    from mnistlab.cli import app

    path = write_model(tmp_path / "m", _forest(digits), digits, image_shape="28x28")
    paper = np.full((56, 56), 255, np.uint8)
    paper[12:44, 24:32] = 0  # a dark stroke: a one
    Image.fromarray(paper).save(tmp_path / "digit.png")
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "digit.png"), "--model", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "image_shape must be two integers" in lines[0], result.stderr


def test_card_that_is_not_utf8_or_too_large(tmp_path):
    path = tmp_path / "m"
    path.mkdir()
    (path / "card.json").write_bytes(b'{"name": "\xff"}')
    with pytest.raises(InputError, match="not valid JSON"):
        models.read_card(path)
    (path / "card.json").write_bytes(b" " * 2_000_000)
    with pytest.raises(InputError, match="larger than 1,000,000 bytes"):
        models.read_card(path)


def test_the_structure_check_runs_nothing(digits):
    """The tree check reads the stored nodes without predicting: safe in this process."""
    from mnistlab.models._validate import Refused, check_estimator_file

    with pytest.raises(Refused, match="children out of range"):
        check_estimator_file(copy.deepcopy(_forest(digits, left_child__0=10**9)))
    check_estimator_file(_forest(digits))  # an intact forest passes


@pytest.mark.requires("torch")
def test_a_cnn_ensemble_larger_than_its_weights_is_refused_before_it_is_built(digits):
    """n_estimators comes from the file: a million networks are refused, not built."""
    from mnistlab.models._validate import Refused, check_estimator_file

    est = models.CNNClassifier(channels=(4,), dense=8, epochs=1, n_estimators=2, random_state=0)
    est.fit(digits.X_train[:200], digits.y_train[:200])
    check_estimator_file(est)
    est.set_params(n_estimators=10**6)
    with pytest.raises(Refused, match="n_estimators=1000000 for"):
        check_estimator_file(est)


def test_gradients_of_numpy_integer_parameters_pass_the_feature_count(digits):
    """A grid of np.int8(16) is valid (fit counts in Python ints): 16**2 in int8 wrapped to 0
    features, and the intact model was refused."""
    from mnistlab.models._validate import check_estimator_file

    X = digits.X_train[:50]
    est = Pipeline([("gradients", GradientDirections(grid=np.int8(16))), ("svc", SVC())]).fit(
        X, digits.y_train[:50]
    )
    check_estimator_file(est)
