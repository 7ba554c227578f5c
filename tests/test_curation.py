"""Curation: review, reject/edit/add, provenance, stale anchors after text or annotator changes."""
import csv
import io
import shutil

import pytest
import yaml
from click.testing import CliRunner

from kg.cli import cli
from kg.views.query import load_query, run_query
from kg.views.results import format_result

from .conftest import REPO

PID = "pmid35896259"


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def admins(out):
    text = format_result(run_query(out, load_query("administrations")), "csv")
    return {tuple(r[:8]) for r in list(csv.reader(io.StringIO(text)))[1:]}   # the contract's columns


def entry(doc, **match):
    return next(e for e in doc["facts"] if all(e.get(k) == v for k, v in match.items()))


@pytest.fixture
def curated(corpus_copy, tmp_path):
    out0 = tmp_path / "out0"
    assert kg("build", "--corpus", corpus_copy, "--out", out0).exit_code == 0
    r = kg("review", PID, "--corpus", corpus_copy)
    assert r.exit_code == 0 and "curation.yaml" in r.output
    path = corpus_copy / "papers" / PID / "curation.yaml"
    doc = yaml.safe_load(path.read_text())
    reject = entry(doc, type="administration", agent="tocilizumab", subject="Case 1", day=7)
    reject["status"] = "reject"
    edit = entry(doc, type="administration", agent="methylprednisolone", subject="Case 2")
    edit["status"] = "edit"
    edit["dose_value"], edit["dose_unit"] = 1, "g"
    text = (corpus_copy / "papers" / PID / "paper.txt").read_text(encoding="utf-8")
    start = text.index("antipyretics")
    doc["add"] = [{"type": "administration", "subject": "Case 1", "agent": "paracetamol", "day": 5,
                   "evidence": {"start": start, "end": start + len("antipyretics"), "quote": "antipyretics"}}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return corpus_copy, out0, path


def test_reject_edit_add_applied_with_provenance(curated, tmp_path):
    corpus, out0, path = curated
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "warning" not in r.output
    before, after = admins(out0), admins(out)
    removed, added = before - after, after - before
    assert removed == {(PID, "", "Case 1", "tocilizumab", "", "", "", "7"),
                       (PID, "", "Case 2", "methylprednisolone", "", "", "", "9")}
    assert added == {(PID, "", "Case 2", "methylprednisolone", "1", "g", "", "9"),
                     (PID, "", "Case 1", "paracetamol", "", "", "", "5")}
    curated_facts = run_query(out, """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?f WHERE { ?f prov:wasAttributedTo <https://w3id.org/icans-kg/id/agent/curator/curator> }""")
    assert len(curated_facts.rows) == 2
    r = kg("review", PID, "--corpus", corpus)  # re-review keeps the curator's decisions
    doc = yaml.safe_load(path.read_text())
    assert entry(doc, agent="tocilizumab", subject="Case 1", day=7)["status"] == "reject"
    assert doc["add"][0]["agent"] == "paracetamol"


def test_annotator_change_keeps_or_reports(curated, tmp_path, monkeypatch):
    corpus, _, path = curated
    onto = tmp_path / "onto"
    shutil.copytree(REPO / "ontology", onto)
    ttl = onto / "icans.ttl"
    # the annotator no longer knows "solumedrol": the edited fact is not extracted any more
    ttl.write_text(ttl.read_text().replace('"solumedrol"@en', '"solu-medrol-x"@en'), encoding="utf-8")
    monkeypatch.setenv("KG_ONTOLOGY_DIR", str(onto))
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    from kg.annotate import get_nlp
    from kg.ontology import clear_cache
    get_nlp.cache_clear()
    clear_cache()
    try:
        out = tmp_path / "out"
        r = kg("build", "--corpus", corpus, "--out", out)
        assert r.exit_code == 0, r.output
        # the edit is still applied (as a curator addition), not silently lost
        assert (PID, "", "Case 2", "methylprednisolone", "1", "g", "", "9") in admins(out)
    finally:
        get_nlp.cache_clear()
        clear_cache()


def test_text_change_reports_stale_entries(curated, tmp_path):
    corpus, _, path = curated
    paper = corpus / "papers" / PID / "paper.txt"
    paper.write_text("Preface added later.\n" + paper.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0
    stale = [l for l in r.output.splitlines() if l.startswith("warning:")]
    assert len(stale) == 3 and all("stale" in l for l in stale), stale


def test_corrupt_curation_file_names_line(curated, tmp_path):
    corpus, out0, path = curated
    path.write_text("paper: x\nfacts:\n  - id: a\n    status: [unclosed\n", encoding="utf-8")
    before = (out0 / "rdf" / f"{PID}.nq").read_bytes()
    r = kg("build", "--corpus", corpus, "--out", out0)   # the paper is skipped and keeps its last good graph
    assert r.exit_code == 0 and "(1 skipped: pmid35896259; see the warnings)" in r.output
    warning = next(line for line in r.output.splitlines() if line.startswith("warning:"))
    assert "curation.yaml:5:" in warning and "malformed curation file" in warning and "previous graph is kept" in warning
    assert (out0 / "rdf" / f"{PID}.nq").read_bytes() == before


def test_brat_round_trip_and_correction(corpus_copy, tmp_path):
    out0, out1, out2 = tmp_path / "o0", tmp_path / "o1", tmp_path / "o2"
    assert kg("build", "--corpus", corpus_copy, "--out", out0).exit_code == 0
    folder = tmp_path / "brat"
    r = kg("brat", "export", PID, "--to", folder, "--corpus", corpus_copy)
    assert r.exit_code == 0 and (folder / "annotation.conf").exists()
    ann = folder / f"{PID}.ann"
    assert kg("brat", "import", PID, ann, "--corpus", corpus_copy).exit_code == 0
    assert kg("build", "--corpus", corpus_copy, "--out", out1).exit_code == 0
    r = kg("diff", out0, out1)
    assert r.output.splitlines()[-1] == "0 added, 0 removed"  # the round trip loses nothing
    # a curator removes one drug span in brat and imports it again
    lines = ann.read_text().splitlines()
    text = (corpus_copy / "papers" / PID / "paper.txt").read_text(encoding="utf-8")
    case1 = text.index("Case 1\n")
    victim = next(l for l in lines if "\tDRUG " in l and l.endswith("\ttocilizumab")
                  and int(l.split("\t")[1].split()[1]) > case1)
    tid = victim.split("\t")[0]
    ann.write_text("\n".join(l for l in lines if l != victim and not l.endswith(f"AnnotatorNotes {tid}")
                             and f"AnnotatorNotes {tid}\t" not in l) + "\n")
    assert kg("brat", "import", PID, ann, "--corpus", corpus_copy).exit_code == 0
    assert kg("build", "--corpus", corpus_copy, "--out", out2).exit_code == 0
    r = kg("diff", out1, out2)
    assert r.exit_code == 0 and any(l.startswith("- ") and "tocilizumab" in l.lower() for l in r.output.splitlines()), r.output


def test_brat_import_refuses_a_mismatched_file(corpus_copy, tmp_path):
    bad = tmp_path / "bad.ann"
    bad.write_text("T1\tDRUG 0 5\tnotit\n")
    r = kg("brat", "import", PID, bad, "--corpus", corpus_copy)
    assert r.exit_code == 1 and "bad.ann:1:" in r.output and "another version" in r.output
    assert not (corpus_copy / "papers" / PID / "mentions.ann").exists()


def test_diff_shows_curation_changes(curated, tmp_path):
    corpus, out0, _ = curated
    out = tmp_path / "out"
    assert kg("build", "--corpus", corpus, "--out", out).exit_code == 0
    r = kg("diff", out0, out)
    lines = r.output.splitlines()
    assert lines[-1].endswith("removed") and any(l.startswith("+ ") and "Paracetamol" in l for l in lines)
    assert any(l.startswith("- ") and "Tocilizumab" in l for l in lines)
