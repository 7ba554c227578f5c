"""A read-only view of an annotated paper for fact extraction: sentences, mentions, evidence."""
from __future__ import annotations

import bisect

from ..annotate import AnnotatedPaper, Mention
from ..ontology import Ontology
from ..text import clauses
from ..text.layout import Section, Sentence
from .records import Evidence

# sections whose sentences carry no facts about anyone (mentions there serve the contract only)
NO_FACT_SECTIONS = ("references", "backmatter")


class PaperView:
    """Normalized text, body sentences and mentions of one paper, with lookups by offset."""

    def __init__(self, ann: AnnotatedPaper, onto: Ontology):
        self.onto = onto
        self.ann = ann
        self.layout = ann.layout
        self.text = ann.layout.text
        secs = ann.layout.sections
        self.sentences: list[Sentence] = [s for s in ann.layout.sentences
                                          if not s.is_heading and secs[s.section].kind not in NO_FACT_SECTIONS]
        self._starts = [s.start for s in self.sentences]
        blocked = [(s.start, s.end) for s in secs if s.kind in NO_FACT_SECTIONS]
        self.mentions: list[Mention] = sorted((m for m in ann.mentions if not any(a <= m.nstart < b for a, b in blocked)),
                                              key=lambda m: (m.nstart, m.nend))
        self._mstarts = [m.nstart for m in self.mentions]

    def section(self, sent: Sentence) -> Section:
        return self.layout.sections[sent.section]

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < self.sentences[i].end:
            return self.sentences[i]
        return None

    def mentions_in(self, lo: int, hi: int, *labels: str) -> list[Mention]:
        i = bisect.bisect_left(self._mstarts, lo)
        out = []
        while i < len(self.mentions) and self.mentions[i].nstart < hi:
            m = self.mentions[i]
            if m.nend <= hi and (not labels or m.label in labels):
                out.append(m)
            i += 1
        return out

    def clause_start(self, sent_lo: int, pos: int) -> int:
        return clauses.clause_start(self.text, sent_lo, pos)

    def comma_clause(self, sent_lo: int, sent_hi: int, pos: int) -> tuple[int, int]:
        return clauses.comma_clause(self.text, sent_lo, sent_hi, pos)

    def evidence(self, lo: int, hi: int) -> Evidence:
        """The evidence of normalized span [lo, hi): original offsets, quote and the sentence around it."""
        return evidence_of(self.ann, lo, hi)


def evidence_of(ann: AnnotatedPaper, lo: int, hi: int) -> Evidence:
    """The one way to make evidence: a normalized span's original offsets, quote and sentence.

    The sentence is the layout sentence holding ``lo`` (headings and titles included), so a
    curated fact and a machine fact on the same span share one evidence node.
    """
    sents = ann.layout.sentences
    i = bisect.bisect_right([s.start for s in sents], lo) - 1
    sent = sents[i] if i >= 0 and sents[i].start <= lo < max(sents[i].end, sents[i].start + 1) else None
    s0, s1 = (sent.start, sent.end) if sent else (lo, hi)
    norm = ann.layout.norm
    a, b = norm.span(lo, hi)
    sa, sb = norm.span(s0, s1)
    return Evidence(a, b, sa, sb, ann.text[a:b], ann.text[sa:sb])
