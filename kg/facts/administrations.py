"""Which drugs a sentence names as given, with dose, range, frequency, duration, route and day.

A ``Given`` is one drug (or CAR-T product) mention with the dose written next to it, the
route that governs it, its schedule and its day, and a ``status`` from ConText: given,
other (given for something else: CRS, infection, premedication, lymphodepletion),
referenced (named with its result: "responded to anakinra"), historical (given before:
tapered, failed, prior lines) or not_given (negated, withheld, planned, hypothetical).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..annotate import Mention
from ..text.layout import Sentence
from .days import SentenceDays
from .view import PaperView

_GAP_POST = re.compile(r"^\s*(?:of\s+)?$")
_ADVERB_ROUTE = re.compile(r"ly$")
_NEW_CONJUNCT = re.compile(r"[,;]|\b(?:and|or|plus|with|versus|vs|then|followed\s+by)\b", re.I)
# a route that modifies the noun after it ("IT therapy") names another treatment
_ROUTE_OF_NOUN = re.compile(r"\s*(?:chemotherapy|therapy|therapies|treatment|injections?|administration|regimen|"
                            r"instillation|delivery)\b", re.I)
_VERB = r"(?:was|were|is|are|has|had|been|given|initiated|started|administered|received|resumed|continued)"
_ROUTE_GAP = re.compile(rf"(?!.*\b{_VERB}\b)[\s\w\-(),.]{{0,40}}", re.I | re.S)
_COORD = re.compile(r"(?:[\s,;()/+.]|\band\b|\bplus\b|\bwith\b|\bor\b|\bof\b|\bcombined\b|\bin\s+combination\b|"
                    r"\d+(?:\.\d+)?|\bmg\b|\bg\b|\bmcg\b|\bkg\b|\bm2\b)*", re.I)
_PREPOSED_EARLIER = re.compile(r"^\s*(?:following|after|before|prior\s+to)\b[^,]*$", re.I)
_REPEAT_DAY = re.compile(r"\b(?:repeated|again|re-?dosed|second\s+dose)\s+(?:on\s+)?$", re.I)
_DOSE_NEXT = re.compile(r"^\s*\(?\s*\d")
_PER_DAY = re.compile(r"/\s*(?:day|d)\b", re.I)
_ARM_LABEL = re.compile(r"\s+(?:arm|group|cohort)\b", re.I)

NOT_GIVEN = ("NEGATED", "NOT_GIVEN", "HYPOTHETICAL", "GENERIC")
# a drug named again by a pronoun or "the same ...": "received it on day 6", "the same IT regimen was given"
_SAME = (r"the\s+same\s+(?:(?:IT|intrathecal|triple|IV|intravenous|oral)\s+)*(?:drug|agent|treatment|therapy|regimen|combination|doses?|course)"
         r"|the\s+(?:IT|intrathecal|triple\s+intrathecal|triple\s+IT)\s+(?:regimen|combination|therapy|treatment)")
_IT = re.compile(r"\bIT\b|\b[Ii]ntrathecal\b")
_ANAPHOR = re.compile(
    rf"\b(?:received|was\s+given|were\s+given|started|restarted|got|was\s+treated\s+with|were\s+treated\s+with)\s+(?P<a>it|{_SAME})\b"
    rf"|\b(?P<b>it|{_SAME})\s+was\s+(?:then\s+|also\s+)?(?:given|started|administered|added|repeated|restarted)\b", re.I)


@dataclass(frozen=True)
class Given:
    """One administration candidate (normalized offsets of the drug mention)."""

    agent: str                  # ontology term id
    label: str                  # DRUG | CELL_THERAPY
    start: int
    end: int
    status: str = "given"       # given | other | referenced | historical | not_given
    dose_value: float | int | None = None
    dose_max: float | int | None = None
    dose_unit: str | None = None
    route: str | None = None
    day: int | None = None
    frequency: str | None = None
    duration: str | None = None
    anchor: int = 0             # where the day is measured from (drug or dose)
    escalation: bool = False    # a new dose of a drug named before in the sentence

    @property
    def administered(self) -> bool:
        """Whether this is an administration of the subject's (for ICANS or anything else)."""
        # "worsened despite dexamethasone 20 mg IV q6h": given before, and its dose written here
        return self.status in ("given", "other") or (self.status == "historical" and self.dose_value is not None)


def status_of(m: Mention, text: str, sent_end: int) -> str:
    if m.has(*NOT_GIVEN):
        return "not_given"
    if m.has("HISTORICAL"):
        return "historical"
    if m.has("OTHER_INDICATION"):
        return "other"
    if m.has("REFERENCED"):
        # "did not respond to methylprednisolone 1 g daily": with a dose it is the administration
        return "given" if _DOSE_NEXT.match(text[m.nend:min(sent_end, m.nend + 12)]) else "referenced"
    return "given"


def _drug_mentions(view: PaperView, lo: int, hi: int):
    """Drug and product mentions, a brand in parentheses after its INN merged into one."""
    merged = []
    for m in view.mentions_in(lo, hi, "DRUG", "CELL_THERAPY"):
        if merged and merged[-1][0].term == m.term and re.fullmatch(r"\s*[(/]?\s*", view.text[merged[-1][1]:m.nstart]):
            merged[-1] = (merged[-1][0], m.nend)
            continue
        merged.append((m, m.nend))
    return merged


def _regimens(view: PaperView, lo: int, hi: int, drugs: list[Given], sent: Sentence):
    """Named regimens ("triple intrathecal therapy"): their route, and their drugs when none are named."""
    onto = view.onto
    routes, extra = [], []
    named = {g.agent for g in drugs}
    for m in view.mentions_in(lo, hi, "REGIMEN"):
        term = onto.terms[m.term]
        route = onto.terms[term.default_route].code if term.default_route else None
        if route and not view.mentions_in(m.nstart, m.nend, "ROUTE"):
            routes.append((m.nstart, m.nend, route))
        if not named & set(term.components):
            status = status_of(m, view.text, sent.end)
            extra.extend(Given(c, "DRUG", m.nstart, m.nend, status, route=route, anchor=m.nstart) for c in term.components)
    return routes, extra


def givens_in(view: PaperView, sent: Sentence, lo: int | None = None, hi: int | None = None,
              days: SentenceDays | None = None) -> list[Given]:
    """Administration candidates in ``sent`` (restricted to [lo, hi)), dated by ``days`` when given."""
    text = view.text
    lo = sent.start if lo is None else max(lo, sent.start)
    hi = sent.end if hi is None else min(hi, sent.end)
    drugs = [Given(m.term, m.label, m.nstart, mend, status_of(m, text, sent.end), anchor=m.nstart)
             for m, mend in _drug_mentions(view, lo, hi)]
    regimen_routes, regimen_drugs = _regimens(view, lo, hi, drugs, sent)
    drugs.extend(regimen_drugs)
    if not drugs:
        drugs = _anaphoric(view, lo, hi)
    drugs.sort(key=lambda g: g.start)
    if not drugs:
        return []
    givens = _bind_doses(view, lo, hi, drugs)
    givens = _bind_schedules(view, lo, hi, givens)
    givens = _bind_routes(view, sent, lo, hi, givens, regimen_routes)
    if days is None:
        return givens
    return _assign_days(view, sent, lo, hi, givens, days)


def _anaphoric(view: PaperView, lo: int, hi: int) -> list[Given]:
    """The drug (or the list of drugs) last given before a pronoun or "the same regimen" that names it."""
    m = _ANAPHOR.search(view.text, lo, hi)
    if m is None:
        return []
    key = "a" if m.group("a") else "b"
    a, b = m.span(key)
    onto, text = view.onto, view.text
    before = [x for x in view.mentions_in(0, lo, "DRUG") if not x.has(*NOT_GIVEN) and onto.terms[x.term].directed]
    if _IT.search(m.group(key)):
        # "the same IT regimen": the drugs last given intrathecally
        its = [x for x in before if _IT.search(text, max(0, x.nstart - 30), x.nstart) or
               any(r.value("route") == "intrathecal" for r in view.mentions_in(x.nend, x.nend + 25, "ROUTE"))]
        if its:
            before = before[:before.index(its[-1]) + 1]
    if not before:
        return []
    group = [before[-1]]
    if m.group(key).lower() != "it":
        for x in reversed(before[:-1]):
            if not _COORD.fullmatch(text[x.nend:group[0].nstart]):
                break
            group.insert(0, x)
    route = "intrathecal" if _IT.search(m.group(key)) else None
    return [Given(x.term, "DRUG", a, b, "given", route=route, anchor=a) for x in group]


def _bind_doses(view: PaperView, lo: int, hi: int, drugs: list[Given]) -> list[Given]:
    """"12 mg methotrexate", "methotrexate 12 mg", "50 mg of hydrocortisone", and escalations."""
    text = view.text
    extra: list[Given] = []
    for d in view.mentions_in(lo, hi, "DOSE"):
        value, unit, top = d.value("value"), d.value("unit"), d.value("value_max")
        freq = "daily" if _PER_DAY.search(text, d.nstart, d.nend) else None
        post = next((g for g in drugs if g.start >= d.nend and _GAP_POST.match(text[d.nend:g.start])
                     and g.dose_value is None), None)
        if post is not None:
            drugs[drugs.index(post)] = replace(post, dose_value=value, dose_max=top, dose_unit=unit,
                                               frequency=post.frequency or freq)
            continue
        pre = [g for g in drugs if g.end <= d.nstart]
        if not pre:
            continue
        g = pre[-1]
        if any(o.start > g.end and o.end <= d.nstart for o in drugs):
            continue
        between = text[g.end:d.nstart]
        if g.dose_value is None and not any(x.agent == g.agent and x.escalation for x in extra):
            drugs[drugs.index(g)] = replace(g, dose_value=value, dose_max=top, dose_unit=unit, frequency=g.frequency or freq)
        elif re.search(r"\b(?:escalat|increas|reduc|decreas|switch|changed|followed|then|and)\w*", between, re.I):
            extra.append(replace(g, dose_value=value, dose_max=top, dose_unit=unit, anchor=d.nstart, escalation=True,
                                 route=None, frequency=freq))
    return sorted(drugs + extra, key=lambda g: (g.anchor, g.start))


def _bind_schedules(view: PaperView, lo: int, hi: int, givens: list[Given]) -> list[Given]:
    """A frequency or duration written after a dose belongs to that dose's administration."""
    text = view.text
    out = list(givens)
    for m in view.mentions_in(lo, hi, "FREQUENCY", "DURATION"):
        owner = None
        for i, g in enumerate(out):
            if g.anchor <= m.nstart and not any(o.start > g.end and o.end <= m.nstart for o in out if o is not g):
                owner = i
        if owner is None:
            continue
        g = out[owner]
        gap = text[max(g.end, g.anchor):m.nstart]
        if len(gap) > 60 or ";" in gap:
            continue
        if m.label == "FREQUENCY" and (g.frequency is None or g.frequency == "daily"):
            out[owner] = replace(g, frequency=m.value("frequency"))
        elif m.label == "DURATION" and g.duration is None:
            out[owner] = replace(g, duration=m.value("duration"))
    return out


def _bind_routes(view: PaperView, sent: Sentence, lo: int, hi: int, givens: list[Given], regimen_routes) -> list[Given]:
    text = view.text
    routes = [(r.nstart, r.nend, r.value("route")) for r in view.mentions_in(lo, hi, "ROUTE")] + regimen_routes
    doses = view.mentions_in(lo, hi, "DOSE")
    for r_start, r_end, code in sorted(routes):
        if _ARM_LABEL.match(text, r_end):
            continue            # "(IT arm)" names an arm, it gives no drug a route
        # "100 mg SC": a route right after a dose binds to that dose's drug only
        d = next((d for d in doses if 0 <= r_start - d.nend <= 2), None)
        if d is not None:
            for i, g in enumerate(givens):
                if g.dose_value == d.value("value") and g.dose_unit == d.value("unit") and g.route is None \
                        and (g.anchor == d.nstart or g.start < d.nstart):
                    givens[i] = replace(g, route=code)
                    break
            continue
        # "dexamethasone 10 mg q6h IV": a route after a schedule after a dose
        sched = next((m for m in view.mentions_in(lo, hi, "FREQUENCY", "DURATION") if 0 <= r_start - m.nend <= 2), None)
        surface = text[r_start:r_end]
        following = [i for i, g in enumerate(givens) if g.start >= r_end and g.route is None
                     and view.clause_start(sent.start, g.start) <= r_start]
        preceding = [i for i, g in enumerate(givens) if g.end <= r_start and g.route is None
                     and view.clause_start(sent.start, r_start) <= g.start]
        if sched is not None and preceding:
            targets = preceding[-1:]
        elif _ADVERB_ROUTE.search(surface) and preceding:
            targets = preceding
        elif following and _ROUTE_GAP.fullmatch(text[r_end:givens[following[0]].start]):
            # "IT methotrexate", "intrathecal chemotherapy with methotrexate and hydrocortisone"
            targets = [following[0]]
            for i in following[1:]:
                prev = givens[targets[-1]]
                if not _COORD.fullmatch(text[prev.end:givens[i].start]):
                    break
                targets.append(i)
        elif preceding and "(" in text[givens[preceding[-1]].end:r_start] and r_start - givens[preceding[-1]].end < 40 \
                and ")" not in text[givens[preceding[-1]].end:r_start]:
            targets = preceding[-1:]    # "siltuximab (11 mg/kg, single IV dose)": inside the drug's parentheses
        elif preceding and r_start - givens[preceding[-1]].end < 30 \
                and not _NEW_CONJUNCT.search(text[givens[preceding[-1]].end:r_start]) \
                and not _ROUTE_OF_NOUN.match(text, r_end):
            targets = preceding[-1:]    # "dexamethasone 10 mg was given IV"; not "anakinra and IT therapy"
        else:
            targets = []
        for i in targets:
            if givens[i].route is None:
                givens[i] = replace(givens[i], route=code)
    return givens


def _assign_days(view: PaperView, sent: Sentence, lo: int, hi: int, givens: list[Given],
                 days: SentenceDays) -> list[Given]:
    text = view.text
    repeats = [d for d in days.days if _REPEAT_DAY.search(text, max(lo, d.nstart - 25), d.nstart)]
    plain = [d for d in days.days if d not in repeats]
    ends = [d for d in plain if _DEADLINE.search(text, max(lo, d.nstart - 12), d.nstart)]
    out = []
    for g in givens:
        if g.label == "CELL_THERAPY":
            out.append(replace(g, day=0))
            continue
        if g.status == "other" and _lymphodepletion(text, sent, g):
            out.append(replace(g, day=None))
            continue
        head = text[sent.start:g.start]
        if _PREPOSED_EARLIER.match(head) and "," in text[g.end:sent.end]:
            out.append(replace(g, day=None))
            continue
        # "followed by recovery by day 5", "continued until day 10": an end, not the day it was given
        mine = [d for d in plain if not (d in ends and d.nstart > g.end)]
        out.append(replace(g, day=days.at(g.anchor, g.end if g.anchor == g.start else g.anchor, mine, interval=False)))
    out = _share_list_day(view, sent, out, plain)
    out = _day_lists(view, sent, out, plain)
    for d in repeats:
        for g in list(out):
            if g.label != "CELL_THERAPY" and g.day is not None and g.day != d.value("day") and g.anchor < d.nstart:
                out.append(replace(g, day=d.value("day"), anchor=d.nstart))
    return out


_DEADLINE = re.compile(r"\b(?:by|until|till|through|thru|to)\s+(?:the\s+)?$", re.I)


def _lymphodepletion(text: str, sent: Sentence, g: Given) -> bool:
    return bool(re.search(r"lymphodeplet|conditioning|bridging", text[max(sent.start, g.start - 80):g.start], re.I))


def _share_list_day(view: PaperView, sent: Sentence, givens: list[Given], days) -> list[Given]:
    """"IT methotrexate 12 mg, cytarabine 50 mg and hydrocortisone 50 mg on day 8": a day written
    right after a coordinated list of drugs is the day of every drug of the list."""
    text = view.text
    order = sorted((i for i, g in enumerate(givens) if g.label == "DRUG"), key=lambda i: givens[i].start)
    groups: list[list[int]] = []
    for i in order:
        if groups and _COORD.fullmatch(text[givens[groups[-1][-1]].end:givens[i].start]):
            groups[-1].append(i)
        else:
            groups.append([i])
    out = list(givens)
    for grp in groups:
        if len(grp) < 2:
            continue
        last = givens[grp[-1]]
        a, b = view.comma_clause(sent.start, sent.end, last.start)
        after = [d for d in days if last.end <= d.nstart < b]
        if after and re.fullmatch(r"[\s\w./-]{0,30}?(?:on|at|from)\s*", text[last.end:after[0].nstart]):
            for i in grp:
                out[i] = replace(out[i], day=after[0].value("day"))
    return out


def _day_lists(view: PaperView, sent: Sentence, givens: list[Given], days) -> list[Given]:
    """"given on days +6 and +7": one administration per listed day."""
    text = view.text
    out = []
    for g in givens:
        a, b = view.comma_clause(sent.start, sent.end, g.start)
        after = [d for d in days if d.nstart >= g.end]
        listed = after[:1] if after and after[0].nstart < b else []
        for d in after[1:]:
            # "on D+6, D+7 and D+8": the list goes on across its commas
            if not re.fullmatch(r"\s*(?:,|and|&)\s*(?:and\s+)?", text[listed[-1].nend:d.nstart]) if listed else True:
                break
            listed.append(d)
        if len(listed) >= 2 and g.day == listed[0].value("day"):
            out.extend(replace(g, day=d.value("day"), anchor=d.nstart if k else g.anchor) for k, d in enumerate(listed))
        else:
            out.append(g)
    return out
