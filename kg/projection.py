"""A networkx projection of the facts: papers, subjects, agents, grades, outcomes, citations.

Used for the HTML views and exported as GraphML (Cytoscape/Gephi) and node-link JSON.
"""
from __future__ import annotations

import json

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


def to_graphml(g: nx.MultiDiGraph) -> bytes:
    return "\n".join(nx.generate_graphml(g)).encode("utf-8") + b"\n"


def to_json(g: nx.MultiDiGraph) -> bytes:
    data = nx.node_link_data(g, edges="links")
    return (json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
