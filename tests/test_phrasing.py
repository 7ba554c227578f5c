"""The phrasing battery (tests/data/phrasing): invented texts, each one way authors write a fact.

The texts were written by someone who had not read the extraction rules, so passing them
means a phrasing class is handled, not that a rule copies its test. Every case is built as
a paper; its expected rows must be found and its absent rows must not. The floor per class
is what the annotator reached when the battery was added; a change that loses a case fails
here and names it (``python -m tests.phrasing -v`` lists every failure).
"""
import pytest

from tests import phrasing

# passing cases per class (of 15) when the battery was last measured; raise as cases pass
FLOOR = {"subjects": 15, "days": 15, "doses": 15, "negation": 15, "indication": 15,
         "steps": 15, "outcomes": 15, "cohorts": 15, "cited": 14}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    return phrasing.run(phrasing.load_cases(), tmp_path_factory.mktemp("phrasing"))


def test_cases_are_well_formed():
    cases = phrasing.load_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert set(c["class"] for c in cases) == set(FLOOR)
    for c in cases:
        assert c.get("expect") or c.get("absent"), f"{c['id']} asserts nothing"


@pytest.mark.parametrize("cls", sorted(FLOOR))
def test_class_holds_its_floor(outcomes, cls):
    mine = [o for o in outcomes if o.cls == cls]
    failing = {o.id: o.failures for o in mine if not o.passed}
    passed = len(mine) - len(failing)
    assert passed >= FLOOR[cls], f"{cls}: {passed}/{len(mine)} pass (floor {FLOOR[cls]}); failing: {failing}"


def test_matching_rules():
    row = {"agents": "dexamethasone+anakinra", "treated": "10", "source": "8;9", "outcome": "improvement"}
    assert phrasing.matches({"agents": "anakinra+dexamethasone"}, row)
    assert phrasing.matches({"treated": "10.0", "source": "9,8"}, row)
    assert phrasing.matches({"outcome": ["resolution", "improvement"]}, row)
    assert phrasing.matches({"outcome": "*"}, row)
    assert not phrasing.matches({"outcome": "resolution"}, row)
    assert not phrasing.matches({"route": "intrathecal"}, row)      # a missing cell is empty
    assert phrasing.matches({"route": ""}, row)
