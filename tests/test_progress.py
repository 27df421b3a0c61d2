"""Progress: silent by default, a tqdm bar when a notebook asks for one."""

from __future__ import annotations

import io

from mnistlab import TqdmProgress
from mnistlab.data import load
from mnistlab.tasks import run_binary


def test_tqdm_progress_draws_each_step_to_its_end():
    out = io.StringIO()
    with TqdmProgress(file=out).task("3-fold CV", 3) as step:
        step.advance(2)
        step.advance()
    text = out.getvalue()
    assert "3-fold CV" in text and "3/3" in text


def test_a_task_is_silent_unless_given_a_progress(capsys):
    ds = load("digits")
    run_binary(ds, positive=5, model_names="sgd", cv=2, random_state=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_task_reports_its_steps_to_a_tqdm_progress():
    ds = load("digits")
    out = io.StringIO()
    run_binary(
        ds, positive=5, model_names="sgd", cv=2, random_state=0, progress=TqdmProgress(file=out)
    )
    assert "sgd" in out.getvalue() and "2/2" in out.getvalue()
