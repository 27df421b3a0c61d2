"""The study notebook: stripped in git, and executed top to bottom on the real data."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "mnist_study.ipynb"


def test_notebook_is_committed_without_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert "QUICK = True" in code[0].source  # quick by default, as the test runs it


@pytest.mark.mnist
def test_notebook_runs_in_quick_mode_on_mnist(mnist_dir, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    # the kernel runs in tmp_path: a relative MNISTLAB_DATA (as in the README) must be absolute
    monkeypatch.setenv("MNISTLAB_DATA", str(mnist_dir.resolve()))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    assert figures >= 12, f"only {figures} figures were drawn inline"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    accuracy = float(text.split("fast: test accuracy ")[1].split()[0])
    assert accuracy > 0.95  # the quick subset, 10,000 training images
