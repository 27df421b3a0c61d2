"""Output directories: nothing mnistlab did not write is overwritten without --overwrite,
and a marker file that mnistlab did not write is not trusted."""

import json

import pytest

from mnistlab import InputError
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


def test_a_file_the_marker_does_not_list_is_not_overwritten(tmp_path):
    # a marker (copied, or left by another run) that does not name the user's own file
    (tmp_path / OUT_MARKER).write_text(json.dumps({"files": ["metrics.json"]}))
    (tmp_path / "digits.png").write_text("mine")
    out = OutputDir(tmp_path)
    out.write_json("metrics.json", {})  # listed: mnistlab wrote it, replaced
    with pytest.raises(InputError, match="digits.png: not written by mnistlab .* --overwrite"):
        out.write_bytes("digits.png", b"png")  # was replaced
    assert (tmp_path / "digits.png").read_text() == "mine"
    OutputDir(tmp_path, overwrite=True).write_bytes("digits.png", b"png")
    assert (tmp_path / "digits.png").read_bytes() == b"png"


def test_a_file_written_by_this_or_an_earlier_run_is_replaced(tmp_path):
    OutputDir(tmp_path).write_bytes("a.png", b"1")
    out = OutputDir(tmp_path)
    out.write_bytes("a.png", b"2")
    out.write_bytes("a.png", b"3")
    assert (tmp_path / "a.png").read_bytes() == b"3"


@pytest.mark.parametrize("name", ["digits.png", "sub/digits.png", OUT_MARKER])
def test_a_directory_in_place_of_a_file_is_an_input_error(tmp_path, name):
    (tmp_path / OUT_MARKER).write_text(json.dumps({"files": [name]}))
    (tmp_path / name).unlink(missing_ok=True)
    (tmp_path / name).mkdir(parents=True)
    (tmp_path / name / "keep").write_text("mine")
    with pytest.raises(InputError, match="is a directory"):  # an internal error before
        OutputDir(tmp_path, overwrite=True).write_bytes(name, b"x")
    assert (tmp_path / name / "keep").read_text() == "mine"


def test_a_file_in_place_of_a_subdirectory_is_an_input_error(tmp_path):
    (tmp_path / OUT_MARKER).write_text(json.dumps({"files": ["sub"]}))
    (tmp_path / "sub").write_text("mine")
    with pytest.raises(InputError, match="sub is a file, not a directory"):
        OutputDir(tmp_path, overwrite=True).write_bytes("sub/a.png", b"x")
    assert (tmp_path / "sub").read_text() == "mine"


def _write_names(i, directory, n):
    for k in range(n):  # each name by a command of its own, as many short runs would
        OutputDir(directory).write_bytes(f"p{i}-{k}.txt", b"x")


def test_commands_writing_into_one_out_at_once_keep_each_others_names(tmp_path):
    from tests._concurrency import at_once

    OutputDir(tmp_path).write_bytes("first.txt", b"x")  # the marker exists: both may write
    at_once(_write_names, 2, tmp_path, 150)
    names = {"first.txt"} | {f"p{i}-{k}.txt" for i in range(2) for k in range(150)}
    listed = json.loads((tmp_path / OUT_MARKER).read_text())["files"]
    assert sorted(listed) == sorted(names)  # entries were lost: later runs refused our files
    assert {p.name for p in tmp_path.iterdir()} == names | {OUT_MARKER}  # no lock file here
    OutputDir(tmp_path).write_bytes("p1-0.txt", b"y")  # not refused as a user's file


def test_files_are_written_without_a_usable_cache(tmp_path, monkeypatch):
    # the marker's lock lives in the cache; a command that needs no cache still writes
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("MNISTLAB_CACHE", str(tmp_path / "file" / "cache"))
    OutputDir(tmp_path / "out").write_bytes("a.png", b"x")
    assert json.loads((tmp_path / "out" / OUT_MARKER).read_text()) == {"files": ["a.png"]}


def test_claimed_files_are_all_checked_before_any_is_recorded(tmp_path):
    # train claims its files before training: a user's card.json is refused before the
    # work, and the marker does not then list a model.skops that was never written
    (tmp_path / OUT_MARKER).write_text(json.dumps({"files": ["metrics.json"]}))
    (tmp_path / "card.json").write_text("mine")
    with pytest.raises(InputError, match="card.json: not written by mnistlab"):
        OutputDir(tmp_path).claim("model.skops", "card.json")
    assert json.loads((tmp_path / OUT_MARKER).read_text()) == {"files": ["metrics.json"]}
    out = OutputDir(tmp_path, overwrite=True)
    assert out.claim("model.skops", "card.json") == [
        tmp_path / "model.skops",
        tmp_path / "card.json",
    ]
    assert json.loads((tmp_path / OUT_MARKER).read_text())["files"] == [
        "card.json",
        "metrics.json",
        "model.skops",
    ]
