"""Links between corpus papers: a cited reference whose DOI or PMID is a corpus paper points to that paper."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .iris import paper_iri

if TYPE_CHECKING:
    from ..ingest.corpus import Paper


def corpus_index(papers) -> dict[str, str]:
    """DOI and PMID of every corpus paper -> its IRI, to link cited works that are in the corpus."""
    index = {}
    for p in papers:
        if p.meta.get("doi"):
            index["doi:" + str(p.meta["doi"]).lower()] = paper_iri(p.id)
        if p.meta.get("pmid"):
            index["pmid:" + str(p.meta["pmid"])] = paper_iri(p.id)
    return index


def linked_meta(paper: Paper, index: dict[str, str]) -> dict:
    """The metadata extraction sees: references carry ``paper_iri`` when ``index`` has them, plus the text's sha256."""
    refs = []
    for r in paper.meta.get("references") or []:
        r = dict(r)
        target = index.get("doi:" + str(r.get("doi", "")).lower()) or index.get("pmid:" + str(r.get("pmid", "")))
        if target and target != paper_iri(paper.id):
            r["paper_iri"] = target
        refs.append(r)
    return paper.meta | {"references": refs, "text_sha256": paper.sha256}
