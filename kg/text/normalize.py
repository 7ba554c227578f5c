"""Clean-up of paper text with a map back to the original offsets.

PDF line breaks become spaces, words hyphenated across lines are joined
("methylpredni-\\nsolone" -> "methylprednisolone", but "steroid-\\nrefractory" keeps its
hyphen), Unicode dashes/minus/spaces become ASCII. Every normalized index maps back to
an index of the original, so mentions found in the clean text slice the original.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# 1:1 character replacements (offsets unchanged).
_TRANSLATE = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u2007": " ", "\t": " ", "\r": " ", "\ufeff": " ", "\u200b": " ", "\f": "\n", "\v": "\n",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ad": "-",
    "\u02da": "\u00b0", "\u2103": "C", "\u03bc": "\u00b5", "\uff08": "(", "\uff09": ")",
})

_TO_TRANSLATE = re.compile("[" + re.escape("".join(chr(c) for c in _TRANSLATE)) + "]")

# Right-hand fragments that are words of their own in hyphenated compounds.
_COMPOUND_HEADS = frozenset("""
refractory related associated directed induced mediated dependent cell cells dose doses
grade free based like term line lines year years old day days specific positive negative
type targeting targeted center centre institution risk level up dependent naive resistant
modified infusion approved month months week weeks hour hours""".split())
_COMPOUND_LEFT = frozenset("""
steroid corticosteroid tocilizumab non anti high low well long short first second third
post pre self multi single double dose single-dose cd il car t b ifn""".split())

_SOFT_HYPHEN = re.compile(r"([A-Za-z]+)-[ \t\r]*\n[ \t]*([A-Za-z]+)")


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus a piecewise-constant offset map to the original."""

    text: str
    original_length: int
    _starts: tuple[int, ...]
    _deltas: tuple[int, ...]

    def to_original(self, i: int) -> int:
        """Original index of normalized index ``i`` (0 <= i <= len(text))."""
        k = bisect.bisect_right(self._starts, i) - 1
        return i + (self._deltas[k] if k >= 0 else 0)

    def to_normalized(self, o: int) -> int:
        """Normalized index of original index ``o`` (a removed character maps to the next kept one)."""
        lo, hi = 0, len(self.text)
        while lo < hi:                      # the map is increasing: binary search
            mid = (lo + hi) // 2
            if self.to_original(mid) < o:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the normalized span [start, end)."""
        if end <= start:
            o = self.to_original(start)
            return o, o
        return self.to_original(start), self.to_original(end - 1) + 1


def keep_hyphen(left: str, right: str) -> bool:
    """Whether a line-end hyphen between ``left`` and ``right`` is a real hyphen."""
    if left[-1:].isupper() or right[:1].isupper() or len(left) == 1:
        return True
    return right.lower() in _COMPOUND_HEADS or left.lower() in _COMPOUND_LEFT


_CELL_TAB = re.compile(r"[ ]*\t[ \t]*")


def _cell_tabs(text: str) -> list[int]:
    """Tabs between the cells of a tab-separated table row (a line with two or more): each becomes " | ", so the
    row reads as a flattened table; a stray tab in prose stays a space."""
    out: list[int] = []
    if "\t" not in text:
        return out
    pos = 0
    for line in text.split("\n"):
        cuts = [m for m in _CELL_TAB.finditer(line) if 0 < m.start() and m.end() < len(line.rstrip())]
        if len(cuts) >= 2:
            out.extend(pos + m.start() + m.group().index("\t") for m in cuts)
        pos += len(line) + 1
    return out


def normalize(text: str, soft_breaks: list[int] | None = None) -> Normalized:
    """Normalize ``text``; newlines at indices in ``soft_breaks`` (if given) are joined.

    Without ``soft_breaks`` every single newline inside a paragraph is a soft break and
    blank lines are kept as paragraph breaks.
    """
    t = text.translate(_TRANSLATE) if _TO_TRANSLATE.search(text) else text
    if soft_breaks is None:
        soft_breaks = [m.start() for m in re.finditer(r"(?<!\n)\n(?!\s*\n)", t)
                       if t[m.start() - 1: m.start()] != "\n"]
    soft = set(soft_breaks)
    # edits: (start, end, replacement) over the translated text, sorted and disjoint
    edits: list[tuple[int, int, str]] = []
    joined: set[int] = set()
    for m in _SOFT_HYPHEN.finditer(t):
        nl = t.index("\n", m.end(1))
        if nl not in soft:
            continue
        hyphen, right_start = m.end(1), m.start(2)
        keep = keep_hyphen(m.group(1), m.group(2))
        edits.append((hyphen + 1 if keep else hyphen, right_start, ""))
        joined.add(nl)
    edits.extend((i, i + 1, " ") for i in soft if i not in joined)
    edits.extend((i, i + 1, " | ") for i in _cell_tabs(text))
    edits.sort()
    out: list[str] = []
    starts: list[int] = []
    deltas: list[int] = []
    pos = removed = 0
    for s, e, rep in edits:
        out.append(t[pos:s])
        out.append(rep)
        pos = e
        if len(rep) > e - s:   # longer: each added character maps to the last replaced one, then on as before
            ns = s - removed       # where the replacement starts in the normalized text
            for j in range(e - s, len(rep)):
                starts.append(ns + j)
                deltas.append(e - 1 - ns - j)
            removed = e - ns - len(rep)
            starts.append(ns + len(rep))
            deltas.append(removed)
        elif e - s != len(rep):
            removed += (e - s) - len(rep)
            starts.append(s + len(rep) - (removed - ((e - s) - len(rep))))
            deltas.append(removed)
    out.append(t[pos:])
    return Normalized("".join(out), len(text), tuple(starts), tuple(deltas))
