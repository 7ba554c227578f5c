"""Facts -> RDF: one named graph per paper, content-derived IRIs, sorted N-Quads.

Every fact points to its evidence and to what produced it, in the standard vocabularies:

- Web Annotation: each piece of evidence is an ``oa:Annotation`` whose body is the fact and
  whose target is an ``oa:SpecificResource`` (``icans:Evidence``) on the paper's exact text
  (``oa:hasSource`` = the text's IRI, named by its SHA-256), selected by an
  ``oa:TextPositionSelector`` (``xsd:nonNegativeInteger`` offsets) and an
  ``oa:TextQuoteSelector`` (exact, prefix, suffix). ``icans:evidence`` points from the fact
  to the same target: the short path the competency questions and ``kg explain`` use.
- PROV-O: facts are ``prov:wasAttributedTo`` the annotator (a ``prov:SoftwareAgent``) or a
  curator (a ``prov:Person``, its IRI the ORCID iD when known; a curated fact that replaces a
  machine fact is ``prov:wasRevisionOf`` the IRI a build without the curation file gives that
  machine fact) and ``prov:wasGeneratedBy`` the paper's ``prov:Activity``, which
  records the annotator, code and ontology versions; its time comes from ``SOURCE_DATE_EPOCH``
  when set, never from the wall clock, so the same corpus builds to the same bytes.
- QUDT: a dose is also a ``qudt:QuantityValue`` (numeric value, unit, the unit's UCUM code).
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from ..ontology import NS, Ontology
from .iris import (BIBO, CITO, DCT, DCTYPES, FABIO, FOAF, ID, OA, PROV, QUDT, QUDT_UNIT, RDF, RDFS, XSD, agent_iri,
                   graph_iri, paper_iri, text_iri)

if TYPE_CHECKING:   # the writer only reads the records; importing kg.facts would load spaCy
    from ..curation.apply import Provenance
    from ..facts import Evidence, PaperFacts

CONTEXT = 32    # characters of oa:prefix / oa:suffix (as Hypothesis anchors quotes)
ONTOLOGY_IRI = "https://w3id.org/icans-kg/ontology"
ORCID_IRI = "https://orcid.org/"


@dataclass(frozen=True)
class Activity:
    """What produced a paper's graph: the annotator and the versions it ran with, and when (if reproducible)."""

    annotator: str            # "icans-annotator/0.2.0"
    code: str = ""            # digest of the kg code (kg.build.keys.code_digest)
    ontology: str = ""        # digest of the ontology files
    key: str = ""             # the paper's build key (text, metadata, curator files, code, ontology)
    time: str | None = None   # xsd:dateTime, from SOURCE_DATE_EPOCH only


def source_date() -> str | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as an xsd:dateTime, or None when unset."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    return datetime.fromtimestamp(int(raw), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _offset(v: int) -> Literal:
    return Literal(str(v), datatype=NamedNode(XSD + "nonNegativeInteger"))


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


def slug(name: str) -> str:
    """A readable IRI segment for a name ("Elsevier B.V." -> "elsevier-b-v")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or _h(name)


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
    def __init__(self, facts: PaperFacts, onto: Ontology, activity: Activity, text: str | None,
                 prov: Provenance | None = None):
        self.f = facts
        self.onto = onto
        self.g = NamedNode(graph_iri(facts.paper_id))
        self.paper = paper_iri(facts.paper_id)
        sha = facts.meta.get("text_sha256")
        self.text_iri = text_iri(facts.paper_id, sha) if sha else self.paper
        self.text = text
        self.act = activity
        self.annotator = NamedNode(agent_iri(activity.annotator))
        self.activity = f"{self.paper}/activity/{activity.key or _h(activity)}"
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
        self.iri(self.activity, PROV + "wasAssociatedWith", agent)
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
        """The span as an oa:SpecificResource on the paper's text (shared by every fact with the same span)."""
        e = f"{self.paper}/evidence/{ev.start}-{ev.end}"
        self.iri(e, RDF + "type", NS + "Evidence")
        self.iri(e, RDF + "type", OA + "SpecificResource")
        self.iri(e, OA + "hasSource", self.text_iri)
        self.iri(e, OA + "hasSelector", e + "#position")
        self.iri(e + "#position", RDF + "type", OA + "TextPositionSelector")
        self.add(e + "#position", OA + "start", _offset(ev.start))
        self.add(e + "#position", OA + "end", _offset(ev.end))
        self.iri(e, OA + "hasSelector", e + "#quote")
        self.iri(e + "#quote", RDF + "type", OA + "TextQuoteSelector")
        self.add(e + "#quote", OA + "exact", ev.quote)
        if self.text is not None:
            self.add(e + "#quote", OA + "prefix", self.text[max(0, ev.start - CONTEXT):ev.start])
            self.add(e + "#quote", OA + "suffix", self.text[ev.end:ev.end + CONTEXT])
        self.add(e, NS + "sentence", ev.sentence)
        self.add(e, NS + "sentenceStart", _offset(ev.sent_start))
        self.add(e, NS + "sentenceEnd", _offset(ev.sent_end))
        return e

    def annotate(self, body: str, ev: Evidence, creator: NamedNode | None = None,
                 motivation: str = "describing") -> str:
        """An oa:Annotation saying that ``body`` (a fact, a reference) is what the span ``ev`` states."""
        target = self.evidence(ev)
        a = f"{body}/annotation/{ev.start}-{ev.end}"
        self.iri(a, RDF + "type", OA + "Annotation")
        self.iri(a, OA + "hasBody", body)
        self.iri(a, OA + "hasTarget", target)
        self.iri(a, OA + "motivatedBy", OA + motivation)
        self.add(a, DCT + "creator", creator or self.annotator)
        self.iri(a, PROV + "wasGeneratedBy", self.activity)
        return target

    def agent(self, curator: str | None) -> NamedNode:
        """Who a fact is attributed to: the curator who added or edited it, else the annotator."""
        return NamedNode(self.curator(curator)) if curator else self.annotator

    def fact(self, iri: str, cls: str, ev: Evidence, curator: str | None = None, record=None,
             kind: str = "") -> None:
        self.iri(iri, RDF + "type", NS + cls)
        self.iri(iri, PROV + "wasDerivedFrom", self.paper)
        self.iri(iri, PROV + "wasGeneratedBy", self.activity)
        who = self.agent(curator)
        if curator:
            self.add(iri, NS + "curated", True)
            machine = self.revised.get(record) if record is not None else None
            if machine is not None:
                self.iri(iri, PROV + "wasRevisionOf", fact_iri(self.paper, kind, machine))
        self.add(iri, PROV + "wasAttributedTo", who)
        self.iri(iri, NS + "evidence", self.annotate(iri, ev, who))

    def provenance(self) -> None:
        """The paper's text, the annotator and the activity that made this graph."""
        a, T, act = self.act, self.text_iri, self.activity
        if T != self.paper:
            self.iri(T, RDF + "type", DCTYPES + "Text")
            self.iri(T, DCT + "isFormatOf", self.paper)
            self.add(T, DCT + "format", "text/plain; charset=utf-8")
            self.add(T, NS + "textSha256", self.f.meta["text_sha256"])
        self.iri(self.annotator.value, RDF + "type", PROV + "SoftwareAgent")
        self.add(self.annotator.value, RDFS + "label", a.annotator)
        self.iri(act, RDF + "type", PROV + "Activity")
        self.add(act, RDFS + "label", f"{a.annotator} on {self.f.paper_id}")
        self.iri(act, PROV + "wasAssociatedWith", self.annotator.value)
        self.iri(act, PROV + "used", T)
        self.iri(act, PROV + "used", ONTOLOGY_IRI)
        self.add(act, NS + "annotatorVersion", a.annotator)
        self.add(act, NS + "codeVersion", a.code or None)
        self.add(act, NS + "ontologyVersion", a.ontology or None)
        if a.time:
            stamp = Literal(a.time, datatype=NamedNode(XSD + "dateTime"))
            self.add(act, PROV + "startedAtTime", stamp)
            self.add(act, PROV + "endedAtTime", stamp)

    def dose(self, ai: str, prop: str, value, unit_code: str | None) -> None:
        """A dose as a qudt:QuantityValue: numeric value, unit (QUDT's when mapped), the unit's UCUM code."""
        if value is None:
            return
        q = f"{ai}/{prop}"
        self.iri(ai, NS + prop, q)
        self.iri(q, RDF + "type", QUDT + "QuantityValue")
        self.add(q, QUDT + "numericValue", value)
        unit = self.onto.by_code("unit", unit_code) if unit_code else None
        if unit is None:
            return
        u = next((iri for p, iri in unit.matches if p == "exactMatch" and iri.startswith(QUDT_UNIT)), unit.iri)
        self.iri(q, QUDT + "hasUnit", u)
        if unit.ucum:
            self.add(u, QUDT + "ucumCode", Literal(unit.ucum, datatype=NamedNode(QUDT + "UCUMcs")))

    def agents_label(self, agents) -> str:
        return "+".join(sorted(self.onto.terms[a].label.lower() for a in agents))

    def bibliographic(self) -> None:
        f, P, meta = self.f, self.paper, self.f.meta
        self.iri(P, RDF + "type", FABIO + "JournalArticle")
        if any(s.kind == "patient" and not s.source for s in f.subjects):
            self.iri(P, RDF + "type", FABIO + "CaseReport")
        self.add(P, DCT + "identifier", f.paper_id)
        for key, pred in (("title", DCT + "title"), ("doi", BIBO + "doi"), ("pmid", BIBO + "pmid"),
                          ("pmcid", NS + "pmcid"), ("journal", NS + "journal")):
            if meta.get(key):
                self.add(P, pred, str(meta[key]))
        if meta.get("publisher"):   # dcterms:publisher ranges over agents, not names
            name = str(meta["publisher"])
            pub = f"{ID}agent/publisher/{slug(name)}"
            self.iri(P, DCT + "publisher", pub)
            self.iri(pub, RDF + "type", FOAF + "Organization")
            self.add(pub, FOAF + "name", name)
        if meta.get("year"):
            self.add(P, FABIO + "hasPublicationYear", Literal(str(meta["year"]), datatype=NamedNode(XSD + "gYear")))
        for i, name in enumerate(meta.get("authors") or [], 1):   # dcterms:creator too
            who = f"{P}/author/{i}"
            self.iri(P, DCT + "creator", who)
            self.iri(who, RDF + "type", FOAF + "Person")
            self.add(who, FOAF + "name", str(name))
        if meta.get("text_sha256"):
            self.add(P, NS + "textSha256", meta["text_sha256"])

    def write(self) -> list[Quad]:
        f, P = self.f, self.paper
        meta = f.meta
        self.bibliographic()
        self.provenance()
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
                self.iri(f"{P}/ref/{n}", NS + "citedAt", self.annotate(f"{P}/ref/{n}", c.evidence, motivation="linking"))
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
            self.dose(ai, "dose", a.dose_value, a.dose_unit)
            self.dose(ai, "doseUpperBound", a.dose_max, a.dose_unit)
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
                self.iri(fi, NS + "outcomeEvidence", self.annotate(fi, x.outcome_evidence, self.agent(x.curator)))
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


def paper_quads(facts: PaperFacts, onto: Ontology, activity: Activity | str, text: str | None = None,
                provenance: Provenance | None = None) -> list[Quad]:
    """The sorted quads of one paper's named graph.

    ``text`` (the original text) gives quotes their prefix and suffix; ``provenance`` names
    curators and the machine facts curated facts revise.
    """
    if isinstance(activity, str):
        activity = Activity(activity)
    return _Writer(facts, onto, activity, text, provenance).write()


def to_nquads(quads: list[Quad]) -> bytes:
    """Deterministic N-Quads: one quad a line, sorted.

    Lines end at LF only: N-Quads leaves U+2028, U+2029, U+0085 (and VT, FF) unescaped inside
    literals, and ``str.splitlines`` would cut a quad there.
    """
    lines = [line for line in serialize(quads, format=RdfFormat.N_QUADS).decode("utf-8").split("\n") if line]
    return ("\n".join(sorted(set(lines))) + "\n").encode("utf-8") if lines else b""
