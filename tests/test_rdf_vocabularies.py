"""The paper graphs use Web Annotation, PROV-O, QUDT and DCTERMS as their specifications say."""
import hashlib
from dataclasses import replace

import pytest
import rdflib
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from kg.graph.rdf import Activity, paper_quads, source_date, to_nquads

OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
QUDT = rdflib.Namespace("http://qudt.org/schema/qudt/")
I = rdflib.Namespace("https://w3id.org/icans-kg/ontology#")
PAPER = "pmid35896259"


@pytest.fixture(scope="module")
def graph(built):
    ds = rdflib.Dataset().parse(built / "rdf" / f"{PAPER}.nq", format="nquads")
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads():
        g.add((s, p, o))
    return g


@pytest.fixture(scope="module")
def text(repo):
    return (repo / "corpus" / "papers" / PAPER / "paper.txt").read_text(encoding="utf-8")


def facts(g):
    return {s for s in g.subjects(I.evidence, None)}


def test_every_fact_has_an_annotation_on_the_exact_text(graph, text):
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = rdflib.URIRef(f"https://w3id.org/icans-kg/id/paper/{PAPER}/text/sha256/{sha}")
    assert (source, DCTERMS.isFormatOf, rdflib.URIRef(f"https://w3id.org/icans-kg/id/paper/{PAPER}")) in graph
    assert (source, I.textSha256, rdflib.Literal(sha)) in graph
    found = facts(graph)
    assert len(found) > 50
    for fact in found:
        target = graph.value(fact, I.evidence)
        annotations = [a for a in graph.subjects(OA.hasBody, fact) if (a, OA.hasTarget, target) in graph]
        assert len(annotations) == 1, fact
        a = annotations[0]
        assert (a, RDF.type, OA.Annotation) in graph and graph.value(a, OA.motivatedBy) == OA.describing
        assert graph.value(a, DCTERMS.creator) == graph.value(fact, PROV.wasAttributedTo)
        assert (target, RDF.type, OA.SpecificResource) in graph
        assert graph.value(target, OA.hasSource) == source


def test_selectors_anchor_the_quote_in_the_text(graph, text):
    selectors = list(graph.subjects(RDF.type, OA.TextQuoteSelector))
    assert len(selectors) > 50
    for q in selectors:
        target = next(graph.subjects(OA.hasSelector, q))
        pos = next(p for p in graph.objects(target, OA.hasSelector) if (p, RDF.type, OA.TextPositionSelector) in graph)
        start, end = graph.value(pos, OA.start), graph.value(pos, OA.end)
        assert start.datatype == end.datatype == XSD.nonNegativeInteger
        start, end = int(start), int(end)
        assert text[start:end] == str(graph.value(q, OA.exact))
        prefix, suffix = str(graph.value(q, OA.prefix)), str(graph.value(q, OA.suffix))
        assert text[:start].endswith(prefix) and text[end:].startswith(suffix)
        assert len(prefix) == min(32, start) and len(suffix) == min(32, len(text) - end)
    # "hydrocortisone" occurs many times; the prefix and suffix tell the occurrences apart
    hc = [q for q in selectors if str(graph.value(q, OA.exact)) == "hydrocortisone"]
    assert len(hc) > 1 and len({(str(graph.value(q, OA.prefix)), str(graph.value(q, OA.suffix))) for q in hc}) == len(hc)


def test_provenance_names_the_software_agent_and_the_activity(graph):
    agents = set(graph.subjects(RDF.type, PROV.SoftwareAgent))
    assert len(agents) == 1
    agent = agents.pop()
    assert str(graph.value(agent, RDFS.label)).startswith("icans-annotator/")
    (act,) = set(graph.subjects(RDF.type, PROV.Activity))
    assert graph.value(act, PROV.wasAssociatedWith) == agent
    assert len(str(graph.value(act, I.codeVersion))) == 16 and len(str(graph.value(act, I.ontologyVersion))) == 16
    assert all(graph.value(f, PROV.wasGeneratedBy) == act for f in facts(graph))
    assert graph.value(act, PROV.endedAtTime) is None     # no SOURCE_DATE_EPOCH in this build: no time at all


def test_source_date_epoch_dates_the_activity(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date() == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert source_date() is None


def test_doses_are_qudt_quantity_values(graph):
    admins = list(graph.subjects(RDF.type, I.Administration))
    with_dose = [a for a in admins if graph.value(a, I.doseValue) is not None]
    assert len(with_dose) > 5
    for a in with_dose:
        q = graph.value(a, I.dose)
        assert (q, RDF.type, QUDT.QuantityValue) in graph
        assert graph.value(q, QUDT.numericValue) == graph.value(a, I.doseValue)
        unit = graph.value(q, QUDT.hasUnit)
        if str(graph.value(a, I.doseUnitCode)) == "mg":
            assert unit == rdflib.URIRef("http://qudt.org/vocab/unit/MilliGM")
            assert graph.value(unit, QUDT.ucumCode) == rdflib.Literal("mg", datatype=QUDT.UCUMcs)


def test_publisher_is_an_agent(graph):
    pub = graph.value(rdflib.URIRef(f"https://w3id.org/icans-kg/id/paper/{PAPER}"), DCTERMS.publisher)
    assert isinstance(pub, rdflib.URIRef)
    assert (pub, RDF.type, FOAF.Organization) in graph
    assert str(graph.value(pub, FOAF.name)) == "International Institute of Anticancer Research"


def test_died_is_written_only_when_known(repo):
    """Unknown stays absent: died=None writes nothing; only a stated death or survival writes true/false."""
    from kg.curation.paper import machine_facts
    from kg.graph.links import linked_meta
    from kg.ingest.corpus import load_corpus
    from kg.ontology import load_ontology

    onto = load_ontology()
    paper = load_corpus(repo / "corpus")[0]
    f = machine_facts(paper, linked_meta(paper, {}), repo / "corpus", onto)[1]
    died = "https://w3id.org/icans-kg/ontology#died"
    for value, expected in ((None, set()), (False, {'"false"'}), (True, {'"true"'})):
        subjects = tuple(replace(s, died=value) for s in f.subjects)
        lines = to_nquads(paper_quads(replace(f, subjects=subjects), onto, Activity("a/1"))).decode().splitlines()
        got = {ln.split(f"<{died}> ")[1].split("^^")[0] for ln in lines if f"<{died}>" in ln}
        assert got == expected


def test_a_reproducible_build_dates_its_activity(repo):
    """With SOURCE_DATE_EPOCH the activity carries that time; the same input gives the same bytes."""
    from kg.curation.paper import machine_facts
    from kg.graph.links import linked_meta
    from kg.ingest.corpus import load_corpus
    from kg.ontology import load_ontology

    onto = load_ontology()
    paper = load_corpus(repo / "corpus")[0]
    f = machine_facts(paper, linked_meta(paper, {}), repo / "corpus", onto)[1]
    act = Activity("icans-annotator/test", "c0de", "0n70", "k3y", "2023-11-14T22:13:20Z")
    data = to_nquads(paper_quads(f, onto, act, paper.text))
    assert data == to_nquads(paper_quads(f, onto, act, paper.text))
    line = next(ln for ln in data.decode().splitlines() if "endedAtTime" in ln)
    assert line.startswith(f"<https://w3id.org/icans-kg/id/paper/{PAPER}/activity/k3y> ")
    assert '"2023-11-14T22:13:20Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in line
