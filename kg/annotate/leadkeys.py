"""Lead keys: how a regular expression's matches can start, to try it only where they can.

Python's ``re`` tries a pattern such as an alternation of many triggers at every character
of a text. Most trigger and pattern regexes start a match at a word boundary with known
letters ("despite", "(?:was|were) ...", "respon\\w*", "[Dd]ay", "\\d+ mg"), so a match can
only begin where a word with those first letters begins. ``lead_keys`` reads the parsed
pattern and returns those beginnings as *keys*: up to ``KEY`` lowercased first letters of
the first word (a prefix: "resp" for "respon\\w*"), ``DIGIT`` for a word that starts with a
digit, or the punctuation mark a match starts with. ``None`` means the start cannot be
known (a pattern that may start inside a word, with a space, or with any letter) and the
pattern is tried everywhere, as before.

``KeyIndex`` lists where every word prefix starts in a text; ``KeyIndex.finditer`` gives
exactly the matches ``pattern.finditer`` gives, trying the pattern only at those starts
(tests/test_leadkeys.py compares the two on every pattern and rule file).
"""
from __future__ import annotations

import bisect
import re

try:                      # Python 3.11+
    from re import _constants as C, _parser as P
except ImportError:       # pragma: no cover - Python < 3.11
    import sre_constants as C
    import sre_parse as P

KEY = 4
DIGIT = "#"               # the key of every word that starts with a digit
PREFIX = "*"              # "no*": any word that begins with "no"; "no": the word "no" itself
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
# the key of every token of _TOKEN, read at its start: up to KEY letters of a word, or a punctuation mark
_KEY_AT = re.compile(rf"(?<![^\W_])[^\W_]{{1,{KEY}}}|[^\w\s]")


class _Unknown(Exception):
    pass


def _chars(items) -> list[str] | None:
    """The characters of a small character class, or None."""
    out: list[str] = []
    for o, a in items:
        if o is C.LITERAL:
            out.append(chr(a))
        elif o is C.RANGE and a[1] - a[0] < 12:
            out.extend(chr(c) for c in range(a[0], a[1] + 1))
        else:
            return None
    return out if len(out) <= 12 else None


def _prefix(acc: str) -> str:
    """The key of a word known only to begin with ``acc``."""
    return acc[:KEY] if len(acc) >= KEY else acc + PREFIX


def _refuses_word(sub) -> bool:
    """Whether a negative look-behind refuses every word character ("(?<![\w-])")."""
    items = list(sub)
    return len(items) == 1 and items[0][0] is C.IN and (C.CATEGORY, C.CATEGORY_WORD) in list(items[0][1])


def _walk(seq, i: int, acc: str, cont, bound: bool) -> set[str]:
    """Keys of the matches of seq[i:] followed by ``cont``, given the letters ``acc`` read so far.

    ``bound``: a word boundary was asserted before the first letter. Whatever cannot be read
    further ends the key where it is (a prefix is a valid key); before any letter it is unknown."""
    if len(acc) >= KEY:
        return {acc[:KEY]}
    if i == len(seq):
        return cont(acc)
    op, av = seq[i]

    def unknown() -> set[str]:
        if acc:
            return {_prefix(acc)}
        raise _Unknown

    if op is C.LITERAL:
        ch = chr(av)
        if ch.isalnum():
            if not acc and not bound:
                raise _Unknown           # could start inside a word
            return _walk(seq, i + 1, acc + ch.lower(), cont, bound)
        if acc:
            return {acc}                  # the first word ends here: it is exactly acc
        if ch.isspace():
            raise _Unknown
        return {ch}                       # ";", ":", "(", "→"
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        if acc:
            return {acc} if op is C.AT and av is C.AT_BOUNDARY else {_prefix(acc)}
        # \b, or a look-behind refusing a word character before it: the match starts a word
        starts = (op is C.AT and av is C.AT_BOUNDARY) or (op is C.ASSERT_NOT and av[0] == -1 and _refuses_word(av[1]))
        return _walk(seq, i + 1, acc, cont, bound or starts)
    if op is C.SUBPATTERN:
        return _walk(list(av[-1]), 0, acc, lambda a: _walk(seq, i + 1, a, cont, bound), bound)
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            out |= _walk(list(alt), 0, acc, lambda a: _walk(seq, i + 1, a, cont, bound), bound)
        return out
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        sub = list(sub)

        def turns(a: str, n: int) -> set[str]:
            out = set()
            if n >= lo:
                out |= _walk(seq, i + 1, a, cont, bound)            # no more turns
            if n < hi and len(a) < KEY:
                # one more turn; a turn that read nothing ends the repetition
                out |= _walk(sub, 0, a, lambda b: turns(b, n + 1) if b != a else set(), bound)
            return out
        return turns(acc, 0)
    if op is C.IN:
        items = list(av)
        if all((o is C.LITERAL and not chr(a).isalnum()) or (o is C.CATEGORY and a is C.CATEGORY_SPACE)
               for o, a in items):
            if acc:
                return {acc}              # "[-\s]": the first word ends here
            if all(o is C.LITERAL for o, _ in items):
                return {chr(a) for _, a in items}    # "[(\[]": a punctuation mark
            raise _Unknown
        if acc:
            return {_prefix(acc)}         # a class after known letters: the key is what was read
        if items == [(C.CATEGORY, C.CATEGORY_DIGIT)] and bound:
            return {DIGIT}                # "\d" opening a word
        chars = _chars(items)
        if chars is not None and (bound or not any(c.isalnum() for c in chars)):
            out = set()                   # "[Dd]", "[1-5]": each in turn
            for c in chars:
                if c.isdigit():
                    out.add(DIGIT)
                elif c.isalnum():
                    out |= _walk(seq, i + 1, c.lower(), cont, bound)
                else:
                    out.add(c)
            return out
    return unknown()                      # \w, any character, a wide class


def lead_keys(pattern: str, flags: int = re.I) -> frozenset[str] | None:
    """The keys a match of ``pattern`` starts with, or None when they cannot be known."""

    def end(a: str) -> set[str]:
        if not a:
            raise _Unknown                # a pattern that can match the empty string
        return {_prefix(a)}               # the match ends; the word may go on
    try:
        keys = _walk(list(P.parse(pattern, flags)), 0, "", end, False)
    except (_Unknown, RecursionError):
        return None
    return frozenset(k if not k[0].isdigit() else DIGIT for k in keys)


class KeyIndex:
    """Where every word (by its first KEY letters) and punctuation mark starts in one text."""

    def __init__(self, text: str):
        self.text = text
        by_key: dict[str, list[int]] = {}
        low = text.lower()
        if len(low) == len(text) and "Σ" not in text:
            # one regex pass over the lower-cased text, each key read at its word's start
            for m in _KEY_AT.finditer(low):
                k = m.group()
                if k[0].isdigit():
                    k = DIGIT
                found = by_key.get(k)
                if found is None:
                    by_key[k] = [m.start()]
                else:
                    found.append(m.start())
        else:       # a character whose lower case differs in length or by position ("İ", "Σ"): word by word
            for m in _TOKEN.finditer(text):
                w = m.group()
                k = DIGIT if w[0].isdigit() else w[:KEY].lower()[:KEY]
                by_key.setdefault(k, []).append(m.start())
        self.by_key = by_key
        # a shorter key stands for every word it begins: "no" for "no", "not", "none"
        shorter: dict[str, list[str]] = {}
        for w in by_key:
            for n in range(1, len(w)):
                shorter.setdefault(w[:n], []).append(w)
        self.shorter = shorter

    def positions(self, keys) -> list[int]:
        found: list[int] = []
        for k in keys:
            if k.endswith(PREFIX) and len(k) > 1:
                k = k[:-1]
                for w in self.shorter.get(k, ()):
                    found.extend(self.by_key[w])
            found.extend(self.by_key.get(k, ()))
        found.sort()
        return found

    def finditer(self, pattern: re.Pattern, keys, spans: list[tuple[int, int]]):
        """The matches ``pattern.finditer`` gives inside each of the sorted, disjoint ``spans``,
        trying only the positions where one of ``keys`` starts."""
        text, match = self.text, pattern.match
        if len(spans) == 1:
            lo, hi = spans[0]
            last = lo
            for p in self.positions(keys):
                if p < last or p >= hi:
                    continue
                m = match(text, p, hi)
                if m is not None and m.end() > p:
                    last = m.end()
                    yield m
            return
        starts = [a for a, _ in spans]
        last = -1
        for p in self.positions(keys):
            if p < last:
                continue
            j = bisect.bisect_right(starts, p) - 1
            if j < 0 or p >= spans[j][1]:
                continue
            m = pattern.match(self.text, p, spans[j][1])
            if m is not None and m.end() > m.start():
                last = m.end()
                yield m


_PATTERN_KEYS: dict[int, frozenset | None] = {}
_LAST: tuple | None = None


def keys_of(pattern: re.Pattern) -> frozenset | None:
    if id(pattern) not in _PATTERN_KEYS:
        _PATTERN_KEYS[id(pattern)] = lead_keys(pattern.pattern, pattern.flags)
    return _PATTERN_KEYS[id(pattern)]


def index_of(text: str) -> KeyIndex:
    """The key index of ``text``; the last one is kept, so the patterns run over one paper share it."""
    global _LAST
    last = _LAST
    if last is None or last[0] is not text:
        last = _LAST = (text, KeyIndex(text))
    return last[1]


def keyed_finditer(pattern: re.Pattern, text: str, lo: int = 0, hi: int | None = None):
    """``pattern.finditer(text, lo, hi)``, tried only where a lead key of the pattern starts."""
    hi = len(text) if hi is None else hi
    keys = keys_of(pattern)
    if keys is None:
        return pattern.finditer(text, lo, hi)
    return index_of(text).finditer(pattern, keys, [(lo, hi)])
