"""Lexicon patterns generated from the ontology (never typed twice in Python)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..ontology import Ontology

# ontology category -> mention label
CATEGORY_LABEL = {
    "drug": "DRUG", "cell_therapy": "CELL_THERAPY", "drug_class": "DRUG_CLASS",
    "therapy_class": "DRUG_CLASS", "regimen": "REGIMEN", "route": "ROUTE",
    "syndrome": "SYNDROME", "grading_system": "GRADING_SYSTEM", "procedure": "PROCEDURE",
    "diagnosis": "DIAGNOSIS",
}
# spelling variants applied to every case-insensitive label
_VARIANTS = (("leukemia", "leukaemia"), ("tumor", "tumour"), ("hemophag", "haemophag"),
             ("edema", "oedema"), ("anemia", "anaemia"))


@dataclass(frozen=True)
class LexEntry:
    text: str
    term: str
    label: str
    case_sensitive: bool
    context_required: bool


def label_variants(label: str) -> set[str]:
    """Surface forms of a label: hyphen/space variants and British spellings."""
    forms = {label}
    if "-" in label:
        forms |= {label.replace("-", " "), label.replace("-", "")}
    for us, uk in _VARIANTS:
        for f in list(forms):
            if us in f.lower():
                forms.add(re.sub(us, uk, f, flags=re.I))
    return forms


@lru_cache(maxsize=4)
def lexicon_entries(onto: Ontology) -> tuple[LexEntry, ...]:
    """Every (surface form, term) pair the lexicon matcher looks for."""
    out: dict[tuple[str, str, bool], LexEntry] = {}
    for term in onto.terms.values():
        label = CATEGORY_LABEL.get(term.category)
        if not label:
            continue
        if label == "DRUG_CLASS" and term.category == "therapy_class":
            continue  # the generic "CAR T-cell therapy" is not a mention
        components = [onto.terms[c].label.lower() for c in term.components]
        for lab in term.labels:
            if any(c in lab.lower() for c in components):
                continue  # "methotrexate and hydrocortisone" is two drug mentions, not a name
            for form in label_variants(lab):
                key = (form.lower(), term.id, False)
                out.setdefault(key, LexEntry(form.lower(), term.id, label, False,
                                             lab in term.context_required))
        for ab in term.abbreviations:
            out.setdefault((ab, term.id, True), LexEntry(ab, term.id, label, True,
                                                         ab in term.context_required))
    return tuple(sorted(out.values(), key=lambda e: (e.text, e.term)))


def ambiguous_labels(onto: Ontology) -> dict[str, set[str]]:
    """Surface forms that point to more than one term and are not declared ambiguous."""
    seen: dict[tuple[str, bool], set[str]] = {}
    for e in lexicon_entries(onto):
        seen.setdefault((e.text if e.case_sensitive else e.text.lower(), e.case_sensitive), set()).add(e.term)
    bad = {}
    for (form, _), terms in seen.items():
        if len(terms) > 1 and not all(form in {a.lower() for a in onto.terms[t].ambiguous} or
                                      form in onto.terms[t].ambiguous for t in terms):
            bad[form] = terms
    return bad


def fuzzy_index(onto: Ontology) -> dict[str, set[str]]:
    """Deletion neighbourhood of long single-word INNs of drugs and products (edit distance 1)."""
    index: dict[str, set[str]] = {}
    for e in lexicon_entries(onto):
        if e.case_sensitive or e.label not in ("DRUG", "CELL_THERAPY") or not e.text.isalpha() or len(e.text) < 8:
            continue
        if e.text != onto.terms[e.term].label.lower():
            continue    # brands are close to English words ("Precedex" ~ "preceded"): INNs only
        w = e.text
        for k in {w} | {w[:i] + w[i + 1:] for i in range(len(w))}:
            index.setdefault(k, set()).add(w)
    return index


def within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]
