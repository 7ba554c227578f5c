"""KGX TSV (nodes.tsv, edges.tsv) with Biolink categories and predicates, for Biolink-based KGs.

Nodes: papers (``biolink:JournalArticle``), the agents they report (``biolink:Drug`` for drugs
and CAR-T products, ``biolink:ChemicalEntity`` for drug classes, ``biolink:Treatment`` for
regimens) and ICANS (``biolink:Disease``), with the ontology's mappings as ``xref``. Edges:
``biolink:mentions`` from a paper to each agent given in it, and ``biolink:applied_to_treat``
from each agent of a treatment finding to ICANS, with the finding's subject, counts,
outcome and setting as extra columns and the paper as ``publications``. Every edge is an
observation made by text mining (``agent_type``), or by a curator where one added or edited
the fact.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ...ontology import NS, Ontology, ontology_dir
from ..iris import BIBO, DCT, ID, RDF, RDFS

NODE_COLUMNS = ("id", "category", "name", "xref", "provided_by")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "knowledge_level", "agent_type",
                "primary_knowledge_source", "publications", "case", "treated", "responders", "outcome",
                "route", "setting", "fact")
SOURCE = "infores:icans-kg"
CATEGORY = {"drug": "biolink:Drug", "cell_therapy": "biolink:Drug", "drug_class": "biolink:ChemicalEntity",
            "regimen": "biolink:Treatment", "therapy_class": "biolink:Treatment"}


@lru_cache(maxsize=1)
def _prefixes() -> tuple[tuple[str, str], ...]:
    """(prefix, base) from the SSSOM table's curie_map, longest base first."""
    from ...ontology_derived import SSSOM, read_sssom

    path = ontology_dir() / SSSOM
    meta = read_sssom(path)[0] if path.exists() else {}
    pairs = dict(meta.get("curie_map") or {}) | {"icans": NS, "ICANSKG": ID}
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[1])))


def curie(iri: str) -> str:
    for prefix, base in _prefixes():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def _clean(v) -> str:
    return " ".join(str(v).split()) if v is not None else ""


def paper_kgx(quads, onto: Ontology) -> dict:
    """One paper's nodes and edges as rows (lists in NODE_COLUMNS / EDGE_COLUMNS order)."""
    by_subject: dict[str, dict[str, list]] = {}
    for q in quads:
        by_subject.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object.value)

    def one(s: str, p: str) -> str:
        return (by_subject.get(s, {}).get(p) or [""])[0]

    paper = next((s for s, props in by_subject.items() if DCT + "identifier" in props and RDF + "type" in props), None)
    if paper is None:
        return {"nodes": [], "edges": []}
    pmid, doi = one(paper, BIBO + "pmid"), one(paper, BIBO + "doi")
    pid = f"PMID:{pmid}" if pmid else f"doi:{doi}" if doi else curie(paper)
    nodes = [[pid, "biolink:JournalArticle", _clean(one(paper, DCT + "title") or one(paper, DCT + "identifier")),
              f"doi:{doi}" if doi and pmid else "", SOURCE]]
    edges = []
    mentioned = set()

    def agent_node(iri: str) -> str | None:
        t = onto.terms.get(iri[len(NS):]) if iri.startswith(NS) else None
        if t is None:
            return None
        xref = "|".join(sorted(curie(i) for p, i in t.matches if p == "exactMatch"))
        nodes.append([curie(iri), CATEGORY.get(t.category, "biolink:NamedThing"), t.label, xref, SOURCE])
        return curie(iri)

    for s, props in sorted(by_subject.items()):
        types = props.get(RDF + "type", [])
        if NS + "Administration" in types or NS + "TreatmentFinding" in types:
            for a in props.get(NS + "agent", []):
                node = agent_node(a)
                if node and node not in mentioned:
                    mentioned.add(node)
                    edges.append([f"{pid}-mentions-{node}", pid, "biolink:mentions", node, "observation",
                                  "text_mining_agent", SOURCE, pid] + [""] * 7)
        if NS + "TreatmentFinding" not in types:
            continue
        curated = "true" in props.get(NS + "curated", [])
        case = one(one(s, NS + "subject"), RDFS + "label") if one(s, NS + "subject") else ""
        route = onto.terms.get(one(s, NS + "route")[len(NS):]) if one(s, NS + "route") else None
        outcome = onto.terms.get(one(s, NS + "outcome")[len(NS):]) if one(s, NS + "outcome") else None
        for a in sorted(props.get(NS + "agent", [])):
            node = agent_node(a)
            if node is None:
                continue
            edges.append([f"{curie(s)}#{node}", node, "biolink:applied_to_treat", "icans:ICANS", "observation",
                          "manual_agent" if curated else "text_mining_agent", SOURCE, pid, _clean(case),
                          one(s, NS + "treated"), one(s, NS + "responders"), outcome.code if outcome else "",
                          route.code if route else "", one(s, NS + "setting"), s])
    if any(e[2] == "biolink:applied_to_treat" for e in edges):
        icans = onto.terms["ICANS"]
        nodes.append(["icans:ICANS", "biolink:Disease", icans.label,
                      "|".join(sorted(curie(i) for _, i in icans.matches)), SOURCE])
    assert all(len(n) == len(NODE_COLUMNS) for n in nodes) and all(len(e) == len(EDGE_COLUMNS) for e in edges)
    return {"nodes": nodes, "edges": edges}


class KgxWriter:
    """nodes.tsv and edges.tsv of the whole corpus, merged from per-paper parts (nodes deduplicated)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._nodes: dict[str, list[str]] = {}
        self._edges = open(folder / "edges.tsv", "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._edges, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        self._w.writerow(EDGE_COLUMNS)
        self.edges = 0

    def add(self, part: dict) -> None:
        for n in part["nodes"]:
            self._nodes.setdefault(n[0], n)
        self._w.writerows(part["edges"])
        self.edges += len(part["edges"])

    def close(self) -> tuple[int, int]:
        self._edges.close()
        with open(self.folder / "nodes.tsv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(NODE_COLUMNS)
            w.writerows(self._nodes[k] for k in sorted(self._nodes))
        return len(self._nodes), self.edges
