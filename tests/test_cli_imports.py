"""The command line starts fast: its help imports none of the scientific stack."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mnistlab

SRC = Path(mnistlab.__file__).parents[1]
HEAVY = ("numpy", "pandas", "sklearn", "scipy", "matplotlib", "torch", "skops", "PIL")


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_importing_the_cli_imports_nothing_heavy():
    proc = _python(
        "import sys\nimport mnistlab.cli\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [], f"imported by mnistlab.cli: {proc.stdout}"


def test_the_control_module_is_seen():
    # the check above can fail: a module that imports numpy is reported
    proc = _python("import sys\nimport mnistlab._io\nprint('numpy' in sys.modules)")
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr


def test_help_runs_and_lists_every_group_without_heavy_imports():
    code = (
        "import sys\nfrom mnistlab.cli import main\n"
        "sys.argv = ['mnistlab', '--help']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print('HEAVY:', *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    for command in ("data", "binary", "multiclass", "denoise", "search", "serve", "study", "cache"):
        assert command in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_every_command_help_imports_nothing_heavy():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom mnistlab.cli import app\n"
        "runner = CliRunner()\n"
        "groups = [c.name for c in app.registered_commands] + ['data', 'cache']\n"
        "subs = [['data', 'info'], ['data', 'fetch'], ['data', 'show'], ['cache', 'info'],"
        " ['cache', 'clear']]\n"
        "for args in [[g] for g in groups] + subs:\n"
        "    result = runner.invoke(app, [*args, '--help'])\n"
        "    assert result.exit_code == 0 and 'Usage' in result.stdout, (args, result.stdout)\n"
        "print(len(groups) + len(subs))\n"
        f"print('HEAVY:', *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    count, heavy = proc.stdout.strip().splitlines()[-2:]
    assert int(count) == 20 and heavy == "HEAVY:", proc.stdout


def test_predict_with_the_cached_default_model_imports_no_scikit_learn(tmp_path):
    """Once the default model is cached (with its arrays), predict reads it with numpy alone."""
    import numpy as np
    from PIL import Image

    from tests.conftest import write_idx_dir

    # IDX files as MNIST's (the 8x8 digits come from scikit-learn itself)
    data = write_idx_dir(tmp_path / "idx", n_train=70, shape=(28, 28))
    image = tmp_path / "one.png"
    ink = np.full((80, 80), 255, dtype=np.uint8)
    ink[10:70, 35:45] = 0  # a dark stroke on white paper: a 1
    Image.fromarray(ink).save(image)
    code = (
        "import sys\nfrom mnistlab.cli import main\n"
        f"sys.argv = ['mnistlab', 'predict', {str(image)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print('HEAVY:', *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "MNISTLAB_DATA": str(data)}

    def predict() -> tuple[str, list[str]]:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        answer, heavy = proc.stdout.split("HEAVY:")
        return answer, heavy.split()

    first, heavy = predict()  # trains the default model: scikit-learn is needed once
    assert "sklearn" in heavy
    second, heavy = predict()
    assert not {"sklearn", "skops", "pandas", "matplotlib", "torch"} & set(heavy), heavy
    # the same digits; probabilities to the last float32 bits (as batches of another size)
    first, second = (json.loads(doc)["predictions"][0] for doc in (first, second))
    assert [d for d, _ in second["top3"]] == [d for d, _ in first["top3"]]
    assert second["digit"] == first["digit"]
    assert [p for _, p in second["top3"]] == pytest.approx([p for _, p in first["top3"]], abs=1e-6)
