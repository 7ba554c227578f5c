"""Curating subjects: split merged patients, merge, rename, move facts, names as the paper writes them."""
import csv
import io

import pytest
import yaml
from click.testing import CliRunner

from kg.cli import cli
from kg.views.query import load_query, run_query
from kg.views.results import format_result

from .conftest import DATA


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def table(out, name):
    text = format_result(run_query(out, load_query(name)), "csv")
    return list(csv.DictReader(io.StringIO(text)))


def reviewed(tmp_path, name):
    corpus = tmp_path / "corpus"
    assert kg("add", DATA / "papers" / f"{name}.txt", "--id", "p", "--corpus", corpus).exit_code == 0
    r = kg("review", "p", "--corpus", corpus, "--curator", "Jane Doe")
    assert r.exit_code == 0, r.output
    path = corpus / "papers" / "p" / "curation.yaml"
    return corpus, path, yaml.safe_load(path.read_text(encoding="utf-8"))


def save(path, doc):
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def build(corpus, out):
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0, r.output
    return r


def test_split_the_merged_patients_of_an_inline_text(tmp_path):
    corpus, path, doc = reviewed(tmp_path, "two-patients-merged")
    build(corpus, tmp_path / "before")
    assert [r["subject"] for r in table(tmp_path / "before", "patients")] == ["cohort"]   # the annotator merged them
    text = (corpus / "papers" / "p" / "paper.txt").read_text(encoding="utf-8")
    second = text.index("The other, a woman")
    # the merged subject becomes the first patient ...
    (merged,) = doc["subjects"]
    merged.update(status="edit", label="Patient 1", kind="patient", size=None, age=58, sex="male")
    # ... a second one is added where the text starts telling her ...
    doc["add"] = [{"type": "subject", "name": "the woman", "label": "Patient 2", "kind": "patient", "age": 66,
                   "sex": "female", "died": True,
                   "evidence": {"start": second, "end": second + 18, "quote": "The other, a woman"}}]
    # ... and every fact told after that point moves to her
    moved = 0
    for e in doc["facts"]:
        if e["evidence"]["start"] >= second:
            e.update(status="edit", subject="the woman")
            moved += 1
    assert moved >= 4
    save(path, doc)
    out = tmp_path / "after"
    r = build(corpus, out)
    assert "warning" not in r.output, r.output
    patients = {r["subject"]: r for r in table(out, "patients")}
    assert sorted(patients) == ["Patient 1", "Patient 2"]
    assert (patients["Patient 1"]["age"], patients["Patient 1"]["sex"], patients["Patient 1"]["max_icans_grade"]) \
        == ("58", "male", "3")
    assert (patients["Patient 2"]["age"], patients["Patient 2"]["max_icans_grade"], patients["Patient 2"]["died"]) \
        == ("66", "4", "true")
    given = {(r["subject"], r["agent"]) for r in table(out, "administrations")}
    assert ("Patient 2", "anakinra") in given and ("Patient 1", "methotrexate") in given
    assert ("Patient 1", "anakinra") not in given
    assert kg("validate", "--out", out).exit_code == 0
    # a second review keeps the split as it is: nothing doubled, nothing stale
    assert kg("review", "p", "--corpus", corpus).exit_code == 0
    again = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(again["facts"]) == len(doc["facts"]) and len(again["subjects"]) == 1 and len(again["add"]) == 1
    assert not any("stale" in e or "unmatched" in e for e in again["facts"] + again["subjects"] + again["add"])


def test_subject_names_are_written_as_in_the_paper(tmp_path):
    _, _, doc = reviewed(tmp_path, "two-patients-lettered")
    assert [(s["name"], s["label"]) for s in doc["subjects"]] == [("Patient A", "Case 1"), ("Patient B", "Case 2")]
    assert {e["subject"] for e in doc["facts"]} == {"Patient A", "Patient B"}


def test_merge_rename_and_move(tmp_path):
    corpus, path, doc = reviewed(tmp_path, "two-patients-lettered")
    a, b = doc["subjects"]
    a.update(status="edit", label="Patient A")          # rename: the label the graph and queries show
    b.update(status="merge", into="Patient A")           # one patient told twice
    grade = next(e for e in doc["facts"] if e["type"] == "grade" and e["subject"] == "Patient A")
    grade.update(status="edit", grade=2, day=6)
    save(path, doc)
    out = tmp_path / "out"
    build(corpus, out)
    assert [r["subject"] for r in table(out, "patients")] == ["Patient A"]
    course = {(r["subject"], r["grade"], r["day"]) for r in table(out, "grade_course")}
    assert course == {("Patient A", "2", "6"), ("Patient A", "4", "6")}
    given = {(r["subject"], r["agent"]) for r in table(out, "administrations")}
    assert ("Patient A", "anakinra") in given and not any(s != "Patient A" for s, _ in given)


def test_reject_a_subject_and_its_facts(tmp_path):
    corpus, path, doc = reviewed(tmp_path, "two-patients-lettered")
    doc["subjects"][1]["status"] = "reject"
    keep = next(e for e in doc["facts"] if e["subject"] == "Patient B" and e["type"] == "administration")
    keep.update(status="edit", subject="Patient A")     # one of its facts was really about A
    save(path, doc)
    out = tmp_path / "out"
    r = build(corpus, out)
    assert "fact(s) of rejected subjects left out" in r.output
    assert [r["subject"] for r in table(out, "patients")] == ["Case 1"]
    assert {r["subject"] for r in table(out, "administrations")} == {"Case 1"}
    assert keep["agent"] in {r["agent"] for r in table(out, "administrations")}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["facts"][0].update(status="edit", subject="Patient Z"),
     "subject 'Patient Z' is not a subject of this paper"),
    (lambda d: d["subjects"][0].update(status="merge"), "status: merge needs into: NAME"),
    (lambda d: d["subjects"][0].update(status="merge", into="Patient A"), "cannot be merged into itself"),
    (lambda d: d["facts"][0].update(status="maybe"), "status 'maybe'; use accept, reject, edit"),
    (lambda d: d["add"].append({"type": "subject", "evidence": {"quote": "Patient B"}}), "needs a name"),
])
def test_bad_subject_decisions_name_the_line(tmp_path, change, message):
    corpus, path, doc = reviewed(tmp_path, "two-patients-lettered")
    change(doc)
    save(path, doc)
    r = kg("build", "--corpus", corpus, "--out", tmp_path / "out")
    assert r.exit_code == 1 and message in r.output and r.output.startswith(f"Error: {path}:"), r.output
    assert r.output.count("\n") == 1
