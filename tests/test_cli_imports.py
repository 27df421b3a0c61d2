"""The command line starts fast: its help imports none of the scientific stack."""

import os
import subprocess
import sys
from pathlib import Path

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
