"""`kg report`: the treatment summary, duplicate links and ASTCT checks as text a clinician can read.

Everything comes from the competency questions (treatment_summary, duplicate_links,
astct_checks) over the built store, so the report and `kg query` never disagree.
"""
from __future__ import annotations

from pathlib import Path

from ..synthesis.wilson import percent
from .query import load_query, run_query
from .results import Result

SETTING_TITLES = {"steroid_refractory": "Steroid-refractory ICANS (given after corticosteroids failed)",
                  "first_line": "First-line ICANS treatment"}


def _rows(r: Result) -> list[dict]:
    return [dict(zip(r.columns, row)) for row in r.rows]


def _pct(x: str) -> str:
    return percent(float(x))


def _name(row: dict) -> str:
    return f"any {row['agents']}" if row["level"] == "class" else row["agents"]


def _table(rows: list[dict]) -> list[str]:
    head = ("treatment", "papers", "subjects", "responded", "rate", "95% CI")
    body = [(_name(r), r["papers"], r["subjects"], f"{r['responders']}/{r['treated']}", _pct(r["response_rate"]),
             f"{_pct(r['ci_low'])}-{_pct(r['ci_high'])}") for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    right = (False, True, True, True, True, True)

    def line(cells):
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()
    return [line(head), line(["-" * w for w in widths])] + [line(b) for b in body]


def _uncounted(outcomes: list[dict]) -> list[str]:
    """Findings the sums leave out because the paper gives no count of responders."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in outcomes:
        if r["treated"] and not r["responders"] and r["outcome"] in ("improvement", "resolution"):
            groups.setdefault((r["agents"] or r["route"] or "treatment", r["setting"]), []).append(r)
    if not groups:
        return []
    out = ["Reported as a benefit without a count of responders, so not in the sums above:"]
    for (agents, setting), rows in sorted(groups.items()):
        studies = len({(r["paper"], r["source"], r["subject"]) for r in rows})
        patients = sum(int(r["treated"]) for r in rows)
        out.append(f"  {agents} ({setting.replace('_', '-')}): {studies} report{'s' if studies != 1 else ''}, "
                   f"{patients} patients treated")
    return out + [""]


def report(out: Path) -> str:
    """The text of `kg report` for the build under ``out``."""
    summary = _rows(run_query(out, load_query("treatment_summary")))
    links = _rows(run_query(out, load_query("duplicate_links")))
    checks = _rows(run_query(out, load_query("astct_checks")))
    lines = ["Treatment outcomes across the corpus, each patient counted once (95 % Wilson score intervals).",
             "papers: papers reporting it; subjects: patients and cohorts counted; responded: responders/treated.", ""]
    if not summary:
        lines += ["No treatment finding with counts yet.", ""]
    for setting in ("steroid_refractory", "first_line"):
        rows = [r for r in summary if r["setting"] == setting]
        if not rows:
            continue
        rows.sort(key=lambda r: (r["level"] != "treatment", -int(r["treated"]), r["agents"]))
        lines += [SETTING_TITLES[setting]] + _table(rows) + [""]
    lines += _uncounted(_rows(run_query(out, load_query("treatment_outcomes"))))
    counted = [l for l in links if l["status"] != "rejected"]
    lines.append(f"Duplicate reports: {len(links)} link{'s' if len(links) != 1 else ''}"
                 + (f" ({len(links) - len(counted)} rejected by a curator)" if len(counted) != len(links) else "")
                 + (", counted once; review them with `kg links`" if links else ""))
    for l in links:
        other = f"{l['other_paper']} {l['other_subject']}".strip()
        lines += [f"  {l['paper']} {l['subject']} = {other} ({l['kind'].replace('_', ' ')}, {l['status']})",
                  f"    {l['evidence']}"]
    bad = [c for c in checks if c["consistent"] != "true"]
    lines += ["", f"ASTCT check: {len(checks)} reported ICANS grade{'s' if len(checks) != 1 else ''} recomputed "
                  f"from the findings stated beside them, {len(bad)} disagree{'s' if len(bad) == 1 else ''}"]
    for c in bad:
        day = f" day {c['day']}" if c["day"] else ""
        lines.append(f"  {c['paper']} {c['subject']}{day}: reported grade {c['reported_grade']}, the findings give "
                     f"grade {c['recomputed_grade']} ({c['findings']})")
    return "\n".join(lines) + "\n"
