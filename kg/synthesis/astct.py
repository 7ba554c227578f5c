"""ASTCT consistency check: recompute an ICANS grade from the findings the text states beside it.

ASTCT 2019 consensus grading (Lee et al., Biol Blood Marrow Transplant 2019;25:625-638):
the ICANS grade is the worst of five domains. ``DOMAINS`` below is that table as patterns;
``docs/astct.md`` explains it for users. A paper's reported ICANS grade is checked when the
sentence that reports it (or, for a grade standing alone in brackets, the sentence before)
states at least one domain finding; the findings give a recomputed grade, and a reported
grade that differs is flagged. Findings in one sentence go to the nearest ICANS grade.

Only the public API of the annotator is read: the paper's text, its layout (sentences),
and its GRADE mentions; the facts give each grade's subject, day and grading system.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..graph.rdf import FactIris
from .records import CheckRecord

if TYPE_CHECKING:   # only reads the records; importing them at run time would load spaCy
    from ..annotate import AnnotatedPaper
    from ..facts import PaperFacts

ASTCT_SYSTEMS = {None, "ASTCT"}    # grades given in another system (CTCAE, CARTOX) are not checked


def _ice(m: re.Match) -> int | None:
    score = int(m.group("score"))
    if score > 10:
        return None
    return 0 if score == 10 else 1 if score >= 7 else 2 if score >= 3 else 3


@dataclass(frozen=True)
class Domain:
    """One finding of the ASTCT table: a pattern and the grade it implies (or a function of the match)."""

    name: str
    pattern: re.Pattern
    grade: int | None = None
    grade_of: object = None     # a function of the match (the ICE score)

    def grade_for(self, m: re.Match) -> int | None:
        return self.grade if self.grade_of is None else self.grade_of(m)


def _p(rx: str) -> re.Pattern:
    return re.compile(rx, re.I)


# order matters only for overlaps: a longer, worse finding is matched before its shorter words
DOMAINS = (
    Domain("ICE score", _p(r"\bICE(?:[- ]score)?(?:\s+(?:score\s+)?(?:of|was|is|at|reached|remained(?:\s+at)?|"
                           r"(?:fell|dropped|decreased|declined|improved|rose|increased)\s+to)|\s*[=:])?\s*"
                           r"(?P<score>\d{1,2})(?![\d.])(?:\s*/\s*10|\s+(?:out\s+)?of\s+10)?"), grade_of=_ice),
    Domain("consciousness", _p(r"\b(?:unarousable|unrousable|stupor(?:ous)?|coma|comatose|"
                               r"unresponsive(?!\s+to\s+(?:treatment|therapy|steroids?|corticosteroids?|"
                               r"dexamethasone|tocilizumab|medical|the))|"
                               r"requir\w*\s+vigorous(?:\s+or\s+repetitive)?\s+(?:tactile\s+)?stimul\w*)\b"), 4),
    Domain("consciousness", _p(r"\b(?:(?:arous\w*|awak\w*|rous\w*|respon\w*)\s+only\s+to|"
                               r"only\s+(?:arousable|rousable|responsive)\s+to)\s+(?:tactile|touch|pain\w*|noxious|"
                               r"physical|sternal|deep)\b"), 3),
    Domain("consciousness", _p(r"\b(?:arous\w*|awak\w*|rous\w*)\s+(?:only\s+)?to\s+(?:voice|verbal|speech|name)\b"), 2),
    Domain("consciousness", _p(r"\bawak\w*\s+spontaneously\b"), 1),
    Domain("seizure", _p(r"\b(?:(?:non-?convulsive\s+)?status\s+epilepticus|(?:prolonged|repetitive|recurrent|"
                         r"refractory)\s+seizures?|seizures?\s+(?:lasting|of)\s+(?:more\s+than|over|>)\s*5\s*min\w*)"), 4),
    Domain("seizure", _p(r"(?<!anti-)(?<!anti)\b(?:seizures?|convulsions?|convulsive|tonic[- ]clonic)\b"), 3),
    Domain("motor", _p(r"\b(?:hemipar\w+|parapar\w+|hemipleg\w+|parapleg\w+|quadripar\w+|tetrapar\w+|"
                       r"deep\s+focal\s+(?:motor\s+)?weakness)"), 4),
    Domain("cerebral edema", _p(r"\b(?:diffuse\s+(?:cerebral\s+|brain\s+)?o?edema|(?:decerebrate|decorticate)\s+"
                                r"posturing|(?:cranial\s+nerve\s+VI|sixth(?:\s+cranial)?\s+nerve|abducens(?:\s+nerve)?)"
                                r"\s+palsy|papill?o?edema|cushing'?s?\s+triad|(?:brain|cerebral|tonsillar|uncal)\s+"
                                r"herniation)"), 4),
    Domain("cerebral edema", _p(r"\b(?:(?:focal|local)\s+(?:cerebral\s+|brain\s+)?o?edema|(?:cerebral|brain)\s+o?edema)"), 3),
)

# a finding is not stated when a cue negates it or makes it hypothetical, before it in its clause or right after
_BEFORE = _p(r"\b(?:no|not|nor|without|negative|absence|absent|denied|denies|free\s+of|ruled?\s+out|exclud\w+|"
             r"prophyla\w*|prevent\w*|risk|history|if|unless|monitor\w*\s+for|concern\s+for|rather\s+than)\b[^.;:]*$")
_AFTER = _p(r"^[^.;]{0,3}\b(?:prophyla\w*|was\s+not|were\s+not|was\s+absent|were\s+absent|(?:was|were)\s+ruled\s+out|"
            r"did\s+not\s+occur|risk)\b")
_CLAUSE = re.compile(r"[;:]|,\s+(?:but|and|while|whereas|although)\s|\bbut\b")


def _stated(text: str, lo: int, start: int, end: int) -> bool:
    before = text[lo:start]
    cut = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    # look back at most 8 words in the clause: "no seizures", "EEG was negative for seizure activity"
    window = " ".join(before[cut:].split()[-8:])
    return not _BEFORE.search(window) and not _AFTER.search(text[end:end + 40])


def findings_in(text: str, lo: int, hi: int) -> list[tuple[int, int, str, int]]:
    """(start, end, domain, grade) of every stated ASTCT finding in ``text[lo:hi]``."""
    found: list[tuple[int, int, str, int]] = []
    for d in DOMAINS:
        for m in d.pattern.finditer(text, lo, hi):
            if any(a < m.end() and m.start() < b for a, b, _, _ in found):
                continue    # already part of a longer finding ("status epilepticus" holds no second "seizure")
            g = d.grade_for(m)
            if g is not None and _stated(text, lo, m.start(), m.end()):
                found.append((m.start(), m.end(), d.name, g))
    merged: list[tuple[int, int, str, int]] = []
    for f in sorted(found):   # "tonic-clonic seizure" is one finding, not two
        if merged and merged[-1][2] == f[2] and f[0] - merged[-1][1] <= 1:
            p = merged.pop()
            f = (p[0], f[1], f[2], max(p[3], f[3]))
        merged.append(f)
    return merged


def _window(ann: AnnotatedPaper, pos: int) -> tuple[int, int] | None:
    sents = ann.layout.sentences
    i = next((k for k, s in enumerate(sents) if s.start <= pos < s.end), None)
    if i is None:
        return None
    s = sents[i]
    text = ann.layout.text
    words = re.findall(r"[A-Za-z]{3,}", text[s.start:s.end])
    # "... did not follow commands. (ICANS grade 4)." : a bracketed grade reports on the sentence before
    alone = text[s.start:s.end].lstrip().startswith("(") or len(words) <= 4
    if alone and i > 0 and sents[i - 1].section == s.section and not sents[i - 1].is_heading:
        return sents[i - 1].start, s.end
    return s.start, s.end


def check_paper(ann: AnnotatedPaper, facts: PaperFacts, iris: FactIris | None = None) -> tuple[CheckRecord, ...]:
    """Every reported ICANS grade of the paper's own subjects that stated findings let us recompute."""
    iris = iris or FactIris(facts.paper_id)
    subject_of = {s.key: iris("subject", s) for s in facts.subjects}
    own = {s.key for s in facts.subjects if not s.source}
    text = ann.layout.text
    norm = ann.layout.norm
    icans = sorted((m for m in ann.mentions if m.label == "GRADE" and m.value("syndrome") == "ICANS"),
                   key=lambda m: m.nstart)
    by_start = {m.start: m for m in icans}
    out = []
    for g in facts.grades:
        m = by_start.get(g.evidence.start)
        if g.syndrome != "ICANS" or g.subject not in own or g.system not in ASTCT_SYSTEMS or m is None:
            continue
        win = _window(ann, m.nstart)
        if win is None:
            continue
        lo, hi = win
        rivals = [r for r in icans if lo <= r.nstart < hi]
        mine = [f for f in findings_in(text, lo, hi)
                if min(rivals, key=lambda r: (_distance(r, f), r.nstart)) is m]
        if not mine:
            continue
        a, b = min(f[0] for f in mine + [(m.nstart,)]), max(f[1] for f in mine + [(0, m.nend)])
        start, end = norm.span(a, b)
        sa, sb = norm.span(lo, hi)
        worst = max(f[3] for f in mine)
        out.append(CheckRecord(
            f"{iris('grade', g)}/astct", iris("grade", g), subject_of[g.subject],
            g.day, g.grade, worst, tuple((dom, gr, text[s:e]) for s, e, dom, gr in mine),
            start, end, sa, sb, ann.text[start:end], ann.text[sa:sb]))
    return tuple(out)


def _distance(m, f) -> int:
    s, e = f[0], f[1]
    return max(0, s - m.nend, m.nstart - e)
