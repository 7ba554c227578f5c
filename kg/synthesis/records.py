"""What synthesis needs from one paper: its subjects' signatures, its findings with counts, its grade checks.

A ``PaperRecord`` is made in the build's workers from the paper's facts (no spaCy object
crosses a process) and travels as JSON inside the paper's projection file, so an unchanged
paper costs a file read. Everything corpus-wide (duplicates, summaries) starts from these.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from ..graph.iris import paper_iri, text_iri
from ..graph.rdf import FactIris
from ..ontology import Ontology

if TYPE_CHECKING:   # only reads the records; importing kg.facts would load spaCy
    from ..facts import PaperFacts

_ET_AL = re.compile(r"\b([A-Z][A-Za-z'\u2019-]+)(?:\s+and\s+(?:colleagues|coworkers|co-workers)|\s+et\s+al\b)")


@dataclass(frozen=True)
class SubjectRecord:
    """A patient or cohort with what identifies it across papers."""

    iri: str
    key: str
    label: str
    kind: str                              # patient | cohort
    source: tuple[int, ...] = ()           # cited reference numbers; () for the paper's own subjects
    age: int | None = None
    sex: str | None = None
    diagnosis: str | None = None
    cell_therapy: str | None = None
    died: bool | None = None
    size: int | None = None
    tokens: tuple[str, ...] = ()           # course details: "adm|Anakinra|7", "dose|Anakinra|100|mg", ...
    cited_author: str = ""                 # "Strati" in "a series by Strati et al."

    @property
    def own(self) -> bool:
        return not self.source


@dataclass(frozen=True)
class FindingRecord:
    """A treatment step and what followed, with the counts the summary adds up."""

    iri: str
    subject: str                           # the subject's IRI
    agents: tuple[str, ...]                # ontology term ids
    agents_label: str
    route: str | None
    setting: str
    treated: int | None
    responders: int | None
    outcome: str | None
    sentence: str                          # the sentence that reports the treatment
    outcome_sentence: str                  # the sentence that reports the outcome (the same one when no other)
    start_day: int | None = None
    response_day: int | None = None

    def counts(self) -> tuple[int, int] | None:
        """(responders, treated) when the paper gives both, or when one patient's outcome implies them."""
        treated, responders = self.treated, self.responders
        if responders is None and treated is not None:
            if self.outcome in ("no_response", "death"):
                responders = 0
            elif treated == 1 and self.outcome in ("improvement", "resolution"):
                responders = 1
        if treated is None or responders is None or treated < 1 or not 0 <= responders <= treated:
            return None
        return responders, treated


@dataclass(frozen=True)
class CheckRecord:
    """An ICANS grade the paper reports, recomputed from the findings it states (see astct.py)."""

    iri: str
    grade: str                             # the GradeAssessment's IRI
    subject: str                           # the subject's IRI
    day: int | None
    reported: int
    recomputed: int
    findings: tuple[tuple[str, int, str], ...]   # (domain, grade, the words that state it)
    start: int                             # evidence: the span from the first finding to the grade
    end: int
    sent_start: int
    sent_end: int
    quote: str
    sentence: str

    @property
    def consistent(self) -> bool:
        return self.reported == self.recomputed


@dataclass(frozen=True)
class PaperRecord:
    """One paper as synthesis sees it."""

    paper: str
    iri: str
    title: str = ""
    year: int | None = None
    doi: str = ""
    pmid: str = ""
    authors: tuple[str, ...] = ()          # normalized surnames
    refs: tuple[tuple[int, str, str, str, str], ...] = ()   # (n, doi, pmid, title, corpus paper IRI)
    subjects: tuple[SubjectRecord, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    checks: tuple[CheckRecord, ...] = ()
    text: str = ""   # the IRI of the text evidence offsets index (the paper's IRI when its hash is unknown)

    def cites(self) -> set[str]:
        """IRIs of the corpus papers this paper cites."""
        return {r[4] for r in self.refs if r[4]}

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> PaperRecord:
        def build(kind, d):
            return kind(**{f.name: _tuples(d[f.name]) for f in fields(kind) if f.name in d})
        d = dict(data)
        d["subjects"] = tuple(build(SubjectRecord, s) for s in d.get("subjects", ()))
        d["findings"] = tuple(build(FindingRecord, x) for x in d.get("findings", ()))
        d["checks"] = tuple(build(CheckRecord, c) for c in d.get("checks", ()))
        return build(cls, d)


def _tuples(v):
    if isinstance(v, list):
        return tuple(_tuples(x) for x in v)
    return v


def surname(author: str) -> str:
    """The normalized family name of "Strati P" (PubMed) or "Strati Paolo" (JATS): ``strati``."""
    first = author.strip().split(" ")[0] if author.strip() else ""
    return re.sub(r"[^a-z]", "", first.lower())


def _num(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _tokens(facts: PaperFacts, key: str, onto: Ontology) -> tuple[str, ...]:
    """The details of a subject's course a second report of the same patient would repeat.

    The CAR-T product is not one: every patient gets one on day 0 (the subject's product is compared apart).
    """
    out = set()
    for a in facts.administrations:
        if a.subject != key or (a.agent in onto.terms and onto.terms[a.agent].category == "cell_therapy"):
            continue
        if a.day is not None:
            out.add(f"adm|{a.agent}|{a.day}")
        if a.dose_value is not None:
            out.add(f"dose|{a.agent}|{_num(a.dose_value)}|{a.dose_unit or ''}")
    for g in facts.grades:
        if g.subject == key and g.day is not None:
            out.add(f"grade|{g.syndrome}|{g.grade}|{g.day}")
    for c in facts.csf:
        if c.subject == key and (c.opening_pressure is not None or c.lymphocytes is not None):
            out.add(f"csf|{_num(c.opening_pressure)}|{_num(c.lymphocytes)}")
    return tuple(sorted(out))


def paper_record(facts: PaperFacts, onto: Ontology, checks: tuple[CheckRecord, ...] = (),
                 iris: FactIris | None = None) -> PaperRecord:
    """The synthesis record of one paper's (curated) facts; ``iris`` names them as the paper's graph does."""
    pid, meta = facts.paper_id, facts.meta
    iris = iris or FactIris(pid)
    subject_of = {s.key: iris("subject", s) for s in facts.subjects}

    def label(agents) -> str:
        return "+".join(sorted(onto.terms[a].label.lower() for a in agents))

    subjects = []
    for s in facts.subjects:
        author = ""
        if s.source:   # "In a series by Strati et al.": the subject's sentence, else its findings'
            sentences = [s.evidence.sentence] + [x.evidence.sentence for x in facts.findings if x.subject == s.key]
            author = next((m.group(1) for t in sentences for m in [_ET_AL.search(t)] if m), "")
        subjects.append(SubjectRecord(
            subject_of[s.key], s.key, s.label, s.kind, tuple(s.source), s.age, s.sex, s.diagnosis,
            s.cell_therapy, s.died, s.size, _tokens(facts, s.key, onto) if not s.source else (), author))
    findings = []
    for x in facts.findings:
        sentence = x.evidence.sentence
        out_sentence = x.outcome_evidence.sentence if x.outcome_evidence is not None else sentence
        findings.append(FindingRecord(
            iris("finding", x), subject_of.get(x.subject, ""), tuple(x.agents), label(x.agents), x.route,
            x.setting, x.treated, x.responders, x.outcome, sentence, out_sentence, x.start_day, x.response_day))
    refs = tuple(sorted((int(r["n"]), str(r.get("doi") or "").lower(), str(r.get("pmid") or ""),
                         str(r.get("title") or ""), str(r.get("paper_iri") or ""))
                        for r in meta.get("references") or [] if r.get("n") is not None))
    year = meta.get("year")
    return PaperRecord(pid, paper_iri(pid), str(meta.get("title") or ""), int(year) if year else None,
                       str(meta.get("doi") or "").lower(), str(meta.get("pmid") or ""),
                       tuple(sorted({surname(a) for a in meta.get("authors") or [] if surname(a)})),
                       refs, tuple(subjects), tuple(findings), tuple(checks),
                       text_iri(pid, meta["text_sha256"]) if meta.get("text_sha256") else paper_iri(pid))
