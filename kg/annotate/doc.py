"""spaCy Doc extensions shared by the annotation components."""
from __future__ import annotations

import bisect

from spacy.tokens import Doc

if not Doc.has_extension("layout"):
    Doc.set_extension("layout", default=None)
    Doc.set_extension("icans_candidates", default=None)
    Doc.set_extension("mentions", default=None)
    Doc.set_extension("dropped", default=None)


def doc_text(doc: Doc) -> str:
    """The Doc's text, computed once (``Doc.text`` rebuilds the string on every access)."""
    if doc._.layout is not None:
        return doc._.layout.text
    cached = doc.user_data.get("icans_text")
    if cached is None:
        cached = doc.user_data["icans_text"] = doc.text
    return cached


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of the body sentences (headings apart) in normalized offsets."""
    layout = doc._.layout
    if layout is not None:
        return [(s.start, s.end) for s in layout.sentences if not s.is_heading]
    return [(s.start_char, s.end_char) for s in doc.sents]


def all_sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of every sentence, titles and headings included."""
    layout = doc._.layout
    if layout is not None:
        return [(s.start, s.end) for s in layout.sentences]
    return [(s.start_char, s.end_char) for s in doc.sents]


def add_candidates(doc: Doc, items) -> None:
    if doc._.icans_candidates is None:
        doc._.icans_candidates = []
    doc._.icans_candidates.extend(items)


class Intervals:
    """Overlap queries over sorted spans (bisect instead of scanning every span)."""

    def __init__(self, spans=()):
        self.spans = sorted(spans)
        self.starts = [s[0] for s in self.spans]
        self.max_len = max((s[1] - s[0] for s in self.spans), default=0)

    def add(self, span) -> None:
        i = bisect.bisect_left(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.spans.insert(i, span)
        self.max_len = max(self.max_len, span[1] - span[0])

    def overlapping(self, a: int, b: int):
        i = bisect.bisect_left(self.starts, a - self.max_len)
        while i < len(self.spans) and self.spans[i][0] < b:
            if self.spans[i][1] > a:
                yield self.spans[i]
            i += 1
