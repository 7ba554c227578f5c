"""Exports of the paper graphs in other standard forms: JSON-LD, nanopublications, KGX (Biolink) TSV.

Each is made per paper in the build's workers (``paper_exports``) and written beside the
N-Quads; the KGX tables of the whole corpus are then merged from the per-paper parts
(``KgxWriter``), one paper at a time. GraphML and node-link JSON of the projection are
written by ``kg.views.projection``.
"""
from __future__ import annotations

import json

from .jsonld import paper_jsonld
from .kgx import KgxWriter, paper_kgx
from .nanopub import paper_nanopubs

# output file of one paper -> folder under the build's outputs (the KGX part is merged, see KgxWriter)
FOLDERS = {"jsonld": ("jsonld", ".jsonld"), "nanopub": ("nanopub", ".trig"), "kgx": ("kgx/papers", ".json")}


def paper_exports(quads, onto) -> dict[str, bytes]:
    """Every per-paper export of one paper's quads, by the keys of FOLDERS."""
    return {"jsonld": paper_jsonld(quads), "nanopub": paper_nanopubs(quads),
            "kgx": json.dumps(paper_kgx(quads, onto), ensure_ascii=False, sort_keys=True).encode("utf-8")}


__all__ = ["FOLDERS", "KgxWriter", "paper_exports", "paper_jsonld", "paper_kgx", "paper_nanopubs"]
