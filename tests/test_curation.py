"""Curation: review, reject/edit/add, curator provenance, annotator changes, brat round trip."""
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
ORCID = "0000-0002-1825-0097"
PAPER = "https://w3id.org/icans-kg/id/paper/" + PID


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def admins(out):
    text = format_result(run_query(out, load_query("administrations")), "csv")
    return {tuple(r[:8]) for r in list(csv.reader(io.StringIO(text)))[1:]}   # the contract's columns


def entry(doc, **match):
    return next(e for e in doc["facts"] if all(e.get(k) == v for k, v in match.items()))


def rows(out, sparql):
    return [tuple(r) for r in run_query(out, sparql).rows]


def exists(out, iri, cls):
    return bool(rows(out, f"SELECT ?x WHERE {{ BIND(<{iri}> AS ?x) ?x a <https://w3id.org/icans-kg/ontology#{cls}> }}"))


@pytest.fixture
def curated(corpus_copy, tmp_path):
    out0 = tmp_path / "out0"
    assert kg("build", "--corpus", corpus_copy, "--out", out0).exit_code == 0
    r = kg("review", PID, "--corpus", corpus_copy, "--curator", "Jane Doe", "--orcid", ORCID)
    assert r.exit_code == 0 and "curation.yaml" in r.output, r.output
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


def test_review_file_shows_sentences_and_curators(curated):
    _, _, path = curated
    doc = yaml.safe_load(path.read_text())
    assert doc["curators"] == [{"name": "Jane Doe", "orcid": ORCID}]
    for e in doc["subjects"] + doc["facts"]:
        # the sentence is the one around the quote, one line, never a whole paragraph
        assert e["evidence"]["quote"].split()[0] in e["sentence"] and "\n" not in e["sentence"], e
        assert len(e["sentence"]) < 600
    ids = [e["id"] for e in doc["subjects"] + doc["facts"]]
    assert len(ids) == len(set(ids))


def test_reject_edit_add_applied_with_provenance(curated, tmp_path):
    corpus, out0, path = curated
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "warning" not in r.output, r.output
    before, after = admins(out0), admins(out)
    removed, added = before - after, after - before
    assert removed == {(PID, "", "Case 1", "tocilizumab", "", "", "", "7"),
                       (PID, "", "Case 2", "methylprednisolone", "", "", "", "9")}
    assert added == {(PID, "", "Case 2", "methylprednisolone", "1", "g", "", "9"),
                     (PID, "", "Case 1", "paracetamol", "", "", "", "5")}
    # the curator is a prov:Agent named, with the ORCID iD as its IRI
    agents = rows(out, """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?a ?name WHERE { ?f prov:wasAttributedTo ?a . ?a a prov:Agent, prov:Person ; rdfs:label ?name }""")
    assert agents == [(f"https://orcid.org/{ORCID}", "Jane Doe")]
    revisions = rows(out, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?f ?old WHERE {{ ?f prov:wasAttributedTo <https://orcid.org/{ORCID}> .
                               OPTIONAL {{ ?f prov:wasRevisionOf ?old }} }}""")
    assert len(revisions) == 2
    edited = [old for _, old in revisions if old]
    # the edited fact revises the machine fact, which the uncurated build has (and the curated one lacks)
    assert len(edited) == 1
    assert exists(out0, edited[0], "Administration") and not exists(out, edited[0], "Administration")
    assert kg("validate", "--out", out).exit_code == 0
    r = kg("review", PID, "--corpus", corpus)  # re-review keeps the curator's decisions
    doc = yaml.safe_load(path.read_text())
    assert entry(doc, agent="tocilizumab", subject="Case 1", day=7)["status"] == "reject"
    assert doc["add"][0]["agent"] == "paracetamol"


def test_curated_fact_on_a_machine_facts_words_shares_its_evidence(curated, tmp_path):
    corpus, out0, path = curated
    doc = yaml.safe_load(path.read_text())
    mtx = entry(doc, type="administration", agent="methotrexate", subject="Case 2")
    doc["add"].append({"type": "administration", "subject": "Case 2", "agent": "cytarabine", "dose_value": 30,
                       "dose_unit": "mg", "route": "intrathecal", "day": 11, "evidence": mtx["evidence"]})
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0, r.output
    ev = f"<{PAPER}/evidence/{mtx['evidence']['start']}-{mtx['evidence']['end']}>"
    sentences = rows(out, f"SELECT ?s WHERE {{ {ev} <https://w3id.org/icans-kg/ontology#sentence> ?s }}")
    assert len(sentences) == 1 and sentences[0][0].startswith("Due to concerns")
    assert (PID, "", "Case 2", "cytarabine", "30", "mg", "intrathecal", "11") in admins(out)


def test_decisions_need_a_curator(corpus_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(tmp_path / "none.toml"))
    assert kg("review", PID, "--corpus", corpus_copy).exit_code == 0
    path = corpus_copy / "papers" / PID / "curation.yaml"
    doc = yaml.safe_load(path.read_text())
    victim = entry(doc, type="administration", agent="tocilizumab", subject="Case 1", day=7)
    victim["status"], victim["day"] = "edit", 8
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    r = kg("build", "--corpus", corpus_copy, "--out", tmp_path / "o1")
    assert r.exit_code == 1 and "who made this decision?" in r.output and "curation.yaml:" in r.output
    assert not (tmp_path / "o1").exists()
    # the config file names the curator ...
    config = tmp_path / "kg.toml"
    config.write_text(f'[curator]\nname = "Ann Lee"\norcid = "{ORCID}"\n', encoding="utf-8")
    monkeypatch.setenv("KG_CONFIG", str(config))
    r = kg("build", "--corpus", corpus_copy, "--out", tmp_path / "o2")
    assert r.exit_code == 0, r.output
    assert rows(tmp_path / "o2", "SELECT ?n WHERE { ?a a <http://www.w3.org/ns/prov#Person> ; "
                                 "<http://www.w3.org/2000/01/rdf-schema#label> ?n }") == [("Ann Lee",)]
    # ... and an entry's own signature wins
    victim["by"] = "Bo Chen"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    r = kg("build", "--corpus", corpus_copy, "--out", tmp_path / "o3", "--curator", "Someone Else")
    assert r.exit_code == 0, r.output
    assert rows(tmp_path / "o3", "SELECT ?n WHERE { ?a a <http://www.w3.org/ns/prov#Person> ; "
                                 "<http://www.w3.org/2000/01/rdf-schema#label> ?n }") == [("Bo Chen",)]


@pytest.mark.parametrize("args, message", [
    (["--curator", "Jane", "--orcid", "0000-0002-1825-0098"], "not a valid ORCID iD"),
    (["--orcid", ORCID], "needs a curator name"),
])
def test_bad_curator_identity_is_refused(corpus_copy, args, message):
    r = kg("review", PID, "--corpus", corpus_copy, *args)
    assert r.exit_code == 1 and message in r.output and r.output.count("\n") == 1
    assert not (corpus_copy / "papers" / PID / "curation.yaml").exists()


def test_annotator_change_keeps_or_reports(curated, tmp_path, monkeypatch):
    corpus, _, path = curated
    onto = tmp_path / "onto"
    shutil.copytree(REPO / "ontology", onto)
    ttl = onto / "icans.ttl"
    # the annotator no longer knows "solumedrol": the edited fact is not extracted any more
    ttl.write_text(ttl.read_text().replace('"solumedrol"@en', '"solu-medrol-x"@en')
                   .replace('"Solu-Medrol"@en, ', ""), encoding="utf-8")
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
        assert not any(r[3] == "methylprednisolone" and r[4] == "" for r in admins(out))   # really gone
        # a review marks it in place, once
        n = len(yaml.safe_load(path.read_text())["facts"])
        assert kg("review", PID, "--corpus", corpus).exit_code == 0
        doc = yaml.safe_load(path.read_text())
        edited = [e for e in doc["facts"] if e["status"] == "edit"]
        assert len(edited) == 1 and "no longer extracted" in edited[0]["unmatched"]
        assert len(doc["facts"]) == n
    finally:
        get_nlp.cache_clear()
        clear_cache()


def test_corrupt_curation_file_names_line(curated, tmp_path):
    corpus, out0, path = curated
    path.write_text("paper: x\nfacts:\n  - id: a\n    status: [unclosed\n", encoding="utf-8")
    before = (out0 / "rdf" / f"{PID}.nq").read_bytes()
    r = kg("build", "--corpus", corpus, "--out", out0)   # the paper is skipped and keeps its last good graph
    assert r.exit_code == 0 and "(1 skipped: pmid35896259; see the warnings)" in r.output
    warning = next(line for line in r.output.splitlines() if line.startswith("warning:"))
    assert "curation.yaml:5:" in warning and "malformed curation file" in warning and "previous graph is kept" in warning
    assert (out0 / "rdf" / f"{PID}.nq").read_bytes() == before


def test_a_curators_comment_is_never_rewritten_away(curated):
    corpus, _, path = curated
    text = path.read_text(encoding="utf-8").replace("facts:\n", "facts:\n# checked against table 2 - JD\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("# checked against table 2 - JD") + 1
    r = kg("review", PID, "--corpus", corpus)
    assert r.exit_code == 1 and f"curation.yaml:{line}:" in r.output and "note:" in r.output
    assert path.read_text(encoding="utf-8") == text


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


def test_review_keeps_what_kg_does_not_use(curated):
    corpus, _, path = curated
    doc = yaml.safe_load(path.read_text())
    doc["checked_with"] = "Table 2 of the supplement"
    doc["facts"][3]["note"] = "dose confirmed in table 2"
    doc["facts"][3]["my_flag"] = True
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    assert kg("review", PID, "--corpus", corpus).exit_code == 0
    again = yaml.safe_load(path.read_text())
    assert again["checked_with"] == "Table 2 of the supplement"
    kept = next(e for e in again["facts"] if e["id"] == doc["facts"][3]["id"])
    assert kept["note"] == "dose confirmed in table 2" and kept["my_flag"] is True
    assert again["add"][0]["id"].startswith("added-") and again["add"][0]["agent"] == "paracetamol"
