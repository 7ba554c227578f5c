"""A networkx projection of the facts: papers, subjects, agents, grades, outcomes, citations.

Each paper is projected on its own (in the build's workers) and kept as a small JSON
*fragment*; the corpus-wide exports, GraphML (Cytoscape/Gephi) and node-link JSON
(networkx), are streamed from the fragments, so memory does not grow with the corpus and
an unchanged paper's fragment is reused as is. Every edge starts at a node of its own
paper (the paper or a subject), so edge keys of a fragment are keys of the whole graph;
shared nodes (agents, outcomes) carry the same attributes in every fragment; a grade node
belongs to one patient's assessment.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from typing import TYPE_CHECKING

import networkx as nx

from ..graph.iris import paper_iri
from ..graph.rdf import FactIris
from ..ontology import Ontology

if TYPE_CHECKING:   # only reads the records; importing kg.facts would load spaCy
    from ..facts import Evidence, PaperFacts

NODE_TYPES = {
    "paper": "#4e79a7", "patient": "#f28e2b", "cohort": "#edc948", "drug": "#59a14f",
    "drug class": "#8cd17d", "cell therapy": "#b07aa1", "grade": "#e15759", "outcome": "#76b7b2",
    "csf": "#86bcb6", "citation": "#9c755f",
}


def _ev(ev: Evidence, paper: str) -> dict:
    return {"paper": paper, "start": ev.start, "end": ev.end, "quote": ev.quote,
            "sentence": ev.sentence, "sent_start": ev.sent_start}


def display_title(meta: dict, paper_id: str) -> str:
    """The paper's title; without one, what identifies it to a reader ("PMID 35896259, 2022"), never a bare id."""
    if meta.get("title"):
        return str(meta["title"])
    ident = f"PMID {meta['pmid']}" if meta.get("pmid") else f"doi:{meta['doi']}" if meta.get("doi") else paper_id
    return f"{ident}, {meta['year']}" if meta.get("year") else ident


_NOT_TITLES = ("abstract", "background", "introduction", "case", "summary", "objective", "methods", "results")


def title_from_text(text: str) -> str:
    """The first line of a plain-text paper when it reads like a title, else ""."""
    line = next((l.strip() for l in text.splitlines() if l.strip()), "")
    words = line.split()
    if not 3 <= len(words) <= 40 or len(line) > 250 or line.endswith(".") or \
            line.lower().startswith(_NOT_TITLES) or not any(c.isalpha() for c in line):
        return ""
    return line


def with_display_title(facts: PaperFacts, text: str) -> PaperFacts:
    """The facts the views draw: a paper without a title is named by its first line when that reads like one.

    Only the views use it; the graph's dct:title stays what the metadata says.
    """
    title = "" if facts.meta.get("title") else title_from_text(text)
    return replace(facts, meta=facts.meta | {"title": title}) if title else facts


def counts_label(treated: int | None, responders: int | None) -> str:
    """" 4/6", " 26 treated" (no count of responders), or "" for no counts: never "None/26"."""
    if treated and responders is not None:
        return f" {responders}/{treated}"
    return f" {treated} treated" if treated else ""


def project(facts_list: list[PaperFacts], onto: Ontology, iris: dict[str, FactIris] | None = None) -> nx.MultiDiGraph:
    """The facts as a networkx graph; every node and edge made from a fact carries its IRI as ``fact``
    (``iris``: a paper's FactIris when curation gave some facts IRIs of their own)."""
    g = nx.MultiDiGraph()
    for f in facts_list:
        fi = (iris or {}).get(f.paper_id) or FactIris(f.paper_id)
        p = f"paper:{f.paper_id}"
        g.add_node(p, label=display_title(f.meta, f.paper_id), type="paper", paper=f.paper_id, fact=paper_iri(f.paper_id))
        subj = {}
        for s in f.subjects:
            n = f"{p}/subject:{s.key}"
            subj[s.key] = n
            kind = "patient" if s.kind == "patient" else "cohort"
            label = s.label if not s.source else f"cohort [{';'.join(map(str, s.source))}]"
            g.add_node(n, label=label, type=kind, paper=f.paper_id, evidence=json.dumps(_ev(s.evidence, f.paper_id)),
                       fact=fi("subject", s))
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
                       evidence=json.dumps(_ev(a.evidence, f.paper_id)), fact=fi("administration", a))
        for x in f.findings:
            if not x.outcome:
                continue
            o = f"outcome:{x.outcome}"
            g.add_node(o, label=x.outcome.replace("_", " "), type="outcome")
            agents = "+".join(sorted(onto.terms[a].label.lower() for a in x.agents)) or "treatment"
            # the edge says what followed: its evidence is the sentence that reports the outcome
            ev = x.outcome_evidence if x.outcome_evidence is not None else x.evidence
            g.add_edge(subj[x.subject], o,
                       label=f"{agents}{counts_label(x.treated, x.responders)}{' (refractory)' if x.refractory else ''}",
                       agents=agents, evidence=json.dumps(_ev(ev, f.paper_id)), fact=fi("finding", x))
        for gr in f.grades:
            # one node per assessment and patient: "ICANS grade 4" of Case 1 is not Case 2's
            iri = fi("grade", gr)
            n = f"{subj[gr.subject]}/grade:{iri.rsplit('/', 1)[1]}"
            day = f", day {gr.day}" if gr.day is not None else ""
            g.add_node(n, label=f"{gr.syndrome} grade {gr.grade}{day}", type="grade", paper=f.paper_id, fact=iri,
                       evidence=json.dumps(_ev(gr.evidence, f.paper_id)))
            g.add_edge(subj[gr.subject], n, label="graded", evidence=json.dumps(_ev(gr.evidence, f.paper_id)), fact=iri)
    return g


NODE_ATTRS = ("label", "type", "paper", "evidence", "fact")
EDGE_ATTRS = ("label", "agents", "evidence", "fact")


def _gml_data(attrs: dict, names: tuple[str, ...], prefix: str) -> str:
    return "".join(f'      <data key="{prefix}{i}">{escape(attrs[a])}</data>\n' for i, a in enumerate(names) if a in attrs)


def _gml_node(n: str, attrs: dict) -> str:
    body = _gml_data(attrs, NODE_ATTRS, "n")
    return f"    <node id={quoteattr(n)}>\n{body}    </node>\n" if body else f"    <node id={quoteattr(n)} />\n"


def _json(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def fragment(g: nx.MultiDiGraph, paper_id: str) -> dict:
    """One paper's part of the exports, pre-rendered: its own nodes and edges as GraphML and
    node-link JSON text, and the shared nodes (agents, outcomes) it touches."""
    own = f"paper:{paper_id}"
    gml, nodes, links, shared = [], [], [], {}
    for n, d in g.nodes(data=True):
        attrs = {k: d[k] for k in NODE_ATTRS if k in d}
        if n == own or n.startswith(own + "/"):
            gml.append(_gml_node(n, attrs))
            nodes.append(_json({"id": n} | attrs))
        else:
            shared[n] = [_gml_node(n, attrs), _json({"id": n} | attrs)]
    for u, v, k, d in g.edges(keys=True, data=True):
        attrs = {a: d[a] for a in EDGE_ATTRS if a in d}
        gml.append(f'    <edge source={quoteattr(u)} target={quoteattr(v)} id={quoteattr(f"{u}->{v}#{k}")}>\n'
                   f'{_gml_data(attrs, EDGE_ATTRS, "e")}    </edge>\n')
        links.append(_json({"source": u, "target": v, "key": k} | attrs))
    return {"graphml": "".join(gml), "nodes": nodes, "links": links, "shared": shared}


class ExportWriter:
    """GraphML and node-link JSON of the whole corpus, written fragment by fragment.

    GraphML allows nodes and edges in any order, so each paper's text goes straight out;
    node-link JSON keeps links and nodes in two temporary streams joined at the end.
    Memory holds only the shared nodes.
    """

    def __init__(self, graphml: Path, node_link: Path):
        self.graphml, self.node_link = graphml, node_link
        self._tmp = tempfile.TemporaryDirectory(dir=graphml.parent)
        self._g = open(graphml, "w", encoding="utf-8")
        self._links = open(Path(self._tmp.name) / "links", "w", encoding="utf-8")
        self._nodes = open(Path(self._tmp.name) / "nodes", "w", encoding="utf-8")
        self._shared: dict[str, list[str]] = {}
        self.nodes = self.edges = 0
        keys = "".join(f'  <key id="n{i}" for="node" attr.name="{a}" attr.type="string" />\n'
                       for i, a in enumerate(NODE_ATTRS))
        keys += "".join(f'  <key id="e{i}" for="edge" attr.name="{a}" attr.type="string" />\n'
                        for i, a in enumerate(EDGE_ATTRS))
        self._g.write('<?xml version="1.0" encoding="utf-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
                      + keys + '  <graph edgedefault="directed">\n')

    def add(self, frag: dict) -> None:
        self._g.write(frag["graphml"])
        for n in frag["nodes"]:
            self._nodes.write(("" if not self.nodes else ",\n") + n)
            self.nodes += 1
        for e in frag["links"]:
            self._links.write(("" if not self.edges else ",\n") + e)
            self.edges += 1
        for n, texts in frag["shared"].items():
            self._shared.setdefault(n, texts)

    def close(self) -> tuple[int, int]:
        """Finish both files; returns (nodes, edges)."""
        try:
            for gml, js in self._shared.values():
                self._g.write(gml)
                self._nodes.write(("" if not self.nodes else ",\n") + js)
                self.nodes += 1
            self._g.write("  </graph>\n</graphml>\n")
        finally:
            for f in (self._g, self._links, self._nodes):
                f.close()
        _concat(self.node_link, ['{"directed": true, "graph": {}, "edges": [\n', Path(self._tmp.name) / "links",
                                 '\n], "multigraph": true, "nodes": [\n', Path(self._tmp.name) / "nodes", "\n]}\n"])
        self._tmp.cleanup()
        return self.nodes, self.edges


def _concat(target: Path, parts: list) -> None:
    with open(target, "wb") as out:
        for part in parts:
            if isinstance(part, str):
                out.write(part.encode("utf-8"))
            else:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
