"""Every field of every fact type can be edited; bad values are refused with the file, line and what to write."""
import pytest
import yaml
from click.testing import CliRunner

from kg.cli import cli
from kg.curation.apply import apply_curation
from kg.curation.curator import Curator
from kg.curation.curfile import load
from kg.curation.fields import FIELDS, from_yaml
from kg.curation.review import review_paper
from kg.ontology import load_ontology
from kg.views.query import run_query

from .conftest import REPO

PID = "pmid35896259"
# a value for every editable field, and a second one for when the machine already has the first
VALUES = {
    "label": ("Renamed", "Renamed again"), "kind": ("cohort", "patient"), "age": (41, 42),
    "sex": ("female", "male"), "diagnosis": ("multiple myeloma", "follicular lymphoma"),
    "cell_therapy": ("tisagenlecleucel", "idecabtagene vicleucel"), "died": (True, False), "size": (3, 4),
    "source": ([7], [8]), "agent": ("anakinra", "siltuximab"), "dose_value": (7.5, 8),
    "dose_max": (9, 10), "dose_unit": ("mg/kg", "mg"), "frequency": ("q12h", "daily"),
    "duration": ("3 days", "2 doses"), "route": ("oral", "intraventricular"), "day": (12, 13),
    "agents": (["anakinra", "siltuximab"], ["ruxolitinib"]),
    "setting": ("steroid_refractory", "first_line"), "treated": (5, 6), "responders": (2, 3),
    "outcome": ("improvement", "death"), "start_day": (3, 4), "response_day": (9, 10),
    "days_to_response": (6, 7), "syndrome": ("CRS", "ICANS"), "grade": (2, 3),
    "system": ("ASTCT 2019 consensus grading", "CARTOX grading"),
    "opening_pressure": (31, 32), "lymphocytes": (12, 13),
}


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    import shutil

    from kg.annotate import annotate_text
    from kg.facts import extract_facts
    corpus = tmp_path_factory.mktemp("fields") / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    review_paper(corpus, PID, Curator("Jane Doe"))
    path = corpus / "papers" / PID / "curation.yaml"
    text = (corpus / "papers" / PID / "paper.txt").read_text(encoding="utf-8")
    ann = annotate_text(text, PID)
    return corpus, path, ann, extract_facts(ann)


def test_every_field_has_a_test_value():
    assert {f.name for _, fs in FIELDS.values() for f in fs} == set(VALUES)


@pytest.mark.parametrize("kind, field", [(k, f.name) for k, (_, fs) in FIELDS.items() for f in fs])
def test_every_field_of_every_type_is_editable(paper, kind, field):
    corpus, path, ann, facts = paper
    onto = load_ontology()
    cf = load(path)
    entries = cf.subjects if kind == "subject" else [e for e in cf.facts if e["type"] == kind]
    e = entries[0]
    first = VALUES[field][0]
    same = str(e[field]).lower() == str(first).lower()
    value = VALUES[field][1] if same else first
    if field == "responders":
        e["treated"] = 10
    e.update({"status": "edit", field: value})
    cur = apply_curation(facts, cf, ann, onto)
    fld = next(f for f in FIELDS[kind][1] if f.name == field)
    records = getattr(cur.facts, FIELDS[kind][0])
    edited = [r for r in records if r.curator == "Jane Doe"]
    assert len(edited) == 1
    assert getattr(edited[0], fld.target) == from_yaml(onto, fld, value, "")
    (curated, machine), = cur.provenance.revisions
    assert curated is edited[0] and machine in getattr(facts, FIELDS[kind][0]) and machine not in records


def test_edits_reach_the_graph_and_conform(paper, tmp_path):
    corpus, path, _, _ = paper
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    adm = next(e for e in doc["facts"] if e["type"] == "administration" and e["agent"] == "anakinra")
    adm.update(status="edit", dose_value=100, dose_max=200, dose_unit="mg", frequency="q6h", duration="3 days",
               route="subcutaneous", day=10)
    fin = next(e for e in doc["facts"] if e["type"] == "finding" and e["setting"] == "first_line")
    fin.update(status="edit", setting="steroid_refractory", treated=3, responders=1, outcome="improvement")
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = run_query(out, """PREFIX icans: <https://w3id.org/icans-kg/ontology#>
        SELECT ?v ?m ?f ?d ?day WHERE { ?a a icans:Administration ; icans:curated true ; icans:doseValue ?v ;
          icans:doseValueMax ?m ; icans:doseFrequency ?f ; icans:doseDuration ?d ; icans:day ?day }""").rows
    assert [tuple(r) for r in rows] == [("100", "200", "q6h", "3 days", "10")]
    rows = run_query(out, """PREFIX icans: <https://w3id.org/icans-kg/ontology#>
        SELECT ?s ?t ?r ?o WHERE { ?x a icans:TreatmentFinding ; icans:curated true ; icans:setting ?s ;
          icans:treated ?t ; icans:responders ?r ; icans:outcome ?o }""").rows
    assert [tuple(r) for r in rows] == [("steroid_refractory", "3", "1", "https://w3id.org/icans-kg/ontology#Improvement")]
    assert CliRunner().invoke(cli, ["validate", "--out", str(out)]).exit_code == 0


@pytest.mark.parametrize("kind, values, message", [
    ("administration", {"day": "nine"}, "day 'nine' is not a number"),
    ("administration", {"dose_unit": "spoon"}, "dose_unit 'spoon' is not one of mg, g, mcg, mg/kg"),
    ("administration", {"dose_value": 0}, "dose_value 0 is not above 0"),
    ("administration", {"frequency": "sometimes"}, "frequency 'sometimes' is not in the expected form; q6h"),
    ("administration", {"agent": "unobtainium"}, "unknown agent 'unobtainium'"),
    ("finding", {"setting": "second_line"}, "setting 'second_line' is not one of first_line, steroid_refractory"),
    ("finding", {"treated": 2, "responders": 3}, "responders 3 > treated 2"),
    ("grade", {"grade": 7}, "grade 7 is not in range 1..5"),
    ("subject", {"sex": "m"}, "sex 'm' is not one of male, female"),
])
def test_bad_values_name_file_and_line(paper, tmp_path, kind, values, message):
    corpus, path, _, _ = paper
    good = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(good)
        e = doc["subjects"][0] if kind == "subject" else next(e for e in doc["facts"] if e["type"] == kind)
        e.update(status="edit", **values)
        text = yaml.safe_dump(doc, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        line = text.splitlines().index(f"- id: {e['id']}") + 1
        r = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--out", str(tmp_path / "out")])
        assert r.exit_code == 1 and message in r.output and r.output.count("\n") == 1, r.output
        if kind != "finding" or "treated" not in values:
            assert f"curation.yaml:{line}:" in r.output
    finally:
        path.write_text(good, encoding="utf-8")


def test_every_extracted_value_reads_back_as_itself():
    """What kg review writes, an untouched edit form sends back: it must mean the same value."""
    from kg.annotate import annotate_text
    from kg.curation.fields import to_yaml
    from kg.facts import extract_facts

    from .conftest import DATA
    onto = load_ontology()
    papers = sorted((DATA / "papers").glob("*.txt")) + [REPO / "corpus" / "papers" / PID / "paper.txt"]
    checked = 0
    for p in papers:
        facts = extract_facts(annotate_text(p.read_text(encoding="utf-8"), p.stem), {}, onto)
        for kind, (attr, fs) in FIELDS.items():
            for record in getattr(facts, attr):
                for f in fs:
                    assert from_yaml(onto, f, to_yaml(onto, f, record), p.name) == getattr(record, f.target), \
                        (p.name, kind, f.name, getattr(record, f.target))
                    checked += 1
    assert checked > 1000
