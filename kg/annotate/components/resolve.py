"""Component ``icans_resolve_v1``: disambiguate, resolve overlaps, infer grade syndromes, make Mentions."""
from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

from ...ontology import Ontology, load_ontology
from ...text.clauses import clause_start
from ...text.layout import Layout
from ..doc import Intervals, doc_text
from ..lexicon import CATEGORY_LABEL
from ..model import Candidate, Mention
from ..outcomes import CRS_CONTEXT

_AUX_AFTER = frozenset("is was has had can could will would may might does did should must seems "
                       "appears remains became becomes also not".split())
_ROMAN_CONTEXT = re.compile(r"\b(?:grade|grades|stage|stages|type|phase|class|cycle|part|level|category|"
                            r"ann arbor|clark|gr\.?)\s*$", re.I)
_ROMAN_AFTER = re.compile(r"^\s*(?:ICANS|CRS|disease|lymphoma|neurotoxicity|toxicity)\b", re.I)
_CONTEXT_NEAR = re.compile(r"\b(?:pulse|high[- ]dose|low[- ]dose|mg|IV|IT|PO|intravenous|intrathecal|oral)\b", re.I)
# labels that compete for the same words; others (ROUTE inside "triple intrathecal therapy") coexist
_FAMILY = {"DRUG": "agent", "CELL_THERAPY": "agent", "DRUG_CLASS": "agent", "REGIMEN": "agent",
           "DIAGNOSIS": "agent", "PROCEDURE": "agent", "SYNDROME": "agent", "GRADING_SYSTEM": "agent"}
# in a reference list only the names of things count (a title's drugs and grades), not numbers
_REFERENCE_LABELS = frozenset(set(CATEGORY_LABEL.values()) | {"GRADE", "OUTCOME", "ROUTE"})
_TERM_VALUE = {"DRUG": "concept", "CELL_THERAPY": "concept", "DRUG_CLASS": "concept", "REGIMEN": "concept",
               "DIAGNOSIS": "concept", "PROCEDURE": "concept", "GRADING_SYSTEM": "concept"}


def _keep_entity(c: Candidate, text: str, grades: Intervals, near: Intervals) -> bool:
    """Whether an ontology-term candidate survives its surface's known ambiguities."""
    a, b = c.start, c.end
    surface = text[a:b]
    if surface == "IT":
        nxt = re.match(r"\s*([A-Za-z]+)", text[b:b + 20])
        if nxt and nxt.group(1).lower() in _AUX_AFTER:
            return False        # "It was"
        line_start = text.rfind("\n", 0, a) + 1
        line_end = text.find("\n", b)
        around = text[max(line_start, a - 40):(line_end if line_end >= 0 else len(text))][:80]
        if len(re.findall(r"\b[A-Z]{3,}\b", around)) >= 3 and not re.search(r"[a-z]{3,}", around):
            return False        # an all-caps title: "IT WORKS"
    if re.fullmatch(r"[IVX]+", surface) and (_ROMAN_CONTEXT.search(text[max(0, a - 20):a])
                                             or _ROMAN_AFTER.match(text[b:b + 20])):
        return False            # "grade IV", "stage II disease"
    if c.label == "ROUTE" and next(grades.overlapping(a, b), None) is not None:
        return False
    if c.value("context_required"):
        window = text[max(0, a - 25):b + 25]
        if not (any((x, y) != (a, b) for x, y in near.overlapping(a - 25, b + 25))
                or _CONTEXT_NEAR.search(window.replace(surface, " ", 1))):
            return False        # "MP", "HC" only next to a dose or route
    return True


def _longest_first(cands, family_of) -> list[Candidate]:
    """Among overlapping candidates of one family, the longest span wins."""
    chosen = []
    seen: dict[str, Intervals] = {}
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        fam = seen.setdefault(family_of(c), Intervals())
        if next(fam.overlapping(c.start, c.end), None) is None:
            chosen.append(c)
            fam.add((c.start, c.end))
    return chosen


def grade_syndrome(text: str, s0: int, s1: int, pos: int, syn_spans) -> str:
    """The syndrome of a bare grade: the nearest syndrome named before it, else the sentence's topic."""
    for lo in (clause_start(text, s0, pos), s0):
        found = sorted((a, code) for a, b, code in syn_spans if lo <= a < pos and code in ("ICANS", "CRS"))
        if found:
            return found[0][1]
    sent_text = text[s0:min(s1, pos + 40)]
    return "CRS" if CRS_CONTEXT.search(sent_text) and not re.search(r"neuro|ICE|encephalopath|mental", sent_text, re.I) \
        else "ICANS"


_STARTS: tuple | None = None


def _sentence_starts(layout: Layout) -> list[int]:
    """The sentence starts of the last layout asked about (one pair, swapped whole: thread-safe)."""
    global _STARTS
    last = _STARTS
    if last is None or last[0] is not layout:
        last = _STARTS = (layout, [s.start for s in layout.sentences])
    return last[1]


def _sentence_bounds(layout: Layout | None, pos: int, text: str) -> tuple[int, int]:
    if layout is not None:
        sents = layout.sentences
        i = bisect.bisect_right(_sentence_starts(layout), pos) - 1
        for s in sents[max(i - 1, 0):i + 1][::-1] if i >= 0 else ():
            if s.start <= pos < s.end:
                return s.start, s.end
        for s in sents:              # overlapping or unsorted sentences: the first that holds pos
            if s.start <= pos < s.end:
                return s.start, s.end
    return 0, len(text)


def to_mention(c: Candidate, text: str, layout: Layout | None, onto: Ontology, syn_spans) -> Mention:
    values = c.values
    if c.label == "GRADE" and dict(values)["syndrome"] is None:
        s0, s1 = _sentence_bounds(layout, c.start, text)
        values = (("syndrome", grade_syndrome(text, s0, s1, c.start, syn_spans)), ("grade", dict(values)["grade"]))
    if c.term:
        t = onto.terms[c.term]
        if c.label in _TERM_VALUE:
            values = ((_TERM_VALUE[c.label], t.label.lower() if c.label != "GRADING_SYSTEM" else t.label),)
        elif c.label == "ROUTE":
            values = (("route", t.code),)
        elif c.label == "SYNDROME":
            values = (("syndrome", t.code),)
    oa, ob = layout.norm.span(c.start, c.end) if layout is not None else (c.start, c.end)
    extra = tuple(kv for kv in c.extra if kv[0] != "context_required")
    return Mention(c.label, oa, ob, "", values, c.start, c.end, c.term, extra)


@Language.factory("icans_resolve_v1")
def make_resolve(nlp: Language, name: str):
    """Disambiguate (IT pronoun, Roman IV, MP), resolve overlaps, infer grade syndromes."""
    onto = load_ontology()
    entity_labels = set(CATEGORY_LABEL.values())

    def component(doc: Doc) -> Doc:
        layout: Layout = doc._.layout
        text = doc_text(doc)
        cands: list[Candidate] = doc._.icans_candidates or []
        if layout is not None:
            refs = [(s.start, s.end) for s in layout.sections if s.kind == "references"]
            cands = [c for c in cands if c.label in _REFERENCE_LABELS or not any(a <= c.start < b for a, b in refs)]
        grades = Intervals((c.start, c.end) for c in cands if c.label == "GRADE")
        near = Intervals((c.start, c.end) for c in cands if c.label in ("DOSE", "ROUTE"))
        kept = [c for c in cands if c.label not in entity_labels or _keep_entity(c, text, grades, near)]
        chosen = _longest_first([c for c in kept if c.label in entity_labels], lambda c: _FAMILY.get(c.label, c.label))
        others = _longest_first([c for c in kept if c.label not in entity_labels], lambda c: c.label)
        allc = sorted(chosen + others, key=lambda c: (c.start, c.end, c.label))
        syn_spans = [(c.start, c.end, onto.terms[c.term].code) for c in chosen if c.label == "SYNDROME"]
        syn_spans += [(c.start, c.end, c.value("syndrome")) for c in allc if c.label == "GRADE" and c.value("syndrome")]
        doc._.mentions = [to_mention(c, text, layout, onto, syn_spans) for c in allc]
        return doc
    return component

