"""Component ``icans_lexicon_v1``: ontology terms (labels, abbreviations, one-edit near misses)."""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ...ontology import load_ontology
from ..doc import Intervals, add_candidates, doc_text
from ..lexicon import fuzzy_index, lexicon_entries, within_one_edit
from ..model import Candidate


@Language.factory("icans_lexicon_v1", default_config={"fuzzy_min_length": 8})
def make_lexicon(nlp: Language, name: str, fuzzy_min_length: int):
    """Case-insensitive labels, case-sensitive abbreviations, and one-edit misspellings of long names."""
    onto = load_ontology()
    entries = lexicon_entries(onto)
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    orth = PhraseMatcher(nlp.vocab, attr="ORTH")
    table = {}
    for i, e in enumerate(entries):
        key = f"L{i}"
        table[key] = e
        (orth if e.case_sensitive else lower).add(key, [nlp.make_doc(e.text)])
    fuzzy = fuzzy_index(onto)
    by_form = {e.text: e for e in entries if not e.case_sensitive}
    fuzzy_cache: dict[str, object] = {}
    long_word = re.compile(rf"[A-Za-z]{{{fuzzy_min_length},}}")

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
                items.append(Candidate(a, b, ent.label, (), (("context_required", ent.context_required),), ent.term))
                covered.append((a, b))
        text = doc_text(doc)
        cov = Intervals(covered)
        for m in long_word.finditer(text):
            if next(cov.overlapping(m.start(), m.start() + 1), None) is not None:
                continue
            ent = fuzzy_entry(m.group().lower())
            if ent is not None:
                items.append(Candidate(m.start(), m.end(), ent.label, (), (("fuzzy", True),), ent.term))
        add_candidates(doc, items)
        return doc
    return component
