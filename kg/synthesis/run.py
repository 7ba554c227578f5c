"""The build's synthesis step: the papers' records in, links, summaries and checks out, as files and a graph."""
from __future__ import annotations

import gc
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreMissingError
from ..graph.iris import paper_iri
from ..ontology import Ontology
from .decisions import apply_decisions, iri_of, load_decisions, name_of
from .duplicates import Link, find_links
from .records import CheckRecord, PaperRecord
from .summary import SummaryRow, summarize
from .triples import synthesis_quads

FOLDER = "synthesis"      # under the build's outputs: graph.nq, links.json, proposed-links.json
MACHINE_LINKS = "proposed-links.json"


@dataclass(frozen=True)
class SynthesisResult:
    """What the synthesis found in a corpus."""

    records: tuple[PaperRecord, ...]
    rows: tuple[SummaryRow, ...]
    links: tuple[Link, ...]
    warnings: tuple[str, ...] = ()
    proposed: tuple[Link, ...] = ()   # kg's links before the curator's decisions (the next build starts from them)

    @property
    def checks(self) -> list[tuple[str, str, CheckRecord]]:
        """(paper id, the IRI of its text, check) for every ASTCT check."""
        return [(p.paper, p.text or paper_iri(p.paper), c) for p in self.records for c in p.checks]

    def quads(self, annotator: str):
        """The synthesis graph; ``annotator`` names the software that made it (kg.annotate.ANNOTATOR_VERSION)."""
        return synthesis_quads(list(self.rows), list(self.links), self.checks, annotator)


class Synthesis:
    """Collects the papers' records one at a time, then links, sums and checks them all."""

    def __init__(self):
        self.records: list[PaperRecord] = []

    def add(self, record: dict) -> None:
        self.records.append(PaperRecord.from_json(record))

    def finish(self, corpus: Path, onto: Ontology, changed: set[str] | None = None,
               previous: Path | None = None) -> SynthesisResult:
        """Link, sum and check; with ``changed`` paper ids and the ``previous`` build's synthesis folder,
        only the pairs that involve a changed paper are compared anew."""
        enabled = gc.isenabled()
        gc.disable()   # many small objects and no cycles: the collector would rescan every record, again and again
        try:
            return self._finish(corpus, onto, changed, previous)
        finally:
            if enabled:
                gc.enable()

    def _finish(self, corpus: Path, onto: Ontology, changed: set[str] | None, previous: Path | None) -> SynthesisResult:
        known = {p.iri for p in self.records} | {s.iri for p in self.records for s in p.subjects}

        def label(tid: str) -> str:
            return onto.terms[tid].label.lower() if tid in onto.terms else tid
        old = _read_links(previous / MACHINE_LINKS) if previous is not None and changed is not None else None
        found = find_links(self.records, label, None if old is None else {paper_iri(c) for c in changed}, old or ())
        links, warnings = apply_decisions(found, load_decisions(corpus), known)
        rows = summarize(self.records, links, onto)
        return SynthesisResult(tuple(self.records), tuple(rows), tuple(links), tuple(warnings), tuple(found))


def _dump(links, path: Path) -> Path:
    data = [{"a": name_of(l.a), "b": name_of(l.b), "kind": l.kind, "score": l.score, "status": l.status,
             "evidence": list(l.evidence), "note": l.note} for l in links]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _read_links(path: Path) -> list[Link] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None     # no previous build to start from: every pair is compared
    return [Link(iri_of(d["a"]), iri_of(d["b"]), d["kind"], float(d["score"]), tuple(d["evidence"]), d["status"],
                 d.get("note", "")) for d in data]


def write_links_json(result: SynthesisResult, folder: Path) -> Path:
    """``links.json`` (what `kg links` turns into the curator's file) and kg's own proposals for the next build."""
    _dump(result.proposed, folder / MACHINE_LINKS)
    return _dump(result.links, folder / "links.json")


def read_links_json(out: Path) -> list[Link]:
    """The links of the build under ``out``."""
    path = Path(out) / FOLDER / "links.json"
    links = _read_links(path)
    if links is None:
        raise StoreMissingError(f"{path}: no links of a build here; run `kg build --out {out}` first")
    return links
