"""The IRI scheme: namespaces used in the graph, and the IRIs of papers and of their named graphs."""
from __future__ import annotations

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
