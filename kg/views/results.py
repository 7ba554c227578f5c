"""Query results: the Result record and the registry of formats it prints in (table, csv, json)."""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass

from ..errors import QueryError
from ..ontology import NS

XSD = "http://www.w3.org/2001/XMLSchema#"


# numeric datatypes: XSD's, and icans:fraction (a decimal written with three decimals, see ontology/schema.ttl)
NUMBER_TYPES = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                   "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                   "nonPositiveInteger", "unsignedInt", "unsignedLong")} | {NS + "fraction"}
KINDS = ("text", "iri", "number")


@dataclass(frozen=True)
class Result:
    """The rows of a SELECT, every cell a string ('' when unbound).

    ``kinds`` says what each cell was (``text``, ``iri`` or ``number``, row by row); formats use it
    to keep IRIs whole in tables and to write numbers as JSON numbers. Empty: every cell is text.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kinds: tuple[tuple[str, ...], ...] = ()

    def kind(self, i: int, j: int) -> str:
        return self.kinds[i][j] if self.kinds else "text"


def _csv(r: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(r.columns)
    w.writerows(r.rows)
    return buf.getvalue()


def _number(text: str):
    """A numeric cell as a JSON number (int when integral), or the text when it is no finite number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _json(r: Result) -> str:
    rows = [{c: _number(v) if v and r.kind(i, j) == "number" else v for j, (c, v) in enumerate(zip(r.columns, row))}
            for i, row in enumerate(r.rows)]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


TEXT_WIDTH = 60   # a text cell longer than this is cut with "..."; IRIs and numbers never are


def _shown(value: str, kind: str) -> str:
    # one row, one line: control characters are escaped, never printed
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if kind == "text" and len(value) > TEXT_WIDTH:
        return value[:TEXT_WIDTH - 3] + "..."
    return value


def _table(r: Result) -> str:
    cells = [[_shown(v, r.kind(i, j)) for j, v in enumerate(row)] for i, row in enumerate(r.rows)]
    widths = [max([len(c)] + [len(row[j]) for row in cells]) for j, c in enumerate(r.columns)]

    def line(vals):
        return "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()
    out = [line(r.columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    out.append(f"({len(r.rows)} row{'s' if len(r.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


FORMATS = {"table": _table, "csv": _csv, "json": _json}


def format_result(r: Result, fmt: str) -> str:
    try:
        return FORMATS[fmt](r)
    except KeyError:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
