"""Annotated paper -> PaperFacts: subjects, then each subject's course or groups, then citations."""
from __future__ import annotations

import re
from dataclasses import replace

from ..annotate import AnnotatedPaper
from ..ontology import Ontology, load_ontology
from .groups import extract_group
from .records import Administration, CitationFact, GradeAssessment, PaperFacts
from .subjects import assign_scopes, grades_by_case
from .timeline import extract_case
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

    out = [a for a in out if not any(dominated(a, b) for b in out)]
    return _merge_undated(out)


def _merge_undated(admins: list[Administration]) -> list[Administration]:
    """An undated administration (a table cell, a summary) and the one dated administration of the
    same drug to the same subject that it does not contradict are one administration."""
    fields = ("dose_value", "dose_unit", "route", "dose_max", "frequency", "duration")
    out = list(admins)
    for a in list(out):
        if a.day is not None or a.agent is None:
            continue
        dated = [b for b in out if b is not a and b.subject == a.subject and b.agent == a.agent and b.day is not None]
        if len(dated) != 1:
            continue
        b = dated[0]
        if any(getattr(a, f) is not None and getattr(b, f) is not None and getattr(a, f) != getattr(b, f) for f in fields):
            continue
        merged = replace(b, **{f: getattr(b, f) if getattr(b, f) is not None else getattr(a, f) for f in fields})
        out[out.index(b)] = merged
        out.remove(a)
    return out


def _distributed_grades(view: PaperView, scopes, grades: list) -> list[GradeAssessment]:
    """Grades said of several cases at once ("CRS ... was grade 1 in patients 1 and 5 and grade 2 in patients 3
    and 4"), of the syndrome the sentence names first; a case's own grade of that syndrome is not repeated."""
    cases = {sc.key: sc for sc in scopes if sc.mode == "case"}
    if len(cases) < 2:
        return []
    have = {(g.subject, g.syndrome, g.grade) for g in grades}
    out = []
    for s in view.sentences:
        found = grades_by_case(view.text, s.start, s.end)
        named = [m.value("syndrome") for m in view.mentions_in(s.start, found[0][2] if found else s.start, "SYNDROME")
                 if m.value("syndrome") in ("ICANS", "CRS")]
        if not found or not named:
            continue
        syndrome = named[0]      # the sentence's subject: "CRS preceded ICANS ... and was grade 1 in patients 1 and 5"
        for n, grade, a, b in found:
            key = f"case-{n}"
            if key in cases and (key, syndrome, grade) not in have:
                have.add((key, syndrome, grade))
                out.append(GradeAssessment(key, syndrome, grade, None, None, view.evidence(a, b)))
    return out


def _restated_dropped(findings: list, cited: dict) -> list:
    """A cited study's result told again later ("as in the series of Lee et al., 6 of 8 improved [4]" after a
    table row of [4] with 6/8) is one finding: the first telling is kept, the later ones with the same
    references, agents and number treated are dropped, so the study's patients are not counted twice."""
    seen: dict[tuple, list[tuple[str, ...]]] = {}
    out = []
    for f in findings:
        refs = cited.get(f.subject)
        if refs and f.treated is not None:
            told = seen.setdefault((tuple(refs), f.treated), [])
            if any(agents == tuple(f.agents) or not agents or not f.agents for agents in told):
                continue    # the same agents again, or a telling that names only the route or class
            told.append(tuple(f.agents))
        out.append(f)
    return out


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
            subj, ad, fi, gr, ou, cs = extract_case(view, sc, onto, front if n_cases == 1 else [],
                                                    front if n_cases > 1 else [])
            outcomes += ou
            csf += cs
        else:
            subj, ad, fi, gr = extract_group(view, sc, onto)
            if subj is None:
                continue
        subjects.append(subj)
        admins += ad
        findings += fi
        grades += gr
    grades += _distributed_grades(view, scopes, grades)
    findings = _restated_dropped(findings, {sc.key: sc.source for sc in scopes if sc.mode == "cited"})
    cites = [CitationFact(tuple(m.value("refs")), view.evidence(m.nstart, m.nend))
             for m in view.mentions if m.label == "CITATION"]
    return PaperFacts(ann.paper_id, dict(meta or {}), tuple(subjects), tuple(_dedupe_admins(admins)),
                      tuple(findings), tuple(grades), tuple(outcomes), tuple(csf), tuple(cites),
                      tuple(structure_warnings(view, scopes, ann.paper_id)))


def structure_warnings(view: PaperView, scopes, paper_id: str) -> list[str]:
    """Where two patients may have been read as one: a single patient described with two ages or
    both sexes, or case markers ("patient 2") left inside one patient's text. Curators split such a
    subject in curation.yaml; the build names the paper and the reason."""
    out = []
    for sc in scopes:
        if sc.mode != "case":
            continue
        ages, sexes = set(), set()
        for _, a, b in sc.pieces:
            for m in view.mentions_in(a, b, "AGE", "SEX"):
                if m.has("NEGATED", "HYPOTHETICAL", "GENERIC"):
                    continue
                (ages if m.label == "AGE" else sexes).add(m.value("age") if m.label == "AGE" else m.value("sex"))
        why = []
        if len(ages) > 1:
            why.append(f"ages {', '.join(map(str, sorted(ages)))}")
        if len(sexes) > 1:
            why.append("both sexes")
        if sc.key == "patient" and any(_OTHER_CASE.search(view.text, a, b) for _, a, b in sc.pieces):
            why.append("a second case named in its text")
        if why:
            first = sc.pieces[0][0] if sc.pieces else None
            line = view.ann.text.count("\n", 0, view.layout.norm.to_original(first.start)) + 1 if first else 1
            out.append(f"{paper_id}: line {line}: subject '{sc.label}' has {' and '.join(why)}; it may be several "
                       f"patients read as one (split it in curation.yaml if so)")
    return out


_OTHER_CASE = re.compile(r"\b(?:patient|case)\s+(?:2|B|II|two)\b|\bsecond\s+(?:patient|case)\b", re.I)
