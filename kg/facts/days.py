"""Days relative to the infusion along a subject's text: stated, relative ("the next day") or carried.

A day comes from the clause that states it; else from the only day of the sentence, or the
nearest; else from a relative expression ("the same day", "36 hours later") counted from
the day in force; else the day in force, carried from the sentence before.
"""
from __future__ import annotations

import re

from ..annotate import Mention
from ..text.layout import Sentence
from .view import PaperView


_PREDICATE = re.compile(r"\band\s+(?:then\s+)?(?:(?:he|she|they)\s+)?(?:was|were|had\s+been|has\s+been)\s+"
                        r"(?!given|started|administered|treated)"
                        r"|\bfollowed\s+by\b", re.I)   # "cyclophosphamide for two days, followed by the cells on day 0"


_EVERY_DOSE = re.compile(r"\b(?:each|every|all)\s+(?:(?:step-up|treatment|subsequent|later)\s+)?(?:doses?|infusions?|administrations?|cycles?)\b"
                         r"|\beach\s+(?:one\s+)?(?:preceded|followed|accompanied)\s+by\b", re.I)


class DayClock:
    """The day in force while reading one subject's sentences in order."""

    def __init__(self, view: PaperView):
        self.view = view
        self.current: int | None = None

    def read(self, sent: Sentence, lo: int, hi: int) -> "SentenceDays":
        days = self.view.mentions_in(lo, hi, "DAY")
        rels = self.view.mentions_in(lo, hi, "RELATIVE_DAY")
        base = self.current
        lead = next((r for r in rels if r.nstart - lo < 16), None)
        if not days and lead is not None and base is not None:
            base = base + lead.value("offset")
        return SentenceDays(self.view, sent, lo, hi, days, rels, base, self.current)

    def advance(self, sd: "SentenceDays") -> None:
        """After a sentence: its last stated day (or its leading relative day) is in force."""
        if sd.days:
            self.current = max(sd.days, key=lambda d: d.nstart).value("day")
        elif sd.base is not None and sd.base != self.current:
            self.current = sd.base


class SentenceDays:
    """The days of one sentence (or piece of it) and how to date a position in it."""

    def __init__(self, view: PaperView, sent: Sentence, lo: int, hi: int, days: list[Mention],
                 rels: list[Mention], base: int | None, before: int | None):
        self.view, self.sent, self.lo, self.hi = view, sent, lo, hi
        self.days, self.rels, self.base, self.before = days, rels, base, before
        # "Each dose was preceded by dexamethasone 16 mg": what the sentence gives is given on many days
        self.every_dose = _EVERY_DOSE.search(view.text, sent.start, sent.end) is not None

    def at(self, pos: int, end: int | None = None, days: list[Mention] | None = None, interval: bool = True) -> int | None:
        """The day of the span [pos, end).

        ``interval=False`` dates a drug: "improved within a day of dexamethasone" measures the time to
        the result, not the day the drug was given."""
        days = self.days if days is None else days
        end = pos if end is None else end
        if self.sent.is_table_row:
            # in a table a day belongs to its cell ("D5" under "ICANS onset" dates nothing else)
            text = self.view.text
            a = text.rfind("|", self.sent.start, pos) + 1 or self.sent.start
            b = text.find("|", end, self.sent.end)
            b = b if b >= 0 else self.sent.end
            same = [d for d in days if a <= d.nstart < b]
            return _nearest(same, pos, end) if same else None
        a, b = self.view.comma_clause(self.sent.start, self.sent.end, pos)
        # "was given X and was transferred on day 6": a second predicate has its own day
        following = None    # where the next predicate ("followed by the cells on day 0") begins
        for m in _PREDICATE.finditer(self.view.text, a, self.sent.end):
            if m.start() >= end:
                following = m.start()
                b = min(b, m.start())
                break
            if m.start() < b:
                a = m.start()
        same = [d for d in days if a <= d.nstart < b]
        if same:
            return _nearest(same, pos, end)
        rel = next((r for r in self.rels if a <= r.nstart < b and
                    (interval or not r.text.lower().startswith("within")) and
                    (interval or not self.view.mentions_in(end, r.nstart, "OUTCOME"))), None)
        # ("received dexamethasone and improved the next day": the relative day dates the result, not the drug)
        if rel is not None:
            # "the same day", "a day later": counted from the last day stated before it
            said = [d for d in days if d.nend <= rel.nstart]
            anchor = said[-1].value("day") if said else (self.before if self.before is not None else self.base)
            if anchor is not None:
                return anchor + rel.value("offset")
        if self.every_dose:
            return None         # on many days, no one day
        if not days:
            return self.base
        earlier = [d for d in days if d.nend <= a]
        if earlier:
            return earlier[-1].value("day")     # the day in force: a clause with no day of its own goes on from it
        if following is not None and all(d.nstart >= following for d in days):
            return self.base    # every day stated belongs to what followed
        if self.base is not None and all(d.nstart >= b for d in days):
            # "X produced no change, so Y was given from day 10", "X and, after worsening on day 7, Y":
            # a later day that leads to another drug is that drug's; X goes on from the day in force
            drugs = ("DRUG", "DRUG_CLASS", "REGIMEN", "PROCEDURE")
            c = self.view.comma_clause(self.sent.start, self.sent.end, days[0].nstart)
            if self.view.mentions_in(a, b, *drugs) and self.view.mentions_in(c[0], self.sent.end, *drugs):
                return self.base
        return days[0].value("day") if len(days) == 1 else _nearest(days, pos, end)

    def relative_offset(self, pos: int, end: int) -> int | None:
        """The offset of a relative day written right after [pos, end) ("improved within 24 hours")."""
        rel = next((r for r in self.rels if 0 <= r.nstart - end <= 15), None)
        return rel.value("offset") if rel is not None else None


def _nearest(days: list[Mention], pos: int, end: int) -> int:
    best = min(days, key=lambda d: d.nstart - end if d.nstart >= end else pos - d.nend)
    return best.value("day")
