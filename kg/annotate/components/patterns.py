"""Component ``icans_patterns_v1``: doses, days, grades, citations, ages, sex, CSF values, relative days."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .. import patterns
from ..doc import add_candidates, doc_text


@Language.factory("icans_patterns_v1")
def make_patterns(nlp: Language, name: str):
    """The regular-expression families of kg.annotate.patterns."""
    def component(doc: Doc) -> Doc:
        text = doc_text(doc)
        layout = doc._.layout
        refs = [s for s in layout.sections if s.kind == "references"] if layout is not None else []
        ref_count = max((patterns.reference_count(text, s.start, s.end) or 0 for s in refs), default=0) or None
        for finder in patterns.FINDERS:
            add_candidates(doc, finder(text, ref_count) if finder is patterns.find_citations else finder(text))
        return doc
    return component
