"""Treatment summaries: per treatment (and drug class, and route) and setting, each patient counted once.

A row adds up the findings with counts (``FindingRecord.counts``) of every paper. Reports
linked as the same patients (duplicates.py; a curator's rejection unlinks them) count once:
the report kept is the paper's own over a cited one, then the one with more findings and details. A
cited study that is itself in the corpus is counted through that paper's own patients. A
subject with several steps in one row (a class row, a dose change) counts once, as a
responder when any of those steps was followed by a response.

Rows: the exact combination of agents (``hydrocortisone+methotrexate``); every drug class
above them in the ontology (``interleukin-1 receptor antagonist`` sums anakinra and any
other member: "any IL-1 blockade"); a CNS-directed route (``intrathecal (any agent)``). A class or
route row that counts exactly the findings of a more specific row is left out.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

from ..graph.iris import ID
from ..ontology import Ontology
from .duplicates import Link
from .records import FindingRecord, PaperRecord, SubjectRecord
from .wilson import fraction3, wilson

LEVELS = ("treatment", "class", "route")
# routes that make a treatment of their own ("any intrathecal regimen"); "any intravenous drug" is no question
ROUTE_ROWS = ("intrathecal", "intraventricular")
SETTINGS = ("steroid_refractory", "first_line")


@dataclass(frozen=True)
class SummaryRow:
    """One treatment in one setting across the corpus."""

    agents: str
    setting: str
    level: str                       # treatment | class | route
    papers: int                      # distinct papers with a finding in this row (its evidence count)
    subjects: int                    # distinct patients or cohorts counted (linked duplicates once)
    treated: int
    responders: int
    counted: tuple[str, ...]         # IRIs of the findings added up
    supporting: tuple[str, ...]      # IRIs of every finding of the row (duplicates, findings without counts)
    term: str = ""                   # the class's ontology term id (class rows)

    @property
    def rate(self) -> float:
        return self.responders / self.treated

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.responders, self.treated)

    def fractions(self) -> tuple[str, str, str]:
        """response_rate, ci_low, ci_high with three decimals."""
        low, high = self.interval
        return fraction3(self.rate), fraction3(low), fraction3(high)

    @property
    def iri(self) -> str:
        return f"{ID}summary/{quote(self.setting, safe='')}/{quote(self.agents, safe='')}"


class _Clusters:
    """Union-find over the subjects linked as the same patients."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def same_patients(links: list[Link]) -> tuple[dict[str, str], set[str]]:
    """(subject IRI -> the IRI standing for its linked reports, cited subjects reported first-hand in the corpus).

    Subjects that are not in the first mapping stand for themselves.
    """
    clusters = _Clusters()
    superseded = set()
    for link in links:
        if not link.counted:
            continue
        if link.kind == "cited_paper":
            superseded.add(link.a)
        else:
            clusters.union(link.a, link.b)
    return {x: clusters.find(x) for x in list(clusters.parent)}, superseded


def report_priority(s: SubjectRecord, n_findings: int) -> tuple:
    """Which of linked reports counts (the smallest): the paper's own first, then the most detailed."""
    return (not s.own, -(n_findings + len(s.tokens)), s.iri)


def _row_keys(x: FindingRecord, onto: Ontology) -> list[tuple[str, str, str]]:
    """(agents, level, class term) of every row a finding belongs to."""
    keys = []
    terms = [onto.terms[a] for a in x.agents if a in onto.terms]
    if terms and not (len(terms) == 1 and terms[0].category == "drug_class"):
        keys.append((x.agents_label, "treatment", ""))
    classes = {c for t in terms for c in onto.ancestors(t.id)
               if c in onto.terms and onto.terms[c].category == "drug_class"}
    for c in sorted(classes):
        keys.append((onto.terms[c].label.lower(), "class", c))
    if x.route in ROUTE_ROWS:
        keys.append((f"{x.route} (any agent)", "route", ""))
    return keys


def summarize(papers: list[PaperRecord], links: list[Link], onto: Ontology) -> list[SummaryRow]:
    """The summary rows of ``papers`` with ``links`` applied, sorted by setting, level, agents."""
    subjects: dict[str, SubjectRecord] = {s.iri: s for p in papers for s in p.subjects}
    n_findings: dict[str, int] = defaultdict(int)
    for p in papers:
        for x in p.findings:
            n_findings[x.subject] += 1
    roots, superseded = same_patients(links)
    priorities: dict[str, tuple] = {}

    def priority(iri: str) -> tuple:
        if iri not in priorities:
            priorities[iri] = report_priority(subjects[iri], n_findings[iri])
        return priorities[iri]

    keys_of: dict[tuple, list] = {}     # the rows of a treatment depend only on its agents and route
    rows: dict[tuple[str, str], dict] = {}
    for p in papers:
        for x in p.findings:
            if x.subject not in subjects:
                continue
            k = (x.agents, x.agents_label, x.route)
            if k not in keys_of:
                keys_of[k] = _row_keys(x, onto)
            c = None if x.subject in superseded else x.counts()
            for agents, level, term in keys_of[k]:
                row = rows.get((x.setting, agents))
                if row is None:
                    row = rows[(x.setting, agents)] = {"level": level, "term": term, "all": [], "papers": set(),
                                                       "clusters": {}}
                row["all"].append(x.iri)
                row["papers"].add(p.paper)
                if c is not None:
                    row["clusters"].setdefault(roots.get(x.subject, x.subject), {}).setdefault(
                        x.subject, []).append((x.iri, c))
    out = []
    for (setting, agents), row in rows.items():
        treated = responders = 0
        counted = []
        for members in row["clusters"].values():
            kept = next(iter(members)) if len(members) == 1 else min(members, key=priority)
            found = members[kept]
            responders += max(c[0] for _, c in found)
            treated += max(c[1] for _, c in found)
            counted += [iri for iri, _ in found]
        if treated:
            out.append(SummaryRow(agents, setting, row["level"], len(row["papers"]), len(row["clusters"]), treated,
                                  responders, tuple(sorted(counted)), tuple(sorted(row["all"])), row["term"]))
    return _without_repeats(out, onto)


def _depth(row: SummaryRow, onto: Ontology) -> int:
    return len(onto.ancestors(row.term)) if row.term else 0


def _without_repeats(rows: list[SummaryRow], onto: Ontology) -> list[SummaryRow]:
    """Drop a class or route row that counts exactly what a more specific row of its setting counts."""
    order = sorted(rows, key=lambda r: (r.setting, LEVELS.index(r.level), -_depth(r, onto), r.agents))
    kept, seen = [], set()
    for r in order:
        key = (r.setting, r.counted)
        if r.level != "treatment" and key in seen:
            continue
        seen.add(key)
        kept.append(r)
    return sorted(kept, key=lambda r: (SETTINGS.index(r.setting) if r.setting in SETTINGS else 9,
                                       LEVELS.index(r.level), r.agents))
