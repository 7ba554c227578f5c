"""Which machine fact a curation entry is about: by review id, else by its quote re-anchored in the text."""
from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from ..ontology import Ontology
from .anchor import Anchor, reanchor
from .curfile import where
from .entries import MachineFact
from .fields import fields_of, to_yaml

_IDENTITY = ("agent", "agents", "syndrome", "grade", "outcome")


class Matcher:
    """Matches entries to machine facts, each machine fact to at most one entry (first come)."""

    def __init__(self, index: dict[str, MachineFact], text: str, onto: Ontology, path: Path):
        self.index, self.text, self.onto, self.path = index, text, onto, path
        self.claimed: set[str] = set()

    def anchor(self, entry: dict, what: str) -> Anchor | None:
        """Where the entry's quote is now (None: gone from the text)."""
        ev = entry.get("evidence")
        if not isinstance(ev, dict) or not ev.get("quote"):
            raise CorpusError(where(self.path, entry, f"{what} needs evidence with a quote (and start, end)"))
        start = ev.get("start")
        try:
            start = int(start) if start is not None else None
        except (TypeError, ValueError):
            raise CorpusError(where(self.path, entry, f"evidence start {start!r} is not a number")) from None
        return reanchor(self.text, str(ev["quote"]), start, str(ev.get("prefix") or ""), str(ev.get("suffix") or ""))

    def resolve(self, entry: dict, kind: str) -> tuple[MachineFact | None, Anchor | None]:
        """(machine fact, anchor): the fact by id, else the one fact of this type on the re-anchored words
        (the one with the entry's drug or grade when several share them); (None, anchor) when no fact
        is there any more, (None, None) when the quote is gone."""
        mf = self.index.get(str(entry.get("id") or ""))
        if mf is not None and mf.kind == kind and mf.id not in self.claimed:
            self.claimed.add(mf.id)
            ev = mf.fact.evidence
            return mf, Anchor(ev.start, ev.end, False)
        anchor = self.anchor(entry, f"entry {entry.get('id')!r}")
        if anchor is None:
            return None, None
        cands = [m for m in self.index.values() if m.kind == kind and m.id not in self.claimed
                 and (m.fact.evidence.start, m.fact.evidence.end) == (anchor.start, anchor.end)]
        if kind != "subject" and len(cands) > 1:
            ident = [f for f in fields_of(kind) if f.name in _IDENTITY]
            cands = [m for m in cands if all(to_yaml(self.onto, f, m.fact) == entry.get(f.name) for f in ident)]
        if len(cands) != 1:
            return None, anchor
        self.claimed.add(cands[0].id)
        return cands[0], anchor
