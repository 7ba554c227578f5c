"""`kg review`: write or refresh a paper's curation file from the facts a build would extract.

A refresh never loses or duplicates a decision: every entry already in the file stays where it
is, its anchor (id, offsets, sentence) follows the text when the text moved; an entry whose
quote is gone is marked ``stale:`` in place, one whose fact is no longer extracted is marked
``unmatched:``; only facts no entry is about are added, with ``status: accept``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from ..graph.links import linked_meta
from ..ingest.corpus import load_paper, papers_dir
from ..ontology import Ontology, load_ontology
from .anchor import squash
from .curator import Curator
from .curfile import FILE, CurationFile, load, save, strip_lines, where
from .entries import FACT_KINDS, entry_of, evidence_yaml, machine_index, subject_names
from .match import Matcher
from .paper import machine_facts

STALE = "its quote is no longer in the paper text; fix evidence (quote, start) or delete this entry"
UNMATCHED = "this fact is no longer extracted; status: edit keeps it as a curator's fact, or delete this entry"
_FLAGS = ("stale", "unmatched")


@dataclass(frozen=True)
class ReviewSummary:
    """What a review wrote: entries in the file, new ones, and the ones marked stale or unmatched."""

    path: Path
    entries: int
    new: int
    stale: int
    unmatched: int


def _start(e: dict) -> int:
    ev = e.get("evidence") if isinstance(e.get("evidence"), dict) else {}
    try:
        return int(ev.get("start") or 0)
    except (TypeError, ValueError):
        return 0


def refresh(cf: CurationFile, facts, text: str, sha: str, onto: Ontology) -> tuple[CurationFile, dict]:
    """``cf`` with its anchors brought up to date and an entry for every fact no entry is about."""
    index = machine_index(facts)
    names = subject_names(facts.subjects, text)
    matcher = Matcher(index, text, onto, cf.path)
    counts = {"new": 0, "stale": 0, "unmatched": 0}

    def follow(entries: list[dict], kind_of) -> list[dict]:
        for e in entries:
            for flag in _FLAGS:
                e.pop(flag, None)
            mf, anchor = matcher.resolve(e, kind_of(e)) if kind_of(e) else (None, matcher.anchor(e, "an entry"))
            if mf is not None:
                e["id"] = mf.id
                e["sentence"] = squash(mf.fact.evidence.sentence).strip()
                e["evidence"] = evidence_yaml(text, mf.fact.evidence.start, mf.fact.evidence.end)
            elif anchor is None:
                e["stale"] = STALE
                counts["stale"] += 1
            else:
                e["evidence"] = evidence_yaml(text, anchor.start, anchor.end)
                if kind_of(e):
                    e["unmatched"] = UNMATCHED
                    counts["unmatched"] += 1
        return entries

    subjects = follow(cf.subjects, lambda e: "subject")
    for e in cf.facts:
        if e.get("type") not in FACT_KINDS:
            raise CorpusError(where(cf.path, e, f"unknown type {e.get('type')!r}; use one of {', '.join(FACT_KINDS)}"))
    facts_ = follow(cf.facts, lambda e: e["type"])
    follow(cf.add, lambda e: None)
    for e in cf.add:   # the review page needs a handle on entries written by hand
        e.setdefault("id", "added-" + hashlib.sha1(repr(sorted(map(str, strip_lines(e).items()))).encode()).hexdigest()[:8])
    for mf in index.values():
        if mf.id in matcher.claimed:
            continue
        (subjects if mf.kind == "subject" else facts_).append(entry_of(mf, names, text, onto))
        counts["new"] += 1
    cf.subjects = sorted(subjects, key=_start)
    cf.facts = sorted(facts_, key=_start)
    cf.text_sha256 = sha
    return cf, counts


def current_file(path: Path, paper, facts, onto: Ontology) -> CurationFile:
    """The paper's curation file as a review leaves it (read from ``path`` when it exists), not yet saved."""
    cf = load(path) if path.exists() else CurationFile(path, paper.id)
    cf.paper = paper.id
    cf, _ = refresh(cf, facts, paper.text, paper.sha256, onto)
    return cf


def review_paper(corpus: Path, paper_id: str, curator: Curator | None = None) -> ReviewSummary:
    """Write (or refresh) corpus/papers/ID/curation.yaml; ``curator`` is recorded among its curators."""
    paper = load_paper(corpus, paper_id)
    onto = load_ontology()
    # the build's metadata view (links to other corpus papers do not change the reviewed facts)
    _, facts = machine_facts(paper, linked_meta(paper, {}), Path(corpus), onto)
    path = papers_dir(corpus) / paper.id / FILE
    cf = load(path) if path.exists() else CurationFile(path, paper.id)
    cf.paper = paper.id
    if cf.comment_line:   # refuse before any work is done, with the line to fix
        save(cf)
    if curator is not None:
        cf.add_curator(curator)
    cf, counts = refresh(cf, facts, paper.text, paper.sha256, onto)
    save(cf)
    return ReviewSummary(path, len(cf.subjects) + len(cf.facts) + len(cf.add), counts["new"], counts["stale"],
                         counts["unmatched"])
