"""The spaCy pipeline: registered components over a blank English model.

The paper text is normalized first (kg.text), the Doc is made from the clean
text, and each component adds candidates; ``icans_resolve_v1`` turns them into
``Mention`` records with offsets into the original text.
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ..ontology import Ontology, load_ontology
from ..text.layout import Layout, analyze
from . import patterns
from .lexicon import CATEGORY_LABEL, fuzzy_index, lexicon_entries, within_one_edit
from .model import Mention
from ..text.clauses import clause_start
from .outcomes import CRS_CONTEXT, check_codes, find_outcomes

ANNOTATOR_VERSION = "icans-annotator/0.1.0"

if not Doc.has_extension("layout"):
    Doc.set_extension("layout", default=None)
    Doc.set_extension("icans_candidates", default=None)
    Doc.set_extension("mentions", default=None)

_AUX_AFTER = frozenset("is was has had can could will would may might does did should must seems "
                       "appears remains became becomes also not".split())
_ROMAN_CONTEXT = re.compile(r"\b(?:grade|grades|stage|stages|type|phase|class|cycle|part|level|category|"
                            r"ann arbor|clark|gr\.?)\s*$", re.I)
_ROMAN_AFTER = re.compile(r"^\s*(?:ICANS|CRS|disease|lymphoma|neurotoxicity|toxicity)\b", re.I)
_CONTEXT_NEAR = re.compile(r"\b(?:pulse|high[- ]dose|low[- ]dose|mg|IV|IT|PO|intravenous|intrathecal|oral)\b", re.I)


def doc_text(doc: Doc) -> str:
    """The Doc's text, computed once (``Doc.text`` rebuilds the string on every access)."""
    if doc._.layout is not None:
        return doc._.layout.text
    cached = doc.user_data.get("icans_text")
    if cached is None:
        cached = doc.user_data["icans_text"] = doc.text
    return cached


class _Intervals:
    """Non-overlapping-query helper over sorted spans (bisect instead of scanning every span)."""

    def __init__(self, spans=()):
        self.spans = sorted(spans)
        self.starts = [s[0] for s in self.spans]
        self.max_len = max((s[1] - s[0] for s in self.spans), default=0)

    def add(self, span) -> None:
        i = bisect.bisect_left(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.spans.insert(i, span)
        self.max_len = max(self.max_len, span[1] - span[0])

    def overlapping(self, a: int, b: int):
        i = bisect.bisect_left(self.starts, a - self.max_len)
        while i < len(self.spans) and self.spans[i][0] < b:
            if self.spans[i][1] > a:
                yield self.spans[i]
            i += 1


def _add(doc: Doc, items) -> None:
    if doc._.icans_candidates is None:
        doc._.icans_candidates = []
    doc._.icans_candidates.extend(items)


@Language.factory("icans_lexicon_v1")
def make_lexicon(nlp: Language, name: str):
    """Ontology terms: case-insensitive labels, case-sensitive abbreviations, near-misses."""
    onto = load_ontology()
    entries = lexicon_entries(onto)
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    orth = PhraseMatcher(nlp.vocab, attr="ORTH")
    table: dict[str, tuple] = {}
    for i, e in enumerate(entries):
        key = f"L{i}"
        table[key] = e
        (orth if e.case_sensitive else lower).add(key, [nlp.make_doc(e.text)])
    fuzzy = fuzzy_index(onto)
    by_form = {e.text: e for e in entries if not e.case_sensitive}
    fuzzy_cache: dict[str, object] = {}

    def fuzzy_entry(word: str):
        if word in fuzzy_cache:
            return fuzzy_cache[word]
        found = set()
        for k in {word} | {word[:i] + word[i + 1:] for i in range(len(word))}:
            for cand in fuzzy.get(k, ()):
                if within_one_edit(word, cand):
                    found.add(cand)
        res = by_form[found.pop()] if len(found) == 1 else None
        fuzzy_cache[word] = res
        return res

    def component(doc: Doc) -> Doc:
        items = []
        covered = []
        for matcher in (lower, orth):
            for match_id, s, e in matcher(doc):
                ent = table[nlp.vocab.strings[match_id]]
                a, b = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
                items.append((a, b, ent.label, (), (("context_required", ent.context_required),), ent.term))
                covered.append((a, b))
        text = doc_text(doc)
        cov = _Intervals(covered)
        for m in re.finditer(r"[A-Za-z]{8,}", text):
            if next(cov.overlapping(m.start(), m.start() + 1), None) is not None:
                continue
            ent = fuzzy_entry(m.group().lower())
            if ent is not None:
                items.append((m.start(), m.end(), ent.label, (), (("fuzzy", True),), ent.term))
        _add(doc, items)
        return doc
    return component


@Language.factory("icans_patterns_v1")
def make_patterns(nlp: Language, name: str):
    """Doses, days, grades, citations, ages, sex, CSF values, relative days (regex families)."""
    def component(doc: Doc) -> Doc:
        items = []
        text = doc_text(doc)
        for finder in patterns.FINDERS:
            items.extend(c + ("",) for c in finder(text))
        _add(doc, items)
        return doc
    return component


@Language.factory("icans_outcomes_v1")
def make_outcomes(nlp: Language, name: str):
    """Outcome mentions with negation, hypothetical and non-toxicity context."""
    check_codes(load_ontology())

    def component(doc: Doc) -> Doc:
        layout: Layout = doc._.layout
        sents = [(s.start, s.end) for s in layout.sentences if not s.is_heading] if layout else \
            [(s.start_char, s.end_char) for s in doc.sents]
        _add(doc, [c + ("",) for c in find_outcomes(doc_text(doc), sents)])
        return doc
    return component


# labels that compete for the same words; others (ROUTE inside "triple intrathecal therapy") coexist
_FAMILY = {"DRUG": "agent", "CELL_THERAPY": "agent", "DRUG_CLASS": "agent", "REGIMEN": "agent",
           "DIAGNOSIS": "agent", "PROCEDURE": "agent", "SYNDROME": "agent", "GRADING_SYSTEM": "agent"}


@Language.factory("icans_resolve_v1")
def make_resolve(nlp: Language, name: str):
    """Disambiguate (IT pronoun, Roman IV, MP), resolve overlaps, infer grade syndromes."""
    onto = load_ontology()
    entity_labels = set(CATEGORY_LABEL.values())

    def component(doc: Doc) -> Doc:
        layout: Layout = doc._.layout
        text = doc_text(doc)
        cands = doc._.icans_candidates or []
        if layout is not None:
            skip = [(s.start, s.end) for s in layout.sections if s.kind == "references"]
            cands = [c for c in cands if not any(a <= c[0] < b for a, b in skip)]
        grades = _Intervals((c[0], c[1]) for c in cands if c[2] == "GRADE")
        near = _Intervals((c[0], c[1]) for c in cands if c[2] in ("DOSE", "ROUTE"))
        kept = []
        for c in cands:
            a, b, label, values, extra, term = c
            surface = text[a:b]
            if label in entity_labels:
                ex = dict(extra)
                if surface == "IT":
                    nxt = re.match(r"\s*([A-Za-z]+)", text[b:b + 20])
                    if nxt and nxt.group(1).lower() in _AUX_AFTER:
                        continue
                    line_start = text.rfind("\n", 0, a) + 1
                    line_end = text.find("\n", b)
                    around = text[max(line_start, a - 40):(line_end if line_end >= 0 else len(text))][:80]
                    if len(re.findall(r"\b[A-Z]{3,}\b", around)) >= 3 and not re.search(r"[a-z]{3,}", around):
                        continue  # an all-caps title: "IT WORKS"
                if re.fullmatch(r"[IVX]+", surface) and (_ROMAN_CONTEXT.search(text[max(0, a - 20):a])
                                                         or _ROMAN_AFTER.match(text[b:b + 20])):
                    continue
                if label == "ROUTE" and next(grades.overlapping(a, b), None) is not None:
                    continue
                if ex.get("context_required"):
                    window = text[max(0, a - 25):b + 25]
                    if not (any((x, y) != (a, b) for x, y in near.overlapping(a - 25, b + 25))
                            or _CONTEXT_NEAR.search(window.replace(surface, " ", 1))):
                        continue
            kept.append(c)
        # overlaps among ontology entities of one family: the longest span wins
        ents = sorted((c for c in kept if c[2] in entity_labels), key=lambda c: (-(c[1] - c[0]), c[0]))
        chosen = []
        by_family: dict[str, _Intervals] = {}
        for c in ents:
            fam = by_family.setdefault(_FAMILY.get(c[2], c[2]), _Intervals())
            if next(fam.overlapping(c[0], c[1]), None) is None:
                chosen.append(c)
                fam.add((c[0], c[1]))
        others = [c for c in kept if c[2] not in entity_labels]
        # pattern overlaps within one label: keep the longest
        final_others = []
        by_label: dict[str, _Intervals] = {}
        for c in sorted(others, key=lambda c: (c[2], -(c[1] - c[0]), c[0])):
            seen = by_label.setdefault(c[2], _Intervals())
            if next(seen.overlapping(c[0], c[1]), None) is None:
                final_others.append(c)
                seen.add((c[0], c[1]))
        allc = sorted(chosen + final_others, key=lambda c: (c[0], c[1], c[2]))
        syn_spans = [(c[0], c[1], onto.terms[c[5]].code) for c in chosen if c[2] == "SYNDROME"]
        syn_spans += [(c[0], c[1], dict(c[3])["syndrome"]) for c in allc if c[2] == "GRADE" and dict(c[3])["syndrome"]]
        mentions = []
        for c in allc:
            m = _to_mention(c, text, layout, onto, syn_spans)
            if m is not None:
                mentions.append(m)
        doc._.mentions = mentions
        return doc
    return component


def _sentence_bounds(layout: Layout | None, pos: int, text: str) -> tuple[int, int]:
    if layout is not None:
        for s in layout.sentences:
            if s.start <= pos < s.end:
                return s.start, s.end
    return 0, len(text)


def _grade_syndrome(text: str, s0: int, s1: int, pos: int, syn_spans) -> str:
    for lo in (clause_start(text, s0, pos), s0):
        found = sorted((a, code) for a, b, code in syn_spans if lo <= a < pos and code in ("ICANS", "CRS"))
        if found:
            return found[0][1]
    sent_text = text[s0:min(s1, pos + 40)]
    return "CRS" if CRS_CONTEXT.search(sent_text) and not re.search(r"neuro|ICE|encephalopath|mental", sent_text, re.I) else "ICANS"


def _to_mention(c, text: str, layout: Layout | None, onto: Ontology, syn_spans) -> Mention | None:
    a, b, label, values, extra, term = c
    if label == "GRADE" and dict(values)["syndrome"] is None:
        s0, s1 = _sentence_bounds(layout, a, text)
        values = (("syndrome", _grade_syndrome(text, s0, s1, a, syn_spans)), ("grade", dict(values)["grade"]))
    if term:
        t = onto.terms[term]
        if label in ("DRUG", "CELL_THERAPY", "DRUG_CLASS", "REGIMEN", "DIAGNOSIS", "PROCEDURE", "GRADING_SYSTEM"):
            values = (("concept", t.label.lower() if label != "GRADING_SYSTEM" else t.label),)
        elif label == "ROUTE":
            values = (("route", t.code),)
        elif label == "SYNDROME":
            values = (("syndrome", t.code),)
    if layout is not None:
        oa, ob = layout.norm.span(a, b)
    else:
        oa, ob = a, b
    extra = tuple(kv for kv in extra if kv[0] not in ("context_required",))
    return Mention(label, oa, ob, "", values, a, b, term, extra)


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The annotation pipeline (built once per process)."""
    nlp = spacy.blank("en")
    # No English special cases (contractions, emoticons, abbreviations): no component needs
    # them, "8)" in "(day 8)" is an emoticon to them, and one special-case hit switches the
    # tokenizer cache off for the rest of a Doc (spaCy #1250), which made tokenizing 25x slower.
    nlp.tokenizer.rules = {}
    for name in ("icans_lexicon_v1", "icans_patterns_v1", "icans_outcomes_v1", "icans_resolve_v1"):
        nlp.add_pipe(name)
    return nlp



@dataclass(frozen=True)
class AnnotatedPaper:
    """A paper's layout and mentions (offsets into the original text)."""

    paper_id: str
    text: str
    layout: Layout
    mentions: tuple[Mention, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_json(self, labels: set[str] | None = None) -> dict:
        return {"paper": self.paper_id, "text_sha256": self.sha256,
                "mentions": [m.to_json() for m in self.mentions if labels is None or m.label in labels]}


def annotate_text(text: str, paper_id: str = "") -> AnnotatedPaper:
    """Annotate one paper's original text.

    Example: ``annotate_text("IT methotrexate 12 mg on day 9").mentions``
    """
    layout = analyze(text)
    nlp = get_nlp()
    doc = nlp.make_doc(layout.text)
    doc._.layout = layout
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    mentions = tuple(
        Mention(m.label, m.start, m.end, text[m.start:m.end], m.values, m.nstart, m.nend, m.term, m.extra)
        for m in doc._.mentions)
    return AnnotatedPaper(paper_id, text, layout, mentions)
