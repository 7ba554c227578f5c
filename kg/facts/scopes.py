"""Who a sentence is about: a case of the paper, the paper's own cohort, or a cited study.

- Case sections ("Case 1", "Patient 2", "Case presentation") are the paper's own
  patients: "Case N", or "patient" for a single unnumbered case.
- Outside case sections, the text leading up to a citation marker is attributed to the
  cited study (from the sentence that introduces the study, or the marker's sentence).
- A paper without case sections that reports its own series is about its own "cohort".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.layout import Sentence
from ..text.numbers import NUMBER_RE, ordinal_number
from .cues import COMPARISON, COUNT_GROUP, OWN_CUE, STUDY_CUE
from .view import PaperView

_SERIES_PEOPLE = r"(?:patients|adults|children|recipients|cases)\b"
_OWN_SERIES = re.compile(
    r"\bwe\s+(?:retrospectively\s+|prospectively\s+)?(?:reviewed|analy[sz]ed|studied|included|enrolled|identified|"
    rf"evaluated|treated|report|describe|present)\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?{NUMBER_RE}\s+(?:[\w-]+\s+){{0,2}}?"
    + _SERIES_PEOPLE, re.I)
# the passive report of one's own series: "Records of 40 adults ... were reviewed", "Eight adults ... were included"
_OWN_SERIES_PASSIVE = re.compile(
    rf"\b{NUMBER_RE}\s+(?:[\w-]+\s+){{0,2}}?{_SERIES_PEOPLE}[^.;]{{0,160}}?"
    r"\b(?:were|was)\s+(?:retrospectively\s+|prospectively\s+)?(?:reviewed|included|enrolled|identified|analy[sz]ed|studied)\b",
    re.I)
_SINGLE_PATIENT = re.compile(r"\b(?:a|an)\s+\d{1,3}[- ]year[- ]old\b", re.I)
_NO_FACTS = ("title", "references", "backmatter")
_CASE_PARAGRAPH = re.compile(
    r"\s*(?:(?:the\s+)?(?P<ord>first|second|third|fourth|fifth|sixth)\s+(?:patient|case)\b"
    r"|(?:patient|case)\s+(?P<num>\d{1,2})\b(?!\s*[:.])(?=\s+(?:was|is|had|,|\(|presented|developed|received)))", re.I)
_NARRATIVE = re.compile(r"\b(?:he|she|his|her|him)\b|\bday\s*\+?\d", re.I)


@dataclass
class Scope:
    key: str
    label: str
    kind: str                     # patient | cohort
    mode: str                     # case | cited | own_cohort
    source: tuple[int, ...] = ()
    pieces: list[tuple[Sentence, int, int]] = field(default_factory=list)
    citation: object = None       # the CITATION mention of a cited scope


def _case_scopes(view: PaperView) -> list[Scope]:
    secs = view.layout.sections
    case_idx = [i for i, s in enumerate(secs) if s.kind == "case"]
    numbered = [i for i in case_idx if secs[i].case_number is not None]
    chosen = numbered or case_idx
    scopes: dict[int, Scope] = {}
    for k, i in enumerate(chosen, 1):
        if numbered:
            label = f"Case {secs[i].case_number}"
        else:
            label = "patient" if len(chosen) == 1 else f"Case {k}"
        key = label.lower().replace(" ", "-")
        scopes[i] = Scope(key, label, "patient", "case")
    for s in view.sentences:
        if s.section in scopes:
            scopes[s.section].pieces.append((s, s.start, s.end))
    return [sc for sc in scopes.values() if sc.pieces]


def _cited_scopes(view: PaperView, allowed_sections: set[int]) -> list[Scope]:
    text = view.text
    by_par: dict[int, list[Sentence]] = {}
    for s in view.sentences:
        if s.section in allowed_sections:
            by_par.setdefault(s.paragraph, []).append(s)
    scopes: list[Scope] = []
    seen: dict[str, int] = {}
    for par, sents in sorted(by_par.items()):
        lo_par, hi_par = sents[0].start, sents[-1].end
        prev_end = lo_par
        for c in view.mentions_in(lo_par, hi_par, "CITATION"):
            cands = [s for s in sents if s.end > prev_end and s.start <= c.nstart]
            if not cands:
                continue
            start = None
            for s in cands:
                a = max(s.start, prev_end)
                b = min(s.end, c.nstart)
                if OWN_CUE.match(text, a) or OWN_CUE.match(text[a:b]):
                    continue
                if STUDY_CUE.search(text, a, b) or COUNT_GROUP.search(text, a, b):
                    start = a
                    break
            if start is None:
                start = max(cands[-1].start, prev_end)
            comp = [m.end() for m in COMPARISON.finditer(text, start, c.nstart)]
            if comp:
                start = comp[-1]
            refs = tuple(c.value("refs"))
            key = "ref-" + "-".join(map(str, refs))
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += f"-{seen[key]}"
            sc = Scope(key, "cohort", "cohort", "cited", refs, citation=c)
            for s in sents:
                a, b = max(s.start, start), min(s.end, c.nend)
                if a < b:
                    sc.pieces.append((s, a, b))
            scopes.append(sc)
            prev_end = c.nend
    return scopes


def _subtract(pieces, holes):
    out = []
    for s, a, b in pieces:
        segs = [(a, b)]
        for ha, hb in holes:
            nxt = []
            for x, y in segs:
                if hb <= x or ha >= y:
                    nxt.append((x, y))
                    continue
                if x < ha:
                    nxt.append((x, ha))
                if hb < y:
                    nxt.append((hb, y))
            segs = nxt
        out.extend((s, x, y) for x, y in segs if view_nonblank(s, x, y))
    return out


def view_nonblank(s, x, y) -> bool:
    return y - x > 3


def _ordinal_cases(view: PaperView, fact_secs: set[int]) -> list[Scope]:
    """Cases told paragraph by paragraph without headings: "The first patient ...", "Patient 2 was ..."."""
    by_par: dict[int, list[Sentence]] = {}
    for s in view.sentences:
        if s.section in fact_secs:
            by_par.setdefault(s.paragraph, []).append(s)
    scopes: list[Scope] = []
    current = None
    for par, sents in sorted(by_par.items()):
        m = _CASE_PARAGRAPH.match(view.text, sents[0].start)
        if m:
            n = ordinal_number(m.group("ord")) if m.group("ord") else int(m.group("num"))
            current = Scope(f"case-{n}", f"Case {n}", "patient", "case")
            scopes.append(current)
        elif current is not None:
            lo, hi = sents[0].start, sents[-1].end
            if view.mentions_in(lo, hi, "CITATION") or not _NARRATIVE.search(view.text, lo, hi):
                current = None
                continue
        else:
            continue
        current.pieces.extend((s, s.start, s.end) for s in sents)
    return scopes if len(scopes) >= 2 else []


def assign_scopes(view: PaperView) -> list[Scope]:
    """Every subject scope of the paper, own subjects first, then cited studies."""
    secs = view.layout.sections
    cases = _case_scopes(view)
    if not cases:
        fact_secs = {i for i, s in enumerate(secs) if s.kind not in _NO_FACTS and s.kind not in ("discussion", "conclusion")}
        ordinal = _ordinal_cases(view, fact_secs)
        if ordinal:
            taken = {s.start for sc in ordinal for s, _, _ in sc.pieces}
            allowed = {i for i, s in enumerate(secs) if s.kind not in _NO_FACTS}
            cited = [c for c in _cited_scopes(view, allowed) if not any(s.start in taken for s, _, _ in c.pieces)]
            return ordinal + cited
    fact_secs = {i for i, s in enumerate(secs) if s.kind not in _NO_FACTS}
    if cases:
        case_secs = {i for i, s in enumerate(secs) if s.kind == "case"}
        cited = _cited_scopes(view, fact_secs - case_secs)
        return cases + cited
    cited = _cited_scopes(view, fact_secs)
    holes = [(p[1], p[2]) for sc in cited for p in sc.pieces]
    own_sents = [(s, s.start, s.end) for s in view.sentences if s.section in fact_secs | {
        i for i, sec in enumerate(secs) if sec.kind == "title"}]
    text = view.text
    kinds = {sec.kind for sec in secs}
    passive = any(_OWN_SERIES_PASSIVE.search(text, s.start, s.end) and not view.mentions_in(s.start, s.end, "CITATION")
                  for s, _, _ in own_sents if secs[s.section].kind in ("abstract", "methods", "results", "front"))
    if any(_OWN_SERIES.search(text, s.start, s.end) for s, _, _ in own_sents) or passive or \
            {"methods", "results"} <= kinds:
        own = Scope("cohort", "cohort", "cohort", "own_cohort")
        own.pieces = _subtract(own_sents, holes)
        return [own] + cited
    if any(_SINGLE_PATIENT.search(text, s.start, s.end) for s, _, _ in own_sents):
        body = [(s, a, b) for s, a, b in own_sents
                if secs[s.section].kind not in ("discussion", "conclusion")]
        own = Scope("patient", "patient", "patient", "case")
        own.pieces = _subtract(body, holes)
        return [own] + cited
    return cited
