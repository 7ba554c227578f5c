"""`kg review`: the curation file of one paper, from the facts a build would extract."""
from __future__ import annotations

from pathlib import Path

from ..graph.links import linked_meta
from ..ingest.corpus import load_paper, papers_dir
from ..ontology import load_ontology
from .apply import FILE, review_entries, write_review
from .paper import machine_facts


def review_paper(corpus: Path, paper_id: str) -> tuple[Path, int]:
    """Write (or merge into) corpus/papers/ID/curation.yaml; returns its path and the number of entries."""
    paper = load_paper(corpus, paper_id)
    onto = load_ontology()
    # the build's metadata view (links to other corpus papers do not change the reviewed facts)
    _, facts = machine_facts(paper, linked_meta(paper, {}), Path(corpus), onto)
    path = papers_dir(corpus) / paper.id / FILE
    return path, write_review(path, paper.id, paper.sha256, review_entries(facts, onto))
