"""Fuzzing model directories: generated cards and tampered model files are either used
safely or refused with mnistlab's InputError, never another exception (or a crash)."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mnistlab import InputError, models
from mnistlab.data import load

FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None
)
CARD_FIELDS = [
    "card_version",
    "name",
    "estimator",
    "params",
    "classes",
    "image_shape",
    "pixel_max",
    "data",
    "cv_score",
    "train_seconds",
    "versions",
    "model_sha256",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from([0, 1, 2, 8, 10, 28, 255, [8, 8], [28, 28], list(range(10)), "rf"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@functools.cache
def _model() -> tuple[Path, np.ndarray]:
    """A small saved forest (the fastest model that has decision trees) and test images."""
    digits = load("digits")
    est = models.get("rf").set_params(n_estimators=2, max_depth=6)
    est.fit(digits.X_train, digits.y_train)
    path = Path(tempfile.mkdtemp(prefix="mnistlab-fuzz-")) / "model"
    models.save_model(est, path, name="rf", dataset=digits)
    return path, digits.X_test[:50]


@functools.cache
def _card_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="mnistlab-fuzz-"))


def _copy(directory: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="mnistlab-fuzz-")) / "model"
    shutil.copytree(directory, target)
    return target


def _card(directory: Path) -> dict:
    return json.loads((directory / "card.json").read_text())


def _write_model_bytes(directory: Path, data: bytes) -> None:
    """Replace the model file and make the card's checksum match it (what an attacker does)."""
    (directory / "model.skops").write_bytes(data)
    card = _card(directory)
    card["model_sha256"] = hashlib.sha256(data).hexdigest()
    (directory / "card.json").write_text(json.dumps(card))


def _use_or_refuse(directory: Path, X: np.ndarray) -> None:
    """The property: loading either raises InputError or gives a model that predicts."""
    try:
        est, card = models.load_model(directory)
    except InputError as exc:
        assert "\n" not in str(exc)
        event("refused: " + str(exc).split(": ", 2)[1][:40])
        return
    event("loaded")
    labels = est.predict(X)
    assert len(labels) == len(X)
    rows = models.predict_digits(est, X, card.get("classes"))
    assert all(row["digit"] in est.classes_ for row in rows)


cards = st.one_of(
    # a real card with fields replaced or removed
    st.tuples(
        st.dictionaries(st.sampled_from(CARD_FIELDS), json_values, max_size=4),
        st.sets(st.sampled_from(CARD_FIELDS), max_size=2),
    ),
    json_values,  # any JSON document
    st.binary(max_size=64),  # any bytes
)


def _card_text(base: dict, generated) -> bytes:
    if isinstance(generated, bytes):
        return generated
    if isinstance(generated, tuple):
        changes, removed = generated
        card = {k: v for k, v in {**base, **changes}.items() if k not in removed}
        return json.dumps(card).encode()
    return json.dumps(generated).encode()


@settings(FUZZ, max_examples=300)
@given(generated=cards)
def test_read_card_returns_a_usable_card_or_refuses(generated):
    path, _ = _model()
    directory = _card_dir()  # read_card reads the card alone
    (directory / "card.json").write_bytes(_card_text(_card(path), generated))
    try:
        card = models.read_card(directory)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    # what predict, serve and evaluate then do with it
    h, w = (int(s) for s in card["image_shape"])
    assert h * w >= 1 and int(card["pixel_max"]) >= 1 and isinstance(card["name"], str)
    assert card.get("classes") is None or len([int(c) for c in card["classes"]]) >= 1
    assert card.get("data") is None or isinstance(card["data"], dict)


#: card fields near the real ones (most random JSON is refused by the card's own checks)
card_changes = st.fixed_dictionaries(
    {},
    optional={
        "classes": st.lists(st.integers(0, 9), min_size=1, max_size=11, unique=True).map(sorted)
        | st.lists(st.integers(-2, 12), max_size=12)
        | json_values,
        "image_shape": st.lists(st.integers(1, 70), min_size=2, max_size=2) | json_values,
        "pixel_max": st.integers(-1, 70_000) | json_values,
        "name": st.sampled_from(["rf", "knn", "fast", "cnn"]) | st.text(max_size=8),
    },
)


@settings(FUZZ, max_examples=100)
@given(changes=card_changes)
def test_load_model_with_a_generated_card(changes):
    path, X = _model()
    directory = _copy(path)
    try:
        (directory / "card.json").write_text(json.dumps({**_card(path), **changes}))
        _use_or_refuse(directory, X)
    finally:
        shutil.rmtree(directory.parent)


def _tree_nodes_files(schema: dict) -> list[str]:
    """The .npy members of the zip that hold decision trees' node arrays."""
    found, stack = [], [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            nodes = item.get("nodes")
            if isinstance(nodes, dict) and "file" in nodes:
                found.append(nodes["file"])
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return sorted(found)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return buf.getvalue()


@settings(FUZZ, max_examples=100)
@given(
    tree=st.integers(0, 1),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["left_child", "right_child", "feature"]),
            st.integers(0, 10**6),  # which node (modulo their number)
            st.integers(-3, 80) | st.integers(-(2**63), 2**63 - 1),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_tampered_tree_nodes_are_refused_or_harmless(tree, edits):
    path, X = _model()
    with zipfile.ZipFile(path / "model.skops") as z:
        members = {name: z.read(name) for name in z.namelist()}
    name = _tree_nodes_files(json.loads(members["schema.json"]))[tree]
    nodes = np.load(io.BytesIO(members[name]))
    for field, index, value in edits:
        nodes[field][index % len(nodes)] = value
    buf = io.BytesIO()
    np.save(buf, nodes)
    members[name] = buf.getvalue()
    directory = _copy(path)
    try:
        _write_model_bytes(directory, _zip(members))
        _use_or_refuse(directory, X)
    finally:
        shutil.rmtree(directory.parent)


def _leaves(node, trail=()):
    """Paths to the leaves of a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*trail, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*trail, i))
    else:
        yield trail


@settings(FUZZ, max_examples=100)
@given(
    picks=st.lists(st.tuples(st.integers(0, 10**6), json_values), min_size=1, max_size=3),
    flip=st.none() | st.tuples(st.integers(0, 10**6), st.integers(1, 255)),
)
def test_tampered_model_file_is_refused_or_harmless(picks, flip):
    """Values anywhere in the file's schema replaced, or one byte of the file flipped."""
    path, X = _model()
    with zipfile.ZipFile(path / "model.skops") as z:
        members = {name: z.read(name) for name in z.namelist()}
    schema = json.loads(members["schema.json"])
    leaves = list(_leaves(schema))
    for index, value in picks:
        *parents, last = leaves[index % len(leaves)]
        node = schema
        for key in parents:
            node = node[key]
        node[last] = value
    members["schema.json"] = json.dumps(schema).encode()
    data = bytearray(_zip(members))
    if flip is not None:
        data[flip[0] % len(data)] ^= flip[1]
    directory = _copy(path)
    try:
        _write_model_bytes(directory, bytes(data))
        _use_or_refuse(directory, X)
    finally:
        shutil.rmtree(directory.parent)
