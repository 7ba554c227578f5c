"""A per-patient timeline as SVG: days on x; the product, drugs with doses, grades, outcomes and death.

Drawn on the server (no script needed to read it), every text escaped. Each mark is a
``<g class="mark" data-kind=... data-fact=IRI>`` so the page can show its evidence on a
click and tests can count marks. Labels never overlap: drug labels are packed into as
many rows as they need, and a lane is as tall as its rows.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..graph.rdf import FactIris
from ..ontology import Ontology

if TYPE_CHECKING:   # only reads the records; importing kg.facts would load spaCy
    from ..facts import PaperFacts
    from ..synthesis.records import CheckRecord

ROUTES = {"intrathecal": "IT", "intravenous": "IV", "subcutaneous": "SC", "oral": "PO", "intramuscular": "IM",
          "intraventricular": "ICV"}
OUTCOME_WORDS = {"improvement": "improved", "resolution": "resolved", "no_response": "no response", "death": "died"}
OUTCOME_COLORS = {"improvement": "#59a14f", "resolution": "#2f7d32", "no_response": "#8c8c8c", "death": "#222"}
SYNDROME_COLORS = {"ICANS": "#e15759", "CRS": "#f28e2b"}

CHAR = 6.6          # px per character of the 12 px labels (measured in Chromium, rounded up)
LEFT, WIDTH, UNDATED = 150, 1100, 150   # the last UNDATED px hold what the text does not date
ROW = 18            # height of one row of drug labels
GRADE_BAND = 62     # grades 1-4 drawn as heights in a band of this height, one band per syndrome


@dataclass(frozen=True)
class Mark:
    """One thing drawn on a patient's lane."""

    kind: str        # product | drug | grade | csf | outcome | death
    day: int | None
    label: str
    fact: str        # the IRI of the fact it shows ("" for a death the text does not date)
    color: str = "#555"
    level: int = 0   # grade value (grades)
    flag: str = ""   # an ASTCT disagreement, shown on the grade


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def patient_marks(facts: PaperFacts, onto: Ontology, key: str, checks: dict[str, CheckRecord],
                  iris: FactIris) -> list[Mark]:
    """The marks of one patient, in day order; undated ones last (day None)."""
    marks: list[Mark] = []
    for a in facts.administrations:
        if a.subject != key:
            continue
        t = onto.terms[a.agent]
        if t.category == "cell_therapy":
            marks.append(Mark("product", a.day, f"{t.label} infusion", iris("administration", a), "#b07aa1"))
            continue
        dose = ""
        if a.dose_value is not None:
            high = f"-{_num(a.dose_max)}" if a.dose_max is not None else ""
            dose = f" {_num(a.dose_value)}{high} {a.dose_unit or ''}".rstrip()
        extra = " ".join(x for x in (ROUTES.get(a.route or "", a.route or ""), a.frequency or "") if x)
        marks.append(Mark("drug", a.day, f"{t.label.lower()}{dose}{' ' + extra if extra else ''}",
                          iris("administration", a), "#59a14f"))
    for g in facts.grades:
        if g.subject != key:
            continue
        c = checks.get(iris("grade", g))
        flag = f"ASTCT: the stated findings give grade {c.recomputed}" if c is not None and not c.consistent else ""
        marks.append(Mark("grade", g.day, f"{g.syndrome} {g.grade}", iris("grade", g),
                          SYNDROME_COLORS.get(g.syndrome, "#e15759"), g.grade, flag))
    for c in facts.csf:
        if c.subject == key:
            parts = [f"OP {_num(c.opening_pressure)}" if c.opening_pressure is not None else "",
                     f"{_num(c.lymphocytes)} lymph" if c.lymphocytes is not None else ""]
            marks.append(Mark("csf", c.day, "LP: " + ", ".join(p for p in parts if p), iris("csf", c), "#4e79a7"))
    seen = set()
    for o in facts.outcomes:
        if o.subject != key or (o.syndrome, o.outcome, o.day) in seen:
            continue
        seen.add((o.syndrome, o.outcome, o.day))
        kind = "death" if o.outcome == "death" else "outcome"
        label = "died" if kind == "death" else f"{o.syndrome} {OUTCOME_WORDS.get(o.outcome, o.outcome)}"
        marks.append(Mark(kind, o.day, label, iris("outcome", o), OUTCOME_COLORS.get(o.outcome, "#555")))
    subject = next(s for s in facts.subjects if s.key == key)
    if subject.died and not any(m.kind == "death" for m in marks):
        marks.append(Mark("death", None, "died (day not stated)", iris("subject", subject), OUTCOME_COLORS["death"]))
    order = ("product", "drug", "grade", "csf", "outcome", "death")
    return sorted(marks, key=lambda m: (m.day is None, m.day or 0, order.index(m.kind), m.label))


def _pack(items: list[tuple[float, float]]) -> list[int]:
    """The row of each (start, end) interval so that intervals in a row do not overlap (greedy, in order)."""
    ends: list[float] = []
    rows = []
    for start, end in items:
        for r, e in enumerate(ends):
            if start > e + 6:
                ends[r] = end
                rows.append(r)
                break
        else:
            ends.append(end)
            rows.append(len(ends) - 1)
    return rows


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def timeline_svg(facts: PaperFacts, onto: Ontology, checks: tuple[CheckRecord, ...] = (),
                 iris: FactIris | None = None) -> tuple[str, list[Mark]]:
    """The SVG of every own patient's course, and the marks drawn ("" and [] when no patient has a dated event)."""
    by_grade = {c.grade: c for c in checks}
    iris = iris or FactIris(facts.paper_id)
    lanes = [(s, patient_marks(facts, onto, s.key, by_grade, iris)) for s in facts.subjects
             if s.kind == "patient" and not s.source]
    lanes = [(s, ms) for s, ms in lanes if any(m.day is not None for m in ms)]
    if not lanes:
        return "", []
    days = [m.day for _, ms in lanes for m in ms if m.day is not None] + [0]
    lo, hi = min(days), max(days)
    span = max(hi - lo, 1)
    undated_x = WIDTH - UNDATED + 6      # undated marks go to a column after the axis
    plot = WIDTH - UNDATED - LEFT - 170  # room after the last day for its labels

    def x(day: int | None) -> float:
        return round(LEFT + (day - lo) * plot / span, 1) if day is not None else undated_x

    parts, drawn, y = [], [], 34
    step = 1 if span <= 20 else 2 if span <= 40 else 5 if span <= 100 else 10
    axis = [f'<line x1="{LEFT}" y1="24" x2="{LEFT + plot}" y2="24" stroke="#999"/>']
    for d in range(lo - lo % step, hi + 1, step):
        if d >= lo:
            axis.append(f'<line x1="{x(d)}" y1="20" x2="{x(d)}" y2="28" stroke="#999"/>'
                        f'<text x="{x(d)}" y="14" text-anchor="middle" class="tick">{d}</text>')
    axis.append(f'<text x="{LEFT - 10}" y="14" text-anchor="end" class="tick">day</text>'
                f'<text x="{undated_x}" y="14" class="tick">day not stated</text>')
    for subject, ms in lanes:
        top = y
        details = ", ".join(v for v in (f"{subject.age} y" if subject.age is not None else "", subject.sex or "") if v)
        parts.append(f'<text x="8" y="{top + 16}" class="lane">{_esc(subject.label)}</text>'
                     f'<text x="8" y="{top + 32}" class="tick">{_esc(details)}</text>')
        # row band 1: product and drugs, labels packed into rows
        tops = [m for m in ms if m.kind in ("product", "drug")]
        rows = _pack([(x(m.day), x(m.day) + 10 + len(m.label) * CHAR) for m in tops])
        for m, r in zip(tops, rows):
            cy = top + 12 + r * ROW
            shape = (f'<path d="M{x(m.day)} {cy - 6} l6 6 l-6 6 l-6 -6 z" fill="{m.color}"/>' if m.kind == "product"
                     else f'<rect x="{x(m.day) - 4}" y="{cy - 4}" width="8" height="8" rx="2" fill="{m.color}"/>')
            parts.append(_mark(m, shape + f'<text x="{x(m.day) + 9}" y="{cy + 4}">{_esc(m.label)}</text>'))
            drawn.append(m)
        band = top + 12 + (max(rows) + 1 if rows else 1) * ROW
        # row bands 2 and 3: ICANS and CRS grades as heights (the number in the dot), a line through the course
        for syndrome in ("ICANS", "CRS"):
            pts = [m for m in ms if m.kind == "grade" and m.label.startswith(syndrome)]
            if not pts:
                continue
            base = band + GRADE_BAND - 8
            parts.append(f'<text x="{LEFT - 10}" y="{base - 18}" text-anchor="end" class="tick">{syndrome} grade</text>')
            dated = [m for m in pts if m.day is not None]
            if len(dated) > 1:
                path = " ".join(f"{x(m.day)},{base - m.level * 12}" for m in dated)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{SYNDROME_COLORS[syndrome]}" '
                             f'stroke-width="1.5" opacity="0.6"/>')
            for m in pts:
                cy = base - m.level * 12
                ring = ' stroke="#000" stroke-width="2.5"' if m.flag else ""
                body = (f'<circle cx="{x(m.day)}" cy="{cy}" r="8" fill="{m.color}"{ring}/>'
                        f'<text x="{x(m.day)}" y="{cy + 4}" text-anchor="middle" class="level">{m.level}</text>')
                if m.flag:
                    body += f'<text x="{x(m.day) + 11}" y="{cy - 6}" class="flag">!</text>'
                parts.append(_mark(m, body, m.flag))
                drawn.append(m)
            band += GRADE_BAND
        base = band
        # row band 3: lumbar punctures, outcomes and death
        bottoms = [m for m in ms if m.kind in ("csf", "outcome", "death")]
        rows = _pack([(x(m.day) - 6, x(m.day) + 10 + len(m.label) * CHAR) for m in bottoms])
        for m, r in zip(bottoms, rows):
            cy = base + 12 + r * ROW
            if m.kind == "death":
                shape = (f'<path d="M{x(m.day)} {cy - 7} v14 M{x(m.day) - 5} {cy - 3} h10" stroke="{m.color}" '
                         f'stroke-width="2.5"/>')
            elif m.kind == "csf":
                shape = f'<rect x="{x(m.day) - 4}" y="{cy - 4}" width="8" height="8" fill="none" stroke="{m.color}" stroke-width="2"/>'
            else:
                shape = f'<path d="M{x(m.day) - 6} {cy + 5} L{x(m.day)} {cy - 6} L{x(m.day) + 6} {cy + 5} z" fill="{m.color}"/>'
            parts.append(_mark(m, shape + f'<text x="{x(m.day) + 9}" y="{cy + 4}">{_esc(m.label)}</text>'))
            drawn.append(m)
        y = base + 12 + (max(rows) + 1 if rows else 1) * ROW + 10
        parts.append(f'<line x1="0" y1="{y - 4}" x2="{WIDTH}" y2="{y - 4}" stroke="#eee"/>')
        parts.insert(0, f'<line x1="{x(0)}" y1="{top}" x2="{x(0)}" y2="{y - 4}" stroke="#b07aa1" '
                        f'stroke-dasharray="2 3"/>')
    svg = (f'<svg class="timeline" viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" '
           f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="patient timelines">'
           + "".join(axis) + "".join(parts) + "</svg>")
    return svg, drawn


def _mark(m: Mark, body: str, flag: str = "") -> str:
    tip = m.label + (f" (day {m.day})" if m.day is not None else " (day not stated)") + (f". {flag}" if flag else "")
    return (f'<g class="mark{" flagged" if flag else ""}" data-kind="{m.kind}" data-fact="{_esc(m.fact)}">'
            f'<title>{_esc(tip)}</title>{body}</g>')
