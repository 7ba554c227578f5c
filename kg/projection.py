"""A networkx projection of the facts: papers, subjects, agents, grades, outcomes, citations.

Each paper is projected on its own (in the build's workers) and kept as a small JSON
*fragment*; the corpus-wide exports, GraphML (Cytoscape/Gephi) and node-link JSON
(networkx), are streamed from the fragments, so memory does not grow with the corpus and
an unchanged paper's fragment is reused as is. Every edge starts at a node of its own
paper (the paper or a subject), so edge keys of a fragment are keys of the whole graph;
shared nodes (agents, outcomes, grades) carry the same attributes in every fragment.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from .facts import PaperFacts
from .facts.model import Evidence
from .ontology import Ontology

NODE_TYPES = {
    "paper": "#4e79a7", "patient": "#f28e2b", "cohort": "#edc948", "drug": "#59a14f",
    "drug class": "#8cd17d", "cell therapy": "#b07aa1", "grade": "#e15759", "outcome": "#76b7b2",
    "citation": "#9c755f",
}


def _ev(ev: Evidence, paper: str) -> dict:
    return {"paper": paper, "start": ev.start, "end": ev.end, "quote": ev.quote,
            "sentence": ev.sentence, "sent_start": ev.sent_start}


def project(facts_list: list[PaperFacts], onto: Ontology) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for f in facts_list:
        p = f"paper:{f.paper_id}"
        g.add_node(p, label=f.meta.get("title") or f.paper_id, type="paper", paper=f.paper_id)
        subj = {}
        for s in f.subjects:
            n = f"{p}/subject:{s.key}"
            subj[s.key] = n
            kind = "patient" if s.kind == "patient" else "cohort"
            label = s.label if not s.source else f"cohort [{';'.join(map(str, s.source))}]"
            g.add_node(n, label=label, type=kind, paper=f.paper_id, evidence=json.dumps(_ev(s.evidence, f.paper_id)))
            g.add_edge(p, n, label="reports")
            for r in s.source:
                c = f"{p}/ref:{r}"
                g.add_node(c, label=f"ref {r}", type="citation", paper=f.paper_id)
                g.add_edge(n, c, label="cited from")
        for a in f.administrations:
            t = onto.terms[a.agent]
            n = f"agent:{a.agent}"
            g.add_node(n, label=t.label, type="cell therapy" if t.category == "cell_therapy" else "drug")
            dose = f" {a.dose_value:g} {a.dose_unit}" if a.dose_value is not None else ""
            route = f" {a.route}" if a.route else ""
            day = f" day {a.day}" if a.day is not None else ""
            g.add_edge(subj[a.subject], n, label=f"received{dose}{route}{day}".strip(),
                       evidence=json.dumps(_ev(a.evidence, f.paper_id)))
        for x in f.findings:
            if not x.outcome:
                continue
            o = f"outcome:{x.outcome}"
            g.add_node(o, label=x.outcome.replace("_", " "), type="outcome")
            agents = "+".join(sorted(onto.terms[a].label.lower() for a in x.agents)) or "treatment"
            counts = f" {x.responders}/{x.treated}" if x.treated else ""
            g.add_edge(subj[x.subject], o, label=f"{agents}{counts}{' (refractory)' if x.refractory else ''}",
                       evidence=json.dumps(_ev(x.evidence, f.paper_id)))
        for gr in f.grades:
            n = f"grade:{gr.syndrome}{gr.grade}"
            g.add_node(n, label=f"{gr.syndrome} grade {gr.grade}", type="grade")
            g.add_edge(subj[gr.subject], n, label=f"day {gr.day}" if gr.day is not None else "graded",
                       evidence=json.dumps(_ev(gr.evidence, f.paper_id)))
    return g


NODE_ATTRS = ("label", "type", "paper", "evidence")
EDGE_ATTRS = ("label", "evidence")


def fragment(g: nx.MultiDiGraph) -> bytes:
    """One paper's projection as JSON: nodes and keyed edges in insertion order."""
    nodes = [[n, {k: d[k] for k in NODE_ATTRS if k in d}] for n, d in g.nodes(data=True)]
    edges = [[u, v, k, {a: d[a] for a in EDGE_ATTRS if a in d}] for u, v, k, d in g.edges(keys=True, data=True)]
    return json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _graphml_data(attrs: dict, names: tuple[str, ...], prefix: str, indent: str) -> str:
    return "".join(f'{indent}<data key="{prefix}{i}">{escape(attrs[a])}</data>\n'
                   for i, a in enumerate(names) if a in attrs)


def write_exports(fragments: Iterable[dict], graphml: Path, node_link: Path) -> tuple[int, int]:
    """Stream the corpus graph to GraphML and node-link JSON; returns (nodes, edges)."""
    seen: set[str] = set()
    n_nodes = n_edges = 0
    with tempfile.TemporaryDirectory(dir=graphml.parent) as tmp:
        parts = {k: open(Path(tmp) / k, "w", encoding="utf-8") for k in ("gn", "ge", "jn", "je")}
        try:
            for frag in fragments:
                for n, attrs in frag["nodes"]:
                    if n in seen:
                        continue
                    seen.add(n)
                    body = _graphml_data(attrs, NODE_ATTRS, "n", "      ")
                    parts["gn"].write(f"    <node id={quoteattr(n)}>\n{body}    </node>\n" if body
                                      else f"    <node id={quoteattr(n)} />\n")
                    parts["jn"].write(("" if not n_nodes else ",\n")
                                      + json.dumps({"id": n} | attrs, sort_keys=True, ensure_ascii=False))
                    n_nodes += 1
                for u, v, key, attrs in frag["edges"]:
                    body = _graphml_data(attrs, EDGE_ATTRS, "e", "      ")
                    parts["ge"].write(f'    <edge source={quoteattr(u)} target={quoteattr(v)} id="{key}">\n'
                                      f"{body}    </edge>\n")
                    parts["je"].write(("" if not n_edges else ",\n") + json.dumps(
                        {"source": u, "target": v, "key": key} | attrs, sort_keys=True, ensure_ascii=False))
                    n_edges += 1
        finally:
            for f in parts.values():
                f.close()
        keys = "".join(f'  <key id="n{i}" for="node" attr.name="{a}" attr.type="string" />\n'
                       for i, a in enumerate(NODE_ATTRS))
        keys += "".join(f'  <key id="e{i}" for="edge" attr.name="{a}" attr.type="string" />\n'
                        for i, a in enumerate(EDGE_ATTRS))
        _concat(graphml, ['<?xml version="1.0" encoding="utf-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
                          + keys + '  <graph edgedefault="directed">\n', Path(tmp) / "gn", Path(tmp) / "ge",
                          "  </graph>\n</graphml>\n"])
        _concat(node_link, ['{"directed": true, "graph": {}, "links": [\n', Path(tmp) / "je",
                            '\n], "multigraph": true, "nodes": [\n', Path(tmp) / "jn", "\n]}\n"])
    return n_nodes, n_edges


def _concat(target: Path, parts: list) -> None:
    with open(target, "wb") as out:
        for part in parts:
            if isinstance(part, str):
                out.write(part.encode("utf-8"))
            else:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
