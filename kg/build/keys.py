"""Build keys: what a paper's outputs depend on (text, linked metadata, curator files, kg code, ontology)."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from ..annotate import ANNOTATOR_VERSION
from ..curation.paper import side_files
from ..ingest.corpus import Paper

PACKAGE_ROOT = Path(__file__).resolve().parent.parent   # the kg package


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of the kg package source: a code change re-annotates every paper."""
    h = hashlib.sha256(ANNOTATOR_VERSION.encode())
    for p in sorted(PACKAGE_ROOT.rglob("*")):
        if p.suffix in (".py", ".html") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(PACKAGE_ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def paper_key(paper: Paper, meta: dict, corpus: Path, onto_digest: str, curator=None) -> str:
    """What a paper's outputs depend on; ``meta`` (from linked_meta) carries the text's sha256, and the
    build's curator signs the decisions of a curation file that signs none."""
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    side = side_files(corpus, paper.id)
    for name, path in sorted(side.items()):
        h.update(name.encode())
        h.update(path.read_bytes())
    if side and curator is not None:
        h.update(repr((curator.name, curator.orcid)).encode())
    h.update(code_digest().encode())
    h.update(onto_digest.encode())
    return h.hexdigest()[:24]
