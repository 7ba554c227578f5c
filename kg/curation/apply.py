"""The curator's decisions applied to a paper's machine facts, before they become RDF.

Subjects can be accepted, edited (renamed, any field), rejected (with the facts left on
them), merged into another (``status: merge``, ``into: NAME``) or added; any fact can be
accepted, rejected, edited (every field, its subject too: that moves it) or added. An entry
finds its machine fact by review id, else by its quote and context in the current text
(see kg.curation.anchor); an entry whose quote is gone is reported stale, never dropped.
Curated evidence is made by kg.facts' one evidence builder, so a curated fact on a machine
fact's words shares its evidence node.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields, replace

from ..annotate import AnnotatedPaper
from ..errors import CorpusError
from ..facts import Evidence, PaperFacts, Subject, evidence_of
from ..ontology import Ontology
from .anchor import Anchor
from .curator import Curator
from .curfile import CurationFile, where
from .entries import FACT_KINDS, MachineFact, machine_index, subject_names
from .match import Matcher
from .fields import FIELDS, REQUIRED, fields_of, from_yaml, to_yaml

STATUSES = ("accept", "reject", "edit")
SUBJECT_STATUSES = STATUSES + ("merge",)


@dataclass(frozen=True)
class CurationReport:
    """What applying a curation file did: decisions applied, entries gone stale, and notes."""

    applied: tuple[str, ...]
    stale: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """Who curated (record ``curator`` handle -> Curator) and which machine fact each edited fact revises."""

    curators: dict
    revisions: tuple[tuple[object, object], ...] = ()   # (curated record, machine record it replaces)


@dataclass(frozen=True)
class Curated:
    facts: PaperFacts
    report: CurationReport
    provenance: Provenance


class _Run:
    """One application of one curation file to one paper's facts."""

    def __init__(self, facts: PaperFacts, cf: CurationFile, ann: AnnotatedPaper, onto: Ontology,
                 default: Curator | None):
        self.facts, self.cf, self.ann, self.onto = facts, cf, ann, onto
        self.text = ann.text
        self.path = cf.path
        self.default = default
        self.matcher = Matcher(machine_index(facts), self.text, onto, cf.path)
        self.names = subject_names(facts.subjects, ann.text)
        self.curators: dict[str, Curator] = {}
        self.applied: list[str] = []
        self.stale: list[str] = []
        self.notes: list[str] = []
        self.revisions: dict[int, tuple[object, object]] = {}
        self.groups = {k: list(getattr(facts, FIELDS[k][0])) for k in FIELDS}
        self.aliases: dict[str, set[str]] = {}
        self.merged: dict[str, tuple[str, dict]] = {}   # subject key -> (into name, entry)
        self.rejected: set[str] = set()

    # -- who ---------------------------------------------------------------------------
    def who(self, entry: dict) -> str:
        # the entry's signature, else the file's one curator, else the command's (--curator or config)
        by = str(entry.get("by") or "").strip()
        if by:
            cur = self.cf.curator_named(by) or (self.default if self.default and self.default.name == by
                                                else Curator(by))
        elif len(self.cf.curators) == 1:
            cur = self.cf.curators[0]
        elif self.default is not None:
            cur = self.default
        else:
            raise CorpusError(where(self.path, entry, "who made this decision? add `by: NAME` to the entry, or name "
                                    "the curator: `kg build --curator NAME [--orcid ID]` or the [curator] of the "
                                    "config file"))
        handle = cur.orcid or cur.name
        self.curators[handle] = cur
        return handle

    # -- anchors -----------------------------------------------------------------------
    def anchor(self, entry: dict, what: str) -> Anchor | None:
        return self.matcher.anchor(entry, what)

    def evidence(self, a: Anchor) -> Evidence:
        norm = self.ann.layout.norm
        lo = norm.to_normalized(a.start)
        hi = max(norm.to_normalized(a.end - 1) + 1, lo + 1)
        return evidence_of(self.ann, lo, hi)

    def resolve(self, entry: dict, kind: str) -> tuple[MachineFact | None, Anchor | None]:
        return self.matcher.resolve(entry, kind)

    # -- subjects ------------------------------------------------------------------------
    def alias(self, key: str, *names) -> None:
        for n in names:
            if n not in (None, ""):
                self.aliases.setdefault(str(n).strip().lower(), set()).add(key)

    def subject_key(self, name, entry: dict, field: str = "subject") -> str:
        keys = self.aliases.get(str(name or "").strip().lower(), set())
        if len(keys) == 1:
            return next(iter(keys))
        known = ", ".join(sorted({self.names.get(s.key, s.label) for s in self.groups["subject"]}))
        if not keys:
            raise CorpusError(where(self.path, entry, f"{field} {name!r} is not a subject of this paper; use one "
                                    f"of: {known} (or add it under add: with type: subject)"))
        raise CorpusError(where(self.path, entry, f"{field} {name!r} names several subjects ({', '.join(sorted(keys))});"
                                " use the subject's key instead"))

    def changes(self, kind: str, entry: dict, old) -> dict:
        """The record attributes an edit entry changes (values checked)."""
        out = {}
        for f in fields_of(kind):
            if f.name in entry:
                v = from_yaml(self.onto, f, entry[f.name], where(self.path, entry, ""))
                if getattr(old, f.target) != v:
                    out[f.target] = v
        if kind == "finding" and "days_to_response" not in out and ({"start_day", "response_day"} & set(out)):
            s, r = out.get("start_day", old.start_day), out.get("response_day", old.response_day)
            out["days_to_response"] = r - s if s is not None and r is not None and r >= s else None
        return out

    def subjects(self) -> None:
        for key, s in ((s.key, s) for s in self.facts.subjects):
            self.alias(key, key, s.label, self.names[key])
        for entry in self.cf.subjects:
            status = self.status(entry, SUBJECT_STATUSES)
            mf, anchor = self.resolve(entry, "subject")
            if mf is None:
                if anchor is None:
                    self.stale.append(where(self.path, entry, f"subject {entry.get('name')!r} is stale: its quote is "
                                            "no longer in the text"))
                elif status == "edit":
                    self.added_subject(entry, anchor, key=str(entry.get("id", "")).removeprefix("subject-"))
                elif status != "accept":
                    self.notes.append(f"{entry.get('id')}: no such subject is extracted any more; nothing to {status}")
                continue
            s = mf.fact
            self.alias(s.key, entry.get("name"), entry.get("label"))
            if status in ("reject", "merge"):
                self.who(entry)
            if status == "reject":
                self.rejected.add(s.key)
                self.groups["subject"].remove(s)
            elif status == "merge":
                self.merged[s.key] = (entry.get("into"), entry)
            elif status == "edit":
                ch = self.changes("subject", entry, s)
                if ch:
                    new = replace(s, **ch, curator=self.who(entry))
                    self.replace("subject", s, new)
            if status != "accept":
                self.applied.append(f"{mf.id}: {status}")
        for entry in self.cf.add:
            if entry.get("type") == "subject" and entry.get("status", "accept") != "reject":
                anchor = self.anchor(entry, "an added subject")
                if anchor is None:
                    self.stale.append(where(self.path, entry, f"added subject {entry.get('name')!r} is stale: its "
                                            "quote is no longer in the text"))
                    continue
                self.added_subject(entry, anchor, key=str(entry.get("key") or ""))

    def added_subject(self, entry: dict, anchor: Anchor, key: str) -> None:
        name = str(entry.get("name") or entry.get("label") or "").strip()
        if not name:
            raise CorpusError(where(self.path, entry, "an added subject needs a name (how the paper calls it)"))
        taken = {s.key for s in self.groups["subject"]} | set(self.merged) | self.rejected
        key = key or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "subject"
        base, n = key, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        values = {}
        for f in fields_of("subject"):
            if f.name in entry:
                values[f.target] = from_yaml(self.onto, f, entry[f.name], where(self.path, entry, ""))
        s = Subject(key=key, label=values.pop("label", None) or name, kind=values.pop("kind", None) or "patient",
                    source=values.pop("source", ()), evidence=self.evidence(anchor), curator=self.who(entry), **values)
        self.groups["subject"].append(s)
        self.alias(key, key, name, s.label)
        self.applied.append(f"added subject {name!r}")

    def merges(self) -> dict[str, str]:
        """Merged subject key -> the key it merges into (chains followed); their subjects removed."""
        target = {}
        for key, (into, entry) in self.merged.items():
            if not into:
                raise CorpusError(where(self.path, entry, "status: merge needs into: NAME (the subject to merge into)"))
            t = self.subject_key(into, entry, "into")
            if t == key:
                raise CorpusError(where(self.path, entry, "a subject cannot be merged into itself"))
            target[key] = t
        for key in target:
            seen = {key}
            while target[key] in target:
                nxt = target[target[key]]
                if nxt in seen:
                    raise CorpusError(where(self.path, self.merged[key][1], "these merges form a cycle"))
                seen.add(nxt)
                target[key] = nxt
        self.groups["subject"] = [s for s in self.groups["subject"] if s.key not in target]
        return target

    # -- facts -------------------------------------------------------------------------
    def status(self, entry: dict, allowed=STATUSES) -> str:
        s = entry.get("status", "accept")
        if s not in allowed:
            raise CorpusError(where(self.path, entry, f"status {s!r}; use {', '.join(allowed)}"))
        return s

    def replace(self, kind: str, old, new) -> None:
        group = self.groups[kind]
        group[group.index(old)] = new
        machine = self.revisions.pop(id(old), (None, old))[1]
        self.revisions[id(new)] = (new, machine)

    def facts_entries(self) -> None:
        for entry in self.cf.facts:
            kind = entry.get("type")
            if kind not in FACT_KINDS:
                raise CorpusError(where(self.path, entry, f"unknown type {kind!r}; use one of {', '.join(FACT_KINDS)}"))
            status = self.status(entry)
            mf, anchor = self.resolve(entry, kind)
            if mf is None:
                if anchor is None:
                    self.stale.append(where(self.path, entry, f"{entry.get('id')} is stale: its quote "
                                            f"{(entry.get('evidence') or {}).get('quote')!r} is no longer in the text"))
                elif status == "edit":
                    self.groups[kind].append(self.build(kind, entry, anchor))
                    self.applied.append(f"{entry.get('id')}: edited fact no longer extracted; kept as a curator addition")
                elif status == "reject":
                    self.notes.append(f"{entry.get('id')}: no longer extracted; nothing to reject")
                continue
            if status == "accept":
                # matched by id, the machine fact is the one reviewed: different values are the curator's
                differ = [f.name for f in fields_of(kind) if mf.id == entry.get("id") and f.name in entry
                          and entry[f.name] != to_yaml(self.onto, f, mf.fact)]
                if differ:
                    self.notes.append(where(self.path, entry, f"{mf.id} has status accept but its {', '.join(differ)} "
                                            "differ from the extracted fact's; set status: edit to apply them"))
                continue
            if status == "reject":
                self.who(entry)   # every decision has its curator, even one that leaves nothing to sign
                self.groups[kind].remove(mf.fact)
            else:
                ch = self.changes(kind, entry, mf.fact)
                if "subject" in entry:
                    key = self.subject_key(entry["subject"], entry)
                    if key != mf.fact.subject:
                        ch["subject"] = key
                if ch:
                    self.replace(kind, mf.fact, replace(mf.fact, **ch, curator=self.who(entry)))
            self.applied.append(f"{mf.id}: {status}")

    def build(self, kind: str, entry: dict, anchor: Anchor):
        """A curator's fact of type ``kind`` from an entry."""
        cls = _record_class(kind)
        subject = self.subject_key(entry.get("subject"), entry)
        values = {f.target: from_yaml(self.onto, f, entry.get(f.name), where(self.path, entry, ""))
                  for f in fields_of(kind)}
        for req in REQUIRED.get(kind, ()):
            if values.get(req) in (None, "", ()):
                raise CorpusError(where(self.path, entry, f"a {kind} needs {req}"))
        ev = self.evidence(anchor)
        base = {"subject": subject, "evidence": ev, "curator": self.who(entry)}
        names = {f.name for f in fields(cls)}
        if "key" in names:
            digest = hashlib.sha1(repr((kind, subject, ev.start, ev.end, sorted(map(str, values.items())))).encode())
            base["key"] = f"{subject}-curated-{digest.hexdigest()[:8]}"
        for n in names - set(base) - set(values):
            values[n] = None
        return cls(**base, **values)

    def adds(self) -> None:
        for i, entry in enumerate(self.cf.add, 1):
            kind = entry.get("type")
            if kind == "subject":
                continue
            if kind not in FACT_KINDS:
                raise CorpusError(where(self.path, entry, f"an added entry needs a type among subject, "
                                        f"{', '.join(FACT_KINDS)}"))
            if entry.get("status", "accept") == "reject":
                continue
            anchor = self.anchor(entry, f"added {kind}")
            if anchor is None:
                self.stale.append(where(self.path, entry, f"added {kind} is stale: its quote is no longer in the text"))
                continue
            self.groups[kind].append(self.build(kind, entry, anchor))
            self.applied.append(f"add[{i}]: {kind}")

    # -- whole -------------------------------------------------------------------------
    def run(self) -> Curated:
        self.subjects()
        self.facts_entries()
        self.adds()
        target = self.merges()
        keys = {s.key for s in self.groups["subject"]}
        dropped = 0
        for kind in FACT_KINDS:
            out = []
            for f in self.groups[kind]:
                if f.subject in target:
                    new = replace(f, subject=target[f.subject], curator=f.curator or self.who(self.merged[f.subject][1]))
                    if id(f) in self.revisions or f.curator is None:
                        machine = self.revisions.pop(id(f), (None, f))[1]
                        self.revisions[id(new)] = (new, machine)
                    f = new
                if f.subject not in keys:
                    if f.subject in self.rejected:
                        dropped += 1
                        continue
                    raise CorpusError(f"{self.path}: a {kind} refers to subject {f.subject!r}, which is not a subject "
                                      "of this paper any more; move the fact or restore the subject")
                out.append(f)
            self.groups[kind] = out
        if dropped:
            self.notes.append(f"{dropped} fact(s) of rejected subjects left out")
        findings = {f.key for f in self.groups["finding"]}
        self.groups["outcome"] = [o if o.finding is None or o.finding in findings else replace(o, finding=None)
                                  for o in self.groups["outcome"]]
        for x in self.groups["finding"]:
            if x.treated is not None and x.responders is not None and x.responders > x.treated:
                raise CorpusError(f"{self.path}: a finding of {self.names.get(x.subject, x.subject)} has responders "
                                  f"{x.responders} > treated {x.treated}; fix the counts")
        new = replace(self.facts, **{FIELDS[k][0]: tuple(self.groups[k]) for k in FIELDS})
        live = {id(r) for k in FIELDS for r in self.groups[k]}
        revisions = tuple(pair for key, pair in self.revisions.items() if key in live)
        return Curated(new, CurationReport(tuple(self.applied), tuple(self.stale), tuple(self.notes)),
                       Provenance(dict(self.curators), revisions))


def _record_class(kind: str):
    from ..facts import Administration, CsfFinding, Finding, GradeAssessment, OutcomeFact
    return {"administration": Administration, "finding": Finding, "grade": GradeAssessment,
            "outcome": OutcomeFact, "csf": CsfFinding, "subject": Subject}[kind]


def apply_curation(facts: PaperFacts, cf: CurationFile, ann: AnnotatedPaper, onto: Ontology,
                   curator: Curator | None = None) -> Curated:
    """``facts`` with the decisions of curation file ``cf`` applied; ``curator`` signs unsigned decisions."""
    return _Run(facts, cf, ann, onto, curator).run()
