"""Outcome mentions: improvement, resolution, no response and death, from kg/annotate/rules/outcomes.yaml.

This module only finds triggers and their span (modifier words before, "of ICANS" after)
and tells ICANS from CRS outcomes; whether an outcome is negated, hypothetical, a
definition or about the tumour is decided by ConText (kg/annotate/context.py) afterwards.
The codes are the ``icans:code`` values of the ontology's outcome terms, checked once
when the pipeline is built (``check_codes``).
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from ..errors import OntologyError
from ..ontology import Ontology
from ..text.clauses import clause_before
from .cuefile import load_cue_file
from .leadkeys import index_of, keys_of
from .model import Candidate

CODES = ("improvement", "resolution", "no_response", "death")
CRS_CONTEXT = re.compile(r"\b(?:CRS|cytokine release|fever|fevers|febrile|hypotension|hypoxia|vasopressors?)\b", re.I)
# neurological words that keep an outcome with ICANS even in a sentence that names CRS
_NEURO = re.compile(r"\b(?:ICANS|CRES|neuro\w*|encephalopath\w*|ICE|mental|aphasi\w*|consciousness|confusion|"
                    r"somnolen\w*|speech|attention|orientation|alertness|seizures?)\b", re.I)


@lru_cache(maxsize=1)
def _compiled():
    rules = load_cue_file("outcomes")
    by_cat: dict[str, list[str]] = {}
    for r in rules:
        by_cat.setdefault(r.category, []).append(r.pattern.pattern)

    def union(cat):
        return "|".join(f"(?:{p})" for p in by_cat.get(cat, []))
    codes = [c for c in CODES if c in by_cat]
    core = "|".join(f"(?P<{c}>{union(c)})" for c in codes)
    trigger = re.compile(rf"(?<![\w-])(?:{core})(?![\w])", re.I)
    before = re.compile(rf"(?:(?:{union('modifier_before')})\s+(?:and\s+)?)+$", re.I)
    after = re.compile(rf"^\s+(?:{union('modifier_after')})\b", re.I)
    pseudo = re.compile(union("pseudo"), re.I) if "pseudo" in by_cat else None
    return codes, trigger, before, after, pseudo


def check_codes(onto: Ontology) -> None:
    """Fail early if the ontology lacks an outcome code these rules emit."""
    known = {t.code for t in onto.terms.values() if t.category == "outcome"}
    missing = [c for c in CODES if c not in known]
    if missing:
        raise OntologyError(f"ontology/icans.ttl has no outcome term with icans:code {missing[0]!r}")


# systemic inflammation other than the neurotoxicity: an outcome about it is not an ICANS outcome
_SYSTEMIC = re.compile(r"\b(?:(?:car-?)?HLH|IEC-HS|MAS|macrophage\s+activation|ha?emophagocytic\w*|inflammatory\s+markers|"
                       r"ferritin|CRP|C-reactive|cytopenias?)\b", re.I)
# "improvement in carHLH", "resolution of fever": what improved, named after the outcome word
_WHAT_AFTER = re.compile(r"\s+(?:in|of)\s+[^,;.]{0,50}")


def syndrome_of(text: str, sent_start: int, start: int, end: int) -> str:
    """'CRS' when the outcome's clause is about CRS or another systemic inflammation (and not about
    neurological signs), else 'ICANS'."""
    clause = clause_before(text, sent_start, start) + text[start:end]
    after = _WHAT_AFTER.match(text, end)
    if after:
        clause += after.group()
    if (CRS_CONTEXT.search(clause) or _SYSTEMIC.search(clause)) and not _NEURO.search(clause):
        return "CRS"
    return "ICANS"


def find_outcomes(text: str, sentences: list[tuple[int, int]]) -> list[Candidate]:
    """Outcome candidates in normalized text, sentence by sentence."""
    codes, trigger, before, after, pseudo = _compiled()
    spans = sorted(sentences)
    starts = [a for a, _ in spans]

    def by_sentence(pattern) -> dict[int, list]:
        found: dict[int, list] = {}
        for m in _scan(pattern, text, spans):
            found.setdefault(bisect.bisect_right(starts, m.start()) - 1, []).append(m)
        return found
    triggers = by_sentence(trigger)
    pseudos = by_sentence(pseudo) if pseudo is not None and triggers else {}
    out = []
    for j, matches in sorted(triggers.items()):
        s0, s1 = spans[j]
        blocked = [(m.start(), m.end()) for m in pseudos.get(j, ())]
        taken: list[tuple[int, int]] = []
        for m in matches:
            ca, cb = m.start(), m.end()
            if any(x < cb and ca < y for x, y in blocked + taken):
                continue
            code = next(c for c in codes if m.group(c))
            a, b = ca, cb
            lead = before.search(text, max(s0, ca - 80), ca)
            if lead and code != "death":
                a = lead.start()
            tail = after.match(text[cb:min(s1, cb + 80)])
            if tail:
                b = cb + tail.end()
            taken.append((a, b))
            out.append(Candidate(a, b, "OUTCOME", (("outcome", code),),
                                 (("syndrome", syndrome_of(text, s0, a, b)), ("core", (ca, cb)))))
    return out


def _scan(pattern: re.Pattern, text: str, spans):
    """``pattern``'s matches inside each sentence span, tried only where its first words start."""
    keys = keys_of(pattern)
    if keys is None:
        return (m for a, b in spans for m in pattern.finditer(text, a, b))
    return index_of(text).finditer(pattern, keys, spans)
