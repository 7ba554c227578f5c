"""Competency questions (ontology/queries/*.rq) and any SELECT over the built store, with a time limit."""
from __future__ import annotations

import re
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from ..errors import QueryError
from ..graph.store import open_store
from ..ontology import ontology_dir
from .results import NUMBER_TYPES, Result

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def query_names() -> list[str]:
    return sorted(p.stem for p in queries_dir().glob("*.rq"))


def load_query(name_or_path: str) -> str:
    """The SPARQL text of a competency question name or of a .rq file."""
    p = Path(name_or_path)
    if name_or_path.endswith(".rq") or p.exists():
        if not p.exists():
            raise QueryError(f"{p}: no such query file")
        return p.read_text(encoding="utf-8")
    if not NAME_RE.match(name_or_path):
        raise QueryError(f"unknown query {name_or_path!r}; known: {', '.join(query_names())}")
    path = queries_dir() / f"{name_or_path}.rq"
    if not path.exists():
        raise QueryError(f"unknown query {name_or_path!r}; known: {', '.join(query_names())}")
    return path.read_text(encoding="utf-8")


def _cell(term) -> tuple[str, str]:
    """(text, kind) of one result cell; kind is one of results.KINDS."""
    if term is None:
        return "", "text"
    if isinstance(term, Literal):
        return term.value, "number" if term.datatype.value in NUMBER_TYPES else "text"
    if isinstance(term, NamedNode):
        return term.value, "iri"
    return str(term), "text"


def run_query(out: Path, sparql: str, bindings: dict[str, str] | None = None,
              timeout: float | None = None) -> Result:
    """Run a SELECT over the store under ``out``; ``bindings`` substitute IRIs safely.

    With ``timeout`` (seconds) the query runs in a child process that is killed when time is up.
    """
    if timeout:
        return _run_with_timeout(out, sparql, bindings, timeout)
    return _run(out, sparql, bindings)


def _child(conn, out, sparql, bindings):
    try:
        conn.send(("ok", _run(out, sparql, bindings)))
    except QueryError as e:
        conn.send(("error", str(e)))
    finally:
        conn.close()


def _run_with_timeout(out, sparql, bindings, timeout: float) -> Result:
    import multiprocessing as mp

    open_store(out)  # fail fast, in this process, when nothing is built
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, out, sparql, bindings), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            proc.kill()
            proc.join()
            raise QueryError(f"query exceeded the time limit of {timeout:g} s; narrow it, add LIMIT, or raise --timeout")
        status, value = parent.recv()
    finally:
        parent.close()
        proc.join(timeout=5)
    if status == "error":
        raise QueryError(value)
    return value


def _run(out: Path, sparql: str, bindings: dict[str, str] | None = None) -> Result:
    store = open_store(out)
    try:
        subs = {Variable(k): NamedNode(v) for k, v in (bindings or {}).items()}
    except ValueError as e:
        raise QueryError(f"cannot bind: {e}; give a full IRI such as https://w3id.org/icans-kg/id/...") from None
    try:
        res = store.query(sparql, use_default_graph_as_union=True, substitutions=subs or None)
    except SyntaxError as e:
        m = re.match(r"error at (\d+):(\d+): (.*)", str(e), re.S)
        where = f" at line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m else f": {e}"
        raise QueryError(f"invalid SPARQL{where}") from None
    except ValueError as e:
        raise QueryError(f"cannot bind: {e}") from None
    if not isinstance(res, QuerySolutions):
        raise QueryError("only SELECT queries can be printed as a table; use the endpoint for CONSTRUCT/ASK")
    cols = tuple(v.value for v in res.variables)
    cells = [[_cell(sol[c]) for c in cols] for sol in res]
    return Result(cols, tuple(tuple(v for v, _ in row) for row in cells), tuple(tuple(k for _, k in row) for row in cells))
