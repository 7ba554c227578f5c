"""Component ``icans_outcomes_v1``: outcome triggers from kg/annotate/rules/outcomes.yaml."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ...ontology import load_ontology
from ..doc import add_candidates, all_sentence_spans, doc_text
from ..outcomes import check_codes, find_outcomes


@Language.factory("icans_outcomes_v1")
def make_outcomes(nlp: Language, name: str):
    """Improvement, resolution, no response and death, sentence by sentence."""
    check_codes(load_ontology())

    def component(doc: Doc) -> Doc:
        add_candidates(doc, find_outcomes(doc_text(doc), all_sentence_spans(doc)))
        return doc
    return component
