"""Each subpackage imports only from those before it: data -> ... -> report, then cli/serve."""

import ast
from pathlib import Path

import mnistlab

ORDER = ["data", "preprocessing", "models", "evaluation", "tasks", "plots", "report"]
ROOT = Path(mnistlab.__file__).parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m.split(".")[1] for m in out if m.startswith("mnistlab.") and m.count(".") >= 1}


def test_subpackages_import_only_to_their_left():
    bad = []
    for i, pkg in enumerate(ORDER):
        allowed = set(ORDER[: i + 1]) | {n.stem for n in ROOT.glob("_*.py")}
        for path in (ROOT / pkg).rglob("*.py"):
            for dep in _imports(path) - allowed:
                bad.append(f"{path.relative_to(ROOT)} imports mnistlab.{dep}")
    assert not bad, bad


def test_serve_does_not_import_the_command_line():
    bad = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "serve").rglob("*.py")
        if "cli" in _imports(path)
    ]
    assert not bad, bad
