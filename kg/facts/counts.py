"""Counts of patients as authors write them: "24 of 29", "(6/10)", "31 (74%)", "(n = 7)", "all", "none".

``counts_in`` returns every count expression of a span as a ``Count`` record: ``n`` the
patients counted, ``of`` the denominator when written, ``pct`` the percentage when
written, and a ``kind``: fraction, group, percent, eq, all, none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.numbers import NUMBER_RE, word_number
from .cues import people

_P = people()
_NOT_AFTER = r"(?!\s*(?:days?|hours?|h\b|weeks?|months?|years?|mg|g\b|doses?|cycles?|%|cm|mm|lines?|x\b|×))"
FRACTION = re.compile(
    rf"\b(?P<n>{NUMBER_RE})\s+(?:(?:{_P})\s+)?(?:\(\s*[\d.]+\s*%\s*\)\s+)?(?:out\s+)?of\s+(?:the\s+|these\s+|those\s+|all\s+)?"
    rf"(?:total\s+of\s+)?(?:remaining\s+)?(?P<m>{NUMBER_RE})\b{_NOT_AFTER}", re.I)
# "none of 6 responded", "none of the eight patients": no one of a counted group
NONE_OF = re.compile(rf"\bnone\s+of\s+(?:the\s+|these\s+|those\s+)?(?P<m>{NUMBER_RE})\b{_NOT_AFTER}", re.I)
SLASH = re.compile(r"(?<![\w/.])(?P<n>\d{1,4})\s*/\s*(?P<m>\d{1,4})(?![\w/.]|\s*(?:mg|kg|µL|uL|mm|cells|10))")
OF_LEADING = re.compile(
    rf"\b(?:of|among|in)\s+(?:the\s+|these\s+|those\s+)?(?P<m>{NUMBER_RE})\s+(?:[\w-]+\s+){{0,3}}?(?:{_P})\b[^,;.()]{{0,60}}?,\s*"
    rf"(?P<n>{NUMBER_RE})\b{_NOT_AFTER}", re.I)
GROUP = re.compile(
    rf"\b(?P<n>{NUMBER_RE})\s*(?:\(\s*(?P<p>[\d.]+)\s*%\s*\)\s*)?(?:(?!\d)[\w-]+\s+){{0,3}}?(?:{_P})\b"
    rf"|\b(?P<n4>{NUMBER_RE})\s+(?:(?!\d)[\w-]+\s+){{1,2}}?(?:and|or)\s+(?:(?!\d)[\w-]+\s+){{1,2}}?(?:{_P})\b"   # "five pediatric and young adult patients"
    rf"|\b(?:series|analysis|cohort|total|group|study|registry|experience)\s+(?:of\s+|including\s+)(?P<s>{NUMBER_RE})\b"
    r"|\(\s*[nN]\s*=\s*(?P<eq>\d+)(?:\s*[,;]\s*(?P<eqp>[\d.]+)\s*%)?\s*\)", re.I)
PERCENT = re.compile(rf"\b(?P<n>{NUMBER_RE})\s*\(\s*(?P<p>[\d.]+)\s*%\s*\)", re.I)
PCT_FIRST = re.compile(r"(?P<p>[\d.]+)\s*%\s*\(\s*(?:n\s*=\s*)?(?P<n>\d+)(?:\s*/\s*(?P<m>\d+))?\s*\)", re.I)
ALL = re.compile(rf"\b(?:all\s+(?:(?P<n>{NUMBER_RE})\b)?(?:\s*(?:of\s+(?:them|these|those|the\s+\w+)|patients|cases))?"
                 r"|both\b|each\s+of\s+them|everyone)", re.I)
NONE = re.compile(r"\b(?:none|neither|no\s+(?:patients?|one|cases?|responders?)|in\s+either)\b", re.I)
# "5 of them", "2 of whom", "11 of these": a part of the group just named
SUBSET = re.compile(rf"\b(?P<n>{NUMBER_RE})\s+of\s+(?:them|these|those|whom|which)\b"
                    rf"|\b(?:of|among)\s+(?:whom|them|these|those)\s*,?\s*(?P<n2>{NUMBER_RE})\b{_NOT_AFTER}", re.I)
# "7 had also received", "15 improved", "two received": a count as the subject of a clause
SUBJECT = re.compile(rf"(?:(?<=[,;:]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\bwhile\s)|(?<=\bwhereas\s)|(?<=\bremaining\s)|(?<=\bother\s))(?P<n>{NUMBER_RE})\s+(?:(?:also|then|later|subsequently|eventually|still|only)\s+)?"
                     r"(?=(?:had|have|were|was|received|developed|required|experienced|achieved|showed|improved|responded|"
                     r"recovered|resolved|died|did|went|needed|underwent|got)\b)", re.I)
_SUBJECT_AT_START = re.compile(r"\s*" + SUBJECT.pattern[SUBJECT.pattern.index("(?P<n>"):], re.I)
# "with improvement in 6", "responded in 9": a count after an outcome
IN_N = re.compile(rf"\bin\s+(?:only\s+)?(?P<n>{NUMBER_RE})\b(?!\s*(?:of|out|days?|hours?|weeks?|months?|years?|mg|%|/|patients|cases))", re.I)
# "60% had improvement": a share with no count
PCT_ONLY = re.compile(rf"(?<![\d.(])(?:(?P<p>\d{{1,3}}(?:\.\d+)?)\s*%|(?P<w>{NUMBER_RE})\s+(?:per\s*cent|percent)\b)(?!\s*\()"
                      r"(?P<of>\s+of\s+(?:them|these|those|the\s+\w+(?:\s+patients)?))?", re.I)
ONE = re.compile(r"\b(?:a|an|one|a\s+single|single)\s+(?:\w+\s+)?(?:patient|case|child|adult|man|woman|boy|girl|recipient)\b"
                 r"|\bthe\s+(?:patient|case)\s+(?:described|reported|treated)\s+by\b", re.I)
_SCORE_BEFORE = re.compile(r"(?:score|ICE|CARTOX(?:-10)?|CAPD|grade|GCS)\s*(?:of\s+)?$", re.I)


@dataclass(frozen=True)
class Count:
    start: int
    end: int
    kind: str                  # fraction | group | percent | eq | subset | in | all | none | share
    n: int | None = None
    of: int | None = None
    pct: float | None = None

    @property
    def total(self) -> int | None:
        """The denominator, written ("24 of 29") or implied by a percentage ("82 (66%)" -> 124)."""
        if self.of is not None:
            return self.of
        if self.n and self.pct:
            return round(self.n * 100 / self.pct)
        return None


def _num(s: str | None) -> int | None:
    return word_number(s) if s else None


def counts_in(text: str, lo: int, hi: int) -> list[Count]:
    """Every count expression in text[lo:hi], left to right, overlaps resolved longest first."""
    found: list[Count] = []
    for m in FRACTION.finditer(text, lo, hi):
        n, of = _num(m.group("n")), _num(m.group("m"))
        if n is not None and of and n <= of:
            found.append(Count(m.start(), m.end(), "fraction", n, of))
    for m in NONE_OF.finditer(text, lo, hi):
        of = _num(m.group("m"))
        if of:
            found.append(Count(m.start(), m.end(), "fraction", 0, of))
    for m in OF_LEADING.finditer(text, lo, hi):
        n, of = _num(m.group("n")), _num(m.group("m"))
        if n is not None and of and n <= of:
            found.append(Count(m.start(), m.end(), "fraction", n, of))
    for m in SLASH.finditer(text, lo, hi):
        if _SCORE_BEFORE.search(text, max(lo, m.start() - 14), m.start()):
            continue
        n, of = int(m.group("n")), int(m.group("m"))
        if n <= of:
            found.append(Count(m.start(), m.end(), "fraction", n, of))
    for m in PCT_FIRST.finditer(text, lo, hi):
        n = int(m.group("n"))
        found.append(Count(m.start(), m.end(), "fraction" if m.group("m") else "percent", n,
                           int(m.group("m")) if m.group("m") else None, float(m.group("p"))))
    for m in PERCENT.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "percent", _num(m.group("n")), None, float(m.group("p"))))
    for m in GROUP.finditer(text, lo, hi):
        if m.group("eq"):
            found.append(Count(m.start(), m.end(), "eq", int(m.group("eq")), None,
                               float(m.group("eqp")) if m.group("eqp") else None))
        else:
            n = _num(m.group("n") or m.group("n4") or m.group("s"))
            if n is not None:
                found.append(Count(m.start(), m.end(), "group", n, None, float(m.group("p")) if m.group("p") else None))
    for m in SUBSET.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "subset", _num(m.group("n") or m.group("n2"))))
    starts = list(SUBJECT.finditer(text, lo, hi))
    at_start = _SUBJECT_AT_START.match(text, lo, hi)
    if at_start:
        starts.append(at_start)
    for m in starts:
        found.append(Count(m.start("n"), m.end("n"), "group", _num(m.group("n"))))
    for m in IN_N.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "in", _num(m.group("n"))))
    for m in PCT_ONLY.finditer(text, lo, hi):
        pct = float(m.group("p")) if m.group("p") else word_number(m.group("w"))
        if pct is not None:
            # "Seventy percent of them": a share of the group just named (kind "share_of")
            found.append(Count(m.start(), m.end(), "share_of" if m.group("of") else "share", None, None, float(pct)))
    for m in ONE.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "group", 1))
    for m in ALL.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "all", _num(m.group("n"))))
    for m in NONE.finditer(text, lo, hi):
        found.append(Count(m.start(), m.end(), "none", 0))
    # overlaps: the most specific reading wins ("9 of 12 patients" is a fraction, not a group of 9)
    found.sort(key=lambda c: (_PRIORITY[c.kind], c.start, -(c.end - c.start)))
    out: list[Count] = []
    for c in found:
        if any(o.start < c.end and c.start < o.end for o in out):
            continue
        out.append(c)
    return sorted(out, key=lambda c: c.start)


_PRIORITY = {"fraction": 0, "all": 1, "percent": 2, "subset": 3, "eq": 4, "none": 5, "group": 6, "in": 7, "share": 8,
             "share_of": 8}
