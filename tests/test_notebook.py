"""The lesson notebook: built by notebooks/build.py, saved with outputs, executed on MNIST."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "mnist_study.ipynb"

# the calls the chapter teaches, each shown running on the real data
CHAPTER_CALLS = [
    "cross_val_score(",
    "cross_val_predict(",
    "confusion_matrix(",
    "precision_recall_curve(",
    "roc_curve(",
    "OneVsRestClassifier(",
    "OneVsOneClassifier(",
    "make_pipeline(StandardScaler()",
    "KNeighborsClassifier(",
    "ClassifierChain(",
    "CalibrationDisplay",
    'normalize="pred"',
    "GridSearchCV(",
    "shift(",
    # and the mnistlab call that does each part
    "tasks.run_binary(",
    "tasks.run_pairs(",
    "tasks.run_multiclass(",
    "tasks.run_multilabel(",
    "tasks.run_denoise(",
    "tasks.run_clean(",
    "tasks.run_search(",
    "preprocessing.augment(",
]


def _build_module():
    spec = importlib.util.spec_from_file_location("nb_build", ROOT / "notebooks" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _saved():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    return nb


def test_the_saved_notebook_is_its_build_scripts_output():
    built, saved = _build_module().build(), _saved()
    assert [(c.cell_type, c.source) for c in saved.cells] == [
        (c.cell_type, c.source) for c in built.cells
    ], "notebooks/mnist_study.ipynb is stale: run `python notebooks/build.py`"


def test_the_saved_notebook_holds_the_outputs_of_one_clean_run():
    nb = _saved()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    assert figures >= 20, f"only {figures} figures saved"
    assert NOTEBOOK.stat().st_size <= _build_module().MAX_BYTES
    assert "QUICK = True" in "".join(c.source for c in code)  # quick, as saved and as tested


def test_the_notebook_shows_each_call_the_chapter_teaches():
    code = "".join(c.source for c in _saved().cells if c.cell_type == "code")
    assert [call for call in CHAPTER_CALLS if call not in code] == []


def test_the_first_code_cell_installs_mnistlab_when_missing():
    first = next(c for c in _saved().cells if c.cell_type == "code").source
    assert 'find_spec("mnistlab") is None' in first and "pip" in first


@pytest.mark.mnist
def test_every_cell_runs_on_mnist(mnist_dir, tmp_path, monkeypatch):
    build = _build_module()
    # the kernel runs in tmp_path: a relative MNISTLAB_DATA (as in the README) must be absolute
    monkeypatch.setenv("MNISTLAB_DATA", str(mnist_dir.resolve()))
    nb = build.build()
    build.execute(nb, tmp_path)  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    accuracy = float(text.split("fast: test accuracy ")[1].split()[0])
    assert accuracy > 0.95  # the quick subset, 10,000 training images
