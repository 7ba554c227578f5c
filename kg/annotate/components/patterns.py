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
        for finder in patterns.FINDERS:
            add_candidates(doc, finder(text))
        return doc
    return component
