import json

import numpy as np
import pytest
import skops.io as sio

from mnistlab import InputError, models
from mnistlab.data import load
from tests._fuzz import claiming_one_member


class NotTrusted:
    """A type no mnistlab model file may contain."""


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(params=["rf", "knn", "sgd", "logreg", "fast", "best"])
def saved(request, tmp_path, digits):
    est = models.get(request.param, random_state=0)
    if request.param == "rf":
        est.set_params(n_estimators=5)
    est.fit(digits.X_train, digits.y_train)
    path = models.save_model(
        est, tmp_path / "model", name=request.param, dataset=digits, cv_score=0.9, train_seconds=0.1
    )
    return est, path


def test_roundtrip_predicts_the_same(saved, digits):
    est, path = saved
    loaded, card = models.load_model(path, image_shape=digits.image_shape)
    np.testing.assert_array_equal(loaded.predict(digits.X_test), est.predict(digits.X_test))
    assert card["image_shape"] == [8, 8] and card["pixel_max"] == 16
    assert card["classes"] == list(range(10)) and card["cv_score"] == 0.9
    assert card["data"]["name"] == "digits" and "scikit-learn" in card["versions"]
    assert sorted(p.name for p in path.iterdir()) == ["card.json", "model.skops"]


@pytest.fixture
def rf_dir(tmp_path, digits):
    est = models.get("rf").set_params(n_estimators=3).fit(digits.X_train, digits.y_train)
    return models.save_model(est, tmp_path / "rf", name="rf", dataset=digits)


def test_refuses_other_image_shape(rf_dir):
    with pytest.raises(InputError, match=r"trained on \(8, 8\) images but the data has \(28, 28\)"):
        models.load_model(rf_dir, image_shape=(28, 28))


def test_refuses_existing_dir_unless_overwrite(rf_dir, digits):
    est, _ = models.load_model(rf_dir)
    with pytest.raises(InputError, match="already holds a model"):
        models.save_model(est, rf_dir, name="rf", dataset=digits)
    models.save_model(est, rf_dir, name="rf", dataset=digits, overwrite=True)
    assert sorted(p.name for p in rf_dir.iterdir()) == ["card.json", "model.skops"]


def test_refuses_missing_card(rf_dir):
    (rf_dir / "card.json").unlink()
    with pytest.raises(InputError, match="missing card.json"):
        models.load_model(rf_dir)


def test_refuses_tampered_model(rf_dir):
    path = rf_dir / "model.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(InputError, match="does not match the checksum"):
        models.load_model(rf_dir)


def _rewrite_model(directory, data: bytes):
    import hashlib

    (directory / "model.skops").write_bytes(data)
    card = json.loads((directory / "card.json").read_text())
    card["model_sha256"] = hashlib.sha256(data).hexdigest()
    (directory / "card.json").write_text(json.dumps(card))


def test_refuses_a_file_that_is_not_skops(rf_dir):
    _rewrite_model(rf_dir, b"\x80\x04 a pickle, not a skops zip")
    with pytest.raises(InputError, match="not a valid skops file"):
        models.load_model(rf_dir)


def test_refuses_untrusted_types(rf_dir, tmp_path):
    sio.dump({"payload": NotTrusted()}, tmp_path / "evil.skops")
    _rewrite_model(rf_dir, (tmp_path / "evil.skops").read_bytes())
    with pytest.raises(InputError, match="types mnistlab does not trust.*NotTrusted"):
        models.load_model(rf_dir)


def test_loading_a_model_imports_neither_every_estimator_nor_torch_nor_plotting(rf_dir, digits):
    """skops lists every scikit-learn estimator when imported (seconds, and PyTorch where
    it is installed); mnistlab imports it with the registry's estimators only."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    unused = ("torch", "sklearn.gaussian_process", "sklearn.semi_supervised", "matplotlib")
    code = (
        "import sys\n"
        "from mnistlab import models\n"
        "from mnistlab.data import load\n"
        f"est, card = models.load_model({str(rf_dir)!r})\n"
        "assert len(est.predict(load('digits').X_test)) > 0\n"
        f"print(' '.join(m for m in {unused!r} if m in sys.modules))\n"
        "import sklearn.utils, skops.io._trusted_types as t\n"
        "print(len(t.SKLEARN_ESTIMATOR_TYPE_NAMES), sklearn.utils.all_estimators.__module__)\n"
    )
    src = str(Path(models.__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    imported, trusted = proc.stdout.splitlines()
    assert imported == ""
    # skops trusts the registry's estimators (not scikit-learn's 200-odd), and
    # scikit-learn's function is left as it was
    assert trusted.split()[1] == "sklearn.utils.discovery" and 5 < int(trusted.split()[0]) < 40


def test_not_a_directory(tmp_path):
    with pytest.raises(InputError, match="not a model directory"):
        models.load_model(tmp_path / "nope")


def _peak_memory_of_refusal(directory, match: str) -> int:
    """Peak bytes allocated while ``load_model(directory)`` refuses it with ``match``."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=match):
            models.load_model(directory)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_model_file_is_checked_without_being_read_into_memory(rf_dir):
    path = rf_dir / "model.skops"
    with path.open("r+b") as f:  # sparse: no disk used, but read whole it fills memory
        f.truncate(64 << 20)
    assert _peak_memory_of_refusal(rf_dir, "does not match the checksum") < 8 << 20


def test_refuses_a_huge_list_of_members_before_parsing_it(rf_dir, tmp_path):
    """zipfile parses a zip's whole list of members into objects when it opens it (hundreds
    of bytes of memory each), reading as many bytes as the end record gives, whatever
    member count it claims: a model file listing more than a model has is refused first."""
    import zipfile

    many = tmp_path / "many.skops"
    with zipfile.ZipFile(many, "w") as zf:  # a directory of about 6 MB: 60,000 members
        for i in range(60_000):
            zf.writestr(f"{i:08d}" + "x" * 40, b"")
    _rewrite_model(rf_dir, claiming_one_member(many.read_bytes()))
    # parsed, 60,000 members would take tens of megabytes
    assert _peak_memory_of_refusal(rf_dir, "lists members in [0-9,]+ bytes") < 8 << 20


def test_refuses_a_compressed_member_before_inflating_it(rf_dir, tmp_path):
    """mnistlab writes model files uncompressed: a small compressed one could inflate to
    gigabytes (skops reads its schema.json whole); the checksum cannot tell, as the card
    comes with the file."""
    import zipfile

    bomb = tmp_path / "bomb.skops"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("schema.json", b'{"protocol": 2, "pad": "' + b" " * (32 << 20) + b'"}')
    assert bomb.stat().st_size < 100_000
    _rewrite_model(rf_dir, bomb.read_bytes())
    with pytest.raises(InputError, match="'schema.json' is compressed"):
        models.load_model(rf_dir)
