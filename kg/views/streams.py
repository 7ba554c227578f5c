"""SPARQL results written row by row as JSON, XML, CSV, TSV (or RDF for graphs), counted against a row cap.

The endpoint never holds a whole result: rows go to the output as they come from the
engine, and the row after the cap stops the query with ``OverCap`` (the caller answers 413
and discards what was written). Output matches the W3C result formats; tests parse it
back with Oxigraph's own result parsers.
"""
from __future__ import annotations

import json
from typing import BinaryIO, Iterable
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat, Triple, serialize

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD}
BOOLEAN_FORMATS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML,
                   "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}
CHUNK = 1 << 16


class OverCap(Exception):
    """A result has more rows than the cap; ``rows`` is how many were counted (cap + 1)."""

    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


def _datatype(term: Literal) -> str | None:
    dt = term.datatype.value if term.datatype is not None else None
    return None if dt in (None, XSD_STRING, RDF_LANG_STRING) else dt


def _json_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        d = {"type": "literal", "value": term.value}
        if term.language:
            d["xml:lang"] = term.language
        elif _datatype(term):
            d["datatype"] = _datatype(term)
        return d
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def _xml_text(v: str) -> str:
    """Element text that every XML reader gives back as is: CR (normalized away by XML) and leading or
    trailing white space (trimmed by some readers) become character references."""
    core = v.strip(" \t\n\r")
    start = v.index(core) if core else len(v)
    head, tail = v[:start], v[start + len(core):]
    ref = lambda s: "".join(f"&#{ord(c)};" for c in s)   # noqa: E731
    return ref(head) + escape(core).replace("\r", "&#13;") + ref(tail)


def _xml_term(term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        attr = f" xml:lang={quoteattr(term.language)}" if term.language else \
            (f" datatype={quoteattr(_datatype(term))}" if _datatype(term) else "")
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    if isinstance(term, Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"unexpected term {term!r}")


def _csv_cell(term) -> str:
    if term is None:
        return ""
    value = f"_:{term.value}" if isinstance(term, BlankNode) else (str(term) if isinstance(term, Triple) else term.value)
    if any(c in value for c in '",\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_cell(term) -> str:
    return "" if term is None else str(term)   # N-Triples syntax: tabs and newlines are escaped


def _rows(solutions, variables: list[str], max_rows: int):
    n = 0
    for sol in solutions:
        n += 1
        if n > max_rows:
            raise OverCap(n)
        yield [sol[v] for v in variables]


class _Buffered:
    """Collects small writes into CHUNK-sized writes to ``out``."""

    def __init__(self, out: BinaryIO):
        self.out, self.parts, self.size = out, [], 0

    def write(self, s: str) -> None:
        b = s.encode("utf-8")
        self.parts.append(b)
        self.size += len(b)
        if self.size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write(b"".join(self.parts))
            self.parts, self.size = [], 0


def write_solutions(solutions, fmt: str, out: BinaryIO, max_rows: int) -> int:
    """Write a SELECT result in ``fmt`` (json, xml, csv, tsv); returns the row count or raises OverCap."""
    variables = [v.value for v in solutions.variables]
    w, n = _Buffered(out), 0
    if fmt == "json":
        w.write(json.dumps({"head": {"vars": variables}}, separators=(",", ":"))[:-1] + ',"results":{"bindings":[')
        for row in _rows(solutions, variables, max_rows):
            w.write(("," if n else "") + json.dumps({v: _json_term(t) for v, t in zip(variables, row) if t is not None},
                                                    ensure_ascii=False, separators=(",", ":")))
            n += 1
        w.write("]}}")
    elif fmt == "xml":
        w.write('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
                + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>")
        for row in _rows(solutions, variables, max_rows):
            w.write("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                         for v, t in zip(variables, row) if t is not None) + "</result>")
            n += 1
        w.write("</results></sparql>")
    elif fmt == "csv":
        w.write(",".join(variables) + "\r\n")
        for row in _rows(solutions, variables, max_rows):
            w.write(",".join(_csv_cell(t) for t in row) + "\r\n")
            n += 1
    elif fmt == "tsv":
        w.write("\t".join("?" + v for v in variables) + "\n")
        for row in _rows(solutions, variables, max_rows):
            w.write("\t".join(_tsv_cell(t) for t in row) + "\n")
            n += 1
    else:
        raise ValueError(f"unknown result format {fmt!r}")
    w.flush()
    return n


def write_triples(triples: Iterable, fmt: str, out: BinaryIO, max_rows: int) -> int:
    """Write a CONSTRUCT/DESCRIBE result in ``fmt`` (turtle, ntriples, jsonld); returns the triple count."""
    count = [0]

    def counted():
        for t in triples:
            count[0] += 1
            if count[0] > max_rows:
                raise OverCap(count[0])
            yield t

    serialize(counted(), out, format=RDF_FORMATS[fmt])
    return count[0]


def write_boolean(result, fmt: str, out: BinaryIO) -> None:
    """Write an ASK result in ``fmt``."""
    out.write(result.serialize(format=BOOLEAN_FORMATS[fmt]))
