"""`kg diff`: what a change adds to and removes from the graph, fact by fact."""
from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from ..errors import KgError
from ..outputs import recover
from ..ontology import NS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FACT_TYPES = {"Patient", "Cohort", "Administration", "TreatmentFinding", "GradeAssessment",
              "OutcomeObservation", "CSFFinding"}
_SKIP = {"evidence", "wasDerivedFrom", "wasAttributedTo", "wasRevisionOf", "inPaper", "source", "follows",
         "gradeTerm", "doseUnit"}


def _short(term) -> str:
    if isinstance(term, Literal):
        return term.value
    v = term.value
    return v.rsplit("#", 1)[-1] if "#" in v else v.rsplit("/", 1)[-1]


def facts_of(nq: Path) -> set[str]:
    """One readable line per fact of a paper graph (evidence and provenance left out)."""
    by_subject: dict[str, list] = {}
    for q in parse(path=str(nq), format=RdfFormat.N_QUADS):
        by_subject.setdefault(q.subject.value, []).append(q)
    labels = {s: next((_short(q.object) for q in qs if q.predicate.value.endswith("#label") or
                       q.predicate.value.endswith("/label")), "") for s, qs in by_subject.items()}
    lines = set()
    for s, qs in by_subject.items():
        types = {_short(q.object) for q in qs if q.predicate.value == RDF_TYPE and q.object.value.startswith(NS)}
        kind = next(iter(types & FACT_TYPES), None)
        if kind is None:
            continue
        props = []
        subject = ""
        for q in sorted(qs, key=lambda q: (q.predicate.value, str(q.object))):
            name = _short(q.predicate)
            if q.predicate.value == RDF_TYPE or name in _SKIP:
                continue
            if name == "subject" and isinstance(q.object, NamedNode):
                subject = labels.get(q.object.value) or _short(q.object)
                continue
            props.append(f"{name}={_short(q.object)}")
        paper = nq.stem
        who = subject or labels.get(s, "")
        lines.add(f"{paper} {kind} {who}: {', '.join(props)}")
    return lines


def diff_outputs(old: Path, new: Path) -> tuple[list[str], list[str]]:
    """(removed, added) fact lines between two build outputs."""
    for d in (old, new):
        recover(d)
        if not (Path(d) / "rdf").is_dir():
            raise KgError(f"{d}: no built graph (rdf/); run `kg build` first")
    names = sorted({p.name for p in (Path(old) / "rdf").glob("*.nq")} | {p.name for p in (Path(new) / "rdf").glob("*.nq")})
    removed, added = [], []
    for n in names:
        a = facts_of(Path(old) / "rdf" / n) if (Path(old) / "rdf" / n).exists() else set()
        b = facts_of(Path(new) / "rdf" / n) if (Path(new) / "rdf" / n).exists() else set()
        removed += sorted(a - b)
        added += sorted(b - a)
    return removed, added
