"""Every RDF output parses in independent implementations; the other exports load in networkx and igraph.

Raptor (``rapper``, C) and Serd (``serdi``, C) read the N-Quads, TriG and Turtle; rdflib
(Python) reads those and the JSON-LD, and pyld (the JSON-LD reference algorithms in Python)
turns the JSON-LD back into exactly the N-Quads. Raptor has no JSON-LD parser. Apache Jena's
riot was tried: Debian's libapache-jena-java 4.5 fails at start-up (an XSD datatype
initialisation error inside its bundled Xerces) whatever the classpath, and PyPI has no riot.
"""
import csv
import json
import os
import shutil
import subprocess

import pytest
import rdflib
from pyoxigraph import RdfFormat, parse

from kg.ontology import ontology_files

FORMATS = {".nq": ("nquads", RdfFormat.N_QUADS), ".trig": ("trig", RdfFormat.TRIG), ".ttl": ("turtle", RdfFormat.TURTLE)}


def rdf_outputs(out):
    files = sorted([*(out / "rdf").glob("*.nq"), *(out / "nanopub").glob("*.trig"), *ontology_files()])
    assert {f.suffix for f in files} == {".nq", ".trig", ".ttl"}
    return files


def _tool(name):
    if shutil.which(name):
        return name
    if os.environ.get("CI"):
        pytest.fail(f"{name} must be installed in CI (.ci/run installs it)")
    pytest.skip(f"{name} not installed")


def count(path) -> int:
    return sum(1 for _ in parse(path=str(path), format=FORMATS[path.suffix][1]))


def test_raptor_reads_every_rdf_output(built):
    rapper = _tool("rapper")
    for f in rdf_outputs(built):
        res = subprocess.run([rapper, "-c", "-i", FORMATS[f.suffix][0], str(f)], capture_output=True, text=True)
        assert res.returncode == 0 and "Error" not in res.stderr, (f, res.stderr)
        assert f"returned {count(f)} " in res.stderr, (f, res.stderr)


def test_serd_reads_every_rdf_output(built):
    serdi = _tool("serdi")
    for f in rdf_outputs(built):
        res = subprocess.run([serdi, "-i", FORMATS[f.suffix][0], "-o", "nquads", str(f)], capture_output=True, text=True)
        assert res.returncode == 0 and not res.stderr, (f, res.stderr)
        assert len(res.stdout.splitlines()) == count(f), f


def test_validators_reject_a_broken_file(tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_text('<https://example.org/s> <https://example.org/p> "unterminated .\n', encoding="utf-8")
    assert subprocess.run([_tool("rapper"), "-c", "-i", "nquads", str(bad)], capture_output=True).returncode != 0
    assert subprocess.run([_tool("serdi"), "-i", "nquads", str(bad)], capture_output=True).returncode != 0


def test_rdflib_reads_every_rdf_output(built):
    for f in [*rdf_outputs(built), *(built / "jsonld").glob("*.jsonld")]:
        fmt = {".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".jsonld": "json-ld"}[f.suffix]
        ds = rdflib.Dataset()
        ds.parse(f, format=fmt)
        n = sum(1 for _ in ds.quads())
        assert n == (count(built / "rdf" / f"{f.stem}.nq") if f.suffix == ".jsonld" else count(f)), f


def test_pyld_round_trips_the_json_ld_to_the_same_quads(built):
    from pyld import jsonld

    docs = sorted((built / "jsonld").glob("*.jsonld"))
    assert docs
    for doc in docs:
        data = json.loads(doc.read_text(encoding="utf-8"))
        assert "@context" in data and data["@context"]["icans"] == "https://w3id.org/icans-kg/ontology#"
        assert any(k.startswith("icans:") for node in data["@graph"] for k in node)     # compact, not expanded
        back = jsonld.to_rdf(data, {"format": "application/n-quads"})
        got = set(parse(back.encode("utf-8"), format=RdfFormat.N_QUADS))
        assert got == set(parse(path=str(built / "rdf" / f"{doc.stem}.nq"), format=RdfFormat.N_QUADS))


def test_one_nanopublication_per_finding(built):
    NP = "http://www.nanopub.org/nschema#"
    nq = built / "rdf" / "pmid35896259.nq"
    findings = {q.subject.value for q in parse(path=str(nq), format=RdfFormat.N_QUADS)
                if q.object.value == "https://w3id.org/icans-kg/ontology#TreatmentFinding"}
    quads = list(parse(path=str(built / "nanopub" / "pmid35896259.trig"), format=RdfFormat.TRIG))
    graphs = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    pubs = {q.subject.value for q in quads if q.object.value == NP + "Nanopublication"}
    assert len(pubs) == len(findings) > 5
    for np_iri in pubs:
        head = graphs[np_iri + "#head"]
        parts = {q.predicate.value[len(NP):]: q.object.value for q in head if q.predicate.value.startswith(NP + "has")}
        assert set(parts) == {"hasAssertion", "hasProvenance", "hasPublicationInfo"} and len(head) == 4
        assertion, provenance, info = (graphs[parts[k]] for k in ("hasAssertion", "hasProvenance", "hasPublicationInfo"))
        assert {q.subject.value for q in assertion} == {np_iri[:-len("/np")]} <= findings
        assert any(q.subject.value == parts["hasAssertion"] and q.predicate.value.endswith("wasQuotedFrom")
                   for q in provenance)
        assert any(q.object.value == "http://www.w3.org/ns/oa#TextQuoteSelector" for q in provenance)
        assert any(q.subject.value == np_iri and q.predicate.value.endswith("wasAttributedTo") for q in info)


def test_kgx_tables_load_in_networkx_and_igraph(built):
    import igraph
    import networkx as nx
    import pandas as pd

    nodes = pd.read_csv(built / "kgx" / "nodes.tsv", sep="\t", dtype=str, keep_default_na=False)
    edges = pd.read_csv(built / "kgx" / "edges.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(nodes.columns[:3]) == ["id", "category", "name"]
    assert list(edges.columns[:4]) == ["id", "subject", "predicate", "object"]
    assert nodes["id"].is_unique and edges["id"].is_unique
    assert set(edges["subject"]) | set(edges["object"]) <= set(nodes["id"])
    assert {"biolink:mentions", "biolink:applied_to_treat"} <= set(edges["predicate"])
    assert set(nodes["category"]) <= {"biolink:JournalArticle", "biolink:Drug", "biolink:ChemicalEntity",
                                      "biolink:Treatment", "biolink:Disease", "biolink:NamedThing"}
    g = nx.from_pandas_edgelist(edges, "subject", "object", edge_attr=True, create_using=nx.MultiDiGraph)
    assert g.number_of_edges() == len(edges)
    ig = igraph.Graph.DataFrame(edges[["subject", "object", *edges.columns.drop(["subject", "object"])]],
                                directed=True, use_vids=False,    # string ids, not 0..n-1
                                vertices=nodes.rename(columns={"name": "label"}))   # igraph keeps ids as "name"
    assert (ig.vcount(), ig.ecount()) == (len(nodes), len(edges))
    treats = [e for e in ig.es if e["predicate"] == "biolink:applied_to_treat"]
    assert treats and all(ig.vs[e.target]["name"] == "icans:ICANS" for e in treats)
    with open(built / "kgx" / "edges.tsv", encoding="utf-8", newline="") as f:    # plain csv reads it too
        assert len(list(csv.DictReader(f, delimiter="\t"))) == len(edges)
