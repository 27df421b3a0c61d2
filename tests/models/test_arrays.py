"""The default model as plain arrays: the numpy predictor answers as scikit-learn does, and a
tampered arrays file is refused (the skops file serves instead)."""

import io
import zipfile

import numpy as np
import pytest

from mnistlab import models
from mnistlab._errors import InputError
from mnistlab.data import load
from mnistlab.models import ARRAYS_FILE, ArrayPipeline, load_arrays, model_arrays, write_arrays
from tests._fuzz import claiming_one_member

SHA = "0" * 64


def _fitted(ds, n_train=None):
    est = models.get("fast", random_state=0, n_jobs=1)
    n = n_train or ds.n_train
    return est.fit(ds.X_train[:n], ds.y_train[:n])


def _card(ds, est, sha=SHA):
    return {
        "model_sha256": sha,
        "image_shape": list(ds.image_shape),
        "classes": [int(c) for c in est.classes_],
    }


@pytest.fixture(scope="module")
def digits_model():
    ds = load("digits")
    return ds, _fitted(ds)


def _same_answers(est, fast, X):
    assert isinstance(fast, ArrayPipeline)
    np.testing.assert_array_equal(fast.predict(X), est.predict(X))
    # scikit-learn's own probabilities change in the last float32 bits with the batch size
    np.testing.assert_allclose(fast.predict_proba(X), est.predict_proba(X), rtol=0, atol=1e-6)


def test_the_numpy_predictor_answers_as_the_pipeline_on_digits(tmp_path, digits_model):
    ds, est = digits_model
    assert write_arrays(est, tmp_path, SHA)
    fast = load_arrays(tmp_path, _card(ds, est))
    _same_answers(est, fast, ds.X_test)
    for i in range(5):  # one image at a time, as predict and serve ask
        np.testing.assert_array_equal(
            fast.predict(ds.X_test[i : i + 1]), est.predict(ds.X_test[i : i + 1])
        )
    # an exact match of a stored image: only the exact matches vote, as in scikit-learn
    _same_answers(est, fast, ds.X_train[:50])


@pytest.mark.requires("data")
def test_the_numpy_predictor_answers_as_the_pipeline_on_mnist(tmp_path, mnist):
    est = _fitted(mnist)
    assert write_arrays(est, tmp_path, SHA)
    fast = load_arrays(tmp_path, _card(mnist, est))
    fast.large_batch = 10**9  # no scikit-learn for the large batch: numpy answers all
    _same_answers(est, fast, mnist.X_test)


def test_large_batches_go_to_the_scikit_learn_model(tmp_path, digits_model):
    ds, est = digits_model
    write_arrays(est, tmp_path, SHA)
    calls = []
    fast = load_arrays(tmp_path, _card(ds, est), loader=lambda: calls.append(1) or est)
    fast.large_batch = 100
    fast.predict(ds.X_test[:99])
    assert calls == []
    _same_answers(est, fast, ds.X_test[:300])
    assert calls == [1]  # loaded once


def test_other_models_have_no_arrays(tmp_path):
    ds = load("digits")
    for name in ("knn", "sgd"):
        est = models.get(name).fit(ds.X_train[:300], ds.y_train[:300])
        assert model_arrays(est) is None
        assert not write_arrays(est, tmp_path, SHA)
    est = models.get("fast").set_params(knn__weights="uniform").fit(ds.X_train, ds.y_train)
    assert model_arrays(est) is None  # a search the numpy predictor does not reproduce
    assert not (tmp_path / ARRAYS_FILE).exists()


def test_no_arrays_file_means_none(tmp_path, digits_model):
    ds, est = digits_model
    assert load_arrays(tmp_path, _card(ds, est)) is None


def _npy(name: str, header: str, data: bytes = b"") -> tuple[str, bytes]:
    head = header.encode("latin1")
    head += b" " * (-(len(head) + 11) % 64) + b"\n"
    return name, b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + data


def _rewrite(path, change):
    """Rewrite the arrays file with ``change(arrays)`` applied (a dict of arrays, or members)."""
    with np.load(path / ARRAYS_FILE, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    members = change(arrays)
    if isinstance(members, dict):
        np.savez(path / ARRAYS_FILE, **members)
    else:
        (path / ARRAYS_FILE).write_bytes(members)


def _zip(*members, compress=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return out.getvalue()


def _flagged(data: bytes, flag: int = 0, version: int = 0) -> bytes:
    """``data`` (a zip) with ``flag`` set in every member's flags, and ``version`` as the
    zip version its members need, in the central directory and the local headers."""
    out = bytearray(data)
    for signature, flags_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = out.find(signature)
        while at >= 0:
            out[at + flags_at] |= flag
            if version:
                out[at + flags_at - 2] = version
            at = out.find(signature, at + 4)
    return bytes(out)


def _members(arrays, **replace):
    out = []
    for k, v in {**arrays, **replace}.items():
        buf = io.BytesIO()
        np.save(buf, v, allow_pickle=True)
        out.append((f"{k}.npy", buf.getvalue()))
    return out


TAMPERINGS = {
    "a NaN among the neighbours": lambda a: {
        **a,
        "fit_X": np.where(
            np.arange(a["fit_X"].size).reshape(a["fit_X"].shape) == 7, np.float32("nan"), a["fit_X"]
        ),
    },
    "a label outside the classes": lambda a: {**a, "fit_y": np.full_like(a["fit_y"], 10**9)},
    "norms not of the neighbours": lambda a: {**a, "fit_sq": a["fit_sq"] * 0.5},
    "more neighbours than stored": lambda a: {**a, "n_neighbors": np.array(10**6)},
    "a huge chunk size": lambda a: {**a, "chunk_size": np.array(2**40)},
    "float64 neighbours": lambda a: {**a, "fit_X": a["fit_X"].astype(np.float64)},
    "another model's arrays": lambda a: {**a, "model_sha256": np.array("f" * 64)},
    "other classes": lambda a: {**a, "classes": a["classes"] + 1},
    "PCA of another size": lambda a: {**a, "pca_mean": a["pca_mean"][:-1]},
    "half a PCA": lambda a: {k: v for k, v in a.items() if k != "pca_mean"},
    "a member missing": lambda a: {k: v for k, v in a.items() if k != "fit_y"},
    "a member of its own": lambda a: {**a, "extra": np.zeros(3)},
    # a pickle is never loaded: an object array is refused by its header
    "an object array": lambda a: _zip(*_members(a, classes=np.array([object()], dtype=object))),
    # a header promising 10^12 rows is refused before anything is allocated
    "a header larger than its data": lambda a: _zip(
        *_members({k: v for k, v in a.items() if k != "fit_X"}),
        _npy(
            "fit_X.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 60), }"
        ),
    ),
    "a compressed member": lambda a: _zip(*_members(a), compress=zipfile.ZIP_DEFLATED),
    # zipfile raises RuntimeError and NotImplementedError for these, not BadZipFile
    "an encrypted member": lambda a: _flagged(_zip(*_members(a)), flag=0x01),
    "a member of a later zip version": lambda a: _flagged(_zip(*_members(a)), version=99),
    # a list of thousands of members is refused before zipfile parses it
    "thousands of members": lambda a: claiming_one_member(
        _zip(*_members(a), *((f"pad{i}.npy", b"") for i in range(5000)))
    ),
    "not a zip": lambda a: b"PK\x03\x04 not really",
    "a truncated file": lambda a: _zip(*_members(a))[:-500],
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_a_tampered_arrays_file_is_refused(tmp_path, digits_model, tampering):
    ds, est = digits_model
    write_arrays(est, tmp_path, SHA)
    assert load_arrays(tmp_path, _card(ds, est)) is not None  # the control: it loads
    _rewrite(tmp_path, TAMPERINGS[tampering])
    with pytest.raises(InputError, match="arrays"):
        load_arrays(tmp_path, _card(ds, est))


def test_the_default_model_keeps_its_arrays_and_survives_their_tampering():
    ds = load("digits")
    est, card, path, trained = models.default_model(ds, n_jobs=1)
    assert trained and (path / ARRAYS_FILE).is_file()
    fast, card2, path2, trained2 = models.default_model(ds, n_jobs=1)
    assert isinstance(fast, ArrayPipeline) and (card2, path2, trained2) == (card, path, False)
    _same_answers(est, fast, ds.X_test)
    # a tampered file: the skops model serves, and the arrays are written again
    _rewrite(path, TAMPERINGS["a label outside the classes"])
    again, _, _, trained3 = models.default_model(ds, n_jobs=1)
    assert not trained3 and not isinstance(again, ArrayPipeline)
    fast = models.default_model(ds, n_jobs=1)[0]
    assert isinstance(fast, ArrayPipeline)
    _same_answers(est, fast, ds.X_test)


@pytest.mark.parametrize(
    ("value", "message"),
    [(1e37, "Values above 1e"), (np.nan, "NaN"), (None, "not numbers"), (-1, "Negative")],
    ids=["1e37", "NaN", "None", "negative"],
)
def test_the_numpy_predictor_refuses_what_deskew_refuses(tmp_path, digits_model, value, message):
    """The skops route refuses pixels of 1e37 (float32 overflow): the numpy route answered
    digits computed from NaN moments."""
    ds, est = digits_model
    write_arrays(est, tmp_path, SHA)
    fast = load_arrays(tmp_path, _card(ds, est))
    X = ds.X_test[:3].astype(object if value is None else float)
    X[1, 20] = value
    with pytest.raises(InputError, match=message):
        fast.predict(X)
    with pytest.raises(ValueError, match=message):  # scikit-learn's own words for NaN
        est.predict(X)
