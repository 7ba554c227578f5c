"""Machine facts as curation entries: review ids, subject names as the paper writes them, fields, sentence, anchor."""
from __future__ import annotations

from dataclasses import dataclass

from ..ontology import Ontology
from .anchor import context, review_ids, squash, written_name
from .fields import FIELDS, to_yaml

KINDS = tuple(FIELDS)                      # subject, administration, finding, grade, outcome, csf
FACT_KINDS = tuple(k for k in KINDS if k != "subject")


def subject_names(subjects, text: str = "") -> dict[str, str]:
    """Subject key -> the name a curator sees and types: as the paper writes it ('Patient A'), unique."""
    names = {s.key: written_name(s, text) for s in subjects}
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    return {k: n if counts[n.lower()] == 1 else f"{n} ({k})" for k, n in names.items()}


def evidence_yaml(text: str, start: int, end: int) -> dict:
    """An anchor: offsets, the quoted words and the words around them."""
    prefix, suffix = context(text, start, end)
    return {"start": start, "end": end, "quote": squash(text[start:end]).strip(), "prefix": prefix, "suffix": suffix}


@dataclass(frozen=True)
class MachineFact:
    """One machine fact with its review id and type."""

    id: str
    kind: str
    fact: object

    @property
    def subject_key(self) -> str:
        return self.fact.key if self.kind == "subject" else self.fact.subject


def machine_index(facts) -> dict[str, MachineFact]:
    """Every fact of a paper (subjects first) by review id."""
    out: dict[str, MachineFact] = {}
    for kind in KINDS:
        records = getattr(facts, FIELDS[kind][0])
        for rid, f in zip(review_ids(kind, records), records):
            out[rid] = MachineFact(rid, kind, f)
    return out


def entry_of(mf: MachineFact, names: dict[str, str], text: str, onto: Ontology) -> dict:
    """The curation entry of a machine fact, status accept."""
    f = mf.fact
    e: dict = {"id": mf.id}
    if mf.kind == "subject":
        e.update({"status": "accept", "name": names[f.key]})
    else:
        e.update({"type": mf.kind, "status": "accept", "subject": names.get(f.subject, f.subject)})
    for fld in FIELDS[mf.kind][1]:
        e[fld.name] = to_yaml(onto, fld, f)
    e["sentence"] = squash(f.evidence.sentence).strip()
    e["evidence"] = evidence_yaml(text, f.evidence.start, f.evidence.end)
    return e
