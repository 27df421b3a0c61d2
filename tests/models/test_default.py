from mnistlab import models
from mnistlab.data import load


def test_the_seed_reaches_the_default_model_and_names_its_place():
    ds = load("digits")
    est, card, path, trained = models.default_model(ds, random_state=7, n_jobs=1)
    assert trained and card["seed"] == 7
    seeded = {k: v for k, v in est.get_params().items() if k.endswith("random_state")}
    assert seeded and set(seeded.values()) == {7}
    # the same seed finds it again; another seed trains another model elsewhere
    assert models.default_model(ds, random_state=7, n_jobs=1)[2:] == (path, False)
    other = models.default_model(ds, random_state=8, n_jobs=1)
    assert other[2] != path and other[3] and other[1]["seed"] == 8
    assert path == models.default_model_dir(ds, "fast", 7)
