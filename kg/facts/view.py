"""A read-only view of an annotated paper for fact extraction (normalized offsets)."""
from __future__ import annotations

import bisect

from ..annotate.pipeline import AnnotatedPaper
from ..text.layout import Sentence
from ..text import clauses
from .model import Evidence


class PaperView:
    def __init__(self, ann: AnnotatedPaper, onto=None):
        from ..ontology import load_ontology
        self.onto = onto or load_ontology()
        self.ann = ann
        self.layout = ann.layout
        self.text = ann.layout.text
        self.sentences: list[Sentence] = [s for s in ann.layout.sentences if not s.is_heading]
        self._starts = [s.start for s in self.sentences]
        self.mentions = sorted(ann.mentions, key=lambda m: (m.nstart, m.nend))
        self._mstarts = [m.nstart for m in self.mentions]

    def section(self, sent: Sentence):
        return self.layout.sections[sent.section]

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < self.sentences[i].end:
            return self.sentences[i]
        return None

    def mentions_in(self, lo: int, hi: int, *labels: str):
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
        sent = self.sentence_at(lo)
        s0, s1 = (sent.start, sent.end) if sent else (lo, hi)
        norm = self.layout.norm
        a, b = norm.span(lo, hi)
        sa, sb = norm.span(s0, s1)
        orig = self.ann.text
        return Evidence(a, b, sa, sb, orig[a:b], orig[sa:sb])
