"""The editable fields of every fact type: how each looks in a curation file and how it is checked.

A field's YAML value is what a curator reads and types (``agent: methotrexate``,
``setting: steroid_refractory``, ``day: 7``); ``to_yaml`` and ``from_yaml`` convert between
that and the record's value (ontology term ids, route codes, ``refractory`` booleans). A bad
value is a ``CorpusError`` naming the file, line and field and saying what would be accepted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CorpusError
from ..ontology import Ontology, Term

FREQUENCY = re.compile(r"^(q[0-9]+h|daily|weekly|once)$")     # as ontology/shapes.ttl says
DURATION = re.compile(r"^[0-9]+ (days?|doses?|weeks?)$")
SETTINGS = ("first_line", "steroid_refractory")
DOSE_UNITS = ("mg", "g", "mcg", "mg/kg", "g/kg", "mcg/kg", "mg/m2", "g/m2", "mcg/m2", "cells/kg")   # shapes.ttl
SYNDROMES = ("ICANS", "CRS")
SEXES = ("male", "female")
KINDS = ("patient", "cohort")
AGENTS = "drug|drug_class|regimen|cell_therapy|therapy_class|procedure"   # ontology categories of what is given


@dataclass(frozen=True)
class Field:
    """One editable field: its name in the file, the record attribute it sets, and its kind of value."""

    name: str
    kind: str            # term, terms, int, number, code, choice, bool, text, refs, setting
    attr: str = ""       # record attribute (default: name)
    category: str = ""   # ontology category (term, code) or "" ; choices for kind "choice"
    choices: tuple = ()
    lo: float | None = None
    hi: float | None = None
    pattern: re.Pattern | None = None
    hint: str = ""
    positive: bool = False   # above ``lo``, not equal to it (doses)

    @property
    def target(self) -> str:
        return self.attr or self.name


def _f(name, kind, **kw) -> Field:
    return Field(name, kind, **kw)


DAY = dict(lo=-60, hi=3650, hint="a day relative to the infusion, e.g. 7 or -3")
# fact type -> (PaperFacts attribute, editable fields in the order the file shows them)
FIELDS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "subject": ("subjects", (
        _f("label", "text", hint="the label shown in the graph and in query results"),
        _f("kind", "choice", choices=KINDS),
        _f("age", "int", lo=0, hi=120), _f("sex", "choice", choices=SEXES),
        _f("diagnosis", "term", category="diagnosis"), _f("cell_therapy", "term", category="cell_therapy"),
        _f("died", "bool"), _f("size", "int", lo=1, hi=1_000_000, hint="patients in a cohort"),
        _f("source", "refs", hint="cited reference numbers, e.g. [9] or [8, 9]; [] for the paper's own"),
    )),
    "administration": ("administrations", (
        _f("agent", "term", category=AGENTS),
        _f("dose_value", "number", lo=0, positive=True),
        _f("dose_max", "number", lo=0, positive=True, hint="upper bound of a dose range"),
        _f("dose_unit", "choice", choices=DOSE_UNITS),
        _f("frequency", "text", pattern=FREQUENCY, hint="q6h, daily, weekly or once"),
        _f("duration", "text", pattern=DURATION, hint="e.g. '3 days', '2 doses', '1 week'"),
        _f("route", "code", category="route"), _f("day", "int", **DAY),
    )),
    "finding": ("findings", (
        _f("agents", "terms", category=AGENTS),
        _f("route", "code", category="route"),
        _f("setting", "setting", attr="refractory", choices=SETTINGS),
        _f("treated", "int", lo=1, hi=1_000_000), _f("responders", "int", lo=0, hi=1_000_000),
        _f("outcome", "code", category="outcome"),
        _f("start_day", "int", **DAY), _f("response_day", "int", **DAY),
        _f("days_to_response", "int", lo=0, hi=3650),
    )),
    "grade": ("grades", (
        _f("syndrome", "choice", choices=SYNDROMES), _f("grade", "int", lo=1, hi=5),
        _f("day", "int", **DAY), _f("system", "term", category="grading_system"),
    )),
    "outcome": ("outcomes", (
        _f("outcome", "code", category="outcome"), _f("syndrome", "choice", choices=SYNDROMES),
        _f("day", "int", **DAY),
    )),
    "csf": ("csf", (
        _f("day", "int", **DAY), _f("opening_pressure", "number", lo=0, hint="cmH2O"),
        _f("lymphocytes", "number", lo=0, hint="cells/µL"),
    )),
}
# fields a fact cannot do without (a record needs them; the graph's shapes require them)
REQUIRED = {"administration": ("agent",), "grade": ("syndrome", "grade"), "outcome": ("outcome", "syndrome")}


def fields_of(kind: str) -> tuple[Field, ...]:
    return FIELDS[kind][1]


def find_term(onto: Ontology, name: str, categories: str) -> Term | None:
    """The ontology term a curator means by ``name``: its label, a synonym or an abbreviation."""
    cats = set(categories.split("|"))
    low = name.strip().lower()
    best = None
    for t in onto.terms.values():
        if t.category not in cats:
            continue
        if t.label.lower() == low:
            return t
        if best is None and (low in (x.lower() for x in t.labels) or name.strip() in t.abbreviations):
            best = t
    return best


def to_yaml(onto: Ontology, f: Field, record) -> object:
    """The file's value of field ``f`` of ``record``."""
    return value_to_yaml(onto, f, getattr(record, f.target))


def value_to_yaml(onto: Ontology, f: Field, v) -> object:
    """The file's form of a record value of field ``f``."""
    if f.kind == "term":
        return onto.terms[v].label.lower() if v in onto.terms else v
    if f.kind == "terms":
        return [onto.terms[a].label.lower() if a in onto.terms else a for a in v]
    if f.kind == "setting":
        return SETTINGS[1] if v else SETTINGS[0]
    if f.kind == "refs":
        return list(v)
    return v


def _bad(where: str, f: Field, value, what: str):
    hint = f"; {f.hint}" if f.hint else ""
    return CorpusError(f"{where}: {f.name} {value!r} is not {what}{hint}")


def from_yaml(onto: Ontology, f: Field, value, where: str):
    """The record's value of field ``f`` from the file's ``value`` (None and '' clear it)."""
    if value is None or value == "":
        if f.kind == "terms" or f.kind == "refs":
            return ()
        if f.kind == "setting":
            return False
        return None
    if f.kind in ("term", "terms"):
        names = value if f.kind == "terms" else [value]
        if f.kind == "terms" and not isinstance(value, list):
            names = [n for n in str(value).split(",") if n.strip()]
        ids = []
        for n in names:
            t = find_term(onto, str(n), f.category)
            if t is None:
                raise CorpusError(f"{where}: unknown {f.name} {n!r}; use an ontology label "
                                  f"of a {f.category.replace('|', ' or ').replace('_', ' ')} (e.g. 'methotrexate')")
            ids.append(t.id)
        return tuple(sorted(set(ids))) if f.kind == "terms" else ids[0]
    if f.kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            text = str(value).strip()
            try:
                value = int(text)          # "12" is 12, as YAML reads it; "12.5" a decimal
            except ValueError:
                try:
                    value = float(text)
                except ValueError:
                    raise _bad(where, f, value, "a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise _bad(where, f, value, "a number")
        if f.kind == "int":
            if float(value) != int(value):
                raise _bad(where, f, value, "a whole number")
            value = int(value)
        if (f.lo is not None and (value < f.lo or (f.positive and value == f.lo))) or \
                (f.hi is not None and value > f.hi):
            raise _bad(where, f, value, f"in range {f.lo:g}..{f.hi:g}" if f.hi is not None else
                       f"above {f.lo:g}" if f.positive else f"at least {f.lo:g}")
        return value
    if f.kind == "code":
        t = onto.by_code(f.category, str(value).strip())
        if t is None:
            codes = sorted(x.code for x in onto.terms.values() if x.category == f.category and x.code)
            raise _bad(where, f, value, f"a known {f.category}; use one of {', '.join(codes)}")
        return t.code
    if f.kind in ("choice", "setting"):
        v = str(value).strip()
        if v not in f.choices:
            raise _bad(where, f, value, f"one of {', '.join(f.choices)}")
        return v == SETTINGS[1] if f.kind == "setting" else v
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        low = str(value).strip().lower()
        if low in ("yes", "true"):
            return True
        if low in ("no", "false"):
            return False
        raise _bad(where, f, value, "yes or no")
    if f.kind == "refs":
        items = value if isinstance(value, list) else [x for x in str(value).split(",") if x.strip()]
        try:
            return tuple(sorted({int(x) for x in items}))
        except (TypeError, ValueError):
            raise _bad(where, f, value, "a list of reference numbers") from None
    if f.kind == "text":
        v = str(value).strip()
        if f.pattern is not None and not f.pattern.match(v):
            raise _bad(where, f, value, "in the expected form")
        return v
    raise AssertionError(f.kind)
