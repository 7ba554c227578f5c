"""One patient's course: what was given when, grades, and how ICANS went after each treatment step.

Reading the patient's sentences in order gives a timeline of events: administrations,
grades, neurological signs, course cues (persisted, worsened, "despite this") and outcome
mentions. ICANS-directed administrations (``icans:icansDirected`` agents given once ICANS
is present) form treatment *steps*: drugs started together are one step, a new dose of the
same drug is the same step, a different drug is a new step. Each ICANS outcome belongs to
the step it names ("responded to anakinra") or else to the latest step before it; a later
higher grade, a persistence cue or a switch to the next agent ("dex -> MP") means the step
did not help. A step comes after steroid failure (``steroid_refractory``) when an earlier
corticosteroid step failed or the text says so; otherwise it is ``first_line``. A step whose
ICANS course the text reports becomes a Finding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..annotate.outcomes import CRS_CONTEXT
from ..ontology import Ontology
from .administrations import Given, givens_in, status_of
from .cues import course
from .days import DayClock, SentenceDays
from .records import Administration, CsfFinding, Finding, GradeAssessment, OutcomeFact, Subject
from .subjects import Scope, case_number
from .tables import age_in_row, sex_in_row
from .view import PaperView

_CSF_CONTEXT = re.compile(r"\b(?:lumbar\s+puncture|LP|CSF|cerebrospinal|opening\s+pressure|spinal\s+tap)\b", re.I)
_HE = re.compile(r"\b(?:he|his|him)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers)\b", re.I)
_NEURO_DEATH = re.compile(r"\b(?:cerebral|brain|neurolog\w*|neurotox\w*|ICANS|edema|oedema|herniation|status\s+epilepticus)\b", re.I)
_OTHER_DEATH = re.compile(r"\b(?:infection|sepsis|aspergill\w*|pneumonia|progress\w*\s+(?:of\s+)?(?:disease|lymphoma|myeloma)|"
                          r"disease\s+progression|relapse|bacter\w+|fungal|COVID|hemorrhage|haemorrhage)\b", re.I)


_TAPER = re.compile(r"\btaper", re.I)
# "X was initiated, followed by Y, without any improvement", "X then Y without improvement": the steps told in
# turn before a failure in one sentence failed as a whole (only steps of that sentence with no result of their own)
_SEQUENCE_FAILED = re.compile(r"\bfollowed\s+by\b|\bthen\b|→|->", re.I)
_EACH = re.compile(r"\b(?:none|neither)\s+of\s+(?:which|these|them|those)\b", re.I)


def _neuro_death(text: str, lo: int, hi: int) -> bool:
    """Whether a sentence with a death names neurotoxicity as its cause (not "without any recurrence of ICANS")."""
    return any(not re.search(r"\b(?:without|no|free\s+of)\b(?:\s+\w+){0,3}\s*$", text[max(lo, m.start() - 40):m.start()], re.I)
               for m in _NEURO_DEATH.finditer(text, lo, hi))


@dataclass
class Step:
    """One ICANS treatment step of a patient."""

    agents: set[str]
    route: str | None
    start_day: int | None
    pos: int
    span: tuple[int, int]
    explicit_refractory: bool
    steroid: bool
    grade_at_start: int | None
    outcomes: list = field(default_factory=list)     # (code, day, offset, pos, span)
    failed: bool = False                              # a later grade, persistence or switch says it did not help
    fail_pos: int | None = None
    better: bool = False                              # a later lower grade says it helped
    better_pos: int = 0
    better_day: int | None = None
    superseded: bool = False                          # another drug followed with no result told between
    refractory: bool = False
    key: str = ""


@dataclass
class _Event:
    pos: int
    order: int          # ties: administrations before what they cause
    kind: str
    data: dict


def _cell_list_commas(view: PaperView, lo: int, hi: int) -> list[int]:
    """Commas between treatments listed in one cell of a table row: the order they were given in."""
    text, out = view.text, []
    drugs = view.mentions_in(lo, hi, "DRUG", "DRUG_CLASS", "REGIMEN")
    for a, b in zip(drugs, drugs[1:]):
        between = text[a.nend:b.nstart]
        if "|" not in between and "," in between and not re.search(r"[+/]|\band\b|\bwith\b", between):
            out.append(a.nend + between.index(","))
    return out


def extract_case(view: PaperView, scope: Scope, onto: Ontology, front_pieces, shared_pieces=()):
    """Subject, administrations, findings, grades, outcome facts and CSF findings of one patient.

    ``front_pieces`` (title, abstract) describe the patient when the paper has one case;
    ``shared_pieces`` are the front matter of a paper with several, read for a diagnosis or
    product named once for them all."""
    text = view.text
    subj = scope.key
    admins: list[Administration] = []
    grades: list[GradeAssessment] = []
    csf: list[CsfFinding] = []
    events: list[_Event] = []
    clock = DayClock(view)
    refractory, persist, neuro, sequence, failure = (course(onto, c) for c in
                                                     ("REFRACTORY", "PERSIST", "NEURO", "SEQUENCE", "FAILURE"))
    prev_text = ""
    for sent, lo, hi in scope.pieces:
        days = clock.read(sent, lo, hi)
        givens = givens_in(view, sent, lo, hi, days)
        for g in givens:
            if g.administered:
                admins.append(_administration(view, subj, g))
        cues = [(m.start(), m.end()) for m in refractory.finditer(text, lo, hi)]
        before = bool(refractory.search(prev_text))
        row_commas = _cell_list_commas(view, lo, hi) if sent.is_table_row else []
        acts = _acts(view, onto, givens, text, lo, hi, days, cues, row_commas)
        for act in acts:
            # "did not improve on dexamethasone 20 mg": the cue names this step's failure, not its setting
            explicit = before or any(not (a <= act["pos"] < b) for a, b in cues)
            events.append(_Event(act["pos"], 0, "act", act | {"explicit": explicit}))
        for g in givens:
            if g.status == "referenced":
                events.append(_Event(g.start, 1, "ref", {"agent": g.agent, "span": (g.start, g.end)}))
        for m in failure.finditer(text, lo, hi):
            groups = _failed_lists(view, onto, text, m.end(), hi)
            if groups:
                events.append(_Event(m.start(), 1, "failed", {"groups": groups, "span": (m.start(), m.end()),
                                                               "neuro": bool(neuro.search(text, lo, hi)),
                                                               "day": days.at(m.start())}))
        system = next((m.term for m in view.mentions_in(lo, hi, "GRADING_SYSTEM")), None)
        for m in view.mentions_in(lo, hi, "GRADE"):
            if m.has("NEGATED", "HYPOTHETICAL", "GENERIC"):
                continue
            day = days.at(m.nstart, m.nend)
            grades.append(GradeAssessment(subj, m.value("syndrome"), m.value("grade"), day, system,
                                          view.evidence(m.nstart, m.nend)))
            events.append(_Event(m.nstart, 2, "grade", {"syndrome": m.value("syndrome"), "grade": m.value("grade"),
                                                        "day": day}))
        first_neuro = neuro.search(text, lo, hi)
        if first_neuro:
            events.append(_Event(first_neuro.start(), 2, "neuro", {"day": days.at(first_neuro.start())}))
        for m in persist.finditer(text, lo, hi):
            if not _about_other(text, lo, m.start()):
                # "persisted unchanged through four days of dexamethasone": the step that failed, named here
                clause = view.comma_clause(sent.start, sent.end, m.start())
                named = [g.agent for g in givens if g.status in ("referenced", "historical") and g.start > m.start()
                         and view.comma_clause(sent.start, sent.end, g.start) == clause]
                events.append(_Event(m.start(), 3, "persist", {"refs": named, "span": (m.start(), m.end())}))
        for m in sequence.finditer(text, lo, hi):
            events.append(_Event(m.start(), 3, "switch", {}))
        for pos in row_commas:
            events.append(_Event(pos, 3, "switch", {}))   # "dex, MP, IT MTX/Ara-C/HC" in a treatment cell: in turn
        for m in view.mentions_in(lo, hi, "OUTCOME"):
            if _other_case(text, m.nend, hi, scope.key):
                continue           # "... complete resolution in case 1, and partial improvement in case 2"
            offset = days.relative_offset(m.nstart, m.nend)
            day = None if offset is not None else days.at(m.nstart, m.nend)
            clause = view.comma_clause(sent.start, sent.end, m.nstart)
            refs = [g.agent for g in givens if g.status in ("referenced", "historical") and
                    view.comma_clause(sent.start, sent.end, g.start) == clause]
            if any(a["pos"] < m.nstart and view.comma_clause(sent.start, sent.end, a["pos"]) == clause for a in acts):
                refs = []          # "X added when ICANS progressed on Y was followed by recovery": X's outcome
            # "resolved within two days of dexamethasone 10 mg": the result told before the step it follows
            later = [a for a in acts if a["pos"] > m.nstart and view.comma_clause(sent.start, sent.end, a["pos"]) == clause
                     and any(x.has("REFERENCED") for x in view.mentions_in(a["span"][0], a["span"][1], "DRUG", "DRUG_CLASS"))]
            events.append(_Event(later[0]["end"] if later else m.nstart, 4, "outcome", {"code": m.value("outcome"), "syndrome": m.value("syndrome"),
                                                          "day": day, "offset": offset, "span": (m.nstart, m.nend),
                                                          "refs": refs, "sentence": (lo, hi),
                                                          "explicit": before or bool(cues),
                                                          "each": _EACH.search(text, max(lo, m.nstart - 30), m.nend) is not None
                                                          or _SEQUENCE_FAILED.search(text, lo, m.nstart) is not None}))
        meas = view.mentions_in(lo, hi, "MEASUREMENT")
        if meas and _CSF_CONTEXT.search(text, lo, hi):
            op = next((m.value("value") for m in meas if m.value("measure") == "opening_pressure"), None)
            ly = next((m.value("value") for m in meas if m.value("measure") == "csf_lymphocytes"), None)
            csf.append(CsfFinding(subj, days.at(meas[0].nstart), op, ly, view.evidence(meas[0].nstart, meas[-1].nend)))
        clock.advance(days)
        prev_text = text[lo:hi]
    steps, outcome_links = _course(onto, events, text)
    findings = _findings(view, subj, steps)
    outcomes = [OutcomeFact(subj, e.data["code"], e.data["syndrome"], _outcome_day(e, outcome_links),
                            outcome_links[id(e)].key if id(e) in outcome_links else None, view.evidence(*e.data["span"]))
                for e in events if e.kind == "outcome"]
    subject = _subject(view, scope, outcomes, front_pieces, text, shared_pieces)
    ct = subject.cell_therapy
    if ct and onto.terms[ct].category == "cell_therapy" and not any(a.agent == ct for a in admins):
        # the patient's product named only as a time reference ("5 weeks after initiation of Carvykti"): still
        # infused, on day 0
        told = next((m for _, a, b in list(scope.pieces) + list(front_pieces)
                     for m in view.mentions_in(a, b, "CELL_THERAPY") if m.term == ct), None)
        if told is not None:
            admins.append(Administration(subj, ct, None, None, None, 0, view.evidence(told.nstart, told.nend)))
    return subject, admins, findings, _dedupe_grades(grades), outcomes, csf


_IN_CASE = re.compile(r"^[^,;.]{0,40}?\bin\s+(?:case|patient|pt\.?)\s*(\d{1,2}|[A-H])\b", re.I)


def _other_case(text: str, end: int, hi: int, key: str) -> bool:
    """Whether an outcome is said of another case right after it ("... in case 2")."""
    m = _IN_CASE.match(text[end:hi])
    if not m:
        return False
    n = case_number(m.group(1))
    return n is not None and key != f"case-{n}"


def _administration(view: PaperView, subj: str, g: Given) -> Administration:
    return Administration(subj, g.agent, g.dose_value, g.dose_unit, g.route, g.day, view.evidence(g.start, g.end),
                          dose_max=g.dose_max, frequency=g.frequency, duration=g.duration)


def _about_other(text: str, lo: int, pos: int) -> bool:
    """Whether a course cue is about CRS or the tumour rather than ICANS ("CRS persisted")."""
    head = text[max(lo, pos - 40):pos]
    return bool(re.search(r"\b(?:CRS|fever|hypotension|lymphoma|myeloma|disease|neutropenia|cytopenias?|infection)\s+(?:\w+\s+)?$",
                          head, re.I))


def _acts(view: PaperView, onto: Ontology, givens: list[Given], text: str, lo: int, hi: int,
          days: SentenceDays | None = None, cues=(), splits=()) -> list[dict]:
    """ICANS-directed administrations of a piece, drugs given together (same clause, same day) as one act;
    a position in ``splits`` (a comma of a table cell's list) always starts a new one."""
    acts: list[dict] = []
    crs = CRS_CONTEXT.search(text, lo, hi) is not None and course(onto, "NEURO").search(text, lo, hi) is None
    for g in givens:
        if crs and onto.is_a(g.agent, "IL6DirectedTherapy"):
            continue           # "hypotension (grade 2 CRS), and tocilizumab was given": IL-6 blockade for CRS
        t = onto.terms[g.agent]
        if g.status != "given" or not t.directed or g.label != "DRUG":
            continue           # anticonvulsants given with the steroid are part of the step
        clause = view.clause_start(lo, g.start)
        last = acts[-1] if acts else None
        coordinated = last is not None and _COORDINATED.fullmatch(text[last["end"]:g.start]) is not None
        # "ICANS that had not improved on dexamethasone ... received siltuximab": the failed drug is another step
        split = any((a <= last["span"][0] < b) != (a <= g.start < b) for a, b in cues) if last else False
        # "dexamethasone and, after worsening on day 7, methylprednisolone": a failure between them
        split = split or (last is not None and any(last["end"] <= p < g.start for p in splits))
        split = split or (last is not None and (course(onto, "PERSIST").search(text, last["end"], g.start) is not None
                                                or bool(view.mentions_in(last["end"], g.start, "OUTCOME"))))
        if last and not split and last["clause"] == clause and (last["day"] == g.day or coordinated) and \
                not re.search(r"→|->|\bthen\b|\bfollowed\s+by\b|\bswitched\b|\breplaced\b|\bescalated\b", text[last["end"]:g.start], re.I):
            last["agents"].add(g.agent)
            last["route"] = last["route"] or g.route
            last["end"] = g.end
            continue
        acts.append({"pos": g.anchor if g.escalation else g.start, "agents": {g.agent}, "route": g.route, "day": g.day,
                     "clause": clause, "end": g.end, "span": (g.start, g.end),
                     "taper": _TAPER.search(text, g.start, min(hi, g.end + 80)) is not None,
                     "steroid": onto.is_a(g.agent, "Corticosteroid") and g.route != "intrathecal"})
    # a drug class when the clause names no drug of it: "treated with steroids and anticonvulsants"
    for m in view.mentions_in(lo, hi, "DRUG_CLASS"):
        t = onto.terms[m.term]
        if status_of(m, text, hi) != "given" or not t.directed or t.supportive:
            continue
        route = next((r.value("route") for r in view.mentions_in(max(lo, m.nstart - 20), m.nend, "ROUTE")), None)
        if onto.is_a(m.term, "Chemotherapy") and route != "intrathecal":
            continue           # "chemotherapy" named alone is the lymphoma's treatment; for ICANS it is intrathecal
        clause = view.clause_start(lo, m.nstart)
        if any(a["clause"] == clause and any(onto.is_a(x, m.term) for x in a["agents"]) for a in acts):
            continue
        same = next((a for a in acts if a["clause"] == clause and not a.get("drugs", True)
                     and not view.mentions_in(a["end"], m.nstart, "OUTCOME")), None)   # "steroids did not help, and IT chemotherapy .."
        if same is not None:
            same["agents"].add(m.term)
            continue
        acts.append({"pos": m.nstart, "agents": {m.term}, "route": route,
                     "day": days.at(m.nstart, m.nend) if days is not None else None, "clause": clause,
                     "end": m.nend, "span": (m.nstart, m.nend), "drugs": False})
    acts.sort(key=lambda a: a["pos"])
    for a in acts:
        main = [x for x in a["agents"] if not onto.terms[x].supportive] or list(a["agents"])
        a["steroid"] = all(onto.is_a(x, "Corticosteroid") for x in main) and a["route"] != "intrathecal"
    return acts


def _course(onto: Ontology, events: list[_Event], text: str):
    """Steps from the acts, with outcomes and failures attributed; outcome event id -> step."""
    events.sort(key=lambda e: (e.pos, e.order))
    # the day ICANS began: no treatment dated before it is for ICANS (a CRS dose in a timeline list)
    # (the first neurotoxicity told; undated, it dates nothing: "had ICANS ... died of neurotoxicity on day 20")
    first = next((e for e in events if e.kind == "neuro" or (e.kind == "grade" and e.data["syndrome"] == "ICANS")), None)
    onset = first.data["day"] if first is not None else None
    steps: list[Step] = []
    current: Step | None = None
    neuro = False
    last_icans = None
    links: dict[int, Step] = {}
    for e in events:
        d = e.data
        if e.kind == "neuro":
            neuro = True
        elif e.kind == "grade" and d["syndrome"] == "ICANS":
            neuro = True
            if current is not None and last_icans is not None and d["grade"] > last_icans and e.pos > current.pos:
                _fail(current, e.pos)
            elif current is not None and last_icans is not None and d["grade"] < last_icans and e.pos > current.pos:
                if not current.better:
                    current.better_day = d.get("day")
                current.better = True   # a lower grade after the step: it helped, though no outcome word says so
                current.better_pos = e.pos
            last_icans = d["grade"] if current is None or e.pos > current.pos else max(last_icans or 0, d["grade"])
        elif e.kind == "act":
            if not (neuro or d["explicit"]):
                continue           # before any neurotoxicity: premedication, CRS, the product itself
            if onset is not None and d["day"] is not None and d["day"] < onset:
                continue
            if d.get("drugs") is False:
                # "IL-1 blockade added when ICANS progressed": a step told before by its drug, retold by its class
                named = next((s for s in reversed(steps) if
                              all(any(onto.is_a(x, c) for x in s.agents) for c in d["agents"])), None)
                if named is not None:
                    current = named
                    current.route = current.route or d["route"]
                    continue
            if current is not None and d.get("taper") and d["steroid"] and _positive(current):
                continue           # "oral prednisolone was started and tapered" once ICANS improved: a taper, no step
            told = next((s for s in steps if s.agents == d["agents"] and s is not current and
                         (s.start_day is None or d["day"] is None or s.start_day == d["day"])), None)
            if told is not None:
                current = told      # the same step told again (a timeline list, then the narrative)
                current.route = current.route or d["route"]
                if current.start_day is None:
                    current.start_day = d["day"]
                continue
            if current is not None and d["agents"] <= current.agents:
                if current.start_day is None:
                    current.start_day = d["day"]
                current.route = current.route or d["route"]
                continue           # a new dose or a repeat of the step in course
            if current is not None and not current.outcomes and d["explicit"]:
                _fail(current, e.pos)
            elif current is not None and not current.outcomes and not current.better:
                current.superseded = True    # "dexamethasone, then anakinra": escalated beyond, result untold
            step = Step(set(d["agents"]), d["route"], d["day"], e.pos, d["span"], d["explicit"], d["steroid"], last_icans)
            steps.append(step)
            current = step
        elif e.kind == "failed":
            # "refractory to lorazepam, levetiracetam and phenobarbital": given, and failed
            if not (neuro or d["neuro"]):
                continue
            for agents in d["groups"]:
                # "despite high-dose steroids": the dexamethasone step told before, by its class
                step = next((s for s in reversed(steps) if s.agents == agents or
                             all(any(onto.is_a(x, c) for x in s.agents) for c in agents)), None)
                if step is None:
                    steroid = all(onto.is_a(x, "Corticosteroid") for x in agents if not onto.terms[x].supportive)
                    step = Step(set(agents), None, d["day"], e.pos, d["span"], False, steroid, last_icans)
                    steps.append(step)
                _fail(step, e.pos)
        elif e.kind in ("persist", "switch"):
            named = {x for x in d.get("refs", ()) if onto.terms[x].directed and not onto.terms[x].supportive}
            if named and neuro and not any(named & s.agents for s in steps):
                steroid = all(onto.is_a(x, "Corticosteroid") for x in named)
                current = Step(named, None, None, e.pos, d["span"], False, steroid, last_icans)
                steps.append(current)
                _fail(current, e.pos)
            elif current is not None and e.pos > current.pos and not _positive(current):
                _fail(current, e.pos)
        elif e.kind == "outcome":
            if d["syndrome"] != "ICANS":
                continue
            target = None
            if d["refs"]:
                target = next((s for s in reversed(steps) if set(d["refs"]) & s.agents), None)
                named = {x for x in d["refs"] if onto.terms[x].directed and not onto.terms[x].supportive}
                if target is None and named and neuro:
                    # "she did not improve on dexamethasone": a step told only by its result;
                    # "on dexamethasone and pulse methylprednisolone": two steroids, given in turn
                    steroid = all(onto.is_a(x, "Corticosteroid") for x in named)
                    for group in ([{x} for x in sorted(named)] if steroid and len(named) > 1 else [named]):
                        target = Step(group, None, None, e.pos, d["span"], d.get("explicit", False) and not steroid,
                                      steroid, last_icans)
                        steps.append(target)
                        if d["code"] == "no_response" and group is not named:
                            target.outcomes.append((d["code"], d["day"], d["offset"], e.pos, d["span"]))
                            _fail(target, e.pos)
                    current = target
            target = target or current
            if target is None:
                continue
            if d["code"] == "death" and _OTHER_DEATH.search(text, *d["sentence"]) \
                    and not _neuro_death(text, *d["sentence"]):
                continue           # died of an infection or of the disease: not how ICANS went
            target.outcomes.append((d["code"], d["day"], d["offset"], e.pos, d["span"]))
            links[id(e)] = target
            if d.get("each") and d["code"] == "no_response":
                # "..., none of which improved her": every step told in this sentence failed
                for s in steps:
                    if s is not target and d["sentence"][0] <= s.pos < e.pos and not s.outcomes:
                        s.outcomes.append((d["code"], d["day"], d["offset"], e.pos, d["span"]))
                        _fail(s, e.pos)
            if d["code"] == "no_response":
                _fail(target, e.pos)
    # a steroid step that failed makes every later step steroid-refractory, and so does the text
    failed_steroid = False
    for s in steps:
        s.refractory = s.explicit_refractory or failed_steroid
        if s.steroid and (s.failed or _final(s) == "no_response" or (s.superseded and _final(s) is None)):
            failed_steroid = True      # a steroid escalated beyond makes the next step second-line
    return steps, links


# drugs written as one list ("hydrocortisone+methotrexate+cytarabine", "MTX 12 mg, Ara-C 50 mg and HC 50 mg")
_COORDINATED = re.compile(r"(?:[\s,;()/+.]|\band\b|\bplus\b|\bwith\b|\d+(?:\.\d+)?|\bmg(?:/kg|/m2)?\b|\bg\b|\bmcg\b)*", re.I)
_LIST_GAP = re.compile(r"(?:[\s,;/+]|\band\b|\bor\b|\bthen\b|\bincreasing\s+doses\s+of\b|\bhigh[- ]dose\b|"
                       r"\bpulse\b|\bsystemic\b|\bintravenous\b|\bIV\b|\bintrathecal\b|\bIT\b|\bfirst-line\b|"
                       r"\b(?:extensive|aggressive|maximal|maximum|escalating|repeated|multiple|several|standard|intensive|"
                       r"adequate|prompt|early|appropriate|the|a|an)\b|\b(?:courses?|doses?|treatment|therapy)\s+(?:of|with)\b)*", re.I)


_SPELLED_OUT = re.compile(r"\s*(?:,\s*)?(?:with|including|such\s+as|namely|:)\s+", re.I)


def _failed_lists(view: PaperView, onto: Ontology, text: str, start: int, hi: int) -> list[frozenset]:
    """The ICANS treatments coordinated right after a failure cue: one group for two drugs given together
    ("refractory to IL-6 blockade and steroids"), one each when three or more are listed in turn."""
    items, pos, named_by = [], start, None
    for m in view.mentions_in(start, hi, "DRUG", "DRUG_CLASS", "REGIMEN"):
        if named_by is not None and _SPELLED_OUT.fullmatch(text[pos:m.nstart]):
            items.remove(named_by)      # "despite immunosuppression with corticosteroids, tocilizumab and anakinra"
        elif not _LIST_GAP.fullmatch(text[pos:m.nstart]):
            break
        named_by = None
        t = onto.terms[m.term]
        pos = m.nend
        if m.label == "REGIMEN":
            items.append(frozenset(t.components))
        elif t.directed:
            items.append(frozenset({m.term}))
            if m.label == "DRUG_CLASS":
                named_by = items[-1]
    if not items:
        return []
    if len(items) <= 2 and not all(onto.is_a(x, "Corticosteroid") for i in items for x in i):
        return [frozenset().union(*items)]
    return items          # three or more, or two corticosteroids ("dexamethasone and methylprednisolone"): in turn


def _fail(step: Step, pos: int) -> None:
    step.failed = True
    if step.fail_pos is None:
        step.fail_pos = pos


def _positive(step: Step) -> bool:
    return any(o[0] in ("improvement", "resolution") for o in step.outcomes)


def _final(step: Step) -> str | None:
    """The step's reported outcome: its last stated outcome, else no response if it failed."""
    stated = [o for o in step.outcomes if o[0] != "death"]
    if step.better and (not stated or step.better_pos > stated[-1][3]):
        return "improvement"
    if stated:
        last = stated[-1][0]
        if last in ("improvement", "resolution"):
            # several good news for one step: resolution if it is said at all
            return "resolution" if any(o[0] == "resolution" for o in stated) else "improvement"
        return last
    if step.better:
        return "improvement"
    if step.failed:
        return "no_response"
    if step.outcomes:
        return "death"
    return None


def _findings(view: PaperView, subj: str, steps: list[Step]) -> list[Finding]:
    out = []
    n = 0
    for s in steps:
        outcome = _final(s)
        if outcome is None:
            continue
        n += 1
        s.key = f"{subj}-t{n}"
        positive = [o for o in s.outcomes if o[0] in ("improvement", "resolution")]
        # the response is the earliest one dated (a table's "resolved D12" and the text's "improved the next day")
        dated = [o for o in positive if o[1] is not None or (o[2] is not None and s.start_day is not None)]
        first = min(dated, key=lambda o: o[1] if o[1] is not None else s.start_day + o[2]) if dated else \
            (positive[0] if positive else None)
        response_day = first[1] if first else None
        days_to = None
        if s.better and s.better_day is not None and (first is None or s.better_pos < first[3]):
            first, response_day = None, s.better_day     # a lower grade said before any outcome word
            if s.start_day is not None:
                days_to = response_day - s.start_day
        if first is not None:
            if first[2] is not None:
                days_to = first[2]
                if response_day is None and s.start_day is not None:
                    response_day = s.start_day + first[2]
            elif response_day is not None and s.start_day is not None:
                days_to = response_day - s.start_day
        ev_out = None
        said = first or (s.outcomes[-1] if s.outcomes else None)
        if said is not None:
            ev_out = view.evidence(*said[4])
        out.append(Finding(s.key, subj, tuple(sorted(s.agents)), s.route, s.refractory, 1,
                           1 if outcome in ("improvement", "resolution") else 0, outcome, s.start_day, response_day,
                           days_to if days_to is None or days_to >= 0 else None, view.evidence(*s.span),
                           outcome_evidence=ev_out))
    return out


def _outcome_day(e: _Event, links: dict) -> int | None:
    d = e.data
    if d["day"] is None and d["offset"] is not None and id(e) in links and links[id(e)].start_day is not None:
        return links[id(e)].start_day + d["offset"]
    return d["day"]


def _subject(view: PaperView, scope: Scope, outcomes: list[OutcomeFact], front_pieces, text: str,
             shared_pieces=()) -> Subject:
    lo, hi = scope.pieces[0][1], scope.pieces[-1][2]

    def first(label, pieces):
        for _, a, b in pieces:
            for m in view.mentions_in(a, b, label):
                if not m.has("NEGATED", "HYPOTHETICAL"):
                    return m
        return None

    def find(label):
        return first(label, scope.pieces) or (first(label, front_pieces) if front_pieces else None)

    age, sex, diag = find("AGE"), find("SEX"), find("DIAGNOSIS")
    ct = find("CELL_THERAPY") or _bispecific(view, scope)
    # several cases of one disease or product named once for all ("two cases ... after cilta-cel for myeloma")
    diag = diag or _only(view, shared_pieces, "DIAGNOSIS")
    ct = ct or _only(view, shared_pieces, "CELL_THERAPY")
    rows = [piece for piece, _, _ in scope.pieces if piece.is_table_row]
    age_value = age.value("age") if age else next((v for r in rows if (v := age_in_row(view, r)) is not None), None)
    sex_value = sex.value("sex") if sex else next((v for r in rows if (v := sex_in_row(view, r))), None)
    if sex_value is None:
        body = " ".join(text[a:b] for _, a, b in scope.pieces)
        he, she = len(_HE.findall(body)), len(_SHE.findall(body))
        sex_value = "male" if he > she else "female" if she > he else None
    alive = course(view.onto, "ALIVE")
    died = True if any(o.outcome == "death" for o in outcomes) else \
        False if any(alive.search(text, a, b) for _, a, b in scope.pieces) else None
    return Subject(scope.key, scope.label, "patient", (), view.evidence(lo, min(hi, lo + 200)),
                   age_value, sex_value,
                   diag.term if diag else None, ct.term if ct else None, died)


def _only(view: PaperView, pieces, label: str):
    """The mention of ``label`` in ``pieces`` when they name one term only (else None)."""
    found = [m for _, a, b in pieces or () for m in view.mentions_in(a, b, label)
             if not m.has("NEGATED", "HYPOTHETICAL", "HISTORICAL", "GENERIC")]
    return found[0] if found and len({m.term for m in found}) == 1 else None


def _bispecific(view: PaperView, scope: Scope):
    """The bispecific antibody that caused ICANS stands where a CAR T product would."""
    for _, a, b in scope.pieces:
        for m in view.mentions_in(a, b, "DRUG"):
            if view.onto.is_a(m.term, "BispecificTCellEngager") and not m.has("NEGATED", "HYPOTHETICAL", "HISTORICAL"):
                return m
    return None


def _dedupe_grades(grades: list[GradeAssessment]) -> list[GradeAssessment]:
    seen, out = set(), []
    for g in grades:
        k = (g.subject, g.syndrome, g.grade, g.day)
        if k not in seen:
            seen.add(k)
            out.append(g)
    return out
