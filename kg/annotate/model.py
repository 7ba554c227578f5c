"""The records of annotation: candidates inside the pipeline, mentions out of it."""
from __future__ import annotations

from dataclasses import dataclass

CONTRACT_LABELS = ("DRUG", "CELL_THERAPY", "DOSE", "ROUTE", "GRADE", "DAY", "OUTCOME", "CITATION")


@dataclass(frozen=True)
class Candidate:
    """A labelled span of the normalized text proposed by one component."""

    start: int
    end: int
    label: str
    values: tuple[tuple[str, object], ...] = ()   # the contract's normalized fields
    extra: tuple[tuple[str, object], ...] = ()    # internal attributes
    term: str = ""                                # ontology term id, if any

    def value(self, key: str, default=None):
        for k, v in self.values + self.extra:
            if k == key:
                return v
        return default


@dataclass(frozen=True)
class Mention:
    """A labelled span: original offsets (``start``/``end``) and normalized ones."""

    label: str
    start: int
    end: int
    text: str
    values: tuple[tuple[str, object], ...]   # the contract's normalized fields
    nstart: int
    nend: int
    term: str = ""                            # ontology term id, if any
    extra: tuple[tuple[str, object], ...] = ()  # internal attributes (not in the JSON)
    context: tuple[str, ...] = ()             # ConText categories that reach it (kg/annotate/rules/context.yaml)

    def value(self, key: str, default=None):
        for k, v in self.values + self.extra:
            if k == key:
                return v
        return default

    def has(self, *categories: str) -> bool:
        """Whether any of ``categories`` reaches this mention."""
        return any(c in self.context for c in categories)

    def to_json(self) -> dict:
        out = {"label": self.label, "start": self.start, "end": self.end, "text": self.text}
        for k, v in self.values:
            out[k] = list(v) if isinstance(v, tuple) else v
        return out
