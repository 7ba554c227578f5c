"""The same patients reported twice, found from overlapping evidence and linked.

Four kinds of link, each with the evidence that made it:

- ``same_patient``: a patient of one paper and a patient of another with no contradiction
  (sex, age within a year, CAR-T product, the same drug on other days only, another grade
  on the same day, other CSF values) and enough shared detail: age, sex, product,
  diagnosis, the same drug on the same day, the same grade on the same day, the same CSF
  values, doses, shared authors, one paper citing the other. A conference abstract and its
  full paper, or a series that retells an earlier case report.
- ``same_cohort``: two papers' own cohorts of the same size with the same counts.
- ``same_study``: one cited study quoted by two papers: the same reference (DOI, PMID or
  title), or the same first author with the same counts ("Strati et al.: 4 of 6").
- ``cited_paper``: a cited study that is itself in the corpus (its DOI/PMID, or its first
  author among the paper's authors with the same counts); the paper's own patients count.

Demographics and standard doses alone never link: two patients need dated details in common.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from ..graph.iris import ID
from .records import FindingRecord, PaperRecord, SubjectRecord

KINDS = ("same_patient", "same_cohort", "same_study", "cited_paper")
STATUSES = ("proposed", "confirmed", "rejected")

# evidence weights of a same_patient link: it needs THRESHOLD, MIN_SHARED dated details and no contradiction.
# Standard doses (dexamethasone 10 mg, tocilizumab 8 mg/kg, IT methotrexate 12 mg) are shared by most
# patients: a dose weighs little and never counts as a shared detail; a dated event does.
WEIGHTS = {"age": 2.0, "age_near": 1.0, "sex": 1.0, "product": 2.0, "diagnosis": 1.0,
           "adm": 1.5, "dose": 0.5, "grade": 1.5, "csf": 3.0, "authors": 4.0, "cites": 3.0}
THRESHOLD = 9.0
MIN_SHARED = 3          # shared dated details (drug on a day, grade on a day, CSF values); 2 for related papers
RARE = 50               # a detail shared by more patients than this does not propose candidates by itself


def course(tokens: tuple[str, ...]) -> dict[tuple, set]:
    """A patient's details by what they are about: drug -> days, drug+unit -> doses, grade -> days, day -> grades.

    Two reports of one patient may each leave details out, but never disagree: the same drug
    on other days only, another grade on the same day, other CSF values.
    """
    out: dict[tuple, set] = {}
    for t in tokens:
        kind, *rest = t.split("|")
        if kind == "adm":
            out.setdefault(("adm", rest[0]), set()).add(rest[1])
        elif kind == "dose":
            out.setdefault(("dose", rest[0], rest[2]), set()).add(rest[1])
        elif kind == "grade":
            out.setdefault(("grade", rest[0], rest[1]), set()).add(rest[2])
            out.setdefault(("gday", rest[0], rest[2]), set()).add(rest[1])
        elif kind == "csf":
            out.setdefault(("csf",), set()).add((rest[0], rest[1]))
    return out


@dataclass(frozen=True)
class Link:
    """Two reports of the same patients: subject IRIs (``b`` a paper IRI for ``cited_paper``)."""

    a: str
    b: str
    kind: str
    score: float
    evidence: tuple[str, ...]
    status: str = "proposed"   # proposed (by kg) | confirmed | rejected (by a curator)
    note: str = ""

    @property
    def iri(self) -> str:
        return f"{ID}link/{hashlib.sha1(f'{self.a}|{self.b}'.encode()).hexdigest()[:16]}"

    @property
    def counted(self) -> bool:
        """Whether the summary treats the two as the same patients."""
        return self.status != "rejected"


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _paper_of(iri: str) -> str:
    return iri.split("/subject/", 1)[0]


class _Patients:
    """Own patients of every paper, with what candidate generation needs."""

    def __init__(self, papers: list[PaperRecord]):
        self.paper = {p.iri: p for p in papers}
        self.subjects: dict[str, SubjectRecord] = {}
        self.findings: dict[str, list[FindingRecord]] = defaultdict(list)
        for p in papers:
            for s in p.subjects:
                self.subjects[s.iri] = s
            for x in p.findings:
                self.findings[x.subject].append(x)
        self.patients = [s for p in papers for s in p.subjects if s.own and s.kind == "patient"]
        self.cohorts = [s for p in papers for s in p.subjects if s.own and s.kind == "cohort"]
        self.cited = [s for p in papers for s in p.subjects if not s.own]
        # papers related by a citation or by shared authors: every patient pair across them is a candidate
        self.related: dict[frozenset, list[str]] = {}
        by_id = {}
        for p in papers:
            for k in ([f"doi:{p.doi}"] if p.doi else []) + ([f"pmid:{p.pmid}"] if p.pmid else []):
                by_id[k] = p.iri
        for p in papers:
            for n, doi, pmid, _, target in p.refs:
                t = target or by_id.get(f"doi:{doi}") or by_id.get(f"pmid:{pmid}")
                if t and t != p.iri and t in self.paper:
                    self.related.setdefault(frozenset((p.iri, t)), []).append(f"{p.paper} cites {self.paper[t].paper}")
        authors = defaultdict(list)
        for p in papers:
            for a in p.authors:
                authors[a].append(p.iri)
        shared = defaultdict(set)
        for a, ps in authors.items():
            if len(ps) <= RARE:
                for x, y in combinations(sorted(ps), 2):
                    shared[frozenset((x, y))].add(a)
        for pair, names in shared.items():
            x, y = sorted(pair)
            small = min(len(self.paper[x].authors), len(self.paper[y].authors))
            if len(names) >= min(2, small):
                self.related.setdefault(pair, []).append("shared authors: " + ", ".join(sorted(names)))

    def signature(self, s: SubjectRecord) -> set[tuple]:
        return {(x.agents_label, x.setting, x.treated, x.responders) for x in self.findings[s.iri]
                if x.counts() is not None}


def _compare_patients(x: SubjectRecord, y: SubjectRecord, cx: dict, cy: dict, related: list[str],
                      label) -> tuple[float, list[str]] | None:
    if x.sex and y.sex and x.sex != y.sex:
        return None
    if x.age is not None and y.age is not None and abs(x.age - y.age) > 1:
        return None
    if x.cell_therapy and y.cell_therapy and x.cell_therapy != y.cell_therapy:
        return None
    score, why, shared = 0.0, [], 0
    for key in sorted(cx.keys() & cy.keys()):
        both = cx[key] & cy[key]
        if not both:
            return None           # the same drug on other days, another grade that day, other CSF values
        kind = key[0]
        if kind == "gday":
            continue              # the grade itself is counted under "grade"
        if kind != "dose":
            shared += 1
        score += WEIGHTS[kind]
        why.append(_describe(key, sorted(both), label))
    if shared < (MIN_SHARED - 1 if related else MIN_SHARED):
        return None
    if x.age is not None and y.age is not None:
        near = x.age != y.age
        score += WEIGHTS["age_near" if near else "age"]
        why.insert(0, f"age {x.age}" + (f"/{y.age}" if near else ""))
    for name, a, b in (("diagnosis", x.diagnosis, y.diagnosis), ("product", x.cell_therapy, y.cell_therapy),
                       ("sex", x.sex, y.sex)):
        if a and a == b:
            score += WEIGHTS[name]
            why.insert(1 if x.age is not None and y.age is not None else 0, a if name == "sex" else label(a))
    for r in related:
        score += WEIGHTS["authors" if r.startswith("shared authors") else "cites"]
        why.append(r)
    return (score, why) if score >= THRESHOLD else None


def _describe(key: tuple, values: list, label) -> str:
    kind = key[0]
    if kind == "adm":
        return f"{label(key[1])} on day {', '.join(values)}"
    if kind == "dose":
        return f"{label(key[1])} {', '.join(values)} {key[2]}".rstrip()
    if kind == "grade":
        return f"{key[1]} grade {key[2]} on day {', '.join(values)}"
    return "CSF opening pressure {}, lymphocytes {}".format(*values[0])


def _patient_links(db: _Patients, label, changed: set[str] | None) -> list[Link]:
    """same_patient links; with ``changed`` (paper IRIs), only pairs that involve a changed paper are compared."""
    def fresh(a: str, b: str) -> bool:
        return changed is None or _paper_of(a) in changed or _paper_of(b) in changed

    candidates: set[tuple[str, str]] = set()
    # blocks: same sex, age within a year, the same product (or one unknown); then at least one shared detail
    blocks: dict[tuple, dict[str, list[SubjectRecord]]] = defaultdict(lambda: defaultdict(list))
    loose = []
    for s in db.patients:
        if s.sex and s.age is not None:
            blocks[(s.sex, s.age)][s.cell_therapy or ""].append(s)
        else:
            loose.append(s)
    # related papers (a citation, shared authors) have every pair of their patients compared below;
    # other pairs must share MIN_SHARED dated details to be compared at all
    dated = {s.iri: frozenset(t for t in s.tokens if not t.startswith("dose|")) for s in db.patients}
    need = MIN_SHARED
    touched = None if changed is None else {k for k, v in blocks.items()
                                            if any(_paper_of(s.iri) in changed for ss in v.values() for s in ss)}
    for (sex, age), by_product in list(blocks.items()):
        for key, other in (((sex, age), by_product), ((sex, age + 1), blocks.get((sex, age + 1), {}))):
            if touched is not None and (sex, age) not in touched and key not in touched:
                continue          # nothing new in either block: their pairs were compared by an earlier build
            for product, members in by_product.items():
                targets = [y for p, ys in other.items() if not product or not p or p == product for y in ys]
                for x in members:
                    dx = dated[x.iri]
                    if len(dx) < need:
                        continue
                    for y in targets:
                        if (x.iri < y.iri or other is not by_product) and len(dx & dated[y.iri]) >= need \
                                and fresh(x.iri, y.iri):
                            candidates.add(_pair(x.iri, y.iri))
    posting = defaultdict(list)   # rare details bring in patients whose age or sex is unknown
    for s in db.patients:
        for t in s.tokens:
            posting[t].append(s.iri)
    loose_iris = {s.iri for s in loose}
    for t, iris in posting.items():
        if len(iris) <= RARE and loose_iris.intersection(iris):
            candidates.update(_pair(a, b) for a, b in combinations(sorted(iris), 2) if fresh(a, b))
    by_paper = defaultdict(list)
    for s in db.patients:
        by_paper[_paper_of(s.iri)].append(s.iri)
    for pair in db.related:
        x, y = sorted(pair)
        candidates.update(_pair(a, b) for a in by_paper.get(x, []) for b in by_paper.get(y, []) if fresh(a, b))
    links = []
    courses: dict[str, dict] = {}
    for a, b in sorted(candidates):
        pa, pb = _paper_of(a), _paper_of(b)
        if pa == pb:
            continue    # two cases of one paper are two patients
        for iri in (a, b):
            if iri not in courses:
                courses[iri] = course(db.subjects[iri].tokens)
        res = _compare_patients(db.subjects[a], db.subjects[b], courses[a], courses[b],
                                db.related.get(frozenset((pa, pb)), []), label)
        if res:
            links.append(Link(a, b, "same_patient", round(res[0], 1), tuple(res[1])))
    return links


def _cohort_links(db: _Patients) -> list[Link]:
    by_size = defaultdict(list)
    for s in db.cohorts:
        if s.size:
            by_size[s.size].append(s)
    links = []
    for size, members in sorted(by_size.items()):
        for x, y in combinations(sorted(members, key=lambda s: s.iri), 2):
            px, py = _paper_of(x.iri), _paper_of(y.iri)
            if px == py:
                continue
            same = sorted(db.signature(x) & db.signature(y))
            related = db.related.get(frozenset((px, py)), [])
            score = 2.0 + 3.0 * len(same) + sum(WEIGHTS["authors" if r.startswith("shared") else "cites"] for r in related)
            if same and score >= THRESHOLD:
                why = [f"{size} patients"] + [_counts(sig) for sig in same] + related
                links.append(Link(x.iri, y.iri, "same_cohort", score, tuple(why)))
    return links


def _counts(sig: tuple) -> str:
    agents, setting, treated, responders = sig
    return f"{agents or 'treatment'} ({setting.replace('_', '-')}): {responders}/{treated}"


_WORD = re.compile(r"[a-z0-9]+")


def _study_keys(s: SubjectRecord, db: _Patients) -> list[tuple[str, str]]:
    """(key, evidence) naming the study a cited subject quotes."""
    keys = []
    paper = db.paper[_paper_of(s.iri)]
    refs = {r[0]: r for r in paper.refs}
    if len(s.source) == 1 and s.source[0] in refs:
        _, doi, pmid, title, _ = refs[s.source[0]]
        if doi:
            keys.append((f"doi:{doi}", f"reference DOI {doi}"))
        if pmid:
            keys.append((f"pmid:{pmid}", f"reference PMID {pmid}"))
        words = _WORD.findall(title.lower())
        if len(words) >= 5:
            keys.append(("title:" + " ".join(words), "reference title"))
    if s.cited_author:
        for sig in sorted(db.signature(s)):
            keys.append((f"author:{s.cited_author.lower()}|{sig}", f"{s.cited_author} et al., {_counts(sig)}"))
    return keys


def _study_links(db: _Patients) -> list[Link]:
    groups: dict[str, list[tuple[SubjectRecord, str]]] = defaultdict(list)
    for s in db.cited:
        for key, why in _study_keys(s, db):
            groups[key].append((s, why))
    best: dict[tuple[str, str], list[str]] = {}
    for key, members in sorted(groups.items()):
        members = sorted(members, key=lambda m: m[0].iri)
        first, why = members[0]
        for s, _ in members[1:]:   # a star around the first: n-1 links, not n^2
            if _paper_of(s.iri) != _paper_of(first.iri):
                best.setdefault(_pair(first.iri, s.iri), []).append(why)
    return [Link(a, b, "same_study", 10.0, tuple(sorted(set(why)))) for (a, b), why in sorted(best.items())]


def _cited_paper_links(db: _Patients) -> list[Link]:
    links = []
    by_author = defaultdict(list)
    for p in db.paper.values():
        for a in p.authors:
            by_author[a].append(p)
    for s in db.cited:
        paper = db.paper[_paper_of(s.iri)]
        refs = {r[0]: r for r in paper.refs}
        targets: dict[str, list[str]] = {}
        for n in s.source:
            if n in refs and refs[n][4] and refs[n][4] in db.paper and refs[n][4] != paper.iri:
                target = db.paper[refs[n][4]]
                targets.setdefault(target.iri, []).append(f"reference {n} is {target.paper} in the corpus")
        if s.cited_author:
            sig = db.signature(s)
            for p in by_author.get(s.cited_author.lower(), []):
                own = set().union(*(db.signature(o) for o in p.subjects if o.own)) if p.subjects else set()
                same = sorted(sig & own)
                if p.iri != paper.iri and same:
                    targets.setdefault(p.iri, []).append(
                        f"{s.cited_author} et al. is an author of {p.paper}; " + "; ".join(_counts(x) for x in same))
        for target, why in sorted(targets.items()):
            links.append(Link(s.iri, target, "cited_paper", 10.0, tuple(why)))
    return links


def find_links(papers: list[PaperRecord], label=str, changed: set[str] | None = None,
               previous: list[Link] = ()) -> list[Link]:
    """Every proposed link between the subjects of ``papers``, sorted; ``label`` names ontology terms in evidence.

    Incremental: with ``changed`` (the IRIs of the papers whose records changed since the build
    that proposed ``previous``), a same_patient link between two unchanged papers is taken from
    ``previous`` and only pairs that involve a changed paper are compared (a comparison depends
    on the two records alone). Without ``changed`` every pair is compared.
    """
    db = _Patients(papers)
    links = _patient_links(db, label, changed) + _cohort_links(db) + _study_links(db) + _cited_paper_links(db)
    if changed is not None:
        links += [l for l in previous if l.kind == "same_patient" and l.a in db.subjects and l.b in db.subjects
                  and _paper_of(l.a) not in changed and _paper_of(l.b) not in changed]
    return sorted(links, key=lambda l: (l.a, l.b))
