"""Flattened tables: a row's cells read under the names of their columns ("Age", "Sex", ...).

A table is a run of consecutive table-row sentences (cells split by ``|``; tab-separated rows
arrive that way from normalization). Its first row is the header when it holds no number
("Pt | Age | Sex | Disease | Product"). A cell is read by its column only where the text itself
gives nothing better: a bare "54" under "Age" is an age, a bare "F" under "Sex" a sex.
"""
from __future__ import annotations

import re

from ..text.layout import Sentence
from .view import PaperView

_COLUMNS = {   # column kind -> header names (lower case, without units in parentheses)
    "age": re.compile(r"age(?:\s*(?:,|in)?\s*(?:y|yr|yrs|years?))?\.?"),
    "sex": re.compile(r"sex|gender"),
}
_CAPTION = re.compile(r"\s*(?:Supplementary\s+)?(?:Table|Tab\.)\s*[A-Z]?\d+[A-Za-z]?\b", re.I)
_UNIT = re.compile(r"\s*\([^)]*\)\s*$")
_AGE = re.compile(r"\s*(\d{1,3})(?:\s*(?:y|yr|yrs|years?)\.?)?\s*$", re.I)
_SEX = {"m": "male", "male": "male", "man": "male", "boy": "male",
        "f": "female", "female": "female", "woman": "female", "girl": "female"}


def _cells(view: PaperView, s: Sentence) -> list[tuple[int, int]]:
    out, pos = [], s.start
    text = view.text
    for m in re.finditer(r"\|", text[s.start:s.end]):
        out.append((pos, s.start + m.start()))
        pos = s.start + m.end()
    out.append((pos, s.end))
    return out


def _first_row(view: PaperView, row: Sentence) -> int | None:
    """Index (in view.sentences) of the first row of the table ``row`` belongs to."""
    sents = view.sentences
    i = next((k for k, s in enumerate(sents) if s.start == row.start), None)
    if i is None or not row.is_table_row:
        return None
    while i > 0 and sents[i - 1].is_table_row:
        i -= 1
    return i


def table_caption(view: PaperView, row: Sentence) -> tuple[int, int] | None:
    """The span of the caption ("Table 1. ...") just above the table of ``row``, if it has one."""
    i = _first_row(view, row)
    if not i:
        return None
    sents = view.sentences
    par = sents[i - 1].paragraph
    k = i - 1
    while k > 0 and sents[k - 1].paragraph == par:
        k -= 1
    if not _CAPTION.match(view.text, sents[k].start):
        return None
    return sents[k].start, sents[i - 1].end


def header_of(view: PaperView, row: Sentence) -> Sentence | None:
    """The header row of the table ``row`` belongs to (None when the table has none, or row is the header)."""
    i = _first_row(view, row)
    if i is None:
        return None
    head = view.sentences[i]
    if head.start == row.start or re.search(r"\d", view.text[head.start:head.end]):
        return None
    return head


def column(view: PaperView, row: Sentence, kind: str) -> str | None:
    """The text of ``row``'s cell under the column of ``kind`` ("age", "sex"), if the table names one."""
    head = header_of(view, row)
    if head is None:
        return None
    names = [_UNIT.sub("", view.text[a:b]).strip().lower() for a, b in _cells(view, head)]
    cells = _cells(view, row)
    if len(names) != len(cells):
        return None     # a row that does not line up with its header is not read by column
    for name, (a, b) in zip(names, cells):
        if _COLUMNS[kind].fullmatch(name):
            return view.text[a:b].strip()
    return None


def age_in_row(view: PaperView, row: Sentence) -> int | None:
    """A bare number in the "Age" column: the patient's age in years."""
    cell = column(view, row, "age")
    m = _AGE.match(cell) if cell else None
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 110 else None


def sex_in_row(view: PaperView, row: Sentence) -> str | None:
    """"M"/"F" (or the word) in the "Sex" column."""
    cell = column(view, row, "sex")
    return _SEX.get(cell.lower().rstrip(".")) if cell else None
