"""One patient's timeline: what was given when, grades, outcomes, and who responded to what.

A treatment counts as given for steroid-refractory ICANS when it is a new,
ICANS-directed (not supportive, not a systemic corticosteroid alone) treatment given
after a corticosteroid, once ICANS was present, and the text says so explicitly or
shows ICANS persisting (a later grade, "without improvement", "worsened") after the
steroid. Each ICANS outcome is attributed to the latest treatment before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ontology import Ontology
from .cues import refractory_re
from .givens import Given, givens_in, pick_day
from .model import Administration, CsfFinding, Finding, GradeAssessment, OutcomeFact, Subject
from .scopes import Scope
from .view import PaperView

_PERSIST = re.compile(r"\b(?:persist\w*|worsen\w*|progress\w*|remain\w*|recurr\w*|escalat\w*|refractory|"
                      r"did\s+not\s+improve|deteriorat\w*|increasingly|no\s+improvement)\b", re.I)
_NEURO = re.compile(r"\b(?:ICANS|neurotoxicity|encephalopath\w*|aphasi\w*|somnolen\w*|seizures?|confus\w*|"
                    r"ICE\s+score|mental\s+status|obtunded|dysgraphia|tremors?|unresponsive|coma)\b", re.I)
_CSF_CONTEXT = re.compile(r"\b(?:lumbar\s+puncture|LP|CSF|cerebrospinal|opening\s+pressure|spinal\s+tap)\b", re.I)
_HE = re.compile(r"\b(?:he|his|him)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers)\b", re.I)


@dataclass
class _Draft:
    agents: tuple[str, ...]
    route: str | None
    start_day: int | None
    pos: int
    candidate: bool
    refractory: bool
    evidence_span: tuple[int, int]
    outcomes: list = field(default_factory=list)   # (code, day, offset, pos)
    key: str = ""


def extract_case(view: PaperView, scope: Scope, onto: Ontology, front_sentences):
    text = view.text
    subj = scope.key
    admins: list[Administration] = []
    grades: list[GradeAssessment] = []
    csf: list[CsfFinding] = []
    timeline = []            # (pos, kind, payload)
    current_day = None
    prev_sent_text = ""
    for sent, lo, hi in scope.pieces:
        days = view.mentions_in(lo, hi, "DAY")
        rels = view.mentions_in(lo, hi, "RELATIVE_DAY")
        lead_rel = next((r for r in rels if r.nstart - lo < 12), None)
        base_day = current_day
        if not days and lead_rel is not None and current_day is not None:
            base_day = current_day + lead_rel.value("offset")
        givens = givens_in(view, sent, lo, hi, True, base_day)
        for g in givens:
            admins.append(Administration(subj, g.agent, g.dose_value, g.dose_unit, g.route, g.day,
                                         view.evidence(g.start, g.end)))
        explicit = bool(refractory_re(onto).search(text, lo, hi) or refractory_re(onto).search(prev_sent_text))
        groups: dict[tuple, list[Given]] = {}
        for g in givens:
            if g.label != "DRUG" or g.lymphodepletion or onto.terms[g.agent].supportive:
                continue
            groups.setdefault((g.day, g.route, g.anchor if g.escalation else -1), []).append(g)
        for (day, route, _), gs in groups.items():
            pos = min(g.start for g in gs)
            timeline.append((pos, "event", (tuple(sorted({g.agent for g in gs})), route, day, explicit,
                                            (min(g.start for g in gs), max(g.end for g in gs)))))
        system = next((m.term for m in view.mentions_in(lo, hi, "GRADING_SYSTEM")), None)
        for m in view.mentions_in(lo, hi, "GRADE"):
            day = pick_day(view, sent, m.nstart, days, base_day, m.nend)
            grades.append(GradeAssessment(subj, m.value("syndrome"), m.value("grade"), day, system,
                                          view.evidence(m.nstart, m.nend)))
            timeline.append((m.nstart, "grade", (m.value("syndrome"), m.value("grade"))))
        for m in view.mentions_in(lo, hi, "SYNDROME"):
            if m.value("syndrome") == "ICANS":
                timeline.append((m.nstart, "neuro", None))
        if _NEURO.search(text, lo, hi):
            timeline.append((lo, "neuro", None))
        if _PERSIST.search(text, lo, hi):
            timeline.append((_PERSIST.search(text, lo, hi).start(), "persist", None))
        for m in view.mentions_in(lo, hi, "OUTCOME"):
            rel = next((r for r in rels if 0 <= r.nstart - m.nend <= 15), None)
            if rel is not None:
                day, offset = None, rel.value("offset")
            else:
                day, offset = pick_day(view, sent, m.nstart, days, base_day, m.nend), None
            timeline.append((m.nstart, "outcome", (m.value("outcome"), m.value("syndrome"), day, offset,
                                                   (m.nstart, m.nend))))
        meas = view.mentions_in(lo, hi, "MEASUREMENT")
        if meas and _CSF_CONTEXT.search(text, lo, hi):
            op = next((m.value("value") for m in meas if m.value("measure") == "opening_pressure"), None)
            ly = next((m.value("value") for m in meas if m.value("measure") == "csf_lymphocytes"), None)
            day = pick_day(view, sent, meas[0].nstart, days, base_day)
            csf.append(CsfFinding(subj, day, op, ly, view.evidence(meas[0].nstart, meas[-1].nend)))
        if days:
            current_day = max(days, key=lambda d: d.nstart).value("day")
        elif lead_rel is not None and current_day is not None:
            current_day = base_day
        prev_sent_text = text[lo:hi]

    findings, outcomes = _attribute(view, subj, timeline, onto)
    subject = _subject(view, scope, onto, outcomes, front_sentences)
    return subject, admins, findings, _dedupe(grades), outcomes, csf


def _attribute(view: PaperView, subj: str, timeline, onto: Ontology):
    timeline.sort(key=lambda x: (x[0], x[1] != "event"))
    drafts: list[_Draft] = []
    current: _Draft | None = None
    steroid_pos = None
    neuro_seen = False
    persisted = False
    outcomes: list[OutcomeFact] = []
    for pos, kind, payload in timeline:
        if kind == "event":
            agents, route, day, explicit, span = payload
            steroid_only = all(onto.is_a(a, "Corticosteroid") for a in agents) and route != "intrathecal"
            # a steroid given earlier, or the text itself saying the ICANS is steroid-refractory
            candidate = (steroid_pos is not None or explicit) and neuro_seen and not steroid_only
            if candidate:
                same = next((d for d in drafts if d.candidate and d.agents == agents), None)
                if same is not None and (current is same or not any(
                        d.candidate and d.pos > same.pos for d in drafts)):
                    current = same
                    continue
                current = _Draft(agents, route, day, pos, True, explicit or persisted, span)
                drafts.append(current)
            else:
                current = _Draft(agents, route, day, pos, False, False, span)
            if any(onto.is_a(a, "Corticosteroid") for a in agents) and steroid_pos is None:
                steroid_pos = pos
        elif kind == "grade":
            if payload[0] == "ICANS":
                neuro_seen = True
                if steroid_pos is not None:
                    persisted = True
        elif kind == "neuro":
            neuro_seen = True
        elif kind == "persist":
            if steroid_pos is not None and neuro_seen:
                persisted = True
        elif kind == "outcome":
            code, syndrome, day, offset, span = payload
            target = current if syndrome == "ICANS" and code != "death" else None
            if target is not None:
                ref = target.start_day
                if day is None and offset is not None and ref is not None:
                    day = ref + offset
                target.outcomes.append((code, day, offset, pos))
            if code == "no_response" and steroid_pos is not None:
                persisted = True
            outcomes.append((code, syndrome, day, target, span))
    findings = []
    for i, d in enumerate(drafts, 1):
        d.key = f"{subj}-t{i}"
        positive = [o for o in d.outcomes if o[0] in ("improvement", "resolution")]
        negative = [o for o in d.outcomes if o[0] == "no_response"]
        responders = 1 if positive else (0 if negative else None)
        first = positive[0] if positive else (negative[0] if negative else None)
        response_day = first[1] if positive else None
        days_to = None
        if positive:
            if first[2] is not None:
                days_to = first[2]
            elif response_day is not None and d.start_day is not None:
                days_to = response_day - d.start_day
        findings.append(Finding(d.key, subj, d.agents, d.route, d.refractory, 1, responders,
                                first[0] if first else None, d.start_day, response_day, days_to,
                                view.evidence(*d.evidence_span)))
    facts = []
    for code, syndrome, day, target, span in outcomes:
        facts.append(OutcomeFact(subj, code, syndrome, day, target.key if target is not None and target.candidate else None,
                                 view.evidence(*span)))
    return findings, facts


def _subject(view: PaperView, scope: Scope, onto: Ontology, outcomes, front_sentences) -> Subject:
    text = view.text
    lo, hi = scope.pieces[0][1], scope.pieces[-1][2]

    def first(label, spans):
        for _, a, b in spans:
            for m in view.mentions_in(a, b, label):
                return m
        return None

    age = first("AGE", scope.pieces) or (first("AGE", front_sentences) if front_sentences else None)
    sex = first("SEX", scope.pieces) or (first("SEX", front_sentences) if front_sentences else None)
    sex_value = sex.value("sex") if sex else None
    if sex_value is None:
        body = " ".join(text[a:b] for _, a, b in scope.pieces)
        he, she = len(_HE.findall(body)), len(_SHE.findall(body))
        sex_value = "male" if he > she else "female" if she > he else None
    diag = first("DIAGNOSIS", scope.pieces) or (first("DIAGNOSIS", front_sentences) if front_sentences else None)
    ct = first("CELL_THERAPY", scope.pieces) or (first("CELL_THERAPY", front_sentences) if front_sentences else None)
    died = any(o.outcome == "death" for o in outcomes)
    return Subject(scope.key, scope.label, "patient", (), view.evidence(lo, min(hi, lo + 200)),
                   age.value("age") if age else None, sex_value,
                   diag.term if diag else None, ct.term if ct else None, died)


def _dedupe(grades):
    seen, out = set(), []
    for g in grades:
        k = (g.subject, g.syndrome, g.grade, g.day)
        if k not in seen:
            seen.add(k)
            out.append(g)
    return out
