"""Anchors of curation entries: review ids that survive text edits, and re-anchoring a quote by its context.

A review id is made of what a fact *is* (type, subject, its identifying values, the quoted
words and its rank among identical ones), never of offsets, so an edit elsewhere in the text
(one word of the title) leaves every id as it was. When an entry's id is no longer among
the machine facts (the annotator changed), its evidence is found again in the text by the
quote and the words around it (prefix/suffix, as a W3C TextQuoteSelector does); only an
entry whose quote is gone from the text is stale.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

CONTEXT = 32   # characters of prefix and suffix kept with a quote


def _h(*parts) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:8]


def identity(kind: str, fact) -> tuple:
    """The values that tell apart facts of one type on the same words (the drugs of a regimen)."""
    if kind == "administration":
        return (fact.agent,)
    if kind == "finding":
        return tuple(fact.agents)
    if kind == "grade":
        return (fact.syndrome, fact.grade)
    if kind == "outcome":
        return (fact.outcome, fact.syndrome)
    return ()


def review_ids(kind: str, facts) -> list[str]:
    """The review id of each fact of one type, in order; unique within a paper."""
    if kind == "subject":
        return [f"subject-{s.key}" for s in facts]
    seen: dict[tuple, int] = {}
    ids = []
    for f in facts:
        base = (kind, f.subject, identity(kind, f), f.evidence.quote)
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.append(f"{kind}-{_h(*base, n)}")
    return ids


def squash(s: str) -> str:
    """``s`` with every run of whitespace one space (how quotes and context are written and compared)."""
    return re.sub(r"\s+", " ", s)


def context(text: str, start: int, end: int, n: int = CONTEXT) -> tuple[str, str]:
    """The ``n`` characters before and after a span (its TextQuoteSelector prefix and suffix), squashed."""
    return squash(text[max(0, start - n):start]), squash(text[end:end + n])


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@dataclass(frozen=True)
class Anchor:
    """Where an entry's quote is in the current text; ``moved`` when it is not at the recorded offsets."""

    start: int
    end: int
    moved: bool


def reanchor(text: str, quote: str, start: int | None, prefix: str = "", suffix: str = "") -> Anchor | None:
    """The span of ``quote`` in ``text``: at ``start`` if it is still there with its context, else the
    occurrence whose surroundings best match ``prefix``/``suffix`` (nearest to ``start`` on a tie).
    Whitespace is compared squashed (line breaks may move); None when the quote is gone, or when
    it is only found, among several, where its context is not."""
    words = [re.escape(w) for w in quote.split()]
    if not words:
        return None
    pattern = re.compile(r"\s+".join(words))
    prefix, suffix = squash(prefix), squash(suffix)
    width = max(len(prefix), len(suffix)) * 3 + 8   # raw characters enough to hold the squashed context

    def score(a: int, b: int) -> int:
        return _common_tail(squash(text[max(0, a - width):a]), prefix) + \
            _common_head(squash(text[b:b + width]), suffix)

    full = len(prefix) + len(suffix)
    if start is not None and 0 <= start <= len(text):
        m = pattern.match(text, start)
        if m and score(*m.span()) >= full:
            return Anchor(m.start(), m.end(), False)
    best, best_key, n = None, None, 0
    for m in pattern.finditer(text):
        a, b = m.span()
        n += 1
        key = (-score(a, b), abs(a - start) if start is not None else 0, a)
        if best_key is None or key < best_key:
            best, best_key = (a, b), key
    # words found elsewhere are the same words only if they are the only such words in the text,
    # or if at least half of their context is the recorded one ("tocilizumab" is everywhere)
    if best is None or (n > 1 and -best_key[0] * 2 < full):
        return None
    return Anchor(best[0], best[1], best[0] != start)


_WRITTEN = re.compile(
    r"^(?:(?:(?:the|our)\s+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+(?:patient|case)"
    r"|(?:patient|case|pt\.?|subject)\s*(?:#|no\.?\s*)?(?-i:[0-9]{1,3}|[A-Z]{1,2}|[IVX]{1,4})\b)", re.I)


def written_name(subject, text: str = "") -> str:
    """How the paper names a subject: its heading ('Case 1' just above), else the words it starts with
    ('Patient A', 'The first patient'), else its label; a cited study's references follow in brackets."""
    name = None
    before = text[max(0, subject.evidence.start - 60):subject.evidence.start].rstrip().splitlines()
    if before:
        m = _WRITTEN.match(before[-1].strip())
        if m and m.end() >= len(before[-1].strip().rstrip(":.")):
            name = m.group()
    if name is None:
        m = _WRITTEN.match(subject.evidence.quote.lstrip())
        name = m.group() if m else subject.label
    name = re.sub(r"\s+", " ", name)
    if subject.source:
        name += f" [{';'.join(map(str, subject.source))}]"
    return name
