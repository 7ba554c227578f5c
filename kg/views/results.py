"""Query results: the Result record and the registry of formats it prints in (table, csv, json)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from ..errors import QueryError


@dataclass(frozen=True)
class Result:
    """The rows of a SELECT, every cell a string ('' when unbound)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _csv(r: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(r.columns)
    w.writerows(r.rows)
    return buf.getvalue()


def _json(r: Result) -> str:
    return json.dumps([dict(zip(r.columns, row)) for row in r.rows], indent=2, ensure_ascii=False) + "\n"


def _table(r: Result) -> str:
    widths = [max([len(c)] + [len(row[i]) for row in r.rows]) for i, c in enumerate(r.columns)]
    widths = [min(w, 60) for w in widths]

    def line(vals):
        return "  ".join((v if len(v) <= 60 else v[:57] + "...").ljust(w) for v, w in zip(vals, widths)).rstrip()
    out = [line(r.columns), line(["-" * w for w in widths])] + [line(row) for row in r.rows]
    out.append(f"({len(r.rows)} row{'s' if len(r.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


FORMATS = {"table": _table, "csv": _csv, "json": _json}


def format_result(r: Result, fmt: str) -> str:
    try:
        return FORMATS[fmt](r)
    except KeyError:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
