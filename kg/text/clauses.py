"""Clauses inside a sentence: the one notion of where a clause starts and ends.

Four grains, each used where it fits:
- a *clause* ends at ';' or ':' or a contrast ("whereas", "but", "however");
- a *result clause* also ends at ", and" ("all received dexamethasone, and 7 had also received
  methylprednisolone without improvement": two results);
- a *comma clause* is the comma/semicolon-delimited stretch around a position
  (parentheses are not split);
- *semicolon parts* split a sentence only at ';' (arms of a series).
"""
from __future__ import annotations

import re

CLAUSE_SPLIT = re.compile(r"[;:]|,\s*(?:whereas|while|but|however|although|so|therefore|thus|hence)\b"
                          r"|\b(?:whereas|while|however|but)\b")


def clause_start(text: str, lo: int, pos: int) -> int:
    """Start of the clause holding ``pos``, searching back no further than ``lo``."""
    last = lo
    for m in CLAUSE_SPLIT.finditer(text, lo, pos):
        last = m.end()
    return last


def clause_before(text: str, lo: int, pos: int) -> str:
    """The text of the clause from its start up to ``pos``."""
    return text[clause_start(text, lo, pos):pos]


def comma_clause(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The comma-delimited stretch of text[lo:hi] around ``pos`` (parentheses are not split)."""
    depth = 0
    bounds = []
    for i in range(lo, hi):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            bounds.append(i)
    start = max([b + 1 for b in bounds if b < pos], default=lo)
    end = min([b for b in bounds if b >= pos], default=hi)
    return start, end


def semicolon_parts(text: str, lo: int, hi: int):
    """(start, end) of the parts of text[lo:hi] between semicolons."""
    pos = lo
    for m in re.finditer(";", text[lo:hi]):
        yield pos, lo + m.start()
        pos = lo + m.end()
    yield pos, hi


_RESULT_SPLIT = re.compile(CLAUSE_SPLIT.pattern + r"|,\s*and\b")


def result_clause(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The clause of text[lo:hi] around ``pos``, cut at clause ends and at ", and"."""
    start, end = lo, hi
    for m in _RESULT_SPLIT.finditer(text, lo, hi):
        if text.count("(", lo, m.start()) > text.count(")", lo, m.start()):
            continue        # "(15 mg methotrexate, 40 mg cytarabine, and 50 mg hydrocortisone)" is one clause
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end
