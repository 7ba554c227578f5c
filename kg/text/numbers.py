"""Numbers written as words, ordinals and Roman numerals: the one table every stage reads."""
from __future__ import annotations

import re

CARDINALS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
# words that mean one patient/case/dose but are not numerals ("a single dose", "an adult")
ONE_WORDS = {"a": 1, "an": 1, "single": 1}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}

_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# "twenty-one", "forty two": compound cardinals
_COMPOUND = rf"(?:{_alternation(_TENS)})[- ](?:{_alternation(_UNITS)})"
# a count written as digits or words ("12", "1,204", "twelve", "Forty-two"); no "a"/"an"
NUMBER_RE = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_COMPOUND}|{_alternation(w for w in CARDINALS if w != 'zero')})"
ORDINAL_RE = rf"(?:{_alternation(ORDINALS)}|\d{{1,2}}(?:st|nd|rd|th))"
_NUMBER_FULL = re.compile(NUMBER_RE + r"$", re.I)


def word_number(s: str, allow_one_words: bool = False) -> int | None:
    """The integer a count word or digit string stands for: 'Forty-two' -> 42, '1,204' -> 1204."""
    t = s.strip().lower()
    if t.replace(",", "").isdigit():
        return int(t.replace(",", ""))
    if t in CARDINALS:
        return CARDINALS[t]
    if allow_one_words and t in ONE_WORDS:
        return 1
    parts = re.split(r"[- ]", t)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return CARDINALS[parts[0]] + CARDINALS[parts[1]]
    return None


def ordinal_number(s: str) -> int | None:
    """'third' -> 3, '7th' -> 7."""
    t = s.strip().lower()
    if t in ORDINALS:
        return ORDINALS[t]
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", t)
    return int(m.group(1)) if m else None


def roman_number(s: str) -> int | None:
    """'IV' -> 4 (I to X)."""
    return ROMAN.get(s.strip().lower())


def to_number(s: str) -> float | int:
    """A decimal string as an int when whole: '1,500' -> 1500, '0.5' -> 0.5."""
    v = float(s.replace(",", ""))
    return int(v) if v.is_integer() else v
