"""Component ``icans_context_v1``: ConText categories on every mention, and their effect on outcomes.

Every mention gets the categories that reach it (``Mention.context``). For OUTCOME
mentions, which the contract defines as reported results, the categories act at once:
a hypothetical, generic, definitional or other-target outcome is no mention, a negated
improvement or resolution is ``no_response`` (its span taking in the negation), and a
negated death is no death. Facts read the categories of the other mentions.
"""
from __future__ import annotations

import re
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from ..context import context_rules, modified
from ..doc import all_sentence_spans, doc_text
from ..model import Mention

DROP_OUTCOME = ("HYPOTHETICAL", "GENERIC", "DEFINITIONAL", "OTHER_TARGET")
_NEAR = re.compile(r"(?:\S+\s+){0,4}\S*$")


# "not completely resolved", "not yet fully recovered": a partial recovery, not a failure
_NOT_WHOLLY = re.compile(r"(?:completely|fully|entirely|totally|wholly)\s+\w+$|^(?:completely|fully|entirely|totally|wholly)\b",
                         re.I)


def _negated_outcome(m: Mention, mod, text: str, layout) -> Mention | None:
    code = m.value("outcome")
    if code == "death":
        return None
    if code == "resolution" and _NOT_WHOLLY.search(text[m.nstart:m.nend]) and mod.end <= m.nstart:
        return replace(m, values=(("outcome", "improvement"),))
    if code != "no_response":
        m = replace(m, values=(("outcome", "no_response"),))
    if mod.end <= m.nstart and _NEAR.fullmatch(text[mod.start:m.nstart]) and mod.start >= m.nstart - 40:
        a, b = layout.norm.span(mod.start, m.nend) if layout is not None else (mod.start, m.nend)
        m = replace(m, start=a, nstart=mod.start)
    return m


@Language.factory("icans_context_v1", default_config={"rules": "context"})
def make_context(nlp: Language, name: str, rules: str):
    """Apply the ConText inventory ``kg/annotate/rules/<rules>.yaml`` to the resolved mentions."""
    inventory = context_rules(rules)

    def component(doc: Doc) -> Doc:
        text = doc_text(doc)
        layout = doc._.layout
        mentions: list[Mention] = doc._.mentions or []
        found = modified(text, all_sentence_spans(doc), mentions, inventory)
        out, dropped = [], []
        for i, m in enumerate(mentions):
            mods = found.get(i, [])
            if mods:
                m = replace(m, context=tuple(sorted({x.category for x in mods})))
            if m.label == "GRADE" and m.has("OTHER_TARGET"):
                dropped.append(m)      # "grade 3 neutropenia" is no ICANS/CRS grade
                continue
            if m.label == "OUTCOME" and mods:
                if m.has(*DROP_OUTCOME):
                    dropped.append(m)
                    continue
                neg = next((x for x in mods if x.category == "NEGATED"), None)
                if neg is not None:
                    flipped = _negated_outcome(m, neg, text, layout)
                    if flipped is None:
                        dropped.append(m)
                        continue
                    m = flipped
            out.append(m)
        doc._.mentions = out
        doc._.dropped = dropped
        return doc
    return component
