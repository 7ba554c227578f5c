"""Decisions one at a time, as the review page makes them: each checked by a full application, then saved.

A ``ReviewSession`` holds one paper's machine facts (annotated once); every decision re-reads
the curation file, changes one entry (or adds one), applies the whole file to the facts as a
build would, and saves only if that succeeds, so the page can never write a file the build
refuses. Each decision is signed ``by:`` its curator, who joins the file's curators.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from ..graph.links import linked_meta
from ..ingest.corpus import load_paper, papers_dir
from ..ontology import load_ontology
from .apply import STATUSES, SUBJECT_STATUSES, apply_curation
from .curator import Curator
from .curfile import FILE, CurationFile, save, strip_lines
from .entries import FACT_KINDS, evidence_yaml
from .fields import FIELDS, fields_of, from_yaml, value_to_yaml
from .paper import machine_facts, side_files
from .review import current_file


class ReviewSession:
    """One paper under review: its text, machine facts and curation file."""

    def __init__(self, corpus: Path, paper_id: str):
        self.corpus = Path(corpus)
        self.paper = load_paper(corpus, paper_id)
        self.onto = load_ontology()
        self.ann, self.facts = machine_facts(self.paper, linked_meta(self.paper, {}), self.corpus, self.onto)
        self.path = papers_dir(corpus) / self.paper.id / FILE
        self.key = self.state_key(corpus, paper_id)

    @staticmethod
    def state_key(corpus: Path, paper_id: str) -> tuple:
        """What the session's machine facts depend on: the text and the curator's brat mentions."""
        folder = papers_dir(corpus) / paper_id
        side = side_files(corpus, paper_id)
        ann = side.get("mentions.ann")
        return ((folder / "paper.txt").stat().st_mtime_ns, ann.stat().st_mtime_ns if ann else 0)

    def document(self) -> CurationFile:
        """The curation file as a review leaves it (the machine facts every entry is about included)."""
        return current_file(self.path, self.paper, self.facts, self.onto)

    def _values(self, kind: str, values: dict, where: str) -> dict:
        out = {}
        allowed = {f.name: f for f in fields_of(kind)}
        for name, raw in values.items():
            if name in ("subject", "name", "note"):
                out[name] = str(raw).strip() if raw not in (None, "") else None
                continue
            f = allowed.get(name)
            if f is None:
                raise CorpusError(f"{where}: a {kind} has no field {name!r}; its fields: {', '.join(allowed)}")
            out[name] = value_to_yaml(self.onto, f, from_yaml(self.onto, f, raw, where))
        return out

    def _commit(self, cf: CurationFile, curator: Curator) -> None:
        cf.add_curator(curator)
        apply_curation(self.facts, cf, self.ann, self.onto, curator)   # raises what a build would
        save(cf)

    def decide(self, entry_id: str, status: str, values: dict, curator: Curator, into: str | None = None) -> dict:
        """Set an entry's status (and, for an edit, its values); returns the saved entry."""
        cf = self.document()
        entry = next((e for e in cf.subjects + cf.facts + cf.add if e.get("id") == entry_id), None)
        if entry is None:
            raise CorpusError(f"{self.path}: no entry {entry_id!r}; reload the page (the file changed)")
        kind = "subject" if entry in cf.subjects or entry.get("type") == "subject" else entry.get("type")
        allowed = SUBJECT_STATUSES if entry in cf.subjects else STATUSES
        if status not in allowed:
            raise CorpusError(f"status {status!r}; use {', '.join(allowed)}")
        entry.update(self._values(kind, values, f"{self.path}: {entry_id}"))
        entry["status"] = status
        entry["by"] = curator.name
        if status == "merge":
            entry["into"] = into
        else:
            entry.pop("into", None)
        self._commit(cf, curator)
        return strip_lines(entry)

    def add(self, kind: str, values: dict, start: int, end: int, curator: Curator) -> dict:
        """Add a subject or fact on the text span [start, end); returns the saved entry."""
        if kind not in FIELDS:
            raise CorpusError(f"cannot add a {kind!r}; add one of {', '.join(FIELDS)}")
        text = self.paper.text
        if not (0 <= start < end <= len(text)) or not text[start:end].strip():
            raise CorpusError("select the words of the paper that state it (the selection is empty)")
        cf = self.document()
        entry = {"id": f"added-{kind}-{start}-{end}-{len(cf.add) + 1}", "type": kind, "status": "accept",
                 "by": curator.name}
        entry.update(self._values(kind, values, f"{self.path}: add"))
        if kind in FACT_KINDS and not entry.get("subject"):
            raise CorpusError("choose the subject this fact is about")
        entry["evidence"] = evidence_yaml(text, start, end)
        cf.add.append(entry)
        self._commit(cf, curator)
        return strip_lines(entry)
