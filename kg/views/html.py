"""Offline HTML views of the graph: an index, the corpus overview, the forest plot, one page per treatment.

The pages are self-contained (vis-network from the pyvis package is inlined; no CDN),
use precomputed positions (networkx layout, physics off) and never insert paper text
as HTML: data travels as JSON in a non-executable script tag and is shown with
textContent.
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

import networkx as nx
from pyvis.network import Network

from ..synthesis.run import SynthesisResult
from .forest import forest_page, overview_page
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


NAV = [("index.html", "index"), ("corpus.html", "corpus overview"), ("forest.html", "forest plot")]


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


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((resources.files("kg.views") / "templates" / "graph.html").read_text(encoding="utf-8"))


def render(g: nx.MultiDiGraph, title: str, nav: list[tuple[str, str]], extra: str = "") -> str:
    """A graph page; ``extra`` is trusted, already escaped HTML shown under the evidence panel."""
    data = json.dumps(vis_data(g), sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    tpl = _template()
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(t)}</span>' for t, c in NODE_TYPES.items())
    options = "".join(f'<option value="{html.escape(t)}">{html.escape(t)}</option>' for t in NODE_TYPES)
    links = "".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for href, text in nav)
    return tpl.substitute(TITLE=html.escape(title), HEADING=html.escape(title), NAV=links, LEGEND=legend,
                          TYPE_OPTIONS=options, DATA=data, EXTRA=extra)


MAX_DETAIL = 400   # nodes; a bigger treatment view is drawn as an aggregate plus a table
TOP_PAPERS = 150   # paper nodes drawn in an aggregate treatment view


def _items(g: nx.MultiDiGraph, nodes: set) -> dict:
    # in g's own order: a subgraph view iterates a small node set in set order, which follows
    # PYTHONHASHSEED, and the order decides the layout of the treatment pages (issue #14)
    return {"nodes": [[n, d] for n, d in g.nodes(data=True) if n in nodes],
            "edges": [[u, v, k, d] for u, v, k, d in g.edges(keys=True, data=True) if u in nodes and v in nodes]}


def paper_summary(g: nx.MultiDiGraph, pid: str) -> dict:
    """What the corpus views need from one paper's projection (computed in the build's workers)."""
    title = str(g.nodes[f"paper:{pid}"].get("label", pid)) if f"paper:{pid}" in g else pid
    treatments = {}
    for n, d in g.nodes(data=True):
        if d.get("type") not in ("drug", "cell therapy"):
            continue
        subjects = sorted(set(g.predecessors(n)))
        papers = {p for s in subjects for p in g.predecessors(s)}
        outcomes = [o for s in subjects for o in g.successors(s) if g.nodes[o].get("type") == "outcome"]
        tally: dict[str, list] = {}
        for o in outcomes:
            tally.setdefault(o, [g.nodes[o], 0])[1] += 1
        treatments[n] = {"attrs": dict(d), "subjects": len(subjects), "outcomes": tally,
                         "detail": _items(g, {n} | set(subjects) | papers | set(outcomes))}
    return {"title": title, "treatments": treatments}


class _Treatment:
    """What the page of one agent needs, gathered paper by paper in bounded memory."""

    def __init__(self, node: str, attrs: dict):
        self.node, self.attrs = node, attrs
        self.detail: nx.MultiDiGraph | None = nx.MultiDiGraph()
        self.outcomes: dict[str, list] = {}        # outcome node -> [attrs, subjects]
        self.rows: list[tuple[str, str, int, str]] = []   # paper id, title, subjects, outcomes

    def add(self, pid: str, title: str, t: dict) -> None:
        for o, (attrs, n) in t["outcomes"].items():
            self.outcomes.setdefault(o, [attrs, 0])[1] += n
        outs = ", ".join(f"{attrs['label']} {n}" for attrs, n in sorted(t["outcomes"].values(), key=lambda x: x[0]["label"]))
        self.rows.append((pid, title, t["subjects"], outs))
        if self.detail is not None:
            self.detail.add_nodes_from((n, d) for n, d in t["detail"]["nodes"])
            self.detail.add_edges_from((u, v, k, d) for u, v, k, d in t["detail"]["edges"])
            if self.detail.number_of_nodes() > MAX_DETAIL:
                self.detail = None

    def graph(self) -> nx.MultiDiGraph:
        if self.detail is not None:
            return self.detail
        agg = nx.MultiDiGraph()
        agg.add_node(self.node, **self.attrs)
        for o, (attrs, n) in sorted(self.outcomes.items()):
            agg.add_node(o, **attrs)
            agg.add_edge(self.node, o, label=f"{n} subject{'s' if n != 1 else ''}")
        for pid, title, n, _ in sorted(self.rows, key=lambda r: (-r[2], r[0]))[:TOP_PAPERS]:
            agg.add_node(f"paper:{pid}", label=title, type="paper", paper=pid)
            agg.add_edge(f"paper:{pid}", self.node, label=f"{n} treated")
        return agg

    def table(self) -> str:
        body = "".join(f'<tr><td><a href="{html.escape(f"paper-{pid}.html", quote=True)}">{html.escape(pid)}</a></td>'
                       f"<td>{html.escape(title)}</td><td>{n}</td><td>{html.escape(outs)}</td></tr>"
                       for pid, title, n, outs in self.rows)
        return (f"<h2>Papers ({len(self.rows)})</h2><table><tr><th>paper</th><th>title</th><th>subjects</th>"
                f"<th>outcomes</th></tr>{body}</table>")


class SiteBuilder:
    """index.html, corpus.html, forest.html and one page per treatment.

    Paper pages are written by the build's workers. The corpus overview and the forest plot
    come from the synthesis (patients counted once); a treatment view shows every patient up
    to MAX_DETAIL nodes and an aggregate beyond, always with a table of its papers: every page
    stays readable and the memory used does not grow with the number of papers.
    """

    def __init__(self):
        self.treatments: dict[str, _Treatment] = {}
        self.papers: list[tuple[str, str]] = []   # (id, title)

    def add(self, pid: str, summary: dict) -> None:
        self.papers.append((pid, summary["title"]))
        for n, t in summary["treatments"].items():
            self.treatments.setdefault(n, _Treatment(n, t["attrs"])).add(pid, summary["title"], t)

    def write(self, folder: Path, synthesis: SynthesisResult) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        write_assets(folder)
        nav = "".join(f'<a href="{html.escape(h, quote=True)}">{html.escape(t)}</a>' for h, t in NAV)
        written = [folder / "corpus.html", folder / "forest.html"]
        written[0].write_text(overview_page(synthesis, nav), encoding="utf-8")
        written[1].write_text(forest_page(synthesis, nav), encoding="utf-8")
        links = []
        for n, t in sorted(self.treatments.items(), key=lambda kv: (kv[1].attrs["label"], kv[0])):
            name = f"treatment-{n.split(':', 1)[1]}.html"
            label = t.attrs["label"]
            (folder / name).write_text(render(t.graph(), f"icans-kg: {label}", NAV, t.table()), encoding="utf-8")
            written.append(folder / name)
            links.append(f'<li><a href="{html.escape(name, quote=True)}">{html.escape(label)}</a></li>')
        items = "".join(f'<li><a href="{html.escape(f"paper-{pid}.html", quote=True)}">{html.escape(title)}</a> '
                        f'<small>{html.escape(pid)}</small></li>' for pid, title in self.papers)
        index = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>icans-kg</title></head><body>"
                 "<h1>icans-kg</h1><p><a href=\"forest.html\">Response rates per treatment (forest plot)</a> \u00b7 "
                 "<a href=\"corpus.html\">Corpus overview: treatments and what followed</a></p>"
                 f"<h2>Papers ({len(self.papers)})</h2><ul>{items}</ul>"
                 f"<h2>Treatments ({len(links)})</h2><ul>{''.join(links)}</ul></body></html>\n")
        (folder / "index.html").write_text(index, encoding="utf-8")
        written.append(folder / "index.html")
        return written
