"""`kg serve`: the built store behind a read-only SPARQL 1.1 endpoint, guarded for a lab network.

The engine is Oxigraph (pyoxigraph) in a pool of sandboxed query processes
(kg.views.query_pool): no engine port exists, so the only way in is this front. The front
speaks the SPARQL 1.1 Protocol at ``/sparql`` and refuses what must not reach the engine:
oversized or malformed requests, deep nesting, updates and ``SERVICE`` (decided from a parse,
kg.views.sparql_check). Rows are counted against a cap as they are produced (an error,
never a silent cut); format negotiation (``Accept`` or ``format=``); CORS only for origins
given with ``--cors``; an HTML page at ``/``, the HTML graph under ``/html/``, and mounted
apps (the review pages of kg.views.review_app) behind the same request checks.
"""
from __future__ import annotations

import html
import mimetypes
import os
import shutil
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import KgError, ServeError
from ..graph.store import STORE_DIR
from ..outputs import recover
from ..settings import SETTINGS
from .query import load_query, query_names
from .query_pool import QueryPool
from .sparql_check import too_deep

RESULT_FORMATS = {  # name -> media type
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
}
_FORMAT_ALIASES = {"application/json": "json", "text/plain": "ntriples", "application/xml": "xml",
                   "text/xml": "xml", "nt": "ntriples", "ttl": "turtle", "json-ld": "jsonld"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def _default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Limits:
    """What the endpoint refuses to exceed (0 for the time limit: none); defaults are kg.settings'.

    ``workers`` query processes run at once, each capped at ``memory_mb`` of address space
    beyond what it uses idle; ``max_connections`` clients are served at once (more get 503).
    """

    timeout_s: float = SETTINGS["timeout"].default
    max_rows: int = SETTINGS["max_rows"].default
    max_request_bytes: int = SETTINGS["max_request_bytes"].default
    workers: int = 0               # 0: 2 to 4 by the number of cores
    memory_mb: int = 2048
    max_connections: int = 256


def _pick(accept: str, fmt: str | None, graph: bool) -> str:
    table = GRAPH_FORMATS if graph else RESULT_FORMATS
    if fmt:
        f = _FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
        if f in table:
            return f
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for name, mt in table.items():
            if media == mt:
                return name
        alias = _FORMAT_ALIASES.get(media)
        if alias in table:
            return alias
    return "turtle" if graph else "json"


def _page(out: Path) -> bytes:
    examples = []
    for name in query_names():
        try:
            text = load_query(name)
        except KgError:
            continue
        examples.append(f'<option value="{html.escape(text, quote=True)}">{html.escape(name)}</option>')
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>icans-kg SPARQL</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}} textarea{{width:100%;height:14em;font-family:monospace}}</style>
</head><body><h1>icans-kg SPARQL endpoint</h1>
<p>SPARQL 1.1 Protocol at <code>/sparql</code> (GET <code>?query=</code>, POST form or <code>application/sparql-query</code>;
results as JSON, XML, CSV, TSV by <code>Accept</code> or <code>format=</code>). Read-only.
<a href="html/index.html">Browse the graph</a>.</p>
<form method="post" action="sparql"><label>Competency questions:
<select id="ex" onchange="document.getElementById('q').value=this.value">{''.join(examples)}</select></label>
<textarea id="q" name="query">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10</textarea>
<select name="format"><option>csv</option><option>json</option><option>xml</option><option>tsv</option></select>
<button>Run</button></form></body></html>
""".encode("utf-8")


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 1024   # the listen backlog: bursts of clients wait instead of being reset
    daemon_threads = True

    def __init__(self, address, handler, max_connections: int):
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                b"Content-Length: 38\r\nConnection: close\r\n\r\ntoo many connections; try again later\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class SparqlServer:
    """The query pool plus the guarding front; ``start()`` returns once it answers."""

    def __init__(self, out: Path, host: str = "127.0.0.1", port: int = 7878, limits: Limits = Limits(),
                 apps: tuple = (), cors: str | None = None):
        self.out = Path(out)
        self.host, self.port, self.limits = host, port, limits
        self.apps = tuple(apps)   # mounted pages (kg.views.review_app): handles(path), get(path), post(path, headers, body)
        self.cors = tuple(o.strip() for o in (cors or "").split(",") if o.strip())
        self.pool: QueryPool | None = None
        self.httpd: _HTTPServer | None = None
        self.page = b""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/sparql"

    def start(self) -> "SparqlServer":
        recover(self.out)
        store = self.out / STORE_DIR
        if not store.is_dir():
            raise ServeError(f"{store}: no built graph here; run `kg build --out {self.out}` first")
        workers = self.limits.workers or _default_workers()
        self.pool = QueryPool(store, workers, self.limits.memory_mb << 20).start()
        self.page = _page(self.out)   # built once: the competency questions do not change while serving
        handler = type("Handler", (_Handler,), {"server_ref": self})
        try:
            self.httpd = _HTTPServer((self.host, self.port), handler, self.limits.max_connections)
        except OSError as e:
            self.stop()
            raise ServeError(f"cannot listen on {self.host}:{self.port} ({e.strerror}); choose another --port") from None
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.pool is not None:
            self.pool.stop()
            self.pool = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server_ref: SparqlServer
    protocol_version = "HTTP/1.1"
    timeout = 60   # a client that sends nothing for a minute is dropped

    def log_message(self, fmt, *args):  # keep the terminal quiet; errors go to clients
        pass

    def _cors_headers(self) -> dict:
        allowed = self.server_ref.cors
        origin = self.headers.get("Origin", "")
        if "*" in allowed:
            return {"Access-Control-Allow-Origin": "*"}
        if origin and origin in allowed:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _head(self, status: int, ctype: str, length: int, extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (self._cors_headers() | (extra or {})).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8", extra=None) -> None:
        self._head(status, ctype, len(body), extra)
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, close: bool = False) -> None:
        if close:   # the request body was not read: it must not be taken for the next request
            self.close_connection = True
        self._send(status, (message + "\n").encode("utf-8"))

    def _host_ok(self) -> bool:
        """On a loopback address, only loopback Host names (no DNS rebinding of a web page onto the endpoint)."""
        if self.server_ref.host not in LOOPBACK_NAMES:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in LOOPBACK_NAMES

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if not self._host_ok():
            self._error(421, "this endpoint answers only to localhost / 127.0.0.1 (Host header refused)", close=True)
            return False
        return True

    def do_OPTIONS(self):
        self._send(204, b"", extra={"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                    "Access-Control-Allow-Headers": "Content-Type, Accept"} if self._cors_headers() else {})

    def _mounted(self, path: str):
        return next((a for a in self.server_ref.apps if a.handles(path)), None)

    def _reply(self, r) -> None:
        """A mounted app's answer, sent without CORS headers (its pages are not for other sites)."""
        self.send_response(r.status)
        for k, v in (("Content-Type", r.ctype), ("Content-Length", str(len(r.body))), ("X-Content-Type-Options", "nosniff"),
                     ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY")):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(r.body)

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        app = self._mounted(parsed.path)
        if app is not None:
            return self._reply(app.get(parsed.path))
        if parsed.path in ("/", "/index.html"):
            return self._send(200, self.server_ref.page, "text/html; charset=utf-8")
        if parsed.path.startswith("/html/"):
            return self._static(parsed.path[len("/html/"):])
        if parsed.path != "/sparql":
            return self._error(404, "not found; the SPARQL endpoint is /sparql")
        params = urllib.parse.parse_qs(parsed.query)
        if "update" in params:
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        if "query" not in params:
            return self._error(400, "missing query parameter: /sparql?query=...")
        self._run(params["query"][0], params.get("format", [None])[0])

    do_HEAD = do_GET

    def _body(self) -> bytes | None:
        """The request body, or None after answering 400/411/413."""
        limits = self.server_ref.limits
        if self.headers.get("Transfer-Encoding"):
            self._error(411, "send the request body with a Content-Length (chunked bodies are not accepted)", close=True)
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            self._error(411, "a POST needs a Content-Length header", close=True)
            return None
        if not raw.strip().isdigit():
            self._error(400, f"invalid Content-Length {raw[:40]!r}: a non-negative integer is required", close=True)
            return None
        length = int(raw)
        if length > limits.max_request_bytes:
            self._error(413, f"request body of {length} bytes is over this endpoint's cap of "
                             f"{limits.max_request_bytes} bytes", close=True)
            return None
        data = self.rfile.read(length)
        if len(data) < length:
            self.close_connection = True
            return None
        return data

    def do_POST(self):
        data = self._body()
        if data is None:
            return
        path = urllib.parse.urlsplit(self.path)
        app = self._mounted(path.path)
        if app is not None:
            return self._reply(app.post(path.path, self.headers, data))
        try:
            body = data.decode("utf-8")
        except UnicodeDecodeError as e:
            return self._error(400, f"request body is not UTF-8 (byte {e.start})")
        if path.path != "/sparql":
            return self._error(404, "not found; the SPARQL endpoint is /sparql")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        qs = urllib.parse.parse_qs(path.query)
        if ctype == "application/sparql-update":
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        if ctype == "application/sparql-query":
            return self._run(body, qs.get("format", [None])[0])
        form = urllib.parse.parse_qs(body)
        if "update" in form:
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        if "query" not in form:
            return self._error(400, "missing query: POST a form with query=... or application/sparql-query")
        self._run(form["query"][0], (form.get("format") or qs.get("format") or [None])[0])

    def _static(self, quoted: str) -> None:
        rel = urllib.parse.unquote(quoted, errors="replace")
        if "\x00" in rel:
            return self._error(404, "not found")
        root = (self.server_ref.out / "html").resolve()
        try:
            target = (root / rel).resolve()
            ok = root in target.parents and target.is_file()
        except (OSError, ValueError):
            ok = False
        if not ok:
            return self._error(404, "not found")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        with open(target, "rb") as f:
            self._head(200, ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""), os.fstat(f.fileno()).st_size)
            if self.command != "HEAD":
                shutil.copyfileobj(f, self.wfile, 1 << 16)

    def _run(self, query: str, fmt: str | None) -> None:
        server = self.server_ref
        limits = server.limits
        if len(query.encode("utf-8")) > limits.max_request_bytes:
            return self._error(413, f"query over {limits.max_request_bytes} bytes")
        why = too_deep(query)
        if why:
            return self._error(400, why)
        accept = self.headers.get("Accept", "")
        answer = server.pool.run(query, _pick(accept, fmt, graph=False), _pick(accept, fmt, graph=True),
                                 limits.max_rows, limits.timeout_s or None)
        if answer.status != 200:
            return self._error(answer.status, answer.message)
        media = RESULT_FORMATS.get(answer.format) or GRAPH_FORMATS[answer.format]
        try:
            self._head(200, media + "; charset=utf-8", answer.size)
            if self.command != "HEAD":
                shutil.copyfileobj(answer.body, self.wfile, 1 << 16)
        finally:
            answer.body.close()
