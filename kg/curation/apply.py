"""Curation files: every fact as an editable entry, and the curator's decisions applied to the facts.

``kg review ID`` writes ``corpus/papers/ID/curation.yaml``: every extracted fact with its
evidence (offsets + quote) and ``status: accept``. A curator sets ``status: reject`` or
``edit`` (changing the fields) and appends facts under ``add``. ``kg build`` applies the
file: rejected facts disappear, edited ones replace the machine version, added ones
appear, all attributed to the curator. Entries are anchored by fact type, subject and
evidence; an entry whose anchor no longer matches the text or the annotator's output is
reported as stale, never dropped silently.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from ..errors import CorpusError, InputError
from ..facts import (Administration, CsfFinding, Evidence, Finding, GradeAssessment, OutcomeFact, PaperFacts,
                     Subject)
from ..ingest.files import load_yaml, read_side_text
from ..ontology import Ontology

FILE = "curation.yaml"
STATUSES = ("accept", "reject", "edit")
# fact type -> (PaperFacts field, record class, editable fields)
TYPES = {
    "administration": ("administrations", Administration, ("agent", "dose_value", "dose_unit", "route", "day")),
    "finding": ("findings", Finding, ("agents", "route", "refractory", "treated", "responders", "outcome",
                                      "start_day", "response_day", "days_to_response")),
    "grade": ("grades", GradeAssessment, ("syndrome", "grade", "day")),
    "outcome": ("outcomes", OutcomeFact, ("outcome", "syndrome", "day")),
    "csf": ("csf", CsfFinding, ("day", "opening_pressure", "lymphocytes")),
    "subject": ("subjects", Subject, ("age", "sex", "diagnosis", "cell_therapy", "died")),
}
_TERM_FIELDS = {"agent", "diagnosis", "cell_therapy"}


@dataclass(frozen=True)
class CurationReport:
    """What applying a curation file did: entries applied, and entries whose anchor no longer matches."""

    applied: tuple[str, ...]
    stale: tuple[str, ...]


def _subject_label(facts: PaperFacts, key: str) -> str:
    s = next((s for s in facts.subjects if s.key == key), None)
    return s.label + (f" [{';'.join(map(str, s.source))}]" if s and s.source else "") if s else key


def _to_yaml_value(onto: Ontology, field: str, value):
    if field in _TERM_FIELDS and value:
        return onto.terms[value].label.lower()
    if field == "agents":
        return [onto.terms[a].label.lower() for a in value]
    return value


def _term_id(onto: Ontology, field: str, value, where: str) -> str:
    t = onto.by_label(str(value))
    if t is None:
        raise CorpusError(f"{where}: unknown {field} {value!r}; use an ontology label (e.g. 'methotrexate')")
    return t.id


def _from_yaml_value(onto: Ontology, field: str, value, where: str):
    if field in _TERM_FIELDS and value:
        return _term_id(onto, field, value, where)
    if field == "agents":
        return tuple(sorted(_term_id(onto, "agent", v, where) for v in value or []))
    return value


def _anchor(kind: str, subject: str, ev: Evidence) -> str:
    return hashlib.sha1(f"{kind}|{subject}|{ev.start}|{ev.end}".encode()).hexdigest()[:10]


def review_entries(facts: PaperFacts, onto: Ontology) -> list[dict]:
    """Every fact of a paper as an editable entry."""
    entries = []
    for kind, (attr, _, editable) in TYPES.items():
        for f in getattr(facts, attr):
            subject = f.key if kind == "subject" else f.subject
            entry = {"id": f"{kind}-{_anchor(kind, subject, f.evidence)}", "type": kind, "status": "accept",
                     "subject": _subject_label(facts, subject),
                     "evidence": {"start": f.evidence.start, "end": f.evidence.end, "quote": f.evidence.quote}}
            for name in editable:
                entry[name] = _to_yaml_value(onto, name, getattr(f, name))
            entries.append(entry)
    return entries


def write_review(path: Path, paper_id: str, text_sha: str, entries: list[dict]) -> int:
    """Write (or merge into) a curation file; curator decisions already in it are kept."""
    existing = {}
    added = []
    if path.exists():
        old = load_file(path)
        existing = {e["id"]: e for e in old.get("facts") or [] if isinstance(e, dict) and "id" in e}
        added = old.get("add") or []
    merged = [existing.get(e["id"], e) for e in entries]
    ids = {m["id"] for m in merged}
    merged += [e for i, e in existing.items() if i not in ids]
    doc = {"paper": paper_id, "text_sha256": text_sha,
           "help": "status: accept | reject | edit (then change the fields). Add missing facts under 'add' "
                   "with type, subject, fields and evidence {start, end, quote}.",
           "facts": merged, "add": added}
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    tmp.replace(path)
    return len(merged)


class _Dumper(yaml.SafeDumper):
    """Never writes aliases: load_file refuses them (a YAML alias bomb is 300 bytes for GBs)."""

    def ignore_aliases(self, data):
        return True


def load_file(path: Path) -> dict:
    try:
        doc = load_yaml(read_side_text(path, "curation file")) or {}
    except InputError as e:
        raise CorpusError(str(e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise CorpusError(f"{path}:{mark.line + 1}:{mark.column + 1}: malformed curation file ({e.problem}); "
                          "fix the YAML or delete the file and run `kg review` again") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: malformed curation file ({e})") from None
    if not isinstance(doc, dict):
        raise CorpusError(f"{path}:1: a curation file is a mapping with 'facts' and 'add'")
    return doc


def _evidence(entry: dict, text: str, where: str) -> Evidence | None:
    ev = entry.get("evidence")
    if not isinstance(ev, dict) or not {"start", "end", "quote"} <= set(ev):
        raise CorpusError(f"{where}: an entry needs evidence with start, end and quote")
    try:
        a, b = int(ev["start"]), int(ev["end"])
    except (TypeError, ValueError):
        raise CorpusError(f"{where}: evidence start/end must be integers") from None
    if not (0 <= a < b <= len(text)) or text[a:b] != ev["quote"]:
        return None
    s0 = text.rfind("\n\n", 0, a) + 1 if text.rfind("\n\n", 0, a) >= 0 else 0
    s1 = text.find("\n\n", b)
    s1 = len(text) if s1 < 0 else s1
    # the paragraph around the quote stands in for the sentence; kg.facts builds machine evidence
    # from the sentence itself, so curated and machine evidence can differ (issue #13: one builder)
    return Evidence(start=a, end=b, sent_start=s0, sent_end=s1, quote=text[a:b], sentence=text[s0:s1])


def apply_curation(facts: PaperFacts, path: Path, text: str, onto: Ontology,
                   curator: str = "curator") -> tuple[PaperFacts, CurationReport]:
    """The facts with the curation file at ``path`` applied."""
    doc = load_file(path)
    applied, stale = [], []
    label_to_key = {}
    for s in facts.subjects:
        label_to_key[_subject_label(facts, s.key)] = s.key
    groups = {kind: list(getattr(facts, attr)) for kind, (attr, _, _) in TYPES.items()}
    for i, entry in enumerate(doc.get("facts") or [], 1):
        where = f"{path}: facts[{i}]"
        if not isinstance(entry, dict) or entry.get("type") not in TYPES:
            raise CorpusError(f"{where}: unknown type {entry.get('type') if isinstance(entry, dict) else entry!r}; "
                              f"use one of {', '.join(TYPES)}")
        status = entry.get("status", "accept")
        if status not in STATUSES:
            raise CorpusError(f"{where}: status {status!r}; use accept, reject or edit")
        if status == "accept":
            continue
        kind = entry["type"]
        ev = _evidence(entry, text, where)
        subject = label_to_key.get(str(entry.get("subject")))
        match = None
        if ev is not None and subject is not None:
            for f in groups[kind]:
                fsub = f.key if kind == "subject" else f.subject
                if fsub == subject and (f.evidence.start, f.evidence.end) == (ev.start, ev.end):
                    match = f
                    break
        if match is None:
            if status == "edit" and ev is not None and subject is not None and kind != "subject":
                groups[kind].append(_build(kind, entry, subject, ev, onto, where, curator))
                applied.append(f"{entry.get('id')}: edited fact no longer extracted; kept as a curator addition")
            else:
                stale.append(f"{where} ({entry.get('id')}): stale, its {'quote no longer matches the text' if ev is None else 'fact is no longer extracted'}")
            continue
        groups[kind].remove(match)
        if status == "edit":
            changes = {name: _from_yaml_value(onto, name, entry.get(name), where)
                       for name in TYPES[kind][2] if name in entry}
            groups[kind].append(replace(match, **changes, curator=curator))
        applied.append(f"{entry.get('id')}: {status}")
    for i, entry in enumerate(doc.get("add") or [], 1):
        where = f"{path}: add[{i}]"
        if not isinstance(entry, dict) or entry.get("type") not in TYPES or entry["type"] == "subject":
            raise CorpusError(f"{where}: an added fact needs a type among {', '.join(t for t in TYPES if t != 'subject')}")
        ev = _evidence(entry, text, where)
        subject = label_to_key.get(str(entry.get("subject")))
        if ev is None or subject is None:
            stale.append(f"{where}: stale, {'its quote no longer matches the text' if ev is None else 'unknown subject ' + repr(entry.get('subject'))}")
            continue
        groups[entry["type"]].append(_build(entry["type"], entry, subject, ev, onto, where, curator))
        applied.append(f"add[{i}]: {entry['type']}")
    new = replace(facts, **{attr: tuple(groups[kind]) for kind, (attr, _, _) in TYPES.items()})
    return new, CurationReport(tuple(applied), tuple(stale))


def _build(kind: str, entry: dict, subject: str, ev: Evidence, onto: Ontology, where: str, curator: str):
    _, cls, editable = TYPES[kind]
    values = {name: _from_yaml_value(onto, name, entry.get(name), where) for name in editable}
    names = {f.name for f in fields(cls)}
    base = {"subject": subject, "evidence": ev, "curator": curator}
    if "key" in names:
        base["key"] = f"{subject}-curated-{_anchor(kind, subject, ev)}"
    if kind == "finding":
        values["agents"] = values.get("agents") or ()
        values["refractory"] = bool(values.get("refractory"))
    if kind == "outcome":
        base["finding"] = None
    missing = [n for n in names if n not in base and n not in values]
    for n in missing:
        values[n] = None
    return cls(**base, **values)
