"""The annotation pipeline: normalized text -> spaCy Doc -> components -> Mentions.

The paper text is normalized first (kg.text), the Doc is made from the clean text, and
the registered components (kg.annotate.components) add candidates, resolve them into
``Mention`` records with offsets into the original text, and apply ConText.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache

import spacy
from spacy.util import compile_infix_regex
from spacy.language import Language

from ..text.layout import Layout, analyze
from .components import NAMES
from .model import Mention

ANNOTATOR_VERSION = "icans-annotator/0.2.0"


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The annotation pipeline (built once per process)."""
    nlp = spacy.blank("en")
    # No English special cases (contractions, emoticons, abbreviations): no component needs
    # them, "8)" in "(day 8)" is an emoticon to them, and one special-case hit switches the
    # tokenizer cache off for the rest of a Doc (spaCy #1250), which made tokenizing 25x slower.
    nlp.tokenizer.rules = {}
    # "HC+MTX+Ara-C", "MTX/Ara-C/HC": drugs joined by + or / are separate words
    infixes = list(nlp.Defaults.infixes) + [r"(?<=[A-Za-z0-9])\+(?=[A-Za-z])", r"(?<=[A-Za-z])/(?=[A-Za-z])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    for name in NAMES:
        nlp.add_pipe(name)
    return nlp


@dataclass(frozen=True)
class AnnotatedPaper:
    """A paper's layout and mentions (offsets into the original text)."""

    paper_id: str
    text: str
    layout: Layout
    mentions: tuple[Mention, ...]
    dropped: tuple[Mention, ...] = ()     # outcome triggers ConText removed (for review and tests)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_json(self, labels: set[str] | None = None) -> dict:
        return {"paper": self.paper_id, "text_sha256": self.sha256,
                "mentions": [m.to_json() for m in self.mentions if labels is None or m.label in labels]}


def _with_text(ms, text: str) -> tuple[Mention, ...]:
    return tuple(Mention(m.label, m.start, m.end, text[m.start:m.end], m.values, m.nstart, m.nend, m.term,
                         m.extra, m.context) for m in ms)


def with_context(ann: AnnotatedPaper, mentions) -> AnnotatedPaper:
    """``ann`` with other mentions (a curator's, from brat): ConText is applied to them afresh,
    because context is derived from the text, not curated."""
    nlp = get_nlp()
    doc = nlp.make_doc(ann.layout.text)
    doc._.layout = ann.layout
    doc._.mentions = [replace(m, context=()) for m in mentions]
    doc = nlp.get_pipe("icans_context_v1")(doc)
    return AnnotatedPaper(ann.paper_id, ann.text, ann.layout, _with_text(doc._.mentions, ann.text),
                          _with_text(doc._.dropped or (), ann.text))


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
    return AnnotatedPaper(paper_id, text, layout, _with_text(doc._.mentions, text),
                          _with_text(doc._.dropped or (), text))
