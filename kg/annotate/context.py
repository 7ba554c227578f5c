"""ConText for every mention type: negated, hypothetical, not given, historical, other indication.

The algorithm is ConText's (Harkema et al., J Biomed Inform 2009): a modifier trigger
found in a sentence opens a scope in its direction (forward, backward or both), up to
``max_scope`` words, ended early by a terminator of its category or by the sentence end;
every target mention of an allowed label inside the scope takes the modifier's category
(only the nearest one when the rule says ``first_only``).
Pseudo-triggers ("no change in") cancel modifiers they overlap. The inventory is data:
``kg/annotate/rules/context.yaml``.

Why not medspaCy or negspacy: medspaCy pins spaCy < 3.8 on Python 3.11 and pulls
QuickUMLS; negspacy has one category (negation) over ``doc.ents``. We need several
categories with per-rule scope and targets over our own sentences and offset-mapped
mentions, which is this small module.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from .cuefile import CueRule, load_cue_file
from .leadkeys import KeyIndex, index_of, lead_keys

DIRECTIONS = ("forward", "backward", "bidirectional", "terminate", "pseudo")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Modifier:
    """One trigger found in a sentence."""

    category: str
    direction: str
    start: int
    end: int
    rule: CueRule


def context_rules(name: str = "context") -> tuple[CueRule, ...]:
    rules = load_cue_file(name)
    for r in rules:
        if r.get("direction") not in DIRECTIONS:
            raise ValueError(f"{r.file}: rule {r.index + 1}: direction must be one of {', '.join(DIRECTIONS)}")
    return rules


def find_modifiers(text: str, lo: int, hi: int, rules) -> list[Modifier]:
    """Modifier, terminator and pseudo matches in text[lo:hi], pseudo-cancelled ones removed."""
    found = []
    for r in rules:
        for m in r.pattern.finditer(text, lo, hi):
            found.append(Modifier(r.category, r.get("direction"), m.start(), m.end(), r))
    pseudo = [m for m in found if m.direction == "pseudo"]
    out = [m for m in found if m.direction != "pseudo"
           and not any(p.start < m.end and m.start < p.end for p in pseudo)]
    # a trigger inside a longer trigger of the same rule is the same cue ("not" in "did not")
    out.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Modifier] = []
    for m in out:
        if any(k.rule is m.rule and k.start <= m.start and m.end <= k.end for k in kept):
            continue
        kept.append(m)
    return kept


def _limit_words(text: str, a: int, b: int, n: int | None, from_start: bool) -> tuple[int, int]:
    if n is None:
        return a, b
    words = list(_WORD.finditer(text, a, b))
    if len(words) <= n:
        return a, b
    return (a, words[n - 1].end()) if from_start else (words[-n].start(), b)


@lru_cache(maxsize=None)
def _stop_re(stop: str) -> re.Pattern:
    return re.compile(stop, re.I)


def scopes(text: str, lo: int, hi: int, mods: list[Modifier]) -> list[tuple[Modifier, int, int, bool]]:
    """(modifier, scope start, scope end, whether the word limit ended it) for every non-terminator
    modifier in text[lo:hi]."""
    terms = [m for m in mods if m.direction == "terminate"]

    def ends(cat: str) -> list[Modifier]:
        return [t for t in terms if t.category in (cat, "ALL")]

    out = []
    for m in mods:
        if m.direction == "terminate":
            continue
        limit = m.rule.get("max_scope")
        stop = m.rule.get("stop_at")        # extra terminator regex of this rule
        if m.direction in ("forward", "bidirectional"):
            b = min([t.start for t in ends(m.category) if t.start >= m.end] + [hi])
            natural = b
            if stop:
                s = _stop_re(stop).search(text, m.end, b)
                b = s.start() if s else b
            a, cut = _limit_words(text, m.end, b, limit, True)
            out.append((m, a, cut, cut < natural))   # cut short by its word limit or its own stop
        if m.direction in ("backward", "bidirectional"):
            a = max([t.end for t in ends(m.category) if t.end <= m.start] + [lo])
            if stop:
                last = None
                for s in _stop_re(stop).finditer(text, a, m.start):
                    last = s
                a = last.end() if last else a
            a, b = _limit_words(text, a, m.start, limit, False)
            out.append((m, a, b, False))
    return out


class _Scanner:
    """Every trigger match of one text, by sentence: each rule is matched once for the whole text,
    tried only where one of its first words starts (kg/annotate/leadkeys.py)."""

    def __init__(self, text: str, sentences, rules, index: KeyIndex | None = None):
        spans = sorted(sentences)
        starts = [a for a, _ in spans]
        index = index or index_of(text)
        self.by_sentence: dict[int, list[tuple[CueRule, int, int]]] = {}
        for r in rules:
            keys = rule_keys(r)
            found = index.finditer(r.pattern, keys, spans) if keys is not None else \
                (m for a, b in spans for m in r.pattern.finditer(text, a, b))
            for m in found:
                lo = spans[bisect.bisect_right(starts, m.start()) - 1][0]
                self.by_sentence.setdefault(lo, []).append((r, m.start(), m.end()))


_KEYS: dict[int, frozenset | None] = {}


def rule_keys(rule: CueRule):
    if id(rule) not in _KEYS:
        _KEYS[id(rule)] = lead_keys(rule.pattern.pattern)
    return _KEYS[id(rule)]


def _sentence_modifiers(scan: _Scanner, lo: int, hi: int, labels: set[str], rules) -> list[Modifier]:
    """The triggers of a sentence whose rules can reach one of its target labels, plus terminators
    and pseudo-triggers (kept only when a trigger was found)."""
    hits = scan.by_sentence.get(lo, ())
    plan = {id(r): (d, allowed) for r, d, allowed in _plan(rules)}
    found: list[Modifier] = []
    for r, a, b in hits:
        direction, allowed = plan[id(r)]
        if direction in ("terminate", "pseudo") or (allowed and not allowed & labels):
            continue
        found.append(Modifier(r.category, direction, a, b, r))
    if not found:
        return []
    for r, a, b in hits:
        direction = plan[id(r)][0]
        if direction in ("terminate", "pseudo"):
            found.append(Modifier(r.category, direction, a, b, r))
    pseudo = [m for m in found if m.direction == "pseudo"]
    out = [m for m in found if m.direction != "pseudo"
           and not any(p.start < m.end and m.start < p.end for p in pseudo)]
    out.sort(key=lambda m: (m.start, -(m.end - m.start), m.rule.index))
    kept: list[Modifier] = []
    for m in out:
        if any(k.rule is m.rule and k.start <= m.start and m.end <= k.end for k in kept):
            continue        # a trigger inside a longer trigger of the same rule is the same cue
        kept.append(m)
    return kept


_PLANS: dict[int, list] = {}


def _plan(rules) -> list[tuple]:
    """(rule, direction, target labels) of an inventory, computed once."""
    key = id(rules)
    if key not in _PLANS:
        _PLANS[key] = [(r, r.get("direction"), frozenset(r.get("targets") or ())) for r in rules]
    return _PLANS[key]


_AGENTS = ("DRUG", "DRUG_CLASS", "REGIMEN", "CELL_THERAPY")
# what may stand between two items of one list of drugs: commas, "and"/"or", doses, routes, frequencies
_LIST_GAP = re.compile(r"(?:[\s,;/+()]|\band\b|\bor\b|\d+(?:[.,]\d+)?|mg(?:/kg|/m2)?|g|µg|mcg|units?|IU|IV|PO|SC|IT|"
                       r"q\d+h|daily|twice|once|every|hours?|x|×)*", re.I)


# an item followed by its own verb before the next comma or "and" opens a clause ("..., methylprednisolone
# 30 mg/kg/day IV was given")
_PREDICATE = re.compile(r"[^,;]{0,50}?\b(?:was|were|is|are|had|has|have|started|given|administered|initiated|begun|"
                        r"added|led|resulted)\b", re.I)


_ITEM_END = re.compile(r",|;|\band\b|\bor\b|\.(?:\s|$)", re.I)


def _item_end(text: str, pos: int) -> int:
    """Where a list item that starts before ``pos`` ends: the next comma, semicolon, "and" or "or"."""
    m = _ITEM_END.search(text, pos)
    return m.start() if m else len(text)


def _rest_of_list(text: str, targets, idx: list[int], reached: list[int], b: int, allowed) -> list[int]:
    """A scope cut by its word limit inside a list of drugs reaches the whole list ("educated to take
    acetaminophen 650 mg, diphenhydramine 50 mg and dexamethasone 20 mg"): items of one list share a status."""
    last = max(reached, key=lambda i: targets[i].nend)
    if targets[last].label not in _AGENTS:
        return []
    more = []
    for i in sorted((i for i in idx if targets[i].nstart >= b), key=lambda i: targets[i].nstart):
        t = targets[i]
        if t.label not in _AGENTS or (allowed and t.label not in allowed):
            continue
        if not _LIST_GAP.fullmatch(text, targets[last].nend, t.nstart) or _PREDICATE.match(text, t.nend, _item_end(text, t.nend)):
            break           # "did not receive tocilizumab, and anakinra was started": a new clause, not the list
        more.append(i)
        last = i
    return more


def modified(text: str, sentences, targets, rules, index: KeyIndex | None = None) -> dict[int, list[Modifier]]:
    """For each target (objects with ``label``, ``nstart``, ``nend``) the modifiers that reach it.

    ``sentences`` are (start, end) spans of normalized text; the result maps a target's index
    in ``targets`` to its modifiers, nearest first. A rule's triggers are only looked for where
    they could reach a target of its labels (a window of its scope), which keeps ConText cheap.
    """
    starts = [t.nstart for t in targets]
    order = sorted(range(len(targets)), key=lambda i: starts[i])
    sorted_starts = [starts[i] for i in order]
    result: dict[int, list[Modifier]] = {}
    scan = _Scanner(text, sentences, rules, index)
    for lo, hi in sentences:
        i0 = bisect.bisect_left(sorted_starts, lo)
        idx = []
        while i0 < len(order) and sorted_starts[i0] < hi:
            idx.append(order[i0])
            i0 += 1
        if not idx:
            continue
        mods = _sentence_modifiers(scan, lo, hi, {targets[i].label for i in idx}, rules)
        if not mods:
            continue
        for mod, a, b, cut in scopes(text, lo, hi, mods):
            allowed = mod.rule.get("targets")
            reached = []
            for i in idx:
                t = targets[i]
                if allowed and t.label not in allowed:
                    continue
                if t.nstart < mod.end and mod.start < t.nend:
                    continue        # a trigger inside the target itself ("non-responders")
                if a <= t.nstart and t.nend <= b:
                    reached.append(i)
            if cut and reached:
                reached += _rest_of_list(text, targets, idx, reached, b, allowed)
            if reached and mod.rule.get("first_only"):
                # only the nearest target: "without improvement ... died" negates the improvement alone
                reached = [min(reached, key=lambda i: abs(targets[i].nstart - mod.end) if mod.end <= targets[i].nstart
                               else abs(mod.start - targets[i].nend))]
            for i in reached:
                result.setdefault(i, []).append(mod)
    for i, mods in result.items():
        t = targets[i]
        mods.sort(key=lambda m: min(abs(m.end - t.nstart), abs(t.nend - m.start)))
    return result
