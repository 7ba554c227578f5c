"""Competency questions (ontology/queries/*.rq) and any SELECT over the built store, with a time limit."""
from __future__ import annotations

import re
import threading
import traceback
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from ..errors import KgError, QueryError
from ..graph.store import open_store
from ..ontology import ontology_dir
from .results import NUMBER_TYPES, Result
from .sparql_check import too_deep

STACK_BYTES = 1 << 30   # Oxigraph recurses on long chains (5,000 BINDs overflow a normal 8 MB stack)

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def query_names() -> list[str]:
    return sorted(p.stem for p in queries_dir().glob("*.rq"))


def load_query(name_or_path: str) -> str:
    """The SPARQL text of a competency question name or of a .rq file."""
    known = f"known: {', '.join(query_names())}"
    if NAME_RE.match(name_or_path) and len(name_or_path) <= 100:
        path = queries_dir() / f"{name_or_path}.rq"
        if path.is_file():
            return _read_query(path)
        if not Path(name_or_path).exists():
            raise QueryError(f"unknown query {name_or_path!r}; {known}")
    shown = name_or_path if len(name_or_path) <= 80 else name_or_path[:77] + "..."
    p = Path(name_or_path)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError as e:   # e.g. a name longer than the file system allows
        raise QueryError(f"{shown!r}: not a query name nor a readable .rq file ({e.strerror}); {known}") from None
    if is_dir:
        raise QueryError(f"{shown}: is a directory; give a .rq file or a question name ({known})")
    if not exists:
        if name_or_path.endswith(".rq"):
            raise QueryError(f"{shown}: no such query file")
        raise QueryError(f"unknown query {shown!r}; {known}")
    return _read_query(p)


def _read_query(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise QueryError(f"{path}: not UTF-8 (byte {e.start}); save the query as UTF-8") from None
    except OSError as e:
        raise QueryError(f"{path}: cannot read ({e.strerror})") from None


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
    why = too_deep(sparql)
    if why:
        raise QueryError(why + "; flatten it")
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
        try:
            status, value = parent.recv()
        except EOFError:   # the child died without answering (a crash in the engine)
            proc.join()
            raise QueryError(f"the query engine stopped on this query (exit {proc.exitcode}); simplify it") from None
    finally:
        parent.close()
        proc.join(timeout=5)
    if status == "error":
        raise QueryError(value)
    return value


def _run(out: Path, sparql: str, bindings: dict[str, str] | None = None) -> Result:
    """``_evaluate`` on a thread with a big stack (see STACK_BYTES)."""
    box: dict = {}

    def work():
        try:
            box["result"] = _evaluate(out, sparql, bindings)
        except BaseException as e:   # re-raised in the caller's thread, without this thread's frames
            box["error"] = _detached(e)

    old = threading.stack_size(STACK_BYTES)
    try:
        t = threading.Thread(target=work, name="query")
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _detached(e: BaseException) -> BaseException:
    """``e`` without the frames that raised it, its traceback kept as text in a note.

    The frames hold the store's result objects, which pyoxigraph must free on the thread that made
    them; an exception carried to another thread would free them there ("unsendable ... dropped on
    another thread").
    """
    if not isinstance(e, KgError):   # a bug: keep where it happened
        e.add_note("".join(traceback.format_exception(e)).rstrip())
    e.__context__ = e.__cause__ = None
    return e.with_traceback(None)


def _evaluate(out: Path, sparql: str, bindings: dict[str, str] | None = None) -> Result:
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
    try:
        if not isinstance(res, QuerySolutions):
            raise QueryError("only SELECT queries can be printed as a table; use the endpoint for CONSTRUCT/ASK")
        cols = tuple(v.value for v in res.variables)
        cells = [[_cell(sol[c]) for c in cols] for sol in res]
    finally:
        # the engine's result must be freed here, on the thread that made it, whatever keeps this frame alive
        del res
    return Result(cols, tuple(tuple(v for v, _ in row) for row in cells), tuple(tuple(k for _, k in row) for row in cells))
