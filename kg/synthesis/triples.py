"""The synthesis as RDF: summary rows, duplicate links and ASTCT checks in one named graph.

Rebuilt by every build from the papers' records (it is corpus-wide, and a few milliseconds
of work per paper), so `kg query treatment_summary` reads precomputed rows instead of
joining and aggregating every finding of the corpus at query time.
"""
from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad

from ..graph.iris import ID, OA, PROV, RDF, RDFS, XSD, agent_iri, paper_iri
from ..ontology import NS
from .duplicates import Link
from .records import CheckRecord
from .summary import SummaryRow

SYNTHESIS_GRAPH = ID + "graph/synthesis"
ACTIVITY = ID + "activity/synthesis"
SKOS = "http://www.w3.org/2004/02/skos/core#"


class _Quads:
    def __init__(self):
        self.g = NamedNode(SYNTHESIS_GRAPH)
        self.quads: set[Quad] = set()

    def iri(self, s: str, p: str, o: str) -> None:
        self.quads.add(Quad(NamedNode(s), NamedNode(p), NamedNode(o), self.g))

    def lit(self, s: str, p: str, value, datatype: str | None = None) -> None:
        if isinstance(value, bool):
            lit = Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
        elif isinstance(value, int) and not datatype:
            lit = Literal(str(value), datatype=NamedNode(XSD + "integer"))
        elif datatype:
            lit = Literal(str(value), datatype=NamedNode(datatype))
        else:
            lit = Literal(str(value))
        self.quads.add(Quad(NamedNode(s), NamedNode(p), lit, self.g))


def _summary(q: _Quads, r: SummaryRow) -> None:
    s = r.iri
    q.iri(s, RDF + "type", NS + "TreatmentSummary")
    q.iri(s, PROV + "wasGeneratedBy", ACTIVITY)
    q.lit(s, NS + "agentsLabel", r.agents)
    q.lit(s, NS + "setting", r.setting)
    q.lit(s, NS + "summaryLevel", r.level)
    if r.term:
        q.iri(s, NS + "agent", NS + r.term)
    for name, value in (("papers", r.papers), ("subjects", r.subjects), ("treated", r.treated),
                        ("responders", r.responders)):
        q.lit(s, NS + name, value)
    for name, value in zip(("responseRate", "ciLow", "ciHigh"), r.fractions()):
        q.lit(s, NS + name, value, XSD + "decimal")
    for f in r.counted:
        q.iri(s, NS + "countedFinding", f)
    counted = set(r.counted)
    for f in r.supporting:   # the row's other findings: duplicates, no counts
        if f not in counted:
            q.iri(s, NS + "otherFinding", f)


def _link(q: _Quads, link: Link) -> None:
    i = link.iri
    q.iri(i, RDF + "type", NS + "DuplicateLink")
    q.iri(i, PROV + "wasGeneratedBy", ACTIVITY)
    q.iri(i, NS + "linkFrom", link.a)
    q.iri(i, NS + "linkTo", link.b)
    q.lit(i, NS + "linkKind", link.kind)
    q.lit(i, NS + "linkStatus", link.status)
    q.lit(i, NS + "linkScore", f"{link.score:.1f}", XSD + "decimal")
    for why in link.evidence:
        q.lit(i, NS + "matchedOn", why)
    if link.note:
        q.lit(i, RDFS + "comment", link.note)
    if not link.counted:
        return
    if link.kind == "cited_paper":
        q.iri(link.a, NS + "primaryReport", link.b)
    else:   # symmetric, and a skos:closeMatch for tools that know no icans: terms
        for a, b in ((link.a, link.b), (link.b, link.a)):
            q.iri(a, NS + "samePatientAs", b)
            q.iri(a, SKOS + "closeMatch", b)


def _check(q: _Quads, c: CheckRecord, paper: str, source: str) -> None:
    i = c.iri
    q.iri(i, RDF + "type", NS + "ASTCTCheck")
    q.iri(i, PROV + "wasGeneratedBy", ACTIVITY)
    q.iri(i, PROV + "wasDerivedFrom", paper_iri(paper))
    q.iri(i, NS + "checksGrade", c.grade)
    q.iri(i, NS + "subject", c.subject)
    q.lit(i, NS + "reportedGrade", c.reported)
    q.lit(i, NS + "recomputedGrade", c.recomputed)
    q.lit(i, NS + "astctConsistent", c.consistent)
    if c.day is not None:
        q.lit(i, NS + "day", c.day)
    for domain, grade, words in c.findings:
        q.lit(i, NS + "astctFinding", f"{domain}: {words} -> grade {grade}")
    e = i + "/evidence"   # its own node: the span runs from the findings to the grade
    q.iri(i, NS + "evidence", e)
    q.iri(e, RDF + "type", NS + "Evidence")
    q.iri(e, RDF + "type", OA + "SpecificResource")
    q.iri(e, OA + "hasSource", source)
    q.iri(e, OA + "hasSelector", e + "#position")
    q.iri(e + "#position", RDF + "type", OA + "TextPositionSelector")
    q.lit(e + "#position", OA + "start", c.start, XSD + "nonNegativeInteger")
    q.lit(e + "#position", OA + "end", c.end, XSD + "nonNegativeInteger")
    q.iri(e, OA + "hasSelector", e + "#quote")
    q.iri(e + "#quote", RDF + "type", OA + "TextQuoteSelector")
    q.lit(e + "#quote", OA + "exact", c.quote)
    q.lit(e, NS + "sentence", c.sentence)
    q.lit(e, NS + "sentenceStart", c.sent_start, XSD + "nonNegativeInteger")
    q.lit(e, NS + "sentenceEnd", c.sent_end, XSD + "nonNegativeInteger")


def synthesis_quads(rows: list[SummaryRow], links: list[Link], checks: list[tuple[str, str, CheckRecord]],
                    annotator: str) -> list[Quad]:
    """The quads of the synthesis graph; ``checks`` are (paper id, the IRI of its text, check); ``annotator`` is
    the software (name/version) of the build, the agent of the synthesis activity as of every paper's."""
    q = _Quads()
    q.iri(ACTIVITY, RDF + "type", PROV + "Activity")
    q.lit(ACTIVITY, RDFS + "label", "kg build: treatment summaries, duplicate links, ASTCT checks")
    q.iri(ACTIVITY, PROV + "wasAssociatedWith", agent_iri(annotator))
    q.lit(ACTIVITY, NS + "annotatorVersion", annotator)
    for r in rows:
        _summary(q, r)
    for link in links:
        _link(q, link)
    for paper, source, c in checks:
        _check(q, c, paper, source)
    return list(q.quads)   # unordered: to_nquads writes them sorted
