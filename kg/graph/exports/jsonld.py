"""One paper's named graph as JSON-LD with an ``@context``: compact, readable, the same triples.

Properties and types are compact IRIs (``icans:doseValue``, ``oa:TextQuoteSelector``) whose
prefixes the inline ``@context`` declares; literals keep their exact lexical form and
datatype (``{"@value": "12", "@type": "xsd:integer"}``), so any JSON-LD processor (pyld in
the tests) turns the file back into exactly the quads of ``rdf/ID.nq``.
"""
from __future__ import annotations

import json
from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from ...ontology import NS
from ..iris import BIBO, CITO, DCT, DCTYPES, FABIO, FOAF, ID, OA, PROV, QUDT, QUDT_UNIT, RDF, RDFS, XSD

PREFIXES = {
    "icans": NS, "id": ID, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "prov": PROV, "oa": OA, "cito": CITO,
    "fabio": FABIO, "bibo": BIBO, "dcterms": DCT, "dctypes": DCTYPES, "foaf": FOAF, "qudt": QUDT, "unit": QUDT_UNIT,
}
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
CONTEXT = dict(sorted(PREFIXES.items()))


@lru_cache(maxsize=65536)
def compact(iri: str) -> str:
    """``prefix:rest`` for an IRI in a declared namespace whose rest cannot be mistaken for anything else."""
    for prefix, base in _BY_LENGTH:
        if iri.startswith(base):
            rest = iri[len(base):]
            if rest and not rest.startswith("//") and not rest.startswith("@"):
                return f"{prefix}:{rest}"
    return iri


def _value(o) -> dict | str:
    if isinstance(o, NamedNode):
        return {"@id": compact(o.value)}
    if isinstance(o, Literal):
        if o.language:
            return {"@value": o.value, "@language": o.language}
        if o.datatype.value == XSD + "string":
            return o.value
        return {"@value": o.value, "@type": compact(o.datatype.value)}
    raise ValueError(f"unexpected term {o!r}")   # the writer makes no blank nodes


def paper_jsonld(quads) -> bytes:
    """The quads of one named graph as a JSON-LD document (UTF-8, sorted, deterministic)."""
    graphs = {q.graph_name.value for q in quads}
    nodes: dict[str, dict[str, list]] = {}
    for q in quads:
        props = nodes.setdefault(q.subject.value, {})
        if q.predicate.value == RDF + "type" and isinstance(q.object, NamedNode):
            props.setdefault("@type", []).append(compact(q.object.value))
        else:
            props.setdefault(compact(q.predicate.value), []).append(_value(q.object))
    body = [{"@id": compact(s), **{p: sorted(vs, key=_order) for p, vs in sorted(props.items())}}
            for s, props in sorted(nodes.items())]
    head = {"@context": CONTEXT} | ({"@id": compact(graphs.pop())} if len(graphs) == 1 else {})
    # one node a line; json without indent runs in C (with indent it is pure Python, 10x slower)
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "@graph": [\n' + \
        ",\n".join(json.dumps(node, ensure_ascii=False) for node in body) + "\n]}\n"
    return text.encode("utf-8")


def _order(v) -> tuple:
    if isinstance(v, str):
        return (0, v, "", "")
    return (1, v.get("@id") or v.get("@value", ""), v.get("@type", ""), v.get("@language", ""))
