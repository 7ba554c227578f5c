"""The forest plot: each treatment's response rate per setting, a point with its 95 % interval, n beside it.

Drawn on the server as SVG, every text escaped; no script. A click on a row follows a link to
``#row-N``, and CSS ``:target`` shows that row's evidence: every finding it counts (with its
sentence and a link to the fact on its paper's page) and the findings it does not count, and why.
"""
from __future__ import annotations

import html
from collections import defaultdict

from ..synthesis.decisions import name_of
from ..synthesis.records import FindingRecord, PaperRecord, SubjectRecord
from ..synthesis.run import SynthesisResult
from ..synthesis.summary import SummaryRow, report_priority, same_patients
from ..synthesis.wilson import percent
from .timeline import OUTCOME_WORDS

SETTING_TITLES = {"steroid_refractory": "Steroid-refractory ICANS", "first_line": "First-line"}
LABEL_W, PLOT_W, TEXT_W, ROW_H, HEAD_H = 330, 420, 230, 26, 34
MAX_EVIDENCE = 200    # findings listed under one row; the rest are counted, not listed


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def row_name(r: SummaryRow) -> str:
    return f"any {r.agents}" if r.level == "class" else r.agents


def _pct(x: float) -> str:
    return percent(x)


def _fit(name: str, chars: int = int((LABEL_W - 24) / 7.4)) -> str:
    """A label that ends before the plot starts (the row's tooltip has it whole)."""
    return name if len(name) <= chars else name[:chars - 1] + "\u2026"


def forest_svg(rows: list[SummaryRow]) -> str:
    """The plot; row i links to ``#row-i``."""
    x0 = LABEL_W
    parts, y = [], 28
    axis_y = 20
    for t in range(0, 101, 25):
        x = x0 + PLOT_W * t / 100
        parts.append(f'<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{{BOTTOM}}" class="grid"/>'
                     f'<text x="{x}" y="{axis_y - 6}" text-anchor="middle" class="tick">{t}%</text>')
    parts.append(f'<text x="{x0 + PLOT_W + 30}" y="{axis_y - 6}" class="tick">responded / treated, rate (95% CI)</text>')
    setting = None
    for i, r in enumerate(rows):
        if r.setting != setting:
            setting = r.setting
            y += 8
            parts.append(f'<text x="6" y="{y + 16}" class="setting">{_esc(SETTING_TITLES.get(setting, setting))}</text>')
            y += HEAD_H - 8
        cy = y + ROW_H / 2
        low, high = r.interval
        radius = min(9.0, 3 + 1.2 * r.treated ** 0.5)
        xs = [round(x0 + PLOT_W * v, 1) for v in (low, r.rate, high)]
        name = row_name(r) + (" (route)" if r.level == "route" else "")
        parts.append(
            f'<a href="#row-{i}" class="row" data-row="{i}"><title>{_esc(name)}: {r.responders} of {r.treated} '
            f'responded, {r.subjects} subjects, {r.papers} papers</title>'
            f'<rect x="0" y="{y}" width="{LABEL_W + PLOT_W + TEXT_W}" height="{ROW_H}" class="band"/>'
            f'<text x="{16 if r.level != "treatment" else 6}" y="{cy + 4}" class="label {r.level}">{_esc(_fit(name))}</text>'
            f'<line x1="{xs[0]}" y1="{cy}" x2="{xs[2]}" y2="{cy}" class="ci"/>'
            f'<rect x="{xs[1] - radius}" y="{cy - radius}" width="{2 * radius}" height="{2 * radius}" class="point {r.level}"/>'
            f'<text x="{x0 + PLOT_W + 12}" y="{cy + 4}" class="n">n={r.treated}</text>'
            f'<text x="{x0 + PLOT_W + 62}" y="{cy + 4}" class="rate">{r.responders}/{r.treated}, {_pct(r.rate)} '
            f'({_pct(low)}-{_pct(high)})</text></a>')
        y += ROW_H
    bottom = y + 6
    body = "".join(parts).replace("{BOTTOM}", str(bottom))
    width = LABEL_W + PLOT_W + TEXT_W
    return (f'<svg class="forest" viewBox="0 0 {width} {bottom}" width="{width}" height="{bottom}" '
            f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="forest plot of response rates">{body}</svg>')


def _why_not(x: FindingRecord, primary: dict[str, str]) -> str:
    if x.counts() is None:
        return "no counts reported"
    if x.subject in primary:
        return f"reported first-hand by {primary[x.subject]}"
    return "same patients as a counted report"


def evidence_sections(result: SynthesisResult, rows: list[SummaryRow]) -> str:
    """One hidden section per row, shown when the row is clicked (``:target``)."""
    findings: dict[str, tuple[PaperRecord, FindingRecord]] = {}
    labels: dict[str, str] = {}
    for p in result.records:
        for s in p.subjects:
            labels[s.iri] = s.label if s.own else f"cited study [{';'.join(map(str, s.source))}]"
        for x in p.findings:
            findings[x.iri] = (p, x)
    primary = {l.a: name_of(l.b) for l in result.links if l.counted and l.kind == "cited_paper"}
    out = []
    for i, r in enumerate(rows):
        counted = set(r.counted)
        listed = [f for f in r.counted] + [f for f in r.supporting if f not in counted]
        body = []
        for iri in listed[:MAX_EVIDENCE]:
            p, x = findings[iri]
            c = x.counts()
            counts = f"{c[0]}/{c[1]}" if c else (f"{x.treated} treated" if x.treated else "")
            status = "counted" if iri in counted else f"not counted: {_why_not(x, primary)}"
            href = f"paper-{p.paper}.html#fact={iri}"
            body.append(f'<tr class="{"counted" if iri in counted else "other"}"><td><a href="{_esc(href)}">{_esc(p.paper)}</a></td>'
                        f"<td>{_esc(labels.get(x.subject, ''))}</td><td>{_esc(x.agents_label or x.route or '')}</td>"
                        f"<td>{_esc(OUTCOME_WORDS.get(x.outcome or '', ''))}</td><td>{_esc(counts)}</td>"
                        f"<td>{_esc(status)}</td><td class=\"s\">{_esc(x.outcome_sentence)}</td></tr>")
        more = len(listed) - MAX_EVIDENCE
        tail = f'<p>{more} more findings; <code>kg explain {_esc(r.iri)}</code> lists them all.</p>' if more > 0 else ""
        low, high = r.interval
        out.append(
            f'<section id="row-{i}" class="ev"><h3>{_esc(row_name(r))}, {_esc(SETTING_TITLES.get(r.setting, r.setting))}: '
            f'{r.responders} of {r.treated} responded ({_pct(r.rate)}, 95% CI {_pct(low)}-{_pct(high)}), '
            f'{r.subjects} subject{"s" if r.subjects != 1 else ""} in {r.papers} paper{"s" if r.papers != 1 else ""}</h3>'
            f'<table><tr><th>paper</th><th>subject</th><th>treatment</th><th>outcome</th><th>responded</th>'
            f'<th>in the sum</th><th>the sentence that reports the outcome</th></tr>{"".join(body)}</table>{tail}</section>')
    return "".join(out)


def forest_page(result: SynthesisResult, nav: str) -> str:
    """forest.html: the plot, and each row's evidence."""
    rows = list(result.rows)
    if rows:
        plot = forest_svg(rows) + evidence_sections(result, rows)
    else:
        plot = "<p>No treatment finding with counts yet.</p>"
    linked = sum(1 for l in result.links if l.counted)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>icans-kg: response rates per treatment</title><style>
body{{font-family:system-ui,sans-serif;margin:0}} header{{padding:.5em 1em;background:#f4f4f4;border-bottom:1px solid #ddd}}
header h1{{font-size:1.15em;margin:0 0 .3em 0}} nav a{{margin-right:1em}} main{{padding:0 1em 2em 1em}}
svg.forest{{max-width:100%;height:auto;display:block;margin:1em 0}} svg.forest text{{font:13px system-ui,sans-serif;fill:#222}}
svg.forest .tick{{fill:#777;font-size:11px}} svg.forest .setting{{font-weight:700;font-size:14px}}
svg.forest .label.class,svg.forest .label.route{{fill:#555;font-style:italic}} svg.forest .grid{{stroke:#eee}}
svg.forest .ci{{stroke:#333;stroke-width:2}} svg.forest .point{{fill:#4e79a7}} svg.forest .point.class{{fill:#9c9c9c}}
svg.forest .point.route{{fill:#b07aa1}} svg.forest .band{{fill:transparent}} svg.forest a:hover .band{{fill:#f3f6fb}}
svg.forest .n{{fill:#555}} .ev{{display:none}} .ev:target{{display:block}}
table{{border-collapse:collapse;font-size:.85em}} td,th{{border-bottom:1px solid #eee;padding:.25em .4em;text-align:left;vertical-align:top}}
tr.other td{{color:#777}} td.s{{max-width:40em}} p.note{{color:#555;max-width:60em}}
</style></head><body><header><h1>Response rates per treatment and setting</h1><nav>{nav}</nav></header><main>
<p class="note">Each patient counted once ({linked} duplicate link{"s" if linked != 1 else ""} applied); a square is the
response rate (its size grows with n), the bar its 95 % Wilson score interval. Italic rows sum a drug class or a route.
Click a row for the findings it adds up.</p>{plot}</main></body></html>
"""


def overview_rows(result: SynthesisResult) -> list[dict]:
    """Per treatment and setting: own patients by outcome, own cohorts, cited studies; patients, not findings.

    Reports linked as the same patients count once; a cited study that is itself in the corpus
    counts with that paper's own patients, not again as a cited study.
    """
    subjects = {s.iri: s for p in result.records for s in p.subjects}
    roots, superseded = same_patients(list(result.links))
    n_findings: dict[str, int] = defaultdict(int)
    for p in result.records:
        for x in p.findings:
            n_findings[x.subject] += 1
    kept: dict[str, SubjectRecord] = {}   # the report that speaks for linked reports of one patient
    for s in subjects.values():
        root = roots.get(s.iri, s.iri)
        if root not in kept or report_priority(s, n_findings[s.iri]) < report_priority(kept[root], n_findings[kept[root].iri]):
            kept[root] = s
    table: dict[tuple[str, str], dict] = defaultdict(lambda: {"patients": defaultdict(set), "cohorts": {}, "cited": {}})
    for p in result.records:
        for x in p.findings:
            s = subjects.get(x.subject)
            if s is None or s.iri in superseded:
                continue
            who = roots.get(s.iri, s.iri)
            if s.own and s.kind == "patient" and kept[who].iri != s.iri:
                continue      # another report of this patient speaks for it
            t = table[(x.agents_label or (f"{x.route} (no drug named)" if x.route else "treatment"), x.setting)]
            if s.own and s.kind == "patient":
                t["patients"][x.outcome or "not reported"].add(who)
            else:
                (t["cohorts"] if s.own else t["cited"]).setdefault(who, x)
    out = []
    for (agents, setting), t in table.items():
        def total(bucket):
            treated = sum(x.treated or 0 for x in bucket.values())
            responders = sum(x.counts()[0] for x in bucket.values() if x.counts())
            return len(bucket), treated, responders
        out.append({"agents": agents, "setting": setting,
                    "patients": {k: len(v) for k, v in t["patients"].items()},
                    "n_patients": len(set().union(*t["patients"].values())) if t["patients"] else 0,
                    "cohorts": total(t["cohorts"]), "cited": total(t["cited"])})
    out.sort(key=lambda r: (list(SETTING_TITLES).index(r["setting"]) if r["setting"] in SETTING_TITLES else 9,
                            -r["n_patients"], -r["cohorts"][1], -r["cited"][1], r["agents"]))
    return out


def overview_page(result: SynthesisResult, nav: str) -> str:
    """corpus.html: what the corpus holds, in patients, own patients apart from cited cohorts."""
    roots, superseded = same_patients(list(result.links))
    own = [s for p in result.records for s in p.subjects if s.own and s.kind == "patient"]
    cohorts = [s for p in result.records for s in p.subjects if s.own and s.kind == "cohort"]
    cited = [s for p in result.records for s in p.subjects if not s.own]
    patients = {roots.get(s.iri, s.iri) for s in own}
    studies = {roots.get(s.iri, s.iri) for s in cited if s.iri not in superseded}
    outcomes = ("improvement", "resolution", "no_response", "death")
    head = ("<tr><th rowspan=2>treatment</th><th colspan=6>the papers' own patients</th><th colspan=3>the papers' own "
            "cohorts</th><th colspan=3>cited studies</th></tr><tr><th>patients</th>"
            + "".join(f"<th>{_esc(OUTCOME_WORDS[o])}</th>" for o in outcomes) + "<th>not reported</th>"
            "<th>cohorts</th><th>treated</th><th>responded</th><th>studies</th><th>treated</th><th>responded</th></tr>")
    body, setting = [], None
    for r in overview_rows(result):
        if r["setting"] != setting:
            setting = r["setting"]
            body.append(f'<tr class="setting"><td colspan=13>{_esc(SETTING_TITLES.get(setting, setting))}</td></tr>')
        cells = [r["n_patients"]] + [r["patients"].get(o, 0) for o in outcomes] + [r["patients"].get("not reported", 0)]
        cells += list(r["cohorts"]) + list(r["cited"])
        body.append(f"<tr><td>{_esc(r['agents'])}</td>" + "".join(f"<td>{c or ''}</td>" for c in cells) + "</tr>")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>icans-kg: corpus overview</title><style>
body{{font-family:system-ui,sans-serif;margin:0}} header{{padding:.5em 1em;background:#f4f4f4;border-bottom:1px solid #ddd}}
header h1{{font-size:1.15em;margin:0 0 .3em 0}} nav a{{margin-right:1em}} main{{padding:0 1em 2em 1em}}
table{{border-collapse:collapse;font-size:.85em}} td,th{{border:1px solid #e4e4e4;padding:.2em .4em;text-align:right}}
td:first-child,th:first-child{{text-align:left}} tr.setting td{{font-weight:700;background:#f7f7f7;text-align:left}}
ul.counts li{{margin:.15em 0}}
</style></head><body><header><h1>Corpus overview: treatments and what followed</h1><nav>{nav}</nav></header><main>
<ul class="counts"><li>{len(result.records)} papers</li>
<li>{len(patients)} patients reported by the papers themselves ({len(own)} reports: a patient told twice counts once)</li>
<li>{len(cohorts)} cohorts of the papers' own ({sum(s.size or 0 for s in cohorts)} patients)</li>
<li>{len(studies)} cited studies that are not in the corpus ({len(cited)} statements about cited studies)</li></ul>
<p>Counts are patients (a cohort's treated and responders as reported), never findings; reports linked as the same
patients count once. A patient with several steps of one treatment counts once per outcome.
<a href="forest.html">The forest plot</a> gives each treatment's response rate.</p>
<table>{head}{"".join(body)}</table></main></body></html>
"""
