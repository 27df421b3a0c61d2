"""The command line: shared contracts (exit codes, one-line errors, --out, metrics.json)."""

import csv
import json
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from mnistlab import __version__
from mnistlab.cli import app

runner = CliRunner()


def run(*args, env=None):
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code, stderr, match):
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr and match in lines[0]


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_search_help_names_the_registrys_zoo():
    from mnistlab import models
    from mnistlab.cli._train import ZOO

    assert ZOO.split(", ") == [e.name for e in models.MODELS.entries() if e.zoo]


def test_help_explains_shared_options():
    code, out, _ = run("data", "info", "--help")
    assert code == 0
    for opt in ("--data", "--seed", "--n-jobs", "--quick", "--out", "--overwrite", "--debug"):
        assert opt in out


def test_data_info_digits_writes_metrics(tmp_path):
    code, out, _ = run("data", "info", "--data", "digits", "--out", str(tmp_path / "o"))
    assert code == 0 and "digits" in out and "Class counts" in out
    doc = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert set(doc) == {"command", "args", "data", "seed", "versions", "results"}
    assert doc["command"] == "data info" and doc["seed"] == 42
    assert doc["data"] == {
        "name": "digits",
        "source": doc["data"]["source"],
        "verified": False,
        "n_train": 1437,
        "n_test": 360,
        "image_shape": [8, 8],
    }
    assert sum(doc["results"]["dataset"]["class_counts"]["train"]) == 1437


def test_data_info_offline_fallback_notice(monkeypatch):
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    code, out, err = run("data", "info", env={"MNISTLAB_OFFLINE": "1", "MNISTLAB_DATA": None})
    assert code == 0 and "digits" in out
    assert "notice: MNIST not found" in err


def test_out_refuses_foreign_non_empty_dir(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    code, _, err = run("data", "info", "--data", "digits", "--out", str(tmp_path))
    assert_one_line_error(code, err, "not empty and was not written by mnistlab")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
    code, _, _ = run("data", "info", "--data", "digits", "--out", str(tmp_path), "--overwrite")
    assert code == 0 and (tmp_path / "mine.txt").read_text() == "precious"


def test_out_can_be_rewritten_by_mnistlab(tmp_path):
    for _ in range(2):
        code, _, err = run("data", "show", "--data", "digits", "--n", "9", "--out", str(tmp_path))
        assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".mnistlab-out.json", "digits.png", "metrics.json"]
    assert (tmp_path / "digits.png").read_bytes()[:4] == b"\x89PNG"


def test_out_that_is_a_file(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    code, _, err = run("data", "info", "--data", "digits", "--out", str(f))
    assert code == 2 and "f" in err


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["data", "info", "--data", "/no/such/dir"], "/no/such/dir: no such file or directory"),
        (["data", "show", "--data", "digits", "--n", "0"], "--n 0"),
        (["data", "show", "--data", "digits", "--split", "val"], "--split 'val'"),
        (["data", "fetch", "--data", "digits"], "fetch takes mnist or openml"),
        (["data", "info", "--data", "digits", "--n-jobs", "0"], "--n-jobs 0"),
        (["data", "info", "--data", "digits", "-q", "-v"], "exclude each other"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, args, match):
    code, _, err = run(*args, "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_bad_idx_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run("data", "info", "--data", str(tmp_path / "empty"))
    assert_one_line_error(code, err, "directory is empty")


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["data", "info", "--data", str(tmp_path / "x"), "--debug"])
    assert result.exit_code != 0 and result.exception is not None


def test_usage_error_exits_2():
    code, _, _ = run("data", "info", "--no-such-option")
    assert code == 2


def test_list_names_models_and_sources():
    code, out, _ = run("list")
    assert code == 0
    for name in ("sgd", "rf", "knn", "logreg", "digits", "openml"):
        assert name in out


@pytest.mark.mnist
def test_data_info_real_mnist(mnist_dir, tmp_path):
    code, out, _ = run("data", "info", "--data", str(mnist_dir), "--out", str(tmp_path))
    assert code == 0 and "60,000" in out and "5,421" in out
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["data"]["verified"] is True
    assert doc["results"]["dataset"]["class_counts"]["test"] == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]


@pytest.mark.mnist
def test_quick_uses_the_stated_subset(mnist_dir, tmp_path):
    code, out, _ = run("data", "info", "--data", str(mnist_dir), "--quick", "--out", str(tmp_path))
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert code == 0 and doc["data"]["n_train"] == 10000 and doc["data"]["n_test"] == 2000
    assert "stratified subset 10000/2000" in out


def test_binary_on_digits_writes_figures_and_metrics(tmp_path):
    out = tmp_path / "b"
    code, stdout, err = run(
        "binary",
        "--positive",
        "3",
        "--negative",
        "5",
        "--data",
        "digits",
        "--models",
        "sgd,rf",
        "--target-recall",
        "0.98",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert "3 vs 5" in stdout and "never positive" in stdout
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == [
        "confusion_2x2.png",  # the 2x2 matrix, precision and recall worked out from it
        "metrics.json",
        "pr_curves.png",
        "precision_recall_vs_threshold_rf.png",
        "precision_recall_vs_threshold_sgd.png",
        "reliability.png",  # the random forest's probabilities
        "roc_curves.png",
    ]
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["command"] == "binary" and doc["args"]["positive"] == 3
    assert set(doc["results"]) == {"task", "never_positive", "sgd", "rf"}
    assert "3-fold CV ..." in err or "3-fold CV" in err  # progress lines in logs


def test_pairs_on_digits(tmp_path):
    code, stdout, err = run("pairs", "--data", "digits", "--top", "3", "--out", str(tmp_path))
    assert code == 0, err
    assert "Hardest pairs" in stdout and "mean pairwise error" in stdout
    assert (tmp_path / "pair_errors.png").exists() and (tmp_path / "pair_errors_test.png").exists()
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert len(doc["results"]["pca-knn"]["pairs"]) == 45


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["binary", "--positive", "5", "--negative", "5"], "both 5"),
        (["binary", "--positive", "12"], "positive digit 12 is not in the dataset"),
        (["binary", "--positive", "5", "--target-precision", "1.2"], "outside (0, 1]"),
        (["binary", "--positive", "5", "--target-recall", "0"], "outside (0, 1]"),
        (["binary", "--positive", "5", "--models", "sgd,xgb"], "unknown model 'xgb'; known:"),
        (["binary", "--positive", "5", "--cv", "1"], "--cv 1"),
        (["pairs", "--model", "nope"], "unknown model 'nope'"),
        (["pairs", "--top", "0"], "--top 0"),
    ],
)
def test_binary_and_pairs_bad_input(tmp_path, args, match):
    code, _, err = run(*args, "--data", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_unreachable_target_is_a_notice_not_a_crash(tmp_path, monkeypatch):
    from mnistlab.evaluation import Threshold
    from mnistlab.tasks import _binary

    monkeypatch.setattr(
        _binary,
        "threshold_for_precision",
        lambda y, s, t: Threshold("precision", t, None, None, None, False, 0.8),
    )
    code, stdout, err = run(
        "binary", "--positive", "5", "--data", "digits", "--models", "sgd", "--out", str(tmp_path)
    )
    assert code == 0, err
    assert "no threshold reaches precision 0.9; the best achievable is 0.8000" in err
    assert "unreachable" in stdout


def test_multiclass_on_digits(tmp_path):
    code, stdout, err = run(
        "multiclass",
        "--data",
        "digits",
        "--models",
        "sgd,knn",
        "--pair",
        "3,8",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    assert "Multiclass (native)" in stdout and "Most frequent confusions" in stdout
    for name in (
        "accuracy.png",
        "sgd_confusion_cv.png",
        "knn_confusion_test.png",
        "knn_mistakes.png",
        "sgd_pair_3_8.png",
    ):
        assert (tmp_path / name).exists(), name
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert set(doc["results"]) == {"task", "sgd", "knn"}
    assert doc["results"]["sgd"]["n_binary_estimators"] == 10


def test_multilabel_on_digits(tmp_path):
    code, stdout, err = run(
        "multilabel",
        "--data",
        "digits",
        "--models",
        "knn5",
        "--labels",
        "large,odd,loop",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    assert "Multilabel (large, odd, loop)" in stdout
    assert (tmp_path / "multilabel_f1.png").exists()
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["results"]["task"]["labels"] == ["large", "odd", "loop"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["multiclass", "--models", "nope"], "unknown model 'nope'"),
        (["multiclass", "--strategy", "ova"], "unknown strategy 'ova'"),
        (["multiclass", "--pair", "3"], "--pair '3'"),
        (["multiclass", "--pair", "3,3"], "two different digits"),
        (["multiclass", "--pair", "3,12"], "digit 12 is not in the dataset"),
        (["multiclass", "--models", "chain-svc"], "unknown model 'chain-svc'"),
        (["multilabel", "--labels", "big"], "unknown label 'big'"),
        (["multilabel", "--models", "rf"], "unknown multilabel model 'rf'"),
    ],
)
def test_multiclass_bad_input(tmp_path, args, match):
    code, _, err = run(*args, "--data", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)


def test_denoise_and_clean_on_digits(tmp_path):
    code, stdout, err = run(
        "denoise",
        "--data",
        "digits",
        "--noise",
        "gaussian",
        "--denoisers",
        "pca,ridge",
        "--out",
        str(tmp_path / "d"),
    )
    assert code == 0, err
    assert "noisy (baseline)" in stdout and "best denoiser" in stdout
    doc = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert set(doc["results"]) == {"task", "noisy", "pca", "ridge"}
    assert (tmp_path / "d" / "denoise_grid.png").exists()
    code, stdout, err = run("clean", "--data", "digits", "--out", str(tmp_path / "c"))
    assert code == 0, err
    lines = (tmp_path / "c" / "label_issues.csv").read_text().splitlines()
    assert lines[0] == "index,given,suggested,quality"
    assert (tmp_path / "c" / "label_issues.png").exists()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["denoise", "--noise", "pink"], "unknown noise 'pink'"),
        (["denoise", "--denoisers", "nope"], "unknown denoiser 'nope'"),
        (["denoise", "--noise", "gaussian", "--strength", "5"], "outside"),
        (["clean", "--model", "nope"], "unknown model 'nope'"),
        (["clean", "--show", "0"], "--show 0"),
    ],
)
def test_denoise_clean_bad_input(tmp_path, args, match):
    code, _, err = run(*args, "--data", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)


def test_ctrl_c_exits_130_without_partial_files(tmp_path, monkeypatch):
    import mnistlab.data

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mnistlab.data, "load", interrupted)
    code, _, err = run("data", "info", "--out", str(tmp_path / "o"))
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "metrics.json").exists()


@pytest.fixture
def trained(tmp_path):
    model_dir = tmp_path / "model"
    code, _stdout, err = run(
        "train",
        "--model",
        "fast",
        "--data",
        "digits",
        "--params",
        '{"knn__n_neighbors": 3}',
        "--augment",
        "shift",
        "--out",
        str(model_dir),
    )
    assert code == 0, err
    return model_dir


def test_train_evaluate(trained, tmp_path):
    names = sorted(p.name for p in trained.iterdir() if not p.name.startswith("."))
    assert names == ["card.json", "metrics.json", "model.skops"]
    card = json.loads((trained / "card.json").read_text())
    assert card["name"] == "fast" and card["image_shape"] == [8, 8]
    assert card["params_set"] == {"knn__n_neighbors": 3} and card["augment"] == "shift"
    code, _stdout, err = run(
        "evaluate", str(trained), "--data", "digits", "--out", str(tmp_path / "e")
    )
    assert code == 0, err
    doc = json.loads((tmp_path / "e" / "metrics.json").read_text())
    assert doc["test_accuracy"] == doc["results"]["fast"]["test"]["accuracy"] > 0.95
    assert (tmp_path / "e" / "confusion_test.png").exists()


def test_train_refuses_to_replace_a_model_without_overwrite(trained):
    model = (trained / "model.skops").read_bytes()
    code, _, err = run("train", "--model", "sgd", "--data", "digits", "--out", str(trained))
    assert_one_line_error(code, err, "already holds a model")
    assert "--overwrite" in err
    assert (trained / "model.skops").read_bytes() == model
    assert json.loads((trained / "card.json").read_text())["name"] == "fast"
    code, _, err = run(
        "train", "--model", "sgd", "--data", "digits", "--out", str(trained), "--overwrite"
    )
    assert code == 0, err
    assert json.loads((trained / "card.json").read_text())["name"] == "sgd"


def _kaggle_csv(path, n_pixels=784, rows=3):
    header = ",".join(f"pixel{i}" for i in range(n_pixels))
    body = "\n".join(",".join(["0"] * n_pixels) for _ in range(rows))
    path.write_text(header + "\n" + body + "\n")
    return path


def test_predict_kaggle_submission(tmp_path):
    model_dir = tmp_path / "m"
    code, _, err = run("train", "--model", "knn", "--data", "digits", "--out", str(model_dir))
    assert code == 0, err
    csv = _kaggle_csv(tmp_path / "test.csv", 64)
    sub = tmp_path / "sub.csv"
    code, _, err = run(
        "predict", "--model", str(model_dir), "--kaggle", str(csv), "--submission", str(sub)
    )
    # the digits model reads 0..16 pixels: Kaggle's 0..255 rows are refused
    assert_one_line_error(code, err, "trained on pixels 0..16")
    assert not sub.exists()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["train", "--model", "nope"], "unknown model 'nope'"),
        (["train", "--model", "fast", "--params", "{bad json"], "not valid JSON"),
        (["train", "--model", "fast", "--params", "[1]"], "JSON object"),
        (["train", "--model", "fast", "--params", '{"nope__x": 1}'], "no parameter 'nope__x'"),
        (["train", "--model", "fast", "--params", "@/no/such.json"], "cannot read it"),
        (["train", "--model", "fast", "--augment", "flip"], "--augment 'flip'"),
        # scikit-learn's InvalidParameterError, found before any training
        (
            ["train", "--model", "fast", "--params", '{"knn__n_neighbors": 0}'],
            "--params: The 'n_neighbors' parameter of KNeighborsClassifier must be",
        ),
        (
            ["train", "--model", "fast", "--params", '{"deskew__chunk_size": 0}'],
            "--params: The 'chunk_size' parameter of Deskew must be",
        ),
    ],
)
def test_train_bad_input(tmp_path, args, match):
    code, _, err = run(*args, "--data", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)


def test_evaluate_and_predict_bad_models(trained, tmp_path):
    import shutil

    out = ["--data", "digits", "--out", str(tmp_path / "e")]
    code, _, err = run("evaluate", str(tmp_path / "none"), *out)
    assert_one_line_error(code, err, "not a model directory")
    broken = tmp_path / "broken"
    shutil.copytree(trained, broken)
    (broken / "card.json").unlink()
    code, _, err = run("evaluate", str(broken), *out)
    assert_one_line_error(code, err, "missing card.json")
    shutil.copy(trained / "card.json", broken / "card.json")
    (broken / "model.skops").write_bytes(b"tampered")
    code, _, err = run("evaluate", str(broken), *out)
    assert_one_line_error(code, err, "does not match the checksum")
    csv = _kaggle_csv(tmp_path / "t.csv", 784)
    code, _, err = run(
        "predict",
        "--model",
        str(trained),
        "--kaggle",
        str(csv),
        "--submission",
        str(tmp_path / "s.csv"),
    )
    assert_one_line_error(code, err, "28x28 images but the model was trained on 8x8")


def _warnings(err):
    return [line for line in err.splitlines() if line.startswith("warning:")]


def test_evaluate_warns_when_the_model_was_trained_on_the_test_images(tmp_path):
    import shutil

    from tests.conftest import write_idx_dir

    a = write_idx_dir(tmp_path / "a")
    b = write_idx_dir(tmp_path / "b", seed=1)
    for kind in ("images-idx3", "labels-idx1"):  # b's test set is a's training set
        shutil.copy(a / f"train-{kind}-ubyte.gz", b / f"t10k-{kind}-ubyte.gz")
    model = tmp_path / "m"
    code, _, err = run("train", "--model", "knn", "--data", str(a), "--out", str(model))
    assert code == 0, err
    code, out, err = run("evaluate", str(model), "--data", str(a), "--out", str(tmp_path / "ea"))
    assert code == 0 and not _warnings(err), err
    assert json.loads((tmp_path / "ea" / "metrics.json").read_text())["training_overlap"] is None
    code, out, err = run("evaluate", str(model), "--data", str(b), "--out", str(tmp_path / "eb"))
    assert code == 0 and "test accuracy" in out, err  # warned, and still evaluated
    assert _warnings(err) == [
        "warning: the model was trained on the very images of this test set (same checksum); "
        "this test accuracy may be optimistic"
    ]
    doc = json.loads((tmp_path / "eb" / "metrics.json").read_text())
    assert "very images" in doc["training_overlap"]


@pytest.mark.mnist
def test_evaluate_warns_for_a_kaggle_model_on_the_mnist_test_set(mnist_dir, tmp_path):
    rng = np.random.default_rng(0)
    csv = tmp_path / "train.csv"
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    rows = [f"{i % 2}," + ",".join(map(str, rng.integers(0, 256, 784))) for i in range(20)]
    csv.write_text(header + "\n" + "\n".join(rows) + "\n")
    model = tmp_path / "m"
    code, _, err = run("train", "--model", "knn", "--data", str(csv), "--out", str(model))
    assert code == 0, err
    code, out, err = run(
        "evaluate", str(model), "--data", str(mnist_dir), "--out", str(tmp_path / "e")
    )
    assert code == 0 and "test accuracy" in out, err
    (line,) = _warnings(err)
    assert "trained on a Kaggle CSV" in line and "this test set's included" in line


@pytest.mark.mnist
def test_evaluate_refuses_other_image_shape(trained, mnist_dir, tmp_path):
    code, _, err = run(
        "evaluate", str(trained), "--data", str(mnist_dir), "--out", str(tmp_path / "e")
    )
    assert_one_line_error(code, err, "trained on (8, 8) images but the data has (28, 28)")


def test_search_on_digits(tmp_path):
    code, stdout, err = run("search", "--model", "fast", "--data", "digits", "--out", str(tmp_path))
    assert code == 0, err
    assert "fast: top candidates" in stdout and "best by validation" in stdout
    frame = (tmp_path / "fast_cv_results.csv").read_text().splitlines()
    assert "mean_test_score" in frame[0] and len(frame) > 8
    assert (tmp_path / "fast_search.png").exists()
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert "test" not in doc["results"]["fast"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["search", "--model", "fast", "--budget", "huge"], "unknown budget 'huge'"),
        (["search", "--model", "nope"], "unknown model 'nope'"),
        (["search", "--model", "fast", "--dask", "tcp://127.0.0.1:9"], "cannot reach"),
    ],
)
def test_search_bad_input(tmp_path, args, match):
    code, _, err = run(*args, "--data", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, match)


def _digit_png(path, x, shape):
    from PIL import Image

    img = (255 - x.reshape(shape) * (255 // x.max())).astype("uint8")
    Image.fromarray(img).resize((shape[1] * 10, shape[0] * 10)).save(path)
    return path


def test_predict_images_with_the_cached_default_model(tmp_path):
    from mnistlab.data import load

    ds = load("digits")
    d = tmp_path / "imgs"
    d.mkdir()
    for i in range(5):
        _digit_png(d / f"d{i}.png", ds.X_test[i], (8, 8))
    code, stdout, err = run(
        "predict", str(d), "--data", "digits", "--json", "--csv", str(tmp_path / "p.csv")
    )
    assert code == 0, err
    assert "trained once and cached" in err
    doc = json.loads(stdout)
    assert doc["model"] == "fast" and len(doc["predictions"]) == 5
    first = doc["predictions"][0]
    assert set(first) == {"file", "digit", "probability", "top3", "error"}
    assert len(first["top3"]) == 3 and first["error"] is None
    assert sum(p["digit"] == y for p, y in zip(doc["predictions"], ds.y_test[:5], strict=True)) >= 4
    assert (tmp_path / "p.csv").read_text().startswith("file,digit,probability,top3")
    code, stdout, err = run("predict", str(d / "d0.png"), "--data", "digits")
    assert code == 0 and "from the cache" in err and "Predictions of fast" in stdout


def test_predict_seed_reaches_the_default_model_it_trains(tmp_path):
    from mnistlab import models
    from mnistlab.data import load

    ds = load("digits")
    png = _digit_png(tmp_path / "d.png", ds.X_test[0], (8, 8))
    code, _, err = run("predict", str(png), "--data", "digits", "--seed", "7")
    assert code == 0 and "trained once and cached" in err, err
    card = json.loads((models.default_model_dir(ds, "fast", 7) / "card.json").read_text())
    assert card["seed"] == 7
    code, _, err = run("predict", str(png), "--data", "digits", "--seed", "8")
    assert code == 0 and "trained once and cached" in err  # not seed 7's model
    assert models.read_card(models.default_model_dir(ds, "fast", 8))["seed"] == 8
    # serve builds its model with the same function, from its own --seed
    from mnistlab.cli._common import serving_model

    assert serving_model(None, ds.image_shape, ds, quiet=True, seed=8)[1]["seed"] == 8
    assert "--seed" in run("serve", "--help")[1]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"GIF89a...."), "not a PNG or JPEG"),
        (lambda p: __import__("PIL.Image").Image.new("L", (30, 30), 255).save(p, "PNG"), "blank"),
    ],
)
def test_predict_bad_images(tmp_path, make, match):
    path = tmp_path / "x.png"
    make(path)
    code, _, err = run("predict", str(path), "--data", "digits")
    assert_one_line_error(code, err, match)


def _folder_with_bad_files(tmp_path):
    """Three good digit PNGs, a blank PNG, a text file named .png and a truncated PNG."""
    from PIL import Image

    from mnistlab.data import load

    ds = load("digits")
    d = tmp_path / "imgs"
    d.mkdir()
    good = [_digit_png(d / f"d{i}.png", ds.X_test[i], (8, 8)) for i in range(3)]
    Image.new("L", (30, 30), 255).save(d / "blank.png")
    (d / "notes.png").write_text("a shopping list, not a digit\n")
    (d / "cut.png").write_bytes(good[0].read_bytes()[:150])
    bad = {
        str(d / "blank.png"): "the image is blank",
        str(d / "notes.png"): "not a PNG or JPEG image",
        str(d / "cut.png"): "cannot decode the image",
    }
    return d, good, bad, ds.y_test[:3]


def _refusal_lines(err, bad):
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == len(bad), err
    for path, reason in bad.items():
        assert sum(line.startswith(f"error: {path}: {reason}") for line in lines) == 1, err


def test_predict_a_folder_with_bad_files_predicts_the_others(tmp_path):
    d, good, bad, y = _folder_with_bad_files(tmp_path)
    out = tmp_path / "p.csv"
    code, stdout, err = run("predict", str(d), "--data", "digits", "--json", "--csv", str(out))
    assert code == 2, err
    _refusal_lines(err, bad)
    rows = {r["file"]: r for r in json.loads(stdout)["predictions"]}
    assert set(rows) == {str(p) for p in good} | set(bad)
    predicted = [rows[str(p)] for p in good]
    assert all(r["error"] is None and len(r["top3"]) == 3 for r in predicted)
    assert sum(r["digit"] == t for r, t in zip(predicted, y, strict=True)) >= 2
    for path, reason in bad.items():
        assert rows[path]["error"].startswith(reason)
        assert rows[path]["digit"] is None and rows[path]["probability"] is None
    import csv

    with out.open(newline="") as f:
        table = {r["file"]: r for r in csv.DictReader(f)}
    assert set(table) == set(rows)
    assert all(table[str(p)]["digit"] == str(rows[str(p)]["digit"]) for p in good)
    assert all(table[p]["error"].startswith(r) and table[p]["digit"] == "" for p, r in bad.items())
    # the table names the refused files too, and the exit code is the same
    code, stdout, err = run("predict", str(d), "--data", "digits")
    assert code == 2 and "Predictions of fast" in stdout and "refused" in stdout
    _refusal_lines(err, bad)


def test_predict_several_files_with_bad_ones(tmp_path):
    d, good, bad, _ = _folder_with_bad_files(tmp_path)
    files = [str(good[0]), *bad, str(good[1])]
    code, stdout, err = run("predict", *files, "--data", "digits", "--json")
    assert code == 2, err
    _refusal_lines(err, bad)
    rows = json.loads(stdout)["predictions"]
    assert [r["file"] for r in rows] == files  # in the order given
    assert [r["digit"] is None for r in rows] == [False, True, True, True, False]
    # only bad files: each is reported, an error row each, and no model is trained for nothing
    table = tmp_path / "bad.csv"
    code, stdout, err = run("predict", *bad, "--data", "digits", "--json", "--csv", str(table))
    assert code == 2 and "model:" not in err
    _refusal_lines(err, bad)
    doc = json.loads(stdout)  # stdout was empty
    assert doc["model"] is None
    assert [r["file"] for r in doc["predictions"]] == list(bad)
    assert all(r["digit"] is None and r["error"] for r in doc["predictions"])
    with table.open(newline="") as f:
        lines = list(csv.DictReader(f))
    assert [r["file"] for r in lines] == list(bad) and all(r["error"] for r in lines)
    # a missing path is still refused at once, before anything is read
    code, _, err = run("predict", str(good[0]), str(d / "gone.png"), "--data", "digits")
    assert_one_line_error(code, err, "gone.png: no such file or directory")


def test_predict_usage_errors(tmp_path):
    code, _, err = run("predict", "--data", "digits")
    assert_one_line_error(code, err, "nothing to predict")
    code, _, err = run("predict", "--kaggle", str(tmp_path / "t.csv"), "--data", "digits")
    assert_one_line_error(code, err, "--kaggle needs --submission")
    (tmp_path / "empty").mkdir()
    code, _, err = run("predict", str(tmp_path / "empty"), "--data", "digits")
    assert_one_line_error(code, err, "no PNG or JPEG files")


def test_serve_help_explains_its_options():
    code, out, _ = run("serve", "--help")
    assert code == 0
    for opt in ("--model", "--host", "--port", "--workers", "--queue", "--body-timeout"):
        assert opt in out
    assert "127.0.0.1" in out


def test_serve_bounds_uvicorn_and_the_body_deadline(tmp_path, monkeypatch):
    import socket

    import uvicorn

    from mnistlab import models
    from mnistlab.data import load

    ds = load("digits")
    est = models.get("knn").fit(ds.X_train, ds.y_train)
    models.save_model(est, tmp_path / "m", name="knn", dataset=ds)
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ("--model", str(tmp_path / "m"), "--port", str(port), "--body-timeout", "2.5")
    code, _, err = run("serve", *args)
    assert code == 0, err
    assert seen["timeout_keep_alive"] == 5 and seen["h11_max_incomplete_event_size"] == 16384
    assert seen["timeout_graceful_shutdown"] == 5 and seen["server_header"] is False
    guard = seen["app"].user_middleware[0]
    assert guard.kwargs["limits"].body_timeout == 2.5 and guard.kwargs["allowed_hosts"] is None


@pytest.mark.parametrize("hidden", [["fastapi"], ["uvicorn"], ["python_multipart", "multipart"]])
def test_serve_without_the_serve_extra_says_how_to_install(monkeypatch, hidden):
    # None in sys.modules makes the import fail, as if the extra were not installed;
    # mnistlab.serve too, which imports FastAPI (and would start a server if it ran)
    for name in [*hidden, "mnistlab.serve"]:
        monkeypatch.setitem(sys.modules, name, None)
    code, _, err = run("serve", "--data", "digits", "--port", "0")
    assert_one_line_error(
        code, err, "mnistlab serve needs the serve extra: pip install 'mnistlab[serve]'"
    )


def test_search_dask_without_the_dask_extra_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    args = ("--model", "fast", "--dask", "local", "--data", "digits", "--out", str(tmp_path / "o"))
    code, _, err = run("search", *args)
    assert_one_line_error(
        code, err, "mnistlab search --dask needs the dask extra: pip install 'mnistlab[dask]'"
    )
    assert not (tmp_path / "o").exists()  # refused before the data is loaded


def test_serve_refuses_a_taken_port_and_a_bad_model(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, _, err = run("serve", "--data", "digits", "--port", str(port))
    assert_one_line_error(code, err, "choose another --port")
    code, _, err = run("serve", "--model", str(tmp_path / "none"))
    assert_one_line_error(code, err, "none")
    code, _, err = run("serve", "--host", "no.such.host.invalid", "--data", "digits")
    assert_one_line_error(code, err, "not an address of this machine")


def test_study_on_digits_writes_the_report_and_reruns_from_the_cache(tmp_path):
    out = tmp_path / "study"
    args = ("study", "--data", "digits", "--sections", "data,model", "--out", str(out))
    code, stdout, _ = run(*args)
    assert code == 0, stdout
    assert "fast: test accuracy" in stdout
    assert (out / "index.html").is_file() and (out / "model" / "confusion_test.png").is_file()
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["cached"] == {"data": False, "model": False}
    code, stdout, _ = run(*args)
    assert code == 0 and "(cached)" in stdout
    assert json.loads((out / "metrics.json").read_text())["cached"]["model"] is True


def test_study_bad_input(tmp_path):
    code, _, err = run("study", "--data", "digits", "--sections", "data,nope")
    assert_one_line_error(code, err, "unknown section 'nope'")
    code, _, err = run("study", "--data", "digits", "--full", "--quick")
    assert_one_line_error(code, err, "exclude each other")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    code, _, err = run("study", "--data", "digits", "--sections", "data", "--out", str(mine))
    assert_one_line_error(code, err, "not written by mnistlab")
    assert (mine / "thesis.tex").read_text() == "precious"
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run("study", "--data", "digits", "--out", str(blocker / "sub"))
    assert code == 2 and "error:" in err


@pytest.mark.requires("torch")
def test_train_as_default_replaces_fast_in_predict_and_the_study(tmp_path):
    from PIL import Image

    code, _, err = run("train", "--model", "fast", "--as-default", "--data", "digits")
    assert_one_line_error(code, err, "only cnn or best")
    code, out, err = run(
        "train",
        "--model",
        "cnn",
        "--params",
        '{"epochs": 2}',
        "--as-default",
        "--data",
        "digits",
        "--out",
        str(tmp_path / "cnn"),
    )
    assert code == 0 and "kept as the default model" in out, err
    assert (tmp_path / "cnn" / "learning_curve.png").stat().st_size > 1000
    img = tmp_path / "one.png"
    Image.new("L", (40, 40), 255).save(img)
    Image.frombytes("L", (4, 30), b"\0" * 120).save(tmp_path / "bar.png")
    canvas = Image.new("L", (40, 40), 255)
    canvas.paste(Image.open(tmp_path / "bar.png"), (18, 5))
    canvas.save(img)
    code, out, err = run("predict", str(img), "--data", "digits", "--json")
    assert code == 0 and json.loads(out)["model"] == "cnn" and "model: cnn" in err
    code, out, _ = run(
        "study", "--data", "digits", "--sections", "model", "--out", str(tmp_path / "s")
    )
    assert code == 0 and "cnn (cached): test accuracy" in out


@pytest.mark.parametrize("name", ["a[/x]b", "[bold]c[/bold]", "d[/]", "e\\"])
def test_error_line_prints_markup_in_a_path_as_it_is(tmp_path, name):
    """Rich markup in a message (a path, a file's content) is printed, not interpreted."""
    code, _, err = run("data", "info", "--data", str(tmp_path / name))
    assert_one_line_error(code, err, str(tmp_path / name))


def test_the_commands_defaults_are_the_tasks_and_the_full_study_profile():
    """One set of defaults: a command's options, its task function and the full study."""
    import inspect

    from typer.main import get_command

    from mnistlab import tasks
    from mnistlab.report import PROFILES
    from mnistlab.report._figures import clean_figures

    commands = get_command(app).commands

    def default(command, option):
        return next(p.default for p in commands[command].params if p.name == option)

    def task_default(func, name):
        value = inspect.signature(func).parameters[name].default
        return value if isinstance(value, (str, int, float)) else ",".join(value)

    full = PROFILES["full"]
    for command, func, options in [
        ("binary", tasks.run_binary, {"models": "model_names", "target_precision": None}),
        ("pairs", tasks.run_pairs, {"model": "model", "cv": "cv"}),
        ("multiclass", tasks.run_multiclass, {"models": "model_names", "strategy": None}),
        ("multilabel", tasks.run_multilabel, {"models": "model_names", "labels": None}),
        ("clean", tasks.run_clean, {"model": "model", "cv": "cv"}),
    ]:
        for option, name in options.items():
            assert default(command, option) == full[command][option], (command, option)
            assert default(command, option) == task_default(func, name or option)
    assert default("denoise", "classifier") == task_default(tasks.run_denoise, "classifier")
    assert default("denoise", "noise") == full["denoise"]["noise"]
    assert default("multiclass", "pair") == ",".join(map(str, full["multiclass"]["pair"]))
    show = inspect.signature(clean_figures).parameters["show"].default
    assert default("clean", "show") == full["clean"]["show"] == show
    show_n = next(p.default for p in commands["data"].commands["show"].params if p.name == "n")
    assert show_n == full["data"]["n"]


@pytest.mark.requires("torch")
def test_train_with_device_records_it_in_the_card(tmp_path):
    params = '{"epochs": 1, "channels": [4], "dense": 8}'
    out = tmp_path / "m"
    code, _, err = run(
        "train", "--model", "cnn", "--params", params, "--device", "cpu", "--data", "digits",
        "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, err
    card = json.loads((out / "card.json").read_text())
    assert card["params"]["device"] == "cpu"


@pytest.mark.requires("torch")
@pytest.mark.parametrize("command", [["train", "--model", "cnn"], ["search", "--model", "cnn"]])
@pytest.mark.parametrize(
    ("device", "match"), [("gpu", "invalid device 'gpu'"), ("cuda", "not available here")]
)
def test_a_device_that_is_unknown_or_not_there_is_one_line(
    command, device, match, tmp_path, monkeypatch
):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, _, err = run(*command, "--device", device, "--data", "digits", "--out", str(tmp_path))
    assert_one_line_error(code, err, match)
    assert not any(tmp_path.iterdir())  # refused before any data or training


@pytest.mark.requires("torch")
def test_serve_refuses_a_device_that_is_not_there(tmp_path, monkeypatch):
    pytest.importorskip("uvicorn")
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, _, err = run("serve", "--device", "cuda", "--data", "digits", "--port", "0")
    assert_one_line_error(code, err, "device 'cuda' is not available here")


def test_metrics_args_are_the_shared_and_the_commands_own_options(tmp_path):
    out = tmp_path / "o"
    code, _, err = run("data", "show", "--data", "digits", "--n", "4", "--out", str(out))
    assert code == 0, err
    args = json.loads((out / "metrics.json").read_text())["args"]
    assert args == {
        "data": "digits",
        "seed": 42,
        "n_jobs": -1,
        "quick": False,
        "out": str(out),
        "n": 4,
        "split": "train",
    }
