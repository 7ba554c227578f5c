"""The page of one paper: its patients' timelines and a graph a reader can follow, every fact with its evidence.

The graph is drawn in columns: the paper, its subjects (patients, cohorts, cited studies),
and each subject's own facts in day order: what was given (dose, route, day), each grade
assessment, lumbar punctures, and each treatment step with what followed. Every node is a
fact and its id is the fact's IRI, so ``paper-ID.html#fact=IRI`` opens it. Positions are
computed here with room for every label, so nothing overlaps; edges carry no text (their
evidence shows on a click). Paper text reaches the page only as JSON read with textContent
or as escaped SVG text.
"""
from __future__ import annotations

import html
import json
import textwrap
from functools import lru_cache
from importlib import resources
from string import Template
from typing import TYPE_CHECKING

from ..graph.iris import paper_iri
from ..graph.rdf import FactIris
from ..ontology import Ontology
from .projection import NODE_TYPES, display_title
from .timeline import OUTCOME_WORDS, ROUTES, timeline_svg

if TYPE_CHECKING:   # only reads the records; importing kg.facts would load spaCy
    from ..facts import Evidence, PaperFacts
    from ..synthesis.records import CheckRecord

# column x and node width (px); a node's height follows its wrapped label
COLUMNS = {"paper": (0, 240), "subject": (330, 210), "item": (650, 330)}
CHARS = {k: int((w - 16) / 7.9) for k, (_, w) in COLUMNS.items()}   # 13 px labels, wide letters allowed for
LINE, PAD, GAP, BLOCK_GAP = 17, 14, 12, 28

NAV = [("index.html", "index"), ("corpus.html", "corpus overview"), ("forest.html", "forest plot")]


def _ev(ev: Evidence, paper: str, role: str = "") -> dict:
    return {"paper": paper, "start": ev.start, "end": ev.end, "quote": ev.quote, "sentence": ev.sentence,
            "sent_start": ev.sent_start, "role": role}


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _lines(label: str, chars: int) -> list[str]:
    out = []
    for part in label.split("\n"):
        out += textwrap.wrap(part, chars, break_long_words=True, break_on_hyphens=False) or [""]
    return out


class _Page:
    def __init__(self, facts: PaperFacts, onto: Ontology, checks: tuple[CheckRecord, ...], iris: FactIris):
        self.f, self.onto, self.iris = facts, onto, iris
        self.checks = {c.grade: c for c in checks}
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.facts: dict[str, dict] = {}   # fact IRI -> what the evidence panel shows

    def label(self, agents) -> str:
        return "+".join(sorted(self.onto.terms[a].label.lower() for a in agents))

    def node(self, iri: str, column: str, kind: str, label: str, evidence: list[dict], flag: str = "") -> dict:
        lines = _lines(label, CHARS[column])
        n = {"id": iri, "label": "\n".join(lines), "kind": kind, "column": column, "lines": len(lines),
             "color": NODE_TYPES.get(kind, "#bab0ac"), "title": label.replace("\n", ", "), "flag": flag}
        self.nodes.append(n)
        self.facts[iri] = {"label": n["title"] + (f" ({flag})" if flag else ""), "evidence": evidence}
        return n

    def edge(self, u: str, v: str, title: str, evidence: list[dict]) -> None:
        self.edges.append({"id": f"{u} -> {v}", "from": u, "to": v, "title": title, "evidence": evidence})

    def build(self) -> None:
        f, pid = self.f, self.f.paper_id
        p = paper_iri(pid)
        self.node(p, "paper", "paper", display_title(f.meta, pid), [])
        refs = {int(r["n"]): r for r in f.meta.get("references") or [] if r.get("n") is not None}
        for s in f.subjects:
            si = self.iris("subject", s)
            ev = [_ev(s.evidence, pid)]
            if s.source:
                src = ";".join(map(str, s.source))
                size = f", {s.size} patients" if s.size else ""
                self.node(si, "subject", "cohort", f"cited study [{src}]{size}", ev)
            else:
                bits = [s.label if s.kind == "patient" else f"cohort{f' of {s.size}' if s.size else ''}"]
                if s.age is not None or s.sex:
                    bits.append(", ".join(x for x in (f"{s.age} y" if s.age is not None else "", s.sex or "") if x))
                for t in (s.diagnosis, s.cell_therapy):
                    if t:
                        bits.append(self.onto.terms[t].label)
                if s.died:
                    bits.append("died")
                self.node(si, "subject", "patient" if s.kind == "patient" else "cohort", "\n".join(bits), ev)
            self.edge(p, si, "reports", ev)
            for item in self.items(s):
                self.edge(si, item["id"], item["title"], self.facts[item["id"]]["evidence"][-1:])
            for n in s.source:
                ri = f"{p}/ref/{n}"
                title = refs.get(n, {}).get("title") or ""
                self.node(ri, "item", "citation", f"reference {n}" + (f": {title}" if title else ""), ev)
                self.edge(si, ri, "cited from", ev)

    def items(self, s) -> list[dict]:
        """The subject's facts as nodes, in day order (undated last)."""
        f, pid, out = self.f, self.f.paper_id, []
        rows = []
        for a in f.administrations:
            if a.subject != s.key:
                continue
            t = self.onto.terms[a.agent]
            dose = f" {_num(a.dose_value)}{'-' + _num(a.dose_max) if a.dose_max is not None else ''} {a.dose_unit or ''}" \
                if a.dose_value is not None else ""
            extra = " ".join(x for x in (ROUTES.get(a.route or "", a.route or ""), a.frequency or "", a.duration or "") if x)
            text = f"{t.label}{dose.rstrip()}{' ' + extra if extra else ''}"
            kind = "cell therapy" if t.category == "cell_therapy" else "drug class" if t.category == "drug_class" else "drug"
            rows.append((a.day, 0, a.evidence.start, self.iris("administration", a), kind, text, [_ev(a.evidence, pid)], ""))
        for g in f.grades:
            if g.subject != s.key:
                continue
            c = self.checks.get(self.iris("grade", g))
            flag = f"ASTCT: the stated findings give grade {c.recomputed}" if c is not None and not c.consistent else ""
            ev = [_ev(g.evidence, pid)]
            if c is not None:
                ev.append({"paper": pid, "start": c.start, "end": c.end, "quote": c.quote, "sentence": c.sentence,
                           "sent_start": c.sent_start, "role": "ASTCT findings: " + "; ".join(
                               f"{d} -> grade {gr}" for d, gr, _ in c.findings)})
            rows.append((g.day, 1, g.evidence.start, self.iris("grade", g), "grade",
                         f"{g.syndrome} grade {g.grade}" + (f" ({flag})" if flag else ""), ev, flag))
        for c in f.csf:
            if c.subject != s.key:
                continue
            vals = [f"opening pressure {_num(c.opening_pressure)} cm H2O" if c.opening_pressure is not None else "",
                    f"{_num(c.lymphocytes)} lymphocytes" if c.lymphocytes is not None else ""]
            rows.append((c.day, 2, c.evidence.start, self.iris("csf", c), "csf",
                         "lumbar puncture: " + ", ".join(v for v in vals if v), [_ev(c.evidence, pid)], ""))
        for x in f.findings:
            if x.subject != s.key:
                continue
            agents = self.label(x.agents) or (f"{x.route} treatment" if x.route else "treatment")
            route = f" {ROUTES.get(x.route, x.route)}" if x.route and x.agents else ""
            setting = "steroid-refractory" if x.refractory else "first-line"
            what = OUTCOME_WORDS.get(x.outcome or "", "outcome not reported")
            if x.treated and x.treated > 1 or s.kind == "cohort":
                counts = f"{x.responders} of {x.treated} responded" if x.treated and x.responders is not None else \
                    f"{x.treated} treated" if x.treated else ""
                what = f"{what}{': ' + counts if counts else ''}"
            ev = [_ev(x.evidence, pid, "treatment")]
            if x.outcome_evidence is not None and x.outcome_evidence != x.evidence:
                ev.append(_ev(x.outcome_evidence, pid, "outcome"))
            day = x.response_day if x.response_day is not None else x.start_day
            when = f" \u00b7 response on day {x.response_day}" if x.response_day is not None else \
                f" \u00b7 given on day {x.start_day}" if x.start_day is not None else ""
            rows.append((day, 3, x.evidence.start, self.iris("finding", x), "outcome",
                         f"{agents}{route} ({setting}) \u2192 {what}{when}", ev, ""))
        for o in f.outcomes:   # facts the timeline shows: the panel needs their evidence too
            if o.subject == s.key:
                self.facts[self.iris("outcome", o)] = {
                    "label": f"{o.syndrome} {OUTCOME_WORDS.get(o.outcome, o.outcome)}", "evidence": [_ev(o.evidence, pid)]}
        rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1], r[2]))
        for day, order, _, iri, kind, text, ev, flag in rows:
            dated = f" \u00b7 day {day}" if day is not None and order != 3 else ""   # a step says its own days
            out.append(self.node(iri, "item", kind, text + dated, ev, flag))
        return out

    def layout(self) -> None:
        """Columns; blocks of a subject's items stacked with room for every wrapped label."""
        by_id = {n["id"]: n for n in self.nodes}
        children: dict[str, list[str]] = {}
        for e in self.edges:
            if by_id[e["to"]]["column"] == "item":
                children.setdefault(e["from"], []).append(e["to"])
        y = 0.0
        subject_ys = []
        for n in self.nodes:
            if n["column"] != "subject":
                continue
            kids = children.get(n["id"], [])
            top = y
            for k in kids:
                h = _height(by_id[k])
                by_id[k]["y"] = y + h / 2
                y += h + GAP
            own = _height(n)
            block = max(y - GAP - top, own)
            n["y"] = top + block / 2
            y = top + max(block, own) + BLOCK_GAP
            subject_ys.append(n["y"])
        for n in self.nodes:
            x, w = COLUMNS[n["column"]]
            n["x"] = x + w / 2
            if n["column"] == "paper":
                n["y"] = (min(subject_ys) + max(subject_ys)) / 2 if subject_ys else 0
            n["width"] = w
            n["y"] = round(n.get("y", 0.0), 1)


def _height(n: dict) -> float:
    return n["lines"] * LINE + PAD


def page_data(facts: PaperFacts, onto: Ontology, checks: tuple[CheckRecord, ...] = (),
              iris: FactIris | None = None) -> dict:
    """Nodes (ids are fact IRIs, positions fixed), edges and each fact's evidence, for the page's script."""
    page = _Page(facts, onto, checks, iris or FactIris(facts.paper_id))
    page.build()
    page.layout()
    nodes = [{"id": n["id"], "label": n["label"], "title": n["title"], "kind": n["kind"], "x": n["x"], "y": n["y"],
              "color": n["color"], "width": n["width"], "flag": n["flag"]} for n in page.nodes]
    return {"nodes": nodes, "edges": page.edges, "facts": page.facts}


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((resources.files("kg.views") / "templates" / "paper.html").read_text(encoding="utf-8"))


def paper_page(facts: PaperFacts, onto: Ontology, checks: tuple[CheckRecord, ...] = (),
               iris: FactIris | None = None) -> str:
    """The HTML page of one paper: timeline, graph and evidence panel; ``iris`` names facts as its graph does."""
    iris = iris or FactIris(facts.paper_id)
    data = page_data(facts, onto, checks, iris)
    svg, marks = timeline_svg(facts, onto, checks, iris)
    meta = facts.meta
    bits = [facts.paper_id] + [str(meta[k]) for k in ("year", "journal") if meta.get(k)] + \
        ([f"PMID {meta['pmid']}"] if meta.get("pmid") else []) + ([f"doi:{meta['doi']}"] if meta.get("doi") else [])
    title = display_title(meta, facts.paper_id)
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(t)}</span>' for t, c in NODE_TYPES.items())
    options = "".join(f'<option value="{html.escape(t)}">{html.escape(t)}</option>' for t in NODE_TYPES)
    links = "".join(f'<a href="{html.escape(h, quote=True)}">{html.escape(t)}</a>' for h, t in NAV)
    timeline = svg or '<p class="none">No patient of this paper has a dated event.</p>'
    return _template().substitute(
        TITLE=html.escape(f"icans-kg: {title}"), HEADING=html.escape(title), META=html.escape(" \u00b7 ".join(bits)),
        NAV=links, LEGEND=legend, TYPE_OPTIONS=options, TIMELINE=timeline, MARKS=str(len(marks)),
        DATA=json.dumps(data, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c"))
