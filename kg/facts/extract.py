"""Annotated paper -> PaperFacts."""
from __future__ import annotations

from ..annotate.pipeline import AnnotatedPaper
from ..ontology import Ontology, load_ontology
from .cases import extract_case
from .cohorts import extract_cited, extract_own_cohort
from .model import Administration, CitationFact, PaperFacts
from .scopes import assign_scopes
from .view import PaperView


def _dedupe_admins(admins: list[Administration]) -> list[Administration]:
    """Drop repeats and mentions that only restate a more specific administration."""
    out: list[Administration] = []
    seen = set()
    for a in admins:
        k = (a.subject, a.agent, a.dose_value, a.dose_unit, a.route, a.day)
        if k in seen:
            continue
        seen.add(k)
        out.append(a)
    fields = ("dose_value", "dose_unit", "route", "day")

    def dominated(a: Administration, b: Administration) -> bool:
        if b is a or b.subject != a.subject or b.agent != a.agent:
            return False
        known = [f for f in fields if getattr(a, f) is not None]
        return all(getattr(a, f) == getattr(b, f) for f in known) and \
            sum(getattr(b, f) is not None for f in fields) > len(known)

    return [a for a in out if not any(dominated(a, b) for b in out)]


def extract_facts(ann: AnnotatedPaper, meta: dict | None = None, onto: Ontology | None = None) -> PaperFacts:
    """All facts of one annotated paper."""
    onto = onto or load_ontology()
    view = PaperView(ann, onto)
    scopes = assign_scopes(view)
    secs = view.layout.sections
    front = [(s, s.start, s.end) for s in view.sentences if secs[s.section].kind in ("title", "front", "abstract")] + \
            [(s, s.start, s.end) for s in ann.layout.sentences if s.is_heading and secs[s.section].kind == "title"]
    n_cases = sum(1 for sc in scopes if sc.mode == "case")
    subjects, admins, findings, grades, outcomes, csf = [], [], [], [], [], []
    for sc in scopes:
        if sc.mode == "case":
            subj, ad, fi, gr, ou, cs = extract_case(view, sc, onto, front if n_cases == 1 else [])
            subjects.append(subj)
            admins += ad
            findings += fi
            grades += gr
            outcomes += ou
            csf += cs
        elif sc.mode == "own_cohort":
            subj, ad, fi, gr = extract_own_cohort(view, sc, onto)
            subjects.append(subj)
            admins += ad
            findings += fi
            grades += gr
        else:
            subj, ad, fi = extract_cited(view, sc, onto)
            if subj is None:
                continue
            subjects.append(subj)
            admins += ad
            if fi is not None:
                findings.append(fi)
    cites = [CitationFact(tuple(m.value("refs")), view.evidence(m.nstart, m.nend))
             for m in view.mentions if m.label == "CITATION"]
    return PaperFacts(ann.paper_id, dict(meta or {}), tuple(subjects), tuple(_dedupe_admins(admins)),
                      tuple(findings), tuple(grades), tuple(outcomes), tuple(csf), tuple(cites))
