"""Facts -> RDF: one named graph per paper, content-derived IRIs, sorted N-Quads.

Every fact points to its evidence (Web Annotation selectors with start/end offsets and
the exact quote, plus the sentence) and to the agent that produced it (PROV): the annotator
version, or the curator (a ``prov:Person``, its IRI the ORCID iD when known). A curated fact
that replaces a machine fact is ``prov:wasRevisionOf`` that machine fact's IRI (the IRI a
build without the curation file gives it).
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from ..ontology import NS, Ontology
from .iris import BIBO, CITO, DCT, FABIO, ID, OA, PROV, QUDT_UNIT, RDF, RDFS, XSD, graph_iri, paper_iri

if TYPE_CHECKING:   # the writer only reads the records; importing kg.facts would load spaCy
    from ..curation.apply import Provenance
    from ..facts import Evidence, PaperFacts

ORCID_IRI = "https://orcid.org/"


def _h(*parts) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:12]


def _lit(v) -> Literal:
    if isinstance(v, bool):
        return Literal("true" if v else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(v, int):
        return Literal(str(v), datatype=NamedNode(XSD + "integer"))
    if isinstance(v, float):
        return Literal(repr(v), datatype=NamedNode(XSD + "decimal"))
    return Literal(str(v))


def fact_iri(paper: str, kind: str, r) -> str:
    """The IRI of a fact record of type ``kind`` (subject, administration, finding, grade, outcome, csf)."""
    if kind == "subject":
        return f"{paper}/subject/{quote(r.key, safe='')}"
    if kind == "administration":
        return f"{paper}/administration/{_h(r.subject, r.agent, r.dose_value, r.dose_unit, r.route, r.day, r.evidence.start)}"
    if kind == "finding":
        return f"{paper}/finding/{quote(r.key, safe='')}"
    if kind == "grade":
        return f"{paper}/grade/{_h(r.subject, r.syndrome, r.grade, r.day, r.evidence.start)}"
    if kind == "outcome":
        return f"{paper}/outcome/{_h(r.subject, r.outcome, r.day, r.evidence.start)}"
    return f"{paper}/csf/{_h(r.subject, r.day, r.opening_pressure, r.lymphocytes, r.evidence.start)}"


class FactIris:
    """The IRIs a paper's graph gives its fact records: ``iris("grade", g)``; the views and the synthesis use it too.

    A curated revision of a subject or finding (whose IRIs come from keys) gets its own IRI.
    """

    def __init__(self, paper_id: str, prov: Provenance | None = None):
        self.paper = paper_iri(paper_id)
        self.revised = dict(prov.revisions) if prov else {}   # curated record -> machine record

    def __call__(self, kind: str, r) -> str:
        iri = fact_iri(self.paper, kind, r)
        machine = self.revised.get(r)
        if machine is not None and fact_iri(self.paper, kind, machine) == iri:
            iri += "-curated"
        return iri


class _Writer:
    def __init__(self, facts: PaperFacts, onto: Ontology, annotator: str, prov: Provenance | None = None):
        self.f = facts
        self.onto = onto
        self.g = NamedNode(graph_iri(facts.paper_id))
        self.paper = paper_iri(facts.paper_id)
        self.annotator = NamedNode(f"{ID}agent/{quote(annotator, safe='')}")
        self.quads: set[Quad] = set()
        self.curators = dict(prov.curators) if prov else {}
        self.iris = FactIris(facts.paper_id, prov)
        self.revised = self.iris.revised

    def iri_of(self, kind: str, r) -> str:
        """A fact's IRI (see FactIris)."""
        return self.iris(kind, r)

    def curator(self, handle: str) -> str:
        """The curator's agent IRI (their ORCID iD when known), described once in the graph."""
        cur = self.curators.get(handle)
        name, orcid = (cur.name, cur.orcid) if cur else (handle, "")
        agent = ORCID_IRI + orcid if orcid else f"{ID}agent/curator/{quote(name, safe='')}"
        self.iri(agent, RDF + "type", PROV + "Agent")
        self.iri(agent, RDF + "type", PROV + "Person")
        self.add(agent, RDFS + "label", name)
        return agent

    def add(self, s: str, p: str, o) -> None:
        if o is None:
            return
        obj = o if isinstance(o, (NamedNode, Literal)) else _lit(o)
        self.quads.add(Quad(NamedNode(s), NamedNode(p), obj, self.g))

    def iri(self, s: str, p: str, o: str | None) -> None:
        if o:
            self.quads.add(Quad(NamedNode(s), NamedNode(p), NamedNode(o), self.g))

    def term(self, tid: str | None) -> str | None:
        return NS + tid if tid else None

    def route(self, code: str | None) -> str | None:
        if not code:
            return None
        t = self.onto.by_code("route", code)
        return t.iri if t else None

    def evidence(self, ev: Evidence) -> str:
        e = f"{self.paper}/evidence/{ev.start}-{ev.end}"
        self.iri(e, RDF + "type", NS + "Evidence")
        self.iri(e, OA + "hasSource", self.paper)
        self.iri(e, OA + "hasSelector", e + "#position")
        self.iri(e + "#position", RDF + "type", OA + "TextPositionSelector")
        self.add(e + "#position", OA + "start", ev.start)
        self.add(e + "#position", OA + "end", ev.end)
        self.iri(e, OA + "hasSelector", e + "#quote")
        self.iri(e + "#quote", RDF + "type", OA + "TextQuoteSelector")
        self.add(e + "#quote", OA + "exact", ev.quote)
        self.add(e, NS + "sentence", ev.sentence)
        self.add(e, NS + "sentenceStart", ev.sent_start)
        self.add(e, NS + "sentenceEnd", ev.sent_end)
        return e

    def fact(self, iri: str, cls: str, ev: Evidence, curator: str | None = None, record=None,
             kind: str = "") -> None:
        self.iri(iri, RDF + "type", NS + cls)
        self.iri(iri, PROV + "wasDerivedFrom", self.paper)
        if curator:
            self.iri(iri, PROV + "wasAttributedTo", self.curator(curator))
            self.add(iri, NS + "curated", True)
            machine = self.revised.get(record) if record is not None else None
            if machine is not None:
                self.iri(iri, PROV + "wasRevisionOf", fact_iri(self.paper, kind, machine))
        else:
            self.quads.add(Quad(NamedNode(iri), NamedNode(PROV + "wasAttributedTo"), self.annotator, self.g))
        self.iri(iri, NS + "evidence", self.evidence(ev))

    def agents_label(self, agents) -> str:
        return "+".join(sorted(self.onto.terms[a].label.lower() for a in agents))

    def write(self) -> list[Quad]:
        f, P = self.f, self.paper
        meta = f.meta
        self.iri(P, RDF + "type", FABIO + "JournalArticle")
        if any(s.kind == "patient" and not s.source for s in f.subjects):
            self.iri(P, RDF + "type", FABIO + "CaseReport")
        self.add(P, DCT + "identifier", f.paper_id)
        for key, pred in (("title", DCT + "title"), ("doi", BIBO + "doi"), ("pmid", BIBO + "pmid"),
                          ("pmcid", NS + "pmcid"), ("journal", NS + "journal"), ("publisher", DCT + "publisher")):
            if meta.get(key):
                self.add(P, pred, str(meta[key]))
        if meta.get("year"):
            self.quads.add(Quad(NamedNode(P), NamedNode(FABIO + "hasPublicationYear"),
                                Literal(str(meta["year"]), datatype=NamedNode(XSD + "gYear")), self.g))
        for i, a in enumerate(meta.get("authors") or []):
            self.add(P, DCT + "creator", a)
        if meta.get("text_sha256"):
            self.add(P, NS + "textSha256", meta["text_sha256"])
        refs: dict[int, dict] = {int(r["n"]): r for r in meta.get("references") or [] if r.get("n") is not None}
        for c in f.citations:
            for n in c.refs:
                refs.setdefault(n, {"n": n})
        for n, r in refs.items():
            ref = f"{P}/ref/{n}"
            self.iri(ref, RDF + "type", NS + "Reference")
            self.add(ref, NS + "refNumber", n)
            self.iri(P, CITO + "cites", ref)
            if r.get("doi"):
                self.add(ref, BIBO + "doi", r["doi"])
            if r.get("pmid"):
                self.add(ref, BIBO + "pmid", str(r["pmid"]))
            if r.get("title"):
                self.add(ref, DCT + "title", r["title"])
            if r.get("paper_iri"):
                self.iri(ref, CITO + "cites", r["paper_iri"])
        for c in f.citations:
            for n in c.refs:
                self.iri(f"{P}/ref/{n}", NS + "citedAt", self.evidence(c.evidence))
        subj_iri = {s.key: self.iri_of("subject", s) for s in f.subjects}
        finding_iri = {x.key: self.iri_of("finding", x) for x in f.findings}
        for s in f.subjects:
            si = subj_iri[s.key]
            self.fact(si, "Patient" if s.kind == "patient" else "Cohort", s.evidence, s.curator, s, "subject")
            self.add(si, RDFS + "label", s.label)
            self.iri(si, NS + "inPaper", P)
            if s.source:
                self.add(si, NS + "sourceLabel", ";".join(map(str, s.source)))
                for n in s.source:
                    self.iri(si, NS + "source", f"{P}/ref/{n}")
            self.add(si, NS + "age", s.age)
            self.add(si, NS + "sex", s.sex)
            self.iri(si, NS + "diagnosis", self.term(s.diagnosis))
            self.iri(si, NS + "cellTherapy", self.term(s.cell_therapy))
            self.add(si, NS + "died", s.died)
            self.add(si, NS + "size", s.size)
        for a in f.administrations:
            ai = self.iri_of("administration", a)
            self.fact(ai, "Administration", a.evidence, a.curator, a, "administration")
            self.iri(ai, NS + "subject", subj_iri.get(a.subject))
            self.iri(ai, NS + "agent", self.term(a.agent))
            self.add(ai, NS + "doseValue", a.dose_value)
            if a.dose_unit:
                self.add(ai, NS + "doseUnitCode", a.dose_unit)
                unit = self.onto.by_code("unit", a.dose_unit)
                qudt = next((iri for p, iri in unit.matches if iri.startswith(QUDT_UNIT)), None) if unit else None
                self.iri(ai, NS + "doseUnit", qudt or (unit.iri if unit else None))
            self.iri(ai, NS + "route", self.route(a.route))
            self.add(ai, NS + "day", a.day)
            self.add(ai, NS + "doseValueMax", a.dose_max)
            self.add(ai, NS + "doseFrequency", a.frequency)
            self.add(ai, NS + "doseDuration", a.duration)
        for x in f.findings:
            fi = finding_iri[x.key]
            self.fact(fi, "TreatmentFinding", x.evidence, x.curator, x, "finding")
            self.iri(fi, NS + "subject", subj_iri.get(x.subject))
            for a in x.agents:
                self.iri(fi, NS + "agent", self.term(a))
            self.add(fi, NS + "agentsLabel", self.agents_label(x.agents))
            self.iri(fi, NS + "route", self.route(x.route))
            self.add(fi, NS + "forRefractoryICANS", x.refractory)
            self.add(fi, NS + "setting", x.setting)
            if x.outcome_evidence is not None and x.outcome_evidence != x.evidence:
                self.iri(fi, NS + "outcomeEvidence", self.evidence(x.outcome_evidence))
            self.add(fi, NS + "treated", x.treated)
            self.add(fi, NS + "responders", x.responders)
            if x.outcome:
                t = self.onto.by_code("outcome", x.outcome)
                self.iri(fi, NS + "outcome", t.iri if t else None)
            self.add(fi, NS + "startDay", x.start_day)
            self.add(fi, NS + "responseDay", x.response_day)
            self.add(fi, NS + "daysToResponse", x.days_to_response)
        for g in f.grades:
            gi = self.iri_of("grade", g)
            self.fact(gi, "GradeAssessment", g.evidence, g.curator, g, "grade")
            self.iri(gi, NS + "subject", subj_iri.get(g.subject))
            self.iri(gi, NS + "syndrome", NS + g.syndrome)
            self.add(gi, NS + "grade", g.grade)
            self.iri(gi, NS + "gradeTerm", NS + f"{g.syndrome}Grade{g.grade}")
            self.add(gi, NS + "day", g.day)
            self.iri(gi, NS + "gradingSystem", self.term(g.system))
        for o in f.outcomes:
            oi = self.iri_of("outcome", o)
            self.fact(oi, "OutcomeObservation", o.evidence, o.curator, o, "outcome")
            self.iri(oi, NS + "subject", subj_iri.get(o.subject))
            t = self.onto.by_code("outcome", o.outcome)
            self.iri(oi, NS + "outcome", t.iri if t else None)
            self.iri(oi, NS + "syndrome", NS + o.syndrome if o.syndrome in ("ICANS", "CRS") else None)
            self.add(oi, NS + "day", o.day)
            if o.finding:
                self.iri(oi, NS + "follows", finding_iri.get(o.finding, f"{P}/finding/{quote(o.finding, safe='')}"))
        for c in f.csf:
            ci = self.iri_of("csf", c)
            self.fact(ci, "CSFFinding", c.evidence, c.curator, c, "csf")
            self.iri(ci, NS + "subject", subj_iri.get(c.subject))
            self.add(ci, NS + "day", c.day)
            self.add(ci, NS + "openingPressure", c.opening_pressure)
            self.add(ci, NS + "csfLymphocytes", c.lymphocytes)
        return sorted(self.quads, key=str)


def paper_quads(facts: PaperFacts, onto: Ontology, annotator: str, provenance: Provenance | None = None
                ) -> list[Quad]:
    """The sorted quads of one paper's named graph; ``provenance`` names curators and revised machine facts."""
    return _Writer(facts, onto, annotator, provenance).write()


def to_nquads(quads: list[Quad]) -> bytes:
    """Deterministic N-Quads: one quad a line, sorted.

    Lines end at LF only: N-Quads leaves U+2028, U+2029, U+0085 (and VT, FF) unescaped inside
    literals, and ``str.splitlines`` would cut a quad there.
    """
    lines = [line for line in serialize(quads, format=RdfFormat.N_QUADS).decode("utf-8").split("\n") if line]
    return ("\n".join(sorted(set(lines))) + "\n").encode("utf-8") if lines else b""
