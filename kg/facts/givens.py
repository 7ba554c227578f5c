"""Which drugs were given in a sentence, with dose, route and day.

A 'given' is one administration candidate: a drug or CAR-T mention that is not a
reference to a drug tapered/stopped/failed, with the dose written next to it, the
route that governs it and the day it happened.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..text.layout import Sentence
from .cues import PREPOSED_EARLIER, REPEAT_DAY, LYMPHODEPLETION, not_given, refractory_span
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


@dataclass(frozen=True)
class _Span:
    nstart: int
    nend: int


@dataclass(frozen=True)
class Given:
    agent: str                  # ontology term id
    label: str                  # DRUG | CELL_THERAPY
    start: int                  # normalized offsets of the drug mention
    end: int
    dose_value: float | int | None = None
    dose_unit: str | None = None
    route: str | None = None
    day: int | None = None
    anchor: int = 0             # where the day is measured from (drug or dose)
    lymphodepletion: bool = False
    escalation: bool = False


def _drug_mentions(view: PaperView, lo: int, hi: int):
    ms = view.mentions_in(lo, hi, "DRUG", "CELL_THERAPY")
    merged = []
    for m in ms:
        if merged and merged[-1][0].term == m.term and re.fullmatch(r"\s*[(/]?\s*", view.text[merged[-1][1]:m.nstart]):
            merged[-1] = (merged[-1][0], m.nend)
            continue
        merged.append((m, m.nend))
    return merged


def _regimens(view: PaperView, lo: int, hi: int, drugs: list[Given]):
    """Named regimens ("triple intrathecal therapy"): their route, and their drugs when none are named."""
    onto = view.onto
    routes, extra = [], []
    named = {g.agent for g in drugs}
    for m in view.mentions_in(lo, hi, "REGIMEN"):
        term = onto.terms[m.term]
        route = onto.terms[term.default_route].code if term.default_route else None
        inner = view.mentions_in(m.nstart, m.nend, "ROUTE")
        if route and not inner:
            routes.append((m.nstart, m.nend, route))
        if not named & set(term.components):
            extra.extend(Given(c, "DRUG", m.nstart, m.nend, route=route, anchor=m.nstart) for c in term.components)
    return routes, extra


def givens_in(view: PaperView, sent: Sentence, lo: int | None = None, hi: int | None = None,
              with_days: bool = True, current_day: int | None = None) -> list[Given]:
    """Administration candidates in ``sent`` (restricted to [lo, hi) if given)."""
    text = view.text
    lo = sent.start if lo is None else max(lo, sent.start)
    hi = sent.end if hi is None else min(hi, sent.end)
    drugs = []
    for m, mend in _drug_mentions(view, lo, hi):
        cstart = view.clause_start(sent.start, m.nstart)
        if not_given(text, cstart, m.nstart, mend, hi) or refractory_span(view.onto, text, m.nstart, m.nend):
            continue
        lympho = bool(LYMPHODEPLETION.search(text, max(sent.start, m.nstart - 60), m.nstart))
        drugs.append(Given(m.term, m.label, m.nstart, mend, anchor=m.nstart, lymphodepletion=lympho))
    regimen_routes, regimen_drugs = _regimens(view, lo, hi, drugs)
    drugs.extend(regimen_drugs)
    drugs.sort(key=lambda g: g.start)
    if not drugs:
        return []
    # doses: "12 mg methotrexate", "methotrexate 12 mg", "50 mg of hydrocortisone", escalations
    extra: list[Given] = []
    for d in view.mentions_in(lo, hi, "DOSE"):
        value, unit = d.value("value"), d.value("unit")
        post = next((g for g in drugs if g.start >= d.nend and _GAP_POST.match(text[d.nend:g.start])
                     and g.dose_value is None), None)
        if post is not None:
            i = drugs.index(post)
            drugs[i] = replace(post, dose_value=value, dose_unit=unit)
            continue
        pre = [g for g in drugs if g.end <= d.nstart]
        if not pre:
            continue
        g = pre[-1]
        between = text[g.end:d.nstart]
        if any(o.start > g.end and o.end <= d.nstart for o in drugs):
            continue
        if g.dose_value is None and not any(x.agent == g.agent and x.escalation for x in extra):
            drugs[drugs.index(g)] = replace(g, dose_value=value, dose_unit=unit)
        elif re.search(r"\b(?:escalat|increas|reduc|decreas|switch|changed|followed|then|and)\w*", between, re.I):
            extra.append(replace(g, dose_value=value, dose_unit=unit, anchor=d.nstart, escalation=True, route=None))
    givens = drugs + extra
    # routes
    routes = [(r.nstart, r.nend, r.value("route")) for r in view.mentions_in(lo, hi, "ROUTE")] + regimen_routes
    doses = view.mentions_in(lo, hi, "DOSE")
    for r_start, r_end, code in sorted(routes):
        r = _Span(r_start, r_end)
        # "100 mg SC": a route right after a dose binds to that dose's drug only
        d = next((d for d in doses if 0 <= r.nstart - d.nend <= 2), None)
        if d is not None:
            for i, g in enumerate(givens):
                if g.dose_value == d.value("value") and g.dose_unit == d.value("unit") and g.route is None \
                        and (g.anchor == d.nstart or g.start < d.nstart):
                    givens[i] = replace(g, route=code)
                    break
            continue
        surface = text[r.nstart:r.nend]
        following = [i for i, g in enumerate(givens) if g.start >= r.nend and g.route is None
                     and view.clause_start(sent.start, g.start) <= r.nstart]
        preceding = [i for i, g in enumerate(givens) if g.end <= r.nstart and g.route is None
                     and view.clause_start(sent.start, r.nstart) <= g.start]
        if _ADVERB_ROUTE.search(surface) and preceding:
            targets = preceding
        elif following and _ROUTE_GAP.fullmatch(text[r.nend:givens[following[0]].start]):
            # "IT methotrexate", "intrathecal chemotherapy with methotrexate and hydrocortisone"
            targets = [following[0]]
            for i in following[1:]:
                prev = givens[targets[-1]]
                if not _COORD.fullmatch(text[prev.end:givens[i].start]):
                    break
                targets.append(i)
        elif preceding and r.nstart - givens[preceding[-1]].end < 30 \
                and not _NEW_CONJUNCT.search(text[givens[preceding[-1]].end:r.nstart]) \
                and not _ROUTE_OF_NOUN.match(text, r.nend):
            targets = preceding[-1:]    # "dexamethasone 10 mg was given IV"; not "anakinra and IT therapy"
        else:
            targets = []
        for i in targets:
            if givens[i].route is None:
                givens[i] = replace(givens[i], route=code)
    if not with_days:
        return [replace(g, day=None) for g in givens]
    return _assign_days(view, sent, lo, hi, givens, current_day)


def _assign_days(view: PaperView, sent: Sentence, lo: int, hi: int, givens: list[Given],
                 current_day: int | None) -> list[Given]:
    text = view.text
    days = view.mentions_in(lo, hi, "DAY")
    out = []
    repeats = [d for d in days if REPEAT_DAY.search(text, max(lo, d.nstart - 25), d.nstart)]
    plain = [d for d in days if d not in repeats]
    for g in givens:
        if g.label == "CELL_THERAPY":
            out.append(replace(g, day=0))
            continue
        if g.lymphodepletion:
            out.append(replace(g, day=None))
            continue
        head = text[sent.start:g.start]
        if PREPOSED_EARLIER.match(head) and "," in text[g.end:sent.end]:
            out.append(replace(g, day=None))
            continue
        out.append(replace(g, day=pick_day(view, sent, g.anchor, plain, current_day,
                                           g.end if g.anchor == g.start else g.anchor)))
    out = _share_list_day(view, sent, out, plain)
    for d in repeats:
        for g in list(out):
            if g.label != "CELL_THERAPY" and g.day is not None and g.day != d.value("day") and g.anchor < d.nstart:
                out.append(replace(g, day=d.value("day"), anchor=d.nstart))
    return out


def _share_list_day(view: PaperView, sent: Sentence, givens: list[Given], days) -> list[Given]:
    """"IT methotrexate 12 mg, cytarabine 50 mg and hydrocortisone 50 mg on day 8": a day written
    right after a coordinated list of drugs is the day of every drug of the list."""
    text = view.text
    order = sorted((i for i, g in enumerate(givens) if g.label == "DRUG" and not g.lymphodepletion),
                   key=lambda i: givens[i].start)
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


def pick_day(view: PaperView, sent: Sentence, pos: int, days, current_day: int | None,
             end: int | None = None) -> int | None:
    """The day for the span [pos, end): same clause, sole day of the sentence, nearest, or carried."""
    if not days:
        return current_day
    end = pos if end is None else end
    a, b = view.comma_clause(sent.start, sent.end, pos)
    same = [d for d in days if a <= d.nstart < b]
    pool = same or days
    if len(pool) == 1:
        return pool[0].value("day")
    best = min(pool, key=lambda d: d.nstart - end if d.nstart >= end else pos - d.nend)
    return best.value("day")
