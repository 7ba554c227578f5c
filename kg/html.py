"""Offline HTML views of the graph: an index, the corpus overview, one page per paper.

The pages are self-contained (vis-network from the pyvis package is inlined; no CDN),
use precomputed positions (networkx layout, physics off) and never insert paper text
as HTML: data travels as JSON in a non-executable script tag and is shown with
textContent.
"""
from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from string import Template

import networkx as nx
from pyvis.network import Network

from .projection import NODE_TYPES

_VIS_DIR = "lib/vis-9.1.2"


def _asset(name: str) -> str:
    return (resources.files("pyvis") / _VIS_DIR / name).read_text(encoding="utf-8")


def write_assets(folder: Path) -> None:
    """vis-network from the pyvis package, once beside the pages (local files: no CDN, works offline)."""
    for name in ("vis-network.min.js", "vis-network.css"):
        (folder / name).write_text(_asset(name), encoding="utf-8")


def _layout(g: nx.MultiDiGraph) -> dict:
    if g.number_of_nodes() == 0:
        return {}
    simple = nx.Graph(g)
    if len(simple) > 400:   # force-directed layout is quadratic; big views get an O(n) layout
        pos = nx.shell_layout(simple, nlist=_shells(g))
        return {n: (round(float(x) * 2500, 1), round(float(y) * 2500, 1)) for n, (x, y) in pos.items()}
    pos = nx.spring_layout(simple, seed=7, iterations=60)
    return {n: (round(float(x) * 900, 1), round(float(y) * 900, 1)) for n, (x, y) in pos.items()}


def _shells(g: nx.MultiDiGraph) -> list[list]:
    order = ["drug", "cell therapy", "outcome", "grade", "paper", "cohort", "patient", "citation"]
    shells = [sorted(n for n, d in g.nodes(data=True) if d.get("type") == t) for t in order]
    rest = sorted(n for n, d in g.nodes(data=True) if d.get("type") not in order)
    return [s for s in shells + [rest] if s]


def paper_page(g: nx.MultiDiGraph, pid: str) -> str:
    """The HTML view of one paper (its nodes and what they point to)."""
    nodes = [n for n, d in g.nodes(data=True) if d.get("paper") == pid]
    sub = g.subgraph(set(nodes) | {v for n in nodes for v in g.successors(n)}).copy()
    return render(sub, f"icans-kg: {pid}", NAV)


NAV = [("index.html", "index"), ("corpus.html", "corpus overview")]


def vis_data(g: nx.MultiDiGraph) -> dict:
    """Nodes and edges in vis-network form, built with pyvis, positions fixed."""
    pos = _layout(g)
    net = Network(directed=True)
    for n in sorted(g.nodes):
        d = g.nodes[n]
        x, y = pos.get(n, (0, 0))
        ev = json.loads(d["evidence"]) if d.get("evidence") else None
        net.add_node(n, label=str(d.get("label", n))[:80], title=str(d.get("label", n)), kind=d.get("type", ""),
                     color=NODE_TYPES.get(d.get("type"), "#bab0ac"), x=x, y=y, physics=False, evidence=ev)
    for i, (u, v, d) in enumerate(sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("label", "")))):
        ev = json.loads(d["evidence"]) if d.get("evidence") else None
        net.add_edge(u, v, label=d.get("label", ""), title=d.get("label", ""), evidence=ev, id=f"e{i}")
    return {"nodes": net.nodes, "edges": net.edges}


def render(g: nx.MultiDiGraph, title: str, nav: list[tuple[str, str]]) -> str:
    data = json.dumps(vis_data(g), sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    tpl = Template((resources.files("kg") / "templates" / "graph.html").read_text(encoding="utf-8"))
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(t)}</span>' for t, c in NODE_TYPES.items())
    options = "".join(f'<option value="{html.escape(t)}">{html.escape(t)}</option>' for t in NODE_TYPES)
    links = "".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for href, text in nav)
    return tpl.substitute(TITLE=html.escape(title), HEADING=html.escape(title), NAV=links, LEGEND=legend,
                          TYPE_OPTIONS=options, DATA=data)


def corpus_overview(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Treatments -> outcomes across papers, with counts: readable at thousands of papers."""
    agg = nx.MultiDiGraph()
    counts: dict[tuple[str, str], int] = {}
    for u, v, d in g.edges(data=True):
        if g.nodes[v].get("type") == "outcome":
            agents = d.get("label", "").split(" ")[0]
            counts[(agents, v)] = counts.get((agents, v), 0) + 1
    for (agents, outcome), n in sorted(counts.items()):
        agg.add_node(f"treatment:{agents}", label=agents, type="drug")
        agg.add_node(outcome, label=g.nodes[outcome]["label"], type="outcome")
        agg.add_edge(f"treatment:{agents}", outcome, label=f"{n} finding{'s' if n != 1 else ''}")
    return agg


def write_site(g: nx.MultiDiGraph, papers: list[str], folder: Path, pages_done: bool = False) -> list[Path]:
    """Write index.html, corpus.html, treatment pages and (unless ``pages_done``) one page per paper."""
    folder.mkdir(parents=True, exist_ok=True)
    write_assets(folder)
    nav = NAV
    written = []
    (folder / "corpus.html").write_text(render(corpus_overview(g), "icans-kg: treatments and outcomes", nav),
                                        encoding="utf-8")
    written.append(folder / "corpus.html")
    items = []
    for pid in papers:
        name = f"paper-{pid}.html"
        if not pages_done:
            (folder / name).write_text(paper_page(g, pid), encoding="utf-8")
        written.append(folder / name)
        items.append(f'<li><a href="{html.escape(name, quote=True)}">{html.escape(pid)}</a></li>')
    treatments = []
    agents = sorted((n for n, d in g.nodes(data=True) if d.get("type") in ("drug", "cell therapy")),
                    key=lambda n: g.nodes[n]["label"])
    for n in agents:
        subjects = set(g.predecessors(n))
        keep = {n} | subjects | {p for s in subjects for p in g.predecessors(s)} | \
            {o for s in subjects for o in g.successors(s) if g.nodes[o].get("type") == "outcome"}
        name = f"treatment-{n.split(':', 1)[1]}.html"
        label = g.nodes[n]["label"]
        (folder / name).write_text(render(g.subgraph(keep).copy(), f"icans-kg: {label}", nav), encoding="utf-8")
        written.append(folder / name)
        treatments.append(f'<li><a href="{html.escape(name, quote=True)}">{html.escape(label)}</a></li>')
    index = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>icans-kg</title></head><body>"
             "<h1>icans-kg</h1><p><a href=\"corpus.html\">Corpus overview: treatments and outcomes</a></p>"
             f"<h2>Papers ({len(papers)})</h2><ul>{''.join(items)}</ul>"
             f"<h2>Treatments ({len(treatments)})</h2><ul>{''.join(treatments)}</ul></body></html>\n")
    (folder / "index.html").write_text(index, encoding="utf-8")
    written.append(folder / "index.html")
    return written
