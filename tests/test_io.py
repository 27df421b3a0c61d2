"""Output directories: a marker file that mnistlab did not write is not trusted."""

import json

import pytest

from mnistlab._io import OUT_MARKER, OutputDir


@pytest.mark.parametrize(
    "marker",
    ["[1]", '{"files": {"a": 1}}', '{"files": [1, "a.png"]}', '{"files": [[]]}', "[" * 100_000],
)
def test_a_marker_of_another_shape_is_replaced_not_a_crash(tmp_path, marker):
    (tmp_path / OUT_MARKER).write_text(marker)
    out = OutputDir(tmp_path)
    out.write_bytes("metrics.json", "{}")
    assert json.loads((tmp_path / OUT_MARKER).read_text()) == {"files": ["metrics.json"]}


def test_the_files_of_an_earlier_run_stay_in_the_marker(tmp_path):
    OutputDir(tmp_path).write_bytes("a.png", b"x")
    OutputDir(tmp_path).write_bytes("b.png", b"x")
    assert json.loads((tmp_path / OUT_MARKER).read_text()) == {"files": ["a.png", "b.png"]}
