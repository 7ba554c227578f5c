"""Nanopublications: one per treatment finding, as TriG (head, assertion, provenance, pubinfo graphs).

The assertion is the finding itself (its own triples: subject, agents, route, counts, outcome,
setting); the provenance says where it comes from (the text span it was extracted from, as
the same ``oa:Annotation`` and selectors the paper graph holds, and the activity that made
it); the publication info says who made the nanopublication and from which paper. The
nanopublications are not signed and carry no trusty URI: a publisher to the nanopub network
does that step (``nanopub sign``/``publish``).
"""
from __future__ import annotations

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from ...ontology import NS
from ..iris import DCT, OA, PROV, RDF
from .jsonld import PREFIXES

NP = "http://www.nanopub.org/nschema#"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def _nanopub(f: str, by_subject: dict, annotations: dict, paper: str) -> list[Quad]:
    np_iri = f"{f}/np"
    g = {k: NamedNode(f"{np_iri}#{k}") for k in ("head", "assertion", "provenance", "pubinfo")}
    out = [Quad(NamedNode(np_iri), NamedNode(RDF + "type"), NamedNode(NP + "Nanopublication"), g["head"]),
           Quad(NamedNode(np_iri), NamedNode(NP + "hasAssertion"), g["assertion"], g["head"]),
           Quad(NamedNode(np_iri), NamedNode(NP + "hasProvenance"), g["provenance"], g["head"]),
           Quad(NamedNode(np_iri), NamedNode(NP + "hasPublicationInfo"), g["pubinfo"], g["head"])]
    own = by_subject[f]
    out += [Quad(t.subject, t.predicate, t.object, g["assertion"]) for t in own
            if t.predicate.value not in (PROV + "wasGeneratedBy", PROV + "wasAttributedTo", PROV + "wasDerivedFrom")]
    A = g["assertion"]

    def prov(p: str, o) -> None:
        out.append(Quad(A, NamedNode(p), o if isinstance(o, NamedNode) else NamedNode(o), g["provenance"]))

    agent = activity = None
    for t in own:
        if t.predicate.value == PROV + "wasAttributedTo":
            agent = t.object
            prov(PROV + "wasAttributedTo", t.object)
        elif t.predicate.value == PROV + "wasGeneratedBy":
            activity = t.object
            prov(PROV + "wasGeneratedBy", t.object)
        elif t.predicate.value == PROV + "wasDerivedFrom":
            prov(PROV + "wasDerivedFrom", t.object)
    # the evidence: annotations whose body is the finding, their targets and selectors
    for a in sorted(annotations.get(f, ())):
        targets = [t.object.value for t in by_subject[a] if t.predicate.value == OA + "hasTarget"]
        for t in targets:
            prov(PROV + "wasQuotedFrom", t)
        for s in [a, *targets, *(t.object.value for tg in targets for t in by_subject.get(tg, ())
                                  if t.predicate.value == OA + "hasSelector")]:
            out += [Quad(t.subject, t.predicate, t.object, g["provenance"]) for t in by_subject.get(s, ())]
    if activity is not None:
        out += [Quad(t.subject, t.predicate, t.object, g["provenance"]) for t in by_subject.get(activity.value, ())]
    info = g["pubinfo"]
    out.append(Quad(NamedNode(np_iri), NamedNode(PROV + "wasDerivedFrom"), NamedNode(paper), info))
    out.append(Quad(NamedNode(np_iri), NamedNode(DCT + "license"), NamedNode(CC0), info))
    if agent is not None:
        out.append(Quad(NamedNode(np_iri), NamedNode(PROV + "wasAttributedTo"), agent, info))
        out.append(Quad(NamedNode(np_iri), NamedNode(DCT + "creator"), agent, info))
    if activity is not None:
        for t in by_subject.get(activity.value, ()):
            if t.predicate.value == PROV + "endedAtTime":
                out.append(Quad(NamedNode(np_iri), NamedNode(DCT + "created"), t.object, info))
    return out


def paper_nanopubs(quads) -> bytes:
    """TriG with one nanopublication per icans:TreatmentFinding of the paper graph (deterministic)."""
    by_subject: dict[str, list] = {}
    for q in quads:
        by_subject.setdefault(q.subject.value, []).append(q.triple)
    findings = sorted(q.subject.value for q in quads
                      if q.predicate.value == RDF + "type" and q.object.value == NS + "TreatmentFinding")
    annotations: dict[str, list[str]] = {}     # body -> the annotations whose body it is
    for q in quads:
        if q.predicate.value == OA + "hasBody":
            annotations.setdefault(q.object.value, []).append(q.subject.value)
    paper = next((q.object.value for q in quads if q.predicate.value == PROV + "wasDerivedFrom"), "")
    out: set[Quad] = set()
    for f in findings:
        out.update(_nanopub(f, by_subject, annotations, paper))
    if not out:
        return b""
    order = lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))   # noqa: E731
    prefixes = {k: v for k, v in PREFIXES.items() if k != "id"} | {"np": NP}   # ids stay whole IRIs: no escapes
    text = serialize(sorted(out, key=order), format=RdfFormat.TRIG, prefixes=prefixes).decode("utf-8")
    lines = text.splitlines(keepends=True)
    head = [ln for ln in lines if ln.startswith("@prefix")]
    return ("".join(sorted(head)) + "".join(lines[len(head):])).encode("utf-8")   # prefix order is the serializer's
