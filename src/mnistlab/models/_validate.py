"""Checks of a loaded model before it runs, and of its card.

skops only checks the *types* in a model file. Compiled scikit-learn code then indexes
memory with numbers read from the file, without bounds checks: a decision tree's child
and feature indices, a KDTree's point indices, an SVC's support-vector counts. So a
crafted file that passes the checksum (the card is in the same directory: an attacker
rewrites both) crashes the process, or reads memory it should not, on the first
``predict``. Here every such structure is checked against the arrays it indexes, the
estimator against its card, and the file may hold only the estimator classes that
mnistlab's registry builds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np

#: scikit-learn's markers of a leaf in ``Tree.children_*`` and ``Tree.feature``
_TREE_LEAF, _TREE_UNDEFINED = -1, -2
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: a registry name: printed in terminals (Rich markup) and pages, so nothing else
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
#: sides of the images a card may declare (MNIST's are 28; a larger one is a hostile card)
_MAX_SIDE = 1024
#: classes an SVC may have: mnistlab's labels are the digits 0..9. Its scores cost one
#: value per pair of classes (BlasSVC one weight per support vector and pair): a file of
#: thousands of classes would take minutes and gigabytes, not a wrong answer
_MAX_SVC_CLASSES = 10


class Refused(Exception):
    """A model file or card that mnistlab will not use; the message says why."""


# --- the card ---------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_card(card: Any) -> None:
    """Check the fields of a card (as read from JSON) that mnistlab uses.

    Raises
    ------
    Refused
        The card is not an object, lacks a field or has one of the wrong type.
    """
    if not isinstance(card, dict):
        raise Refused(f"the card is a JSON {type(card).__name__}, not an object")
    missing = [k for k in ("name", "image_shape", "pixel_max", "model_sha256") if k not in card]
    if missing:
        raise Refused(f"card lacks {', '.join(missing)}")
    shape = card["image_shape"]
    if not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(_is_int(s) and 1 <= s <= _MAX_SIDE for s in shape)
    ):
        raise Refused(f"image_shape must be two integers from 1 to {_MAX_SIDE}, not {shape!r:.80}")
    checks = {
        "name": isinstance(card["name"], str) and _NAME.fullmatch(card["name"]) is not None,
        "pixel_max": _is_int(card["pixel_max"]) and 1 <= card["pixel_max"] <= 65535,
        "model_sha256": isinstance(card["model_sha256"], str)
        and _SHA256.fullmatch(card["model_sha256"]) is not None,
        "classes": card.get("classes") is None
        or (
            isinstance(card["classes"], list)
            and len(card["classes"]) >= 1
            and all(_is_int(c) for c in card["classes"])
        ),
        "card_version": _is_int(card.get("card_version", 1)),
        "cv_score": card.get("cv_score") is None or _is_number(card["cv_score"]),
        "train_seconds": card.get("train_seconds") is None or _is_number(card["train_seconds"]),
    }
    checks.update(
        {k: isinstance(card[k], dict) for k in ("data", "params", "versions") if k in card}
    )
    if checks.get("data"):  # serve shows the data's name
        checks["data"] = isinstance(card["data"].get("name", ""), str)
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        shown = ", ".join(f"{k}={card.get(k)!r:.60}" for k in bad)
        raise Refused(f"card field of the wrong type or value: {shown}")


# --- the estimator ----------------------------------------------------------------------------


def _objects(root: Any) -> Iterator[Any]:
    """Every object reachable from ``root`` (attributes, containers), each once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if obj is None or isinstance(obj, (str, bytes, bool, int, float)) or id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, dict):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack += list(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack += list(obj.ravel())
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack += list(vars(obj).values())


def allowed_estimators() -> set[type]:
    """The estimator classes a model file may hold: those the registry's entries are made
    of, and the parts they build when fitted (a forest's trees, an MLP's label binarizer)."""
    from sklearn.base import BaseEstimator
    from sklearn.isotonic import IsotonicRegression
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

    from mnistlab.models import _registry

    found: set[type] = {
        DecisionTreeClassifier,
        ExtraTreeClassifier,
        LabelBinarizer,
        IsotonicRegression,
    }
    for item in [*_registry.MODELS.entries(), *_registry.DENOISERS.entries()]:
        est = item.factory()
        found.add(type(est))
        found.update(
            type(v) for v in est.get_params(deep=True).values() if isinstance(v, BaseEstimator)
        )
    return found


def _array(owner: Any, name: str, ndim: int) -> np.ndarray:
    value = getattr(owner, name, None)
    if not isinstance(value, np.ndarray) or value.ndim != ndim or value.dtype == object:
        raise Refused(f"{type(owner).__name__}.{name} is not a {ndim}-D numeric array")
    return value


def _int_attr(owner: Any, name: str, low: int = 0) -> int:
    value = getattr(owner, name, None)
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise Refused(f"{type(owner).__name__}.{name} is not an integer >= {low}: {value!r:.40}")
    return int(value)


def _check_tree(est: Any) -> Any:
    """A fitted decision tree: every child index and feature inside its arrays."""
    from sklearn.tree._tree import Tree

    where = type(est).__name__
    tree = getattr(est, "tree_", None)
    if not isinstance(tree, Tree):
        raise Refused(f"{where}.tree_ is not a scikit-learn Tree")
    n_features = _int_attr(est, "n_features_in_", 1)
    if tree.n_features != n_features:
        raise Refused(f"{where}: its tree has {tree.n_features} features, not {n_features}")
    # every view of a Tree's nodes has node_count rows, whatever was allocated: check first
    n = tree.node_count
    if not 1 <= n <= tree.capacity:
        raise Refused(f"{where}: node_count {n} but {tree.capacity} nodes stored")
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    index = np.arange(n)
    leaf = left == _TREE_LEAF
    inner = ~leaf
    # scikit-learn numbers a node's children after the node itself: that also rules out cycles
    # (a predict that never ends)
    if (
        np.any(leaf != (right == _TREE_LEAF))
        or np.any(left[inner] <= index[inner])
        or np.any(right[inner] <= index[inner])
        or np.any(left[inner] >= n)
        or np.any(right[inner] >= n)
    ):
        raise Refused(f"{where}: tree nodes point outside the tree (children out of range)")
    if np.any((feature[inner] < 0) | (feature[inner] >= n_features)) or np.any(
        feature[leaf] != _TREE_UNDEFINED
    ):
        raise Refused(f"{where}: tree nodes split on features outside 0..{n_features - 1}")
    if tree.value.shape != (n, tree.n_outputs, tree.max_n_classes):
        raise Refused(f"{where}: tree values of shape {tree.value.shape}")
    if tree.n_outputs != _int_attr(est, "n_outputs_", 1):
        raise Refused(f"{where}: its tree has {tree.n_outputs} outputs, not {est.n_outputs_}")
    if hasattr(est, "classes_"):
        n_classes = [len(np.atleast_1d(est.classes_))] if tree.n_outputs == 1 else None
        if n_classes is not None and (
            list(tree.n_classes) != n_classes or np.atleast_1d(est.n_classes_).tolist() != n_classes
        ):
            raise Refused(f"{where}: its tree has {list(tree.n_classes)} classes, not {n_classes}")
    return tree


def _check_forest(est: Any) -> None:
    n_features = _int_attr(est, "n_features_in_", 1)
    members = getattr(est, "estimators_", None)
    if not isinstance(members, list) or not members:
        raise Refused(f"{type(est).__name__}.estimators_ is not a list of trees")
    classes = np.asarray(getattr(est, "classes_", [])).tolist()
    for member in members:
        # a forest hands its rows to each tree unchecked (check_input=False)
        if getattr(member, "n_features_in_", None) != n_features or (
            classes and np.asarray(getattr(member, "classes_", [])).tolist() != classes
        ):
            raise Refused(f"{type(est).__name__}: a tree of other features or classes")
    if classes and np.atleast_1d(est.n_classes_).tolist() != [len(classes)]:
        raise Refused(f"{type(est).__name__}: n_classes_ does not match classes_")


def _check_svc(est: Any) -> None:
    """libsvm reads support vectors, coefficients and intercepts by the counts it is given."""
    where = type(est).__name__
    if est.kernel not in ("linear", "poly", "rbf", "sigmoid") or getattr(est, "_sparse", True):
        raise Refused(f"{where}: kernel {est.kernel!r:.40} on dense images expected")
    if getattr(est, "_impl", None) not in ("c_svc", "nu_svc"):
        raise Refused(f"{where}: not a classifier's libsvm model")
    n_class = len(_array(est, "classes_", 1))
    if n_class > _MAX_SVC_CLASSES:
        raise Refused(f"{where}: {n_class} classes, more than the {_MAX_SVC_CLASSES} digits")
    n_support = _array(est, "_n_support", 1)
    if len(n_support) != n_class or np.any(n_support < 0):
        raise Refused(f"{where}: {len(n_support)} support-vector counts for {n_class} classes")
    n_sv = int(n_support.sum())
    pairs = n_class * (n_class - 1) // 2
    expected = {
        "support_vectors_": (n_sv, _int_attr(est, "n_features_in_", 1)),
        "support_": (n_sv,),
        "_dual_coef_": (n_class - 1, n_sv),
        "_intercept_": (pairs,),
    }
    for name, shape in expected.items():
        if _array(est, name, len(shape)).shape != shape:
            raise Refused(f"{where}.{name} has shape {getattr(est, name).shape}, not {shape}")
    # scores of NaN would become probabilities of NaN (not even JSON that serve can send)
    for name in ("support_vectors_", "_dual_coef_", "_intercept_"):
        if not np.isfinite(getattr(est, name)).all():
            raise Refused(f"{where}.{name} holds values that are not finite")
    for name in ("_probA", "_probB"):
        if _array(est, name, 1).shape not in ((0,), (pairs,)):
            raise Refused(f"{where}.{name} has shape {getattr(est, name).shape}")
    _int_attr(est, "degree")
    gamma = getattr(est, "_gamma", None)
    if not (isinstance(gamma, Real) and math.isfinite(gamma) and gamma >= 0):
        raise Refused(f"{where}._gamma is not a finite number >= 0: {gamma!r:.40}")


def _check_neighbors(est: Any) -> None:
    where = type(est).__name__
    X = _array(est, "_fit_X", 2)
    if X.shape[1] != _int_attr(est, "n_features_in_", 1) or len(X) < 1:
        raise Refused(f"{where}: stored images of {X.shape[1]} features")
    method, tree = getattr(est, "_fit_method", None), getattr(est, "_tree", None)
    if method in ("kd_tree", "ball_tree"):  # scikit-learn's choice on 15 features or fewer
        _check_binary_tree(tree, method, X.shape)
    elif method != "brute" or tree is not None:
        raise Refused(f"{where}: an unknown neighbour search {method!r:.40}")
    if _int_attr(est, "n_samples_fit_", 1) != len(X):
        raise Refused(f"{where}: n_samples_fit_ does not match the stored images")
    y = getattr(est, "_y", None)
    if not isinstance(y, np.ndarray) or len(y) != len(X):
        raise Refused(f"{where}: {len(X)} stored images but other labels")
    if hasattr(est, "classes_"):
        sizes = [len(c) for c in est.classes_] if y.ndim == 2 else [len(est.classes_)]
        if y.dtype.kind not in "iu" or np.any(y < 0) or np.any(y >= np.array(sizes)):
            raise Refused(f"{where}: label indices outside its classes")
    # a weighted metric's weights are read once per feature, unchecked: plain metrics only
    for name in ("metric_params", "effective_metric_params_"):
        params = getattr(est, name, None) or {}
        if not isinstance(params, dict) or set(params) - {"p"}:
            raise Refused(f"{where}.{name} may only set p")
    if not isinstance(getattr(est, "effective_metric_", None), str):
        raise Refused(f"{where}: a metric that is not a name")


def _check_binary_tree(tree: Any, method: str, shape: tuple[int, int]) -> None:
    """A KDTree or BallTree: the indices of its nodes, points and bounds within its arrays."""
    from sklearn.metrics._dist_metrics import (
        ChebyshevDistance64,
        EuclideanDistance64,
        ManhattanDistance64,
    )
    from sklearn.neighbors import BallTree, KDTree

    kind, n_bounds = (KDTree, 2) if method == "kd_tree" else (BallTree, 1)
    if type(tree) is not kind:
        raise Refused(f"a {method} search holding a {type(tree).__name__}")
    data, idx, nodes, bounds, leaf_size, n_levels, n_nodes, *_, metric, weight = tree.__getstate__()
    n_samples, n_features = shape
    if np.shape(data) != shape:
        raise Refused(f"{kind.__name__}: its points differ from the stored images")
    # the query reads idx[start:end] of each leaf, then those rows of the points; a node i
    # that is not a leaf has children 2i+1 and 2i+2, and its bounds are read
    if (
        np.shape(idx) != (n_samples,)
        or np.any((idx < 0) | (idx >= n_samples))
        or len(nodes) != n_nodes
        or n_nodes < 1
        or n_nodes != 2**n_levels - 1
        or np.shape(bounds) != (n_bounds, n_nodes, n_features)
    ):
        raise Refused(f"{kind.__name__}: node or point indices outside its arrays")
    start, end, leaf = nodes["idx_start"], nodes["idx_end"], nodes["is_leaf"].astype(bool)
    inner = np.flatnonzero(~leaf)
    if (
        np.any((start < 0) | (start > end) | (end > n_samples))
        or np.any(2 * inner + 2 >= n_nodes)
        or not isinstance(leaf_size, int)
        or leaf_size < 1
    ):
        raise Refused(f"{kind.__name__}: node or point indices outside its arrays")
    # metrics without arrays of their own (a weighted one reads its weights unchecked)
    if type(metric) not in (EuclideanDistance64, ManhattanDistance64, ChebyshevDistance64):
        raise Refused(f"{kind.__name__}: the metric {type(metric).__name__}")
    if weight is not None and np.shape(weight) != (n_samples,):
        raise Refused(f"{kind.__name__}: sample weights of shape {np.shape(weight)}")


def _check_pca(est: Any) -> None:
    n_features = _int_attr(est, "n_features_in_", 1)
    k = _int_attr(est, "n_components_", 1)
    if _array(est, "components_", 2).shape != (k, n_features) or _array(est, "mean_", 1).shape != (
        n_features,
    ):
        raise Refused(f"PCA: components of shape {est.components_.shape}, not {(k, n_features)}")


def _image_shape(est: Any) -> tuple[int, int]:
    shape = getattr(est, "image_shape_", None)
    n = _int_attr(est, "n_features_in_", 1)
    if not (
        isinstance(shape, tuple)
        and len(shape) == 2
        and all(isinstance(s, Integral) and s >= 1 for s in shape)
        and shape[0] * shape[1] == n
    ):
        raise Refused(f"{type(est).__name__}: image_shape_ {shape!r:.40} for {n} pixels")
    return int(shape[0]), int(shape[1])


def _check_hog(est: Any) -> None:
    """HOG's sizes come from the file: bounded, so that no image allocates gigabytes."""
    h, w = _image_shape(est)
    cell, block = est.pixels_per_cell, est.cells_per_block
    if not (
        isinstance(est.orientations, Integral)
        and 1 <= est.orientations <= 360
        and isinstance(block, Integral)
        and block >= 1
        and (cell == "auto" or (isinstance(cell, Integral) and cell >= 1))
        and min(h, w) // est._cell() >= block
    ):
        raise Refused(
            f"HOG: orientations={est.orientations!r:.20}, cells {cell!r:.20} x {block!r:.20}"
        )


def _check_scattering(est: Any) -> None:
    """Scattering's sizes come from the file: its own bounds, so that no image allocates
    gigabytes, and a feature count that matches them."""
    h, w = _image_shape(est)
    try:
        est._validate_params()
    except (ValueError, TypeError) as exc:
        raise Refused(f"Scattering: {str(exc)[:120]}") from None
    if (
        min(h, w) < 2**est.J
        or est.chunk_size > 65536
        or est.n_features_out_
        != (1 + est.J * est.L + est.L**2 * est.J * (est.J - 1) // 2)
        * (est._side() // 2**est.J) ** 2
    ):
        raise Refused(f"Scattering: J={est.J!r:.20}, L={est.L!r:.20} for {h}x{w} images")


def _check_gradients(est: Any) -> None:
    """GradientDirections' sizes come from the file: its own bounds (at most 32 directions
    on a 32 x 32 grid), sides no longer than a card's (its blurring matrices hold 32 values
    a pixel of a side: 0.7 GB to build for an image read as one row of a million pixels),
    and a feature count that matches them."""
    h, w = _image_shape(est)
    if max(h, w) > _MAX_SIDE:
        raise Refused(f"GradientDirections: {h}x{w} images, sides above {_MAX_SIDE}")
    try:
        est._validate_params()
    except (ValueError, TypeError) as exc:
        raise Refused(f"GradientDirections: {str(exc)[:120]}") from None
    if est.n_features_out_ != int(est.n_directions) * int(est.grid) ** 2:
        raise Refused(
            f"GradientDirections: {est.n_features_out_!r:.20} features for "
            f"{est.n_directions} directions on a {est.grid} x {est.grid} grid"
        )


def _check_ensemble(est: Any) -> None:
    """Members fitted one per named estimator, each with the ensemble's classes, and
    weights it can use (its ``n_jobs`` is capped where it is used)."""
    named, fitted = getattr(est, "estimators", None), getattr(est, "estimators_", None)
    if not isinstance(named, list) or not isinstance(fitted, list) or not fitted:
        raise Refused("the ensemble's estimators are not lists")
    if len(named) != len(fitted) or not all(
        isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) for pair in named
    ):
        raise Refused("the ensemble's named estimators do not match its fitted ones")
    classes = getattr(est, "classes_", None)
    for member in fitted:
        if not np.array_equal(getattr(member, "classes_", None), classes):
            raise Refused("an ensemble member's classes are not the ensemble's")
    try:
        est._weights()
    except (ValueError, TypeError) as exc:
        raise Refused(f"the ensemble's weights: {exc}") from None


def _check_cnn(est: Any) -> None:
    """The CNN's weights have the shapes of its architecture, compared on torch's "meta"
    device (no memory): a file cannot make the network allocate what its weights lack."""
    from mnistlab.models._cnn import torch_available

    _image_shape(est)
    weights = getattr(est, "weights_", None)
    if not isinstance(weights, dict) or not all(
        isinstance(v, np.ndarray) and v.dtype.kind in "fiu" for v in weights.values()
    ):
        raise Refused("CNNClassifier.weights_ is not a dict of numeric arrays")
    n = getattr(est, "n_estimators", 1)
    # each network has weights: more networks than arrays would only cost time to build
    if not isinstance(n, Integral) or not 1 <= n <= max(1, len(weights)):
        raise Refused(f"CNNClassifier: n_estimators={n!r:.20} for {len(weights)} weight arrays")
    if not torch_available():
        return  # it cannot run here: predicting says how to install PyTorch
    import torch

    try:
        with torch.device("meta"):
            module = est._new_module()
        expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    except Exception as exc:
        raise Refused(f"CNNClassifier: no network of these parameters ({exc})") from None
    if expected != {k: v.shape for k, v in weights.items()}:
        raise Refused("the CNN's weights do not match its architecture")


def check_estimator_file(est: Any) -> None:
    """Check every structure of a loaded model that compiled code indexes.

    Raises
    ------
    Refused
        A class the registry does not build, or arrays that do not fit together.
    """
    from sklearn.base import BaseEstimator
    from sklearn.decomposition import PCA
    from sklearn.ensemble._forest import BaseForest
    from sklearn.neighbors._base import NeighborsBase
    from sklearn.svm._base import BaseLibSVM
    from sklearn.tree import BaseDecisionTree
    from sklearn.tree._tree import Tree

    from mnistlab.models._cnn import CNNClassifier
    from mnistlab.models._ensemble import DecisionAveragingClassifier
    from mnistlab.preprocessing import HOG, GradientDirections, Scattering

    if not isinstance(est, BaseEstimator):
        raise Refused(f"holds a {type(est).__name__}, not an estimator")
    allowed = allowed_estimators()
    checked_trees: set[int] = set()
    found_trees = []
    for obj in _objects(est):
        if isinstance(obj, Tree):
            found_trees.append(obj)
        if not isinstance(obj, BaseEstimator):
            continue
        if type(obj) not in allowed:
            raise Refused(f"holds a {type(obj).__qualname__}, which no mnistlab model contains")
        # scikit-learn refuses to predict with an estimator that has no fitted attribute
        # (a forest's template tree, a meta-estimator's unfitted copy): nothing to check
        if not any(k.endswith("_") and not k.startswith("__") for k in vars(obj)):
            continue
        if isinstance(obj, BaseDecisionTree):
            checked_trees.add(id(_check_tree(obj)))
        elif isinstance(obj, BaseForest):
            _check_forest(obj)
        elif isinstance(obj, BaseLibSVM):
            _check_svc(obj)
        elif isinstance(obj, NeighborsBase):
            _check_neighbors(obj)
        elif isinstance(obj, PCA):
            _check_pca(obj)
        elif isinstance(obj, HOG):
            _check_hog(obj)
        elif isinstance(obj, Scattering):
            _check_scattering(obj)
        elif isinstance(obj, GradientDirections):
            _check_gradients(obj)
        elif isinstance(obj, CNNClassifier):
            _check_cnn(obj)
        elif isinstance(obj, DecisionAveragingClassifier):
            _check_ensemble(obj)
    if any(id(t) not in checked_trees for t in found_trees):
        raise Refused("holds a decision tree outside a tree estimator")


def check_against_card(est: Any, card: dict[str, Any]) -> None:
    """The estimator takes the card's images and predicts the card's classes.

    One all-zero image runs through it last (its structures checked first): any
    other mismatch of shapes (a PCA, a pipeline's steps, the CNN's weights) shows there.
    """
    h, w = card["image_shape"]
    try:
        _against_card(est, card, h, w)
    except Refused:
        raise
    except Exception as exc:  # numpy's errors of shape, a weird attribute: a wrong file
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise Refused(f"does not run on a {h}x{w} image ({type(exc).__name__}: {first})") from None


def _against_card(est: Any, card: dict[str, Any], h: int, w: int) -> None:
    from mnistlab.models._predict import probabilities

    n_features = getattr(est, "n_features_in_", h * w)
    if n_features != h * w:
        raise Refused(f"the model takes {n_features} pixels, but its card says {h}x{w} images")
    if tuple(getattr(est, "image_shape_", (h, w))) != (h, w):
        raise Refused(f"the model takes {est.image_shape_} images, but its card says {h}x{w}")
    classes = getattr(est, "classes_", None)
    expected = card.get("classes")
    if isinstance(classes, np.ndarray) and classes.ndim == 1 and classes.tolist() != expected:
        raise Refused(f"the model's classes {classes.tolist()} are not its card's")
    pred = np.asarray(est.predict(np.zeros((1, h * w))))
    if expected is not None and pred.shape == (1,) and pred[0] not in expected:
        raise Refused(f"predicts {pred[0]!r}, not one of its card's classes")
    if expected is not None and len(expected) > 2:  # what predict and serve print
        shape = probabilities(est, np.zeros((1, h * w))).shape
        if shape != (1, len(expected)):
            raise Refused(f"probabilities of shape {shape} for {len(expected)} classes")
