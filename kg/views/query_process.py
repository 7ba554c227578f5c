"""One query process of `kg serve`: sandboxed Oxigraph over the built store, speaking frames on stdin/stdout.

Started by kg.views.query_pool as ``python -m kg.views.query_process STORE PARENT_PID MEMORY_BYTES``.
It opens the store read-only, then confines itself (kg.views.sandbox: no network sockets,
an address-space cap, killed with its parent) and answers requests one at a time on a
thread with a 1 GiB stack, so that neither rdflib's parser nor Oxigraph's recursion can
overflow it within the endpoint's request-size cap. Each request is checked
(kg.views.sparql_check) before the engine sees it; rows are streamed back as they come
(kg.views.streams). Frames: one type byte, a 4-byte big-endian length, the payload.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import threading
from collections import OrderedDict

READY, REQUEST, DATA, END = b"R", b"Q", b"D", b"E"
STACK_BYTES = 1 << 30
_HEADER = struct.Struct(">cI")


def write_frame(f, kind: bytes, payload: bytes) -> None:
    f.write(_HEADER.pack(kind, len(payload)) + payload)
    f.flush()


def read_frame(f) -> tuple[bytes, bytes] | None:
    head = f.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    kind, n = _HEADER.unpack(head)
    payload = f.read(n)
    return (kind, payload) if len(payload) == n else None


class _DataWriter:
    """A file-like sink that sends what is written as DATA frames."""

    def __init__(self, out):
        self.out = out

    def write(self, b) -> int:
        if b:
            write_frame(self.out, DATA, bytes(b))
        return len(b)

    def flush(self) -> None:
        pass


def _syntax_message(e: SyntaxError) -> str:
    import re

    m = re.match(r"error at (\d+):(\d+): (.*)", str(e), re.S)
    return f"invalid SPARQL at line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m else f"invalid SPARQL: {e}"


class _Engine:
    """The store and the request loop of this process."""

    def __init__(self, store, out):
        self.store, self.out = store, out
        self.refusals: OrderedDict[str, tuple[int, str] | None] = OrderedDict()   # verdicts by query text

    def refusal(self, query: str):
        from .sparql_check import refusal

        if query in self.refusals:
            self.refusals.move_to_end(query)
            return self.refusals[query]
        verdict = refusal(query)
        self.refusals[query] = verdict
        if len(self.refusals) > 256:
            self.refusals.popitem(last=False)
        return verdict

    def answer(self, req: dict) -> dict:
        from pyoxigraph import QueryBoolean, QuerySolutions

        from .streams import OverCap, write_boolean, write_solutions, write_triples

        query, cap = req["query"], req["max_rows"]
        try:
            refused = self.refusal(query)
        except RecursionError:
            refused = (400, "query too deeply nested to check; flatten it")
        if refused:
            return {"status": refused[0], "message": refused[1]}
        sink, what = _DataWriter(self.out), "rows"
        try:
            res = self.store.query(query, use_default_graph_as_union=True)
            if isinstance(res, QuerySolutions):
                rows = write_solutions(res, req["result"], sink, cap)
                return {"status": 200, "format": req["result"], "rows": rows}
            if isinstance(res, QueryBoolean):
                write_boolean(res, req["result"], sink)
                return {"status": 200, "format": req["result"], "rows": 1}
            what = "triples"
            rows = write_triples(res, req["graph"], sink, cap)
            return {"status": 200, "format": req["graph"], "rows": rows}
        except OverCap as e:
            return {"status": 413, "message": f"result has more than {cap} {what} (counted {e.rows}), over this "
                                              f"endpoint's cap of {cap}; add LIMIT/OFFSET to page through it"}
        except SyntaxError as e:
            return {"status": 400, "message": _syntax_message(e)}
        except MemoryError:
            return {"status": 503, "message": "the query needed more memory than this endpoint allows; narrow it"}
        except (OSError, ValueError, TypeError, RuntimeError) as e:
            return {"status": 400, "message": f"query failed: {str(e)[:1000]}"}

    def loop(self, requests) -> None:
        while True:
            frame = read_frame(requests)
            if frame is None:
                return   # the pool closed the pipe
            end = self.answer(json.loads(frame[1]))
            write_frame(self.out, END, json.dumps(end).encode("utf-8"))


def main(argv: list[str]) -> int:
    from pyoxigraph import Store

    from . import sandbox

    store_path, parent, memory = argv[0], int(argv[1]), int(argv[2])
    sandbox.die_with_parent(parent)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # stray prints go to stderr, never into the frames
    requests = os.fdopen(os.dup(0), "rb")
    try:
        import rdflib.plugins.sparql.algebra  # noqa: F401  loaded now, not at the first request
        store = Store.read_only(store_path)
    except (OSError, ImportError) as e:
        write_frame(out, END, json.dumps({"status": 500, "message": f"cannot open the store: {e}"}).encode())
        return 1
    confined = sandbox.deny_network()
    sys.setrecursionlimit(100_000)
    threading.stack_size(STACK_BYTES)
    engine = _Engine(store, out)

    def serve():
        if memory:
            sandbox.limit_memory(memory)
        write_frame(out, READY, json.dumps({"pid": os.getpid(), "no_network": confined}).encode())
        engine.loop(requests)

    t = threading.Thread(target=serve, name="query")
    t.start()
    t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
