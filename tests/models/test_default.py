"""The default model of predict and serve: trained once per dataset, shared by processes."""

from mnistlab.data import load
from mnistlab.models import default_model, load_model
from tests._concurrency import at_once


def _default(i):
    _, card, path, trained = default_model(load("digits"), n_jobs=1)
    load_model(path)  # what is on disk is whole once the call returns
    return trained, card["model_sha256"], str(path)


def test_processes_started_together_train_the_default_model_once():
    # predict and serve started together both trained it and corrupted its directory
    results = at_once(_default, 2)
    assert sorted(trained for trained, _, _ in results) == [False, True]
    assert len({(sha, path) for _, sha, path in results}) == 1
    _, card, _, trained = default_model(load("digits"), n_jobs=1)
    assert not trained and card["model_sha256"] == results[0][1]
