"""kg build on the shipped corpus: queries, determinism, validation, failure safety."""
import csv
import io
import json

import pytest

from kg.build import build
from kg.errors import BuildError, QueryError, StoreMissingError
from kg.views.query import load_query, query_names, run_query
from kg.views.results import format_result
from kg.graph.validate import validate_nquads

COLUMNS = {
    "refractory_responders": "paper source subject agents route responders treated",
    "administrations": "paper source subject agent dose_value dose_unit route day",
    "grade_course": "paper subject syndrome grade day",
    "time_to_response": "paper subject agents treatment_day response_day days_to_response",
    "cited_studies": "paper source agents route treated responders outcome",
    "patients": "paper subject age sex diagnosis cell_therapy max_icans_grade max_crs_grade died",
    "csf_findings": "paper subject day opening_pressure_cmh2o csf_lymphocytes",
    "citations": "paper ref doi title",
}


def rows(out, name):
    text = format_result(run_query(out, load_query(name)), "csv")
    return list(csv.reader(io.StringIO(text)))


def test_every_competency_question_answers_with_the_contract_header(built):
    assert set(COLUMNS) <= set(query_names())
    for name, cols in COLUMNS.items():
        # the contract's columns first, in order; a question may add columns after them ("fact")
        assert rows(built, name)[0][:len(cols.split())] == cols.split(), name


@pytest.mark.parametrize("name", ["refractory_responders", "administrations", "citations"])
def test_seed_paper_has_rows(built, name):
    assert any(r[0] == "pmid35896259" for r in rows(built, name)[1:])


def test_seed_refractory_responders_are_the_intrathecal_cases(built):
    got = {tuple(r[:7]) for r in rows(built, "refractory_responders")[1:] if r[1] == ""}
    assert got == {("pmid35896259", "", "Case 1", "hydrocortisone+methotrexate", "intrathecal", "1", "1"),
                   ("pmid35896259", "", "Case 2", "hydrocortisone+methotrexate", "intrathecal", "1", "1")}


def test_two_builds_are_byte_identical(built, corpus_copy, tmp_path):
    out2 = tmp_path / "out2"
    build(corpus_copy, out2)
    files = sorted(p.relative_to(built) for p in built.rglob("*")
                   if p.is_file() and "store" not in p.relative_to(built).parts)
    assert files, "the build wrote no files"
    for rel in files:
        assert (built / rel).read_bytes() == (out2 / rel).read_bytes(), rel


def test_graph_conforms_and_a_broken_graph_is_reported(built):
    data = (built / "rdf" / "pmid35896259.nq").read_bytes()
    assert validate_nquads(data).conforms
    broken = b"\n".join(line for line in data.split(b"\n") if b"ontology#agentsLabel" not in line)
    report = validate_nquads(broken)
    assert not report.conforms and report.violations >= 1 and "agentsLabel" in report.text


def test_evidence_lookup_returns_the_sentence(built):
    result = [r for r in rows(built, "refractory_responders")[1:] if r[2] == "Case 1"]
    finding = result[0][-1]
    r = run_query(built, load_query("evidence"), {"fact": finding})
    assert len(r.rows) == 1
    row = dict(zip(r.columns, r.rows[0]))
    text = (built.parent / "corpus" / "papers" / "pmid35896259" / "paper.txt").read_text(encoding="utf-8")
    assert text[int(row["start"]):int(row["end"])] == row["quote"]
    assert "methotrexate 12 mg" in row["sentence"]


def test_failed_build_keeps_previous_outputs(built, corpus_copy, tmp_path):
    out = tmp_path / "out"
    build(corpus_copy, out)
    before = (out / "rdf" / "pmid35896259.nq").read_bytes()
    meta = corpus_copy / "papers" / "pmid35896259" / "meta.json"
    meta.write_text('{"id": "pmid35896259",\n "year": 2022,,\n}', encoding="utf-8")
    report = build(corpus_copy, out)   # the paper is skipped, named, and keeps its last good graph
    assert report.skipped == ("pmid35896259",)
    assert any("meta.json:2:15: malformed metadata" in w and "previous graph is kept" in w for w in report.warnings)
    assert (out / "rdf" / "pmid35896259.nq").read_bytes() == before
    assert rows(out, "citations")[1][0] == "pmid35896259"
    with pytest.raises(BuildError, match=r"meta.json:2:15: malformed metadata"):
        build(corpus_copy, tmp_path / "fresh")   # nothing to fall back on
    assert not (tmp_path / "fresh").exists()


def test_build_refuses_to_overwrite_a_foreign_folder(corpus_copy, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match="not written by `kg build`"):
        build(corpus_copy, out)
    assert (out / "notes.txt").read_text() == "mine"


def test_query_errors(built, tmp_path):
    with pytest.raises(QueryError, match="unknown query 'nope'"):
        load_query("nope")
    with pytest.raises(QueryError, match=r"invalid SPARQL at line 2, column \d+"):
        run_query(built, "SELECT ?x WHERE {\n ?x ")
    with pytest.raises(StoreMissingError, match="run `kg build"):
        run_query(tmp_path / "nothing", "SELECT * WHERE { ?s ?p ?o }")


def test_build_report_counts(built):
    report = json.loads((built / "build.json").read_text())
    assert report["papers"] >= 1 and report["facts"]["administrations"] > 0
    html = (built / "html" / "paper-pmid35896259.html").read_text(encoding="utf-8")
    assert "https://" not in html.split("<script id=\"data\"")[0] or "cdn" not in html.lower()


def test_builds_do_not_depend_on_the_hash_seed(corpus_copy, tmp_path):
    """Two processes with different PYTHONHASHSEED write the same bytes (set order must never leak)."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        subprocess.run([sys.executable, "-m", "kg", "build", "--corpus", str(corpus_copy), "--out", str(out)],
                       check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED=seed))
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*")
                   if p.is_file() and "store" not in p.relative_to(outs[0]).parts)
    assert any(f.name.startswith("treatment-") for f in files)
    assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*")
                           if p.is_file() and "store" not in p.relative_to(outs[1]).parts)
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
