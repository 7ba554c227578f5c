"""`kg review`: the curation file of one paper, from a fresh annotation."""
from __future__ import annotations

from pathlib import Path

from .annotate import annotate_text
from .corpus import load_paper, papers_dir
from .curation import FILE, review_entries, write_review
from .facts import extract_facts
from .ontology import load_ontology


def review_paper(corpus: Path, paper_id: str) -> tuple[Path, int]:
    paper = load_paper(corpus, paper_id)
    onto = load_ontology()
    facts = extract_facts(annotate_text(paper.text, paper.id), paper.meta, onto)
    path = papers_dir(corpus) / paper.id / FILE
    return path, write_review(path, paper.id, paper.sha256, review_entries(facts, onto))
