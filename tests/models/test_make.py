"""A model to train from words: registry name, --params JSON, --augment kinds."""

import pytest

from mnistlab._errors import InputError
from mnistlab.models import get, make_model, read_params
from mnistlab.preprocessing import TEXTBOOK_SHIFTS, Augmented


def test_read_params_takes_json_or_a_file(tmp_path):
    assert read_params(None) == {} and read_params("") == {}
    assert read_params('{"svc__C": 5}') == {"svc__C": 5}
    path = tmp_path / "p.json"
    path.write_text('{"knn__n_neighbors": 3}', encoding="utf-8")
    assert read_params(f"@{path}") == {"knn__n_neighbors": 3}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{bad json", "--params: not valid JSON"),
        ("[1]", "give a JSON object"),
        ('"svc__C"', "give a JSON object"),
        ("@/no/such/file.json", "--params /no/such/file.json: cannot read it"),
    ],
)
def test_read_params_refuses_what_is_not_a_json_object(text, match):
    with pytest.raises(InputError, match=match):
        read_params(text)


def test_read_params_names_the_file_it_read(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match=f"^{path}: give a JSON object"):
        read_params(f"@{path}")


def test_build_model_sets_the_parameters_of_the_registry_model():
    est = make_model("fast", {"knn__n_neighbors": 3}, random_state=7, n_jobs=2)
    expected = get("fast", random_state=7, n_jobs=2).set_params(knn__n_neighbors=3)
    assert est.get_params()["knn__n_neighbors"] == 3
    assert repr(est) == repr(expected)


def test_build_model_refuses_unknown_parameters_and_lists_the_known():
    match = "^--params: fast has no parameter 'nope__x'; it has deskew__"
    with pytest.raises(InputError, match=match):
        make_model("fast", {"nope__x": 1, "knn__n_neighbors": 3})


@pytest.mark.parametrize(
    ("augment", "shifts", "angles"),
    [
        ("shift", TEXTBOOK_SHIFTS, ()),
        ("rotate", (), (-10, 10)),
        ("shift, rotate", TEXTBOOK_SHIFTS, (-10, 10)),
        (["rotate", "shift"], TEXTBOOK_SHIFTS, (-10, 10)),
    ],
)
def test_build_model_augments_inside_fit(augment, shifts, angles):
    est = make_model("fast", augment=augment)
    assert isinstance(est, Augmented)
    assert tuple(est.shifts) == tuple(shifts) and tuple(est.angles) == tuple(angles)
    assert repr(est.estimator) == repr(get("fast"))


@pytest.mark.parametrize("augment", [None, "", " , "])
def test_build_model_without_augmentation_is_the_model_itself(augment):
    assert not isinstance(make_model("fast", augment=augment), Augmented)


def test_build_model_refuses_an_unknown_augmentation():
    with pytest.raises(InputError, match="--augment 'flip': choose shift, rotate or both"):
        make_model("fast", augment="shift,flip")
