"""The IRI scheme: namespaces used in the graph, and the IRIs of papers, their named graphs and their facts."""
from __future__ import annotations

import hashlib
from urllib.parse import quote

ID = "https://w3id.org/icans-kg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
CITO = "http://purl.org/spar/cito/"
FABIO = "http://purl.org/spar/fabio/"
BIBO = "http://purl.org/ontology/bibo/"
DCT = "http://purl.org/dc/terms/"
QUDT_UNIT = "http://qudt.org/vocab/unit/"
ONTOLOGY_GRAPH = ID + "graph/ontology"


def graph_iri(paper_id: str) -> str:
    return f"{ID}graph/{quote(paper_id, safe='')}"


def paper_iri(paper_id: str) -> str:
    return f"{ID}paper/{quote(paper_id, safe='')}"


def _h(*parts) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:12]


def subject_iri(paper_id: str, key: str) -> str:
    """The IRI of a subject (patient or cohort) of a paper."""
    return f"{paper_iri(paper_id)}/subject/{quote(key, safe='')}"


def finding_iri(paper_id: str, key: str) -> str:
    return f"{paper_iri(paper_id)}/finding/{quote(key, safe='')}"


def administration_iri(paper_id: str, a) -> str:
    return f"{paper_iri(paper_id)}/administration/" \
           f"{_h(a.subject, a.agent, a.dose_value, a.dose_unit, a.route, a.day, a.evidence.start)}"


def grade_iri(paper_id: str, g) -> str:
    return f"{paper_iri(paper_id)}/grade/{_h(g.subject, g.syndrome, g.grade, g.day, g.evidence.start)}"


def outcome_iri(paper_id: str, o) -> str:
    return f"{paper_iri(paper_id)}/outcome/{_h(o.subject, o.outcome, o.day, o.evidence.start)}"


def csf_iri(paper_id: str, c) -> str:
    return f"{paper_iri(paper_id)}/csf/{_h(c.subject, c.day, c.opening_pressure, c.lymphocytes, c.evidence.start)}"


def evidence_iri(paper_id: str, ev) -> str:
    return f"{paper_iri(paper_id)}/evidence/{ev.start}-{ev.end}"
