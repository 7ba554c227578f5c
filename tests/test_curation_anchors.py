"""Anchors: decisions survive text edits; a quote really gone is marked stale in place; regimen drugs have their own ids."""
import csv
import io
import shutil

import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cli import cli
from kg.curation.anchor import context, reanchor
from kg.views.query import load_query, run_query
from kg.views.results import format_result

from .conftest import DATA, REPO

PID = "pmid35896259"


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def answers(out):
    got = {}
    for name in ("administrations", "patients", "refractory_responders", "grade_course"):
        rows = list(csv.reader(io.StringIO(format_result(run_query(out, load_query(name)), "csv"))))
        keep = [i for i, c in enumerate(rows[0]) if c != "fact"]   # fact IRIs follow the offsets of the evidence
        got[name] = sorted(tuple(r[i] for i in keep) for r in rows[1:])
    return got


def entries(doc):
    return doc["subjects"] + doc["facts"] + doc["add"]


def curate(corpus):
    assert kg("review", PID, "--corpus", corpus, "--curator", "Jane Doe").exit_code == 0
    path = corpus / "papers" / PID / "curation.yaml"
    doc = yaml.safe_load(path.read_text())
    next(s for s in doc["subjects"] if s["name"] == "Case 1").update(status="edit", label="First patient")
    f = doc["facts"]
    next(e for e in f if e["type"] == "administration" and e["agent"] == "tocilizumab" and e["day"] == 7)["status"] = "reject"
    next(e for e in f if e["type"] == "administration" and e["agent"] == "methylprednisolone"
         and e["subject"] == "Case 2").update(status="edit", dose_value=1, dose_unit="g")
    next(e for e in f if e["type"] == "finding").update(status="edit", setting="steroid_refractory")
    text = (corpus / "papers" / PID / "paper.txt").read_text(encoding="utf-8")
    start = text.index("antipyretics")
    doc["add"] = [{"type": "administration", "subject": "Case 1", "agent": "paracetamol", "day": 5,
                   "evidence": {"start": start, "end": start + 12, "quote": "antipyretics"}}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_editing_the_title_loses_no_decision(tmp_path):
    corpus = tmp_path / "corpus"
    assert kg("add", DATA / "papers" / "series-inline-labels.txt", "--id", "s", "--corpus", corpus).exit_code == 0
    assert kg("review", "s", "--corpus", corpus, "--curator", "Jane Doe").exit_code == 0
    path = corpus / "papers" / "s" / "curation.yaml"
    doc = yaml.safe_load(path.read_text())
    next(s for s in doc["subjects"] if s["name"] == "Patient 2").update(status="edit", label="Second patient", died=True)
    f = doc["facts"]
    next(e for e in f if e["type"] == "administration" and e["agent"] == "cytarabine")["status"] = "reject"
    next(e for e in f if e["type"] == "administration" and e["agent"] == "ruxolitinib").update(
        status="edit", dose_value=5, frequency="q12h")
    next(e for e in f if e["type"] == "grade" and e["subject"] == "Patient 1").update(status="edit", grade=4)
    text = (corpus / "papers" / "s" / "paper.txt").read_text(encoding="utf-8")
    start = text.index("levetiracetam")
    doc["add"] = [{"type": "administration", "subject": "Patient 2", "agent": "levetiracetam", "day": 8,
                   "evidence": {"start": start, "end": start + 13, "quote": "levetiracetam"}}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out0, out1 = tmp_path / "o0", tmp_path / "o1"
    r = kg("build", "--corpus", corpus, "--out", out0)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    title = text.splitlines()[0]
    assert title.endswith("a report of two cases")
    # one word more in the title: every offset after it moves
    (corpus / "papers" / "s" / "paper.txt").write_text(
        text.replace("a report of two cases", "a report of two new cases", 1), encoding="utf-8")
    r = kg("build", "--corpus", corpus, "--out", out1)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    assert answers(out1) == answers(out0)
    patients = {r[1]: r for r in answers(out1)["patients"]}
    assert "Second patient" in patients and patients["Second patient"][8] == "true"
    assert ("s", "", "Second patient", "levetiracetam") in {r[:4] for r in answers(out1)["administrations"]}
    before = yaml.safe_load(path.read_text())
    r = kg("review", "s", "--corpus", corpus)
    assert r.exit_code == 0 and "(0 new)" in r.output, r.output
    after = yaml.safe_load(path.read_text())
    assert len(entries(after)) == len(entries(before))
    assert not any("stale" in e or "unmatched" in e for e in entries(after))
    assert [e.get("status") for e in entries(after)] == [e.get("status") for e in entries(before)]
    shift = len("new ")
    assert [e["evidence"]["start"] for e in entries(after)] == [e["evidence"]["start"] + shift for e in entries(before)]


def test_a_quote_really_gone_is_stale_in_place(corpus_copy, tmp_path):
    path = curate(corpus_copy)
    before = yaml.safe_load(path.read_text())
    rejected = next(e for e in before["facts"] if e["status"] == "reject")
    paper = corpus_copy / "papers" / PID / "paper.txt"
    text = paper.read_text(encoding="utf-8")
    a, b = rejected["evidence"]["start"], rejected["evidence"]["end"]
    assert text[a:b] == "tocilizumab"
    paper.write_text(text[:a] + "siltuximab" + text[b:], encoding="utf-8")   # the drug was misread
    r = kg("build", "--corpus", corpus_copy, "--out", tmp_path / "out")
    warnings = [l for l in r.output.splitlines() if l.startswith("warning:")]
    assert r.exit_code == 0 and len(warnings) == 1 and rejected["id"] in warnings[0] and "stale" in warnings[0]
    def sig(e):
        return e["type"], e["status"], e["evidence"]["quote"]

    for _ in range(2):   # reviewing twice changes nothing more
        r = kg("review", PID, "--corpus", corpus_copy)
        assert r.exit_code == 0 and "1 marked stale" in r.output, r.output
        after = yaml.safe_load(path.read_text())
        stale = [e for e in after["facts"] if "stale" in e]
        assert [e["id"] for e in stale] == [rejected["id"]] and stale[0]["status"] == "reject"
        # in place: every entry is still there once, in the same order, with its decision
        old = [sig(e) for e in before["facts"]]
        assert [sig(e) for e in after["facts"] if sig(e) in old] == old
        assert all(e["evidence"]["quote"] == "siltuximab" for e in after["facts"] if sig(e) not in old)


def test_the_drugs_of_a_regimen_have_their_own_ids(tmp_path):
    corpus = tmp_path / "corpus"
    assert kg("add", DATA / "papers" / "cohort-arms.txt", "--id", "arms", "--corpus", corpus).exit_code == 0
    assert kg("review", "arms", "--corpus", corpus, "--curator", "Jane Doe").exit_code == 0
    path = corpus / "papers" / "arms" / "curation.yaml"
    doc = yaml.safe_load(path.read_text())
    triple = [e for e in doc["facts"] if e["type"] == "administration" and e["evidence"]["quote"] == "triple intrathecal therapy"]
    assert sorted(e["agent"] for e in triple) == ["cytarabine", "hydrocortisone", "methotrexate"]
    assert len({e["id"] for e in triple}) == 3
    next(e for e in triple if e["agent"] == "cytarabine")["status"] = "reject"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert kg("build", "--corpus", corpus, "--out", out).exit_code == 0
    agents = {r[3] for r in answers(out)["administrations"]}
    assert {"hydrocortisone", "methotrexate"} <= agents and "cytarabine" not in agents


def test_old_curation_files_still_apply(corpus_copy, tmp_path):
    """A file written before issue #15 (subjects among facts, offset ids) keeps working."""
    text = (corpus_copy / "papers" / PID / "paper.txt").read_text(encoding="utf-8")
    start = text.index("tocilizumab", text.index("Case 1\n"))
    start = text.index("tocilizumab", start + 1)
    old = {"paper": PID, "help": "status: ...", "facts": [
        {"id": "administration-0a1b2c3d4e", "type": "administration", "status": "reject", "subject": "Case 1",
         "agent": "tocilizumab", "day": 7, "evidence": {"start": start, "end": start + 11, "quote": "tocilizumab"}}],
        "add": []}
    (corpus_copy / "papers" / PID / "curation.yaml").write_text(yaml.safe_dump(old), encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus_copy, "--out", out, "--curator", "Jane Doe")
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    assert ("Case 1", "tocilizumab", "7") not in {(r[2], r[3], r[7]) for r in answers(out)["administrations"]}


WORD = st.text(alphabet="abcdefgh \n", min_size=0, max_size=30)


@settings(max_examples=200, deadline=None)
@given(before=WORD, after=WORD, where=st.sampled_from(["start", "end", "both"]))
def test_reanchor_follows_a_quote_when_text_moves(before, after, where):
    text = (REPO / "corpus" / "papers" / PID / "paper.txt").read_text(encoding="utf-8")[:3000]
    a = text.index("methotrexate")
    b = a + len("methotrexate")
    prefix, suffix = context(text, a, b)
    head, tail = (before if where != "end" else ""), (after if where != "start" else "")
    moved = head + text + tail
    got = reanchor(moved, "methotrexate", a, prefix, suffix)
    assert got is not None and (got.start, got.end) == (a + len(head), b + len(head))
    assert reanchor(moved.replace("methotrexate", "MTX"), "methotrexate", a, prefix, suffix) is None


def test_reanchor_prefers_the_matching_context_over_the_nearest():
    text = "He was given dexamethasone on day 3. Later she was given dexamethasone on day 9."
    second = text.rindex("dexamethasone")
    prefix, suffix = context(text, second, second + 13)
    edited = "Title. " + text.replace("He was given dexamethasone", "dexamethasone was given to him")
    got = reanchor(edited, "dexamethasone", second, prefix, suffix)
    assert edited[got.end:].startswith(" on day 9") and got.moved
    # line breaks that move inside the quote do not lose it
    got = reanchor("x\nhigh-dose\nmethyl prednisolone y", "high-dose methyl prednisolone", 0)
    assert (got.start, got.end) == (2, 31)
