"""One corpus paper's facts as a build makes them: mentions (annotator's or brat), facts, curation applied."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..annotate import AnnotatedPaper, annotate_text
from ..facts import PaperFacts, extract_facts
from ..ingest.corpus import Paper, papers_dir
from ..ontology import Ontology
from .apply import Provenance, apply_curation
from .brat import FILE as BRAT_FILE
from .brat import parse_ann, with_mentions
from .curator import Curator
from .curfile import FILE as CURATION_FILE
from .curfile import load


@dataclass(frozen=True)
class CuratedPaper:
    """A paper's mentions and its facts with the curator's decisions applied."""

    annotated: AnnotatedPaper
    facts: PaperFacts
    warnings: tuple[str, ...] = ()   # stale curation entries, decisions with nothing to act on
    provenance: Provenance | None = None


def side_files(corpus: Path, paper_id: str) -> dict[str, Path]:
    """The curator files beside a paper (curation.yaml, mentions.ann) that exist, by name."""
    folder = papers_dir(corpus) / paper_id
    return {name: folder / name for name in (CURATION_FILE, BRAT_FILE) if (folder / name).exists()}


def machine_facts(paper: Paper, meta: dict, corpus: Path, onto: Ontology,
                  side: dict[str, Path] | None = None) -> tuple[AnnotatedPaper, PaperFacts]:
    """(mentions, facts) of a paper before curation: the annotator's mentions, or the curator's brat ones."""
    ann = annotate_text(paper.text, paper.id)
    side = side_files(corpus, paper.id) if side is None else side
    if BRAT_FILE in side:
        ann = with_mentions(ann, parse_ann(side[BRAT_FILE], paper.text), onto, side[BRAT_FILE])
    return ann, extract_facts(ann, meta, onto)


def curated_facts(paper: Paper, meta: dict, corpus: Path, onto: Ontology,
                  curator: Curator | None = None) -> CuratedPaper:
    """The paper's machine facts with its curation file (if any) applied; ``curator`` signs unsigned decisions."""
    side = side_files(corpus, paper.id)
    ann, facts = machine_facts(paper, meta, corpus, onto, side)
    if CURATION_FILE not in side:
        return CuratedPaper(ann, facts)
    cur = apply_curation(facts, load(side[CURATION_FILE]), ann, onto, curator)
    return CuratedPaper(ann, cur.facts, cur.report.stale + cur.report.notes, cur.provenance)
