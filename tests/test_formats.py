"""kg add in the formats papers come in: PubMed XML, JATS/PMC, BioC XML and JSON."""
import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.views.query import load_query, run_query
from kg.views.results import format_result

from .conftest import DATA

FORMATS = DATA / "formats"


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(out, name):
    return list(csv.DictReader(io.StringIO(format_result(run_query(out, load_query(name)), "csv"))))


@pytest.fixture(scope="module")
def fbuilt(tmp_path_factory):
    base = tmp_path_factory.mktemp("formats")
    corpus, out = base / "corpus", base / "out"
    outputs = []
    for name in ("pubmed.xml", "jats.xml", "bioc.xml", "bioc.json"):
        r = kg("add", FORMATS / name, "--corpus", corpus)
        assert r.exit_code == 0, r.output
        outputs.append(r.output)
    assert kg("build", "--corpus", corpus, "--out", out).exit_code == 0
    return corpus, out, "".join(outputs)


def test_ids_and_metadata(fbuilt):
    corpus, _, output = fbuilt
    lines = output.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["added pmid11111111", "added pmid33333333", "added pmid44444444",
                                                      "added pmid55555555", "added pmid66666666"]
    assert all(line.endswith(f"characters) to {corpus}") for line in lines)
    meta = json.loads((corpus / "papers" / "pmid44444444" / "meta.json").read_text())
    assert (meta["pmcid"], meta["doi"], meta["year"], meta["authors"]) == ("PMC9999999", "10.1000/jats.0002", 2024, ["Lee A"])
    assert meta["references"][1] == {"n": 2, "title": "Gazeau N, et al", "doi": "10.1000/test.0001", "pmid": ""} \
        or meta["references"][1]["doi"] == "10.1000/test.0001"
    assert (corpus / "papers" / "pmid44444444" / "source.xml").exists()
    assert json.loads((corpus / "papers" / "pmid11111111" / "meta.json").read_text())["journal"] == "Test Journal of Cell Therapy"


def test_facts_from_every_format(fbuilt):
    _, out, _ = fbuilt
    patients = {(r["paper"], r["subject"]): r for r in rows(out, "patients")}
    assert patients[("pmid44444444", "patient")]["cell_therapy"] == "axicabtagene ciloleucel"
    assert patients[("pmid55555555", "patient")]["diagnosis"] == "multiple myeloma"
    assert patients[("pmid66666666", "patient")]["age"] == "33"
    rr = {(r["paper"], r["agents"]) for r in rows(out, "refractory_responders")}
    assert {("pmid44444444", "siltuximab"), ("pmid55555555", "ruxolitinib"), ("pmid11111111", "anakinra")} <= rr
    admins = {(r["paper"], r["agent"], r["dose_value"], r["dose_unit"], r["route"], r["day"]) for r in rows(out, "administrations")}
    assert ("pmid66666666", "dexamethasone", "8", "mg", "intrathecal", "6") in admins


def test_citations_carry_doi_title_and_corpus_links(fbuilt):
    _, out, _ = fbuilt
    cites = {(r["paper"], r["ref"]): r for r in rows(out, "citations")}
    assert cites[("pmid44444444", "1")]["doi"] == "10.1000/ref.0001"
    assert cites[("pmid44444444", "1")]["title"] == "Consensus grading of CRS and ICANS"
    assert cites[("pmid55555555", "2")]["doi"] == "10.1000/rux.0003"
    linked = run_query(out, """PREFIX cito: <http://purl.org/spar/cito/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?from ?to WHERE { ?p cito:cites ?r . ?r cito:cites ?q .
          ?p dcterms:identifier ?from . ?q dcterms:identifier ?to }""")
    assert ("pmid44444444", "pmid11111111") in linked.rows


def test_malformed_and_unknown_inputs(tmp_path):
    corpus = tmp_path / "corpus"
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes((FORMATS / "pubmed.xml").read_bytes()[:1500])
    r = kg("add", truncated, "--corpus", corpus)
    assert r.exit_code == 1 and "malformed XML" in r.output and "cut.xml:" in r.output
    other = tmp_path / "other.xml"
    other.write_text("<svg><g/></svg>")
    r = kg("add", other, "--corpus", corpus)
    assert r.exit_code == 1 and "XML of an unknown kind" in r.output
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;">]>'
                    '<PubmedArticleSet>&y;</PubmedArticleSet>')
    r = kg("add", bomb, "--corpus", corpus)
    assert r.exit_code == 1 and "refused XML" in r.output
    assert not corpus.exists() or not any((corpus / "papers").iterdir())


def test_format_override_and_replace(tmp_path):
    corpus = tmp_path / "corpus"
    src = tmp_path / "looks.xml"
    shutil.copy(FORMATS / "jats.xml", src)
    r = kg("add", src, "--corpus", corpus, "--format", "text", "--id", "raw")
    assert r.exit_code == 0
    assert (corpus / "papers" / "raw" / "paper.txt").read_bytes() == src.read_bytes()
    r = kg("add", FORMATS / "jats.xml", "--corpus", corpus, "--id", "raw")
    assert r.exit_code == 1 and "--replace" in r.output
    r = kg("add", FORMATS / "jats.xml", "--corpus", corpus, "--id", "raw", "--replace")
    assert r.exit_code == 0 and (corpus / "papers" / "raw" / "source.xml").exists()


def test_plain_text_reference_section(tmp_path):
    paper = tmp_path / "refs.txt"
    paper.write_text(
        "Case 1\nA 50-year-old man received IT methotrexate 12 mg on day 9 and improved [1], as others saw [2].\n\n"
        "References\n1. Smith J, Doe A. Intrathecal therapy for ICANS. J Test. 2020;1:1-2. doi:10.1000/xyz.1\n"
        "2. Lee K. Anakinra in neurotoxicity: a series.\n   Blood Adv. 2021. PMID: 12345678\n", encoding="utf-8")
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    assert kg("add", paper, "--corpus", corpus).exit_code == 0
    assert kg("build", "--corpus", corpus, "--out", out).exit_code == 0
    cites = {r["ref"]: r for r in rows(out, "citations")}
    assert cites["1"]["doi"] == "10.1000/xyz.1" and cites["1"]["title"] == "Intrathecal therapy for ICANS"
    assert cites["2"]["title"] == "Anakinra in neurotoxicity: a series"
    mentions = json.loads((out / "mentions" / "refs.json").read_text())["mentions"]
    assert not any(m["label"] == "CITATION" and m["start"] > paper.read_text().index("References") for m in mentions)
