"""A compiled checker for the SHACL Core subset that ``ontology/shapes.ttl`` uses.

pySHACL is the reference engine (``kg validate``) but costs ~40 ms for one paper's
~500 triples, 65% of a build. The build checks every paper graph with this compiler
instead: shapes are read once into plain Python checks, and a paper graph is indexed
once (subject -> predicate -> objects), so a check is ~1 ms. Any SHACL feature the
compiler does not know raises :class:`~kg.errors.UnsupportedShapeError` and the caller falls back to pySHACL,
so a new constraint in shapes.ttl can never be skipped silently. tests/test_shape_check.py
holds this checker to pySHACL's verdicts on mutated graphs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from ..errors import UnsupportedShapeError
from .iris import RDF, RDFS, XSD

SH = "http://www.w3.org/ns/shacl#"
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                               "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                               "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_LEXICAL = {
    XSD + "integer": re.compile(r"[+-]?\d+\Z"),
    XSD + "nonNegativeInteger": re.compile(r"(\+?\d+|-0+)\Z"),
    XSD + "dateTime": re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?\Z"),
    XSD + "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z"),
    XSD + "boolean": re.compile(r"(true|false|1|0)\Z"),
    XSD + "gYear": re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?\Z"),
}
# keys a property shape may carry; anything else is unsupported
_PROPERTY_KEYS = {SH + k for k in ("path", "minCount", "maxCount", "datatype", "nodeKind", "in", "pattern", "flags",
                                    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength",
                                    "maxLength", "lessThan", "lessThanOrEquals", "or", "message", "name",
                                    "description")}
_VALUE_KEYS = {SH + k for k in ("datatype", "nodeKind", "in", "pattern", "flags", "minInclusive", "maxInclusive",
                                 "minExclusive", "maxExclusive", "minLength", "maxLength", "or")}
_NODE_SHAPE_KEYS = {SH + "targetClass", SH + "property", RDF + "type", RDFS + "comment", RDFS + "label",
                    SH + "name", SH + "description"}


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    component: str   # e.g. "MinCountConstraintComponent", as pySHACL reports it
    message: str

    def text(self) -> str:
        return (f"Constraint Violation in {self.component}:\n\tFocus Node: {self.focus}\n"
                f"\tResult Path: {self.path}\n\tMessage: {self.message}\n")


@dataclass
class _Property:
    path: str
    checks: dict = field(default_factory=dict)   # SHACL key (local name) -> compiled value
    message: str = ""


@dataclass
class _Shape:
    name: str
    targets: tuple[str, ...]
    properties: list[_Property]




def _list(triples, head) -> list:
    out = []
    while not (isinstance(head, NamedNode) and head.value == RDF + "nil"):
        node = triples.get(head, {})
        if RDF + "first" not in node:
            raise UnsupportedShapeError(f"malformed RDF list at {head}")
        out.append(node[RDF + "first"][0])
        head = node[RDF + "rest"][0]
    return out


def _one(values, key):
    if len(values) != 1:
        raise UnsupportedShapeError(f"{key} must have exactly one value")
    return values[0]


def _compile_value_checks(triples, node, allowed) -> dict:
    checks = {}
    for key, values in triples.get(node, {}).items():
        if key not in allowed:
            if key in _PROPERTY_KEYS or key.startswith(SH):
                raise UnsupportedShapeError(f"SHACL feature {key} is not implemented by kg.graph.shape_check")
            continue
        local = key[len(SH):]
        if local in ("path", "message", "name", "description"):
            continue
        v = _one(values, key) if local != "in" else values[0]
        if local in ("minCount", "maxCount", "minLength", "maxLength"):
            checks[local] = int(v.value)
        elif local in ("datatype", "nodeKind", "lessThan", "lessThanOrEquals"):
            checks[local] = v.value
        elif local == "in":
            checks[local] = frozenset(_list(triples, v))
        elif local in ("pattern", "flags"):
            checks[local] = v.value
        elif local in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            checks[local] = v
        elif local == "or":
            checks[local] = [_compile_value_checks(triples, alt, _VALUE_KEYS) for alt in _list(triples, v)]
    if "pattern" in checks:
        flags = checks.pop("flags", "")
        bad = set(flags) - set("imsx")
        if bad:
            raise UnsupportedShapeError(f"sh:flags {flags!r}")
        re_flags = 0
        for ch, f in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
            if ch in flags:
                re_flags |= f
        checks["pattern"] = re.compile(checks["pattern"], re_flags)
    return checks


@lru_cache(maxsize=4)
def compile_shapes(path: str) -> tuple[_Shape, ...]:
    """Read shapes.ttl once into checks; raises UnsupportedShapeError for features outside the subset."""
    triples = _index(parse(path=str(path), format=RdfFormat.TURTLE))
    shapes = []
    for node, props in triples.items():
        if not any(isinstance(t, NamedNode) and t.value == SH + "NodeShape" for t in props.get(RDF + "type", [])):
            continue
        for key in props:
            if key not in _NODE_SHAPE_KEYS and key.startswith(SH):
                raise UnsupportedShapeError(f"{node}: SHACL feature {key} is not implemented by kg.graph.shape_check")
        targets = tuple(sorted(t.value for t in props.get(SH + "targetClass", [])))
        compiled = []
        for p in props.get(SH + "property", []):
            path_node = _one(triples.get(p, {}).get(SH + "path", []), "sh:path")
            if not isinstance(path_node, NamedNode):
                raise UnsupportedShapeError(f"{node}: only predicate paths are implemented (got {path_node})")
            msgs = triples[p].get(SH + "message", [])
            compiled.append(_Property(path_node.value, _compile_value_checks(triples, p, _PROPERTY_KEYS),
                                      msgs[0].value if msgs else ""))
        shapes.append(_Shape(str(node), targets, compiled))
    return tuple(sorted(shapes, key=lambda s: s.name))


def _number(t):
    if not isinstance(t, Literal) or t.datatype.value not in _NUMERIC:
        return None
    try:
        return Decimal(t.value)
    except InvalidOperation:
        return None


def _compare(a, b):
    """-1/0/1 for literals SPARQL can order (numbers, or strings of one non-numeric datatype), else None."""
    if not (isinstance(a, Literal) and isinstance(b, Literal)):
        return None
    if a.datatype.value in _NUMERIC or b.datatype.value in _NUMERIC:
        x, y = _number(a), _number(b)
        if x is None or y is None or not (_well_formed(a) and _well_formed(b)):
            return None
    elif a.datatype == b.datatype and a.datatype.value in (XSD + "string", XSD + "dateTime", XSD + "date"):
        x, y = a.value, b.value
    else:
        return None
    return (x > y) - (x < y)


def _well_formed(t: Literal) -> bool:
    rx = _LEXICAL.get(t.datatype.value)
    return rx is None or bool(rx.match(t.value))


def _value_failures(v, checks: dict) -> list[str]:
    """SHACL components a single value node fails."""
    bad = []
    dt = checks.get("datatype")
    if dt is not None and not (isinstance(v, Literal) and v.datatype.value == dt and _well_formed(v)):
        bad.append("DatatypeConstraintComponent")
    kind = checks.get("nodeKind")
    if kind is not None:
        ok = {SH + "IRI": isinstance(v, NamedNode), SH + "Literal": isinstance(v, Literal),
              SH + "BlankNode": isinstance(v, BlankNode),
              SH + "BlankNodeOrIRI": isinstance(v, (BlankNode, NamedNode)),
              SH + "IRIOrLiteral": isinstance(v, (NamedNode, Literal)),
              SH + "BlankNodeOrLiteral": isinstance(v, (BlankNode, Literal))}.get(kind)
        if ok is None:
            raise UnsupportedShapeError(f"sh:nodeKind {kind}")
        if not ok:
            bad.append("NodeKindConstraintComponent")
    if "in" in checks and v not in checks["in"]:
        bad.append("InConstraintComponent")
    if "pattern" in checks and (isinstance(v, BlankNode) or not checks["pattern"].search(v.value)):
        bad.append("PatternConstraintComponent")
    if "minLength" in checks and (isinstance(v, BlankNode) or len(v.value) < checks["minLength"]):
        bad.append("MinLengthConstraintComponent")
    if "maxLength" in checks and (isinstance(v, BlankNode) or len(v.value) > checks["maxLength"]):
        bad.append("MaxLengthConstraintComponent")
    for key, ok in (("minInclusive", lambda c: c >= 0), ("maxInclusive", lambda c: c <= 0),
                    ("minExclusive", lambda c: c > 0), ("maxExclusive", lambda c: c < 0)):
        if key in checks:
            c = _compare(v, checks[key])
            if c is None or not ok(c):
                bad.append(key[0].upper() + key[1:] + "ConstraintComponent")
    if "or" in checks and all(_value_failures(v, alt) for alt in checks["or"]):
        bad.append("OrConstraintComponent")
    return bad


def _index(triples):
    idx: dict = {}
    for t in triples:
        idx.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    return idx


def _classes_index(idx) -> dict[str, list]:
    """class IRI -> its instances, with rdfs:subClassOf triples of the data graph followed."""
    by_class: dict[str, list] = {}
    for s, props in idx.items():
        for c in props.get(RDF + "type", []):
            by_class.setdefault(c.value, []).append(s)
    subs = [(s.value, o.value) for s, p in idx.items() for o in p.get(RDFS + "subClassOf", [])]
    for _ in range(len(subs)):       # transitive closure; data graphs rarely hold any
        changed = False
        for sub, sup in subs:
            extra = [x for x in by_class.get(sub, []) if x not in by_class.get(sup, [])]
            if extra:
                by_class.setdefault(sup, []).extend(extra)
                changed = True
        if not changed:
            break
    return by_class


def check(triples, shapes_path: Path) -> list[Violation]:
    """Violations of the shapes by ``triples`` (pyoxigraph triples or quads; graph names ignored)."""
    shapes = compile_shapes(str(shapes_path))
    idx = _index(triples)
    by_class = _classes_index(idx)
    out = []
    for shape in shapes:
        for focus in sorted({f for c in shape.targets for f in by_class.get(c, [])}, key=str):
            props = idx.get(focus, {})
            for prop in shape.properties:
                values = list(dict.fromkeys(props.get(prop.path, [])))
                c = prop.checks
                found = []
                if "minCount" in c and len(values) < c["minCount"]:
                    found.append("MinCountConstraintComponent")
                if "maxCount" in c and len(values) > c["maxCount"]:
                    found.append("MaxCountConstraintComponent")
                for v in values:
                    found += _value_failures(v, c)
                    for key, ok in (("lessThan", lambda x: x < 0), ("lessThanOrEquals", lambda x: x <= 0)):
                        if key in c:
                            for w in props.get(c[key], []):
                                r = _compare(v, w)
                                if r is None or not ok(r):
                                    found.append(key[0].upper() + key[1:] + "ConstraintComponent")
                out += [Violation(str(focus), prop.path, comp, prop.message or comp) for comp in found]
    return out
