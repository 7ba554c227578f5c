"""`kg serve`: the built store behind a real SPARQL server, guarded for a lab network.

The engine is the Oxigraph server (``oxigraph serve-read-only``, from the ``oxigraph``
PyPI package) on an internal loopback port. A thin front on the public address speaks
the SPARQL 1.1 Protocol at ``/sparql`` and adds what the engine lacks: updates and
``SERVICE`` refused, a request-size cap, a result-size cap that answers with an error
instead of silently cutting rows, format negotiation (``Accept`` or ``format=``), CORS,
an HTML page at ``/`` and the HTML graph under ``/html/``.
"""
from __future__ import annotations

import html
import json
import math
import mimetypes
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results, serialize

from ..errors import KgError, ServeError
from ..graph.store import STORE_DIR
from ..settings import SETTINGS
from .query import load_query, query_names

RESULT_FORMATS = {  # name -> (media type, pyoxigraph format)
    "json": ("application/sparql-results+json", QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", QueryResultsFormat.XML),
    "csv": ("text/csv", QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", QueryResultsFormat.TSV),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", RdfFormat.JSON_LD),
}
_FORMAT_ALIASES = {"application/json": "json", "text/plain": "ntriples", "application/xml": "xml",
                   "text/xml": "xml", "nt": "ntriples", "ttl": "turtle", "json-ld": "jsonld"}


@dataclass(frozen=True)
class Limits:
    """What the endpoint refuses to exceed (0 for the time limit: none); defaults are kg.settings'."""

    timeout_s: float = SETTINGS["timeout"].default
    max_rows: int = SETTINGS["max_rows"].default
    max_request_bytes: int = SETTINGS["max_request_bytes"].default


def _strip_literals(q: str) -> str:
    """The query without strings, IRIs and comments (so keywords inside them are ignored)."""
    q = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', q)
    q = re.sub(r"<[^<>\s]*>", "<>", q)
    return re.sub(r"#[^\n]*", "", q)


def check_query(q: str) -> str | None:
    """Why a query is refused, or None."""
    bare = _strip_literals(q)
    if re.search(r"\bSERVICE\b", bare, re.I):
        return "SERVICE (federated query) is disabled on this endpoint"
    if re.search(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", bare, re.I) and \
            not re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", bare, re.I):
        return "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is refused"
    return None


def _pick(accept: str, fmt: str | None, graph: bool) -> str:
    table = GRAPH_FORMATS if graph else RESULT_FORMATS
    if fmt:
        f = _FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
        if f in table:
            return f
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for name, (mt, _) in table.items():
            if media == mt:
                return name
        alias = _FORMAT_ALIASES.get(media)
        if alias in table:
            return alias
    return "turtle" if graph else "json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class SparqlServer:
    """The Oxigraph engine plus the guarding front; ``start()`` returns once it answers."""

    def __init__(self, out: Path, host: str = "127.0.0.1", port: int = 7878, limits: Limits = Limits(),
                 apps: tuple = ()):
        self.out = Path(out)
        self.host, self.port, self.limits = host, port, limits
        self.apps = tuple(apps)   # mounted pages (kg.views.review_app): handles(path), get(path), post(path, headers, body)
        self.engine: subprocess.Popen | None = None
        self.httpd: ThreadingHTTPServer | None = None
        self.engine_url = ""
        self.page = b""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/sparql"

    def start(self) -> "SparqlServer":
        store = self.out / STORE_DIR
        if not store.is_dir():
            raise ServeError(f"{store}: no built graph here; run `kg build --out {self.out}` first")
        exe = shutil.which("oxigraph")
        if not exe:
            raise ServeError("the `oxigraph` server is not installed; `pip install oxigraph`")
        eport = _free_port()
        self.engine_url = f"http://127.0.0.1:{eport}"
        # the engine counts whole seconds
        limit = ["--timeout-s", str(max(1, math.ceil(self.limits.timeout_s)))] if self.limits.timeout_s else []
        self.engine = subprocess.Popen(
            [exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{eport}",
             "--union-default-graph", *limit],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(self.engine_url + "/query?query=ASK%7B%7D", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.engine.poll() is not None or time.time() > deadline:
                    err = self.engine.stderr.read().decode(errors="replace") if self.engine.stderr else ""
                    self.stop()
                    raise ServeError(f"the Oxigraph server did not start: {err.strip()[:500]}") from None
                time.sleep(0.05)
        self.page = _page(self.out)   # built once: the competency questions do not change while serving
        handler = type("Handler", (_Handler,), {"server_ref": self})
        try:
            self.httpd = ThreadingHTTPServer((self.host, self.port), handler)
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
        if self.engine is not None:
            self.engine.terminate()
            try:
                self.engine.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.engine.kill()
                self.engine.wait()
            if self.engine.stderr:
                self.engine.stderr.close()
            self.engine = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server_ref: SparqlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep the terminal quiet; errors go to clients
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8", extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message + "\n").encode("utf-8"))

    def do_OPTIONS(self):
        self._send(204, b"", extra={"Access-Control-Allow-Methods": "GET, POST, OPTIONS"})

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
            return self._static(urllib.parse.unquote(parsed.path[len("/html/"):]))
        if parsed.path != "/sparql":
            return self._error(404, "not found; the SPARQL endpoint is /sparql")
        params = urllib.parse.parse_qs(parsed.query)
        if "update" in params:
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        if "query" not in params:
            return self._error(400, "missing query parameter: /sparql?query=...")
        self._run(params["query"][0], params.get("format", [None])[0])

    def do_POST(self):
        limits = self.server_ref.limits
        length = int(self.headers.get("Content-Length") or 0)
        if length > limits.max_request_bytes:
            return self._error(413, f"request body over {limits.max_request_bytes} bytes")
        path = urllib.parse.urlsplit(self.path)
        app = self._mounted(path.path)
        if app is not None:
            return self._reply(app.post(path.path, self.headers, self.rfile.read(length)))
        body = self.rfile.read(length).decode("utf-8", errors="replace")
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

    def _static(self, rel: str) -> None:
        root = (self.server_ref.out / "html").resolve()
        target = (root / rel).resolve()
        if root not in target.parents or not target.is_file():
            return self._error(404, "not found")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, target.read_bytes(), ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""))

    def _run(self, query: str, fmt: str | None) -> None:
        limits = self.server_ref.limits
        if len(query.encode("utf-8")) > limits.max_request_bytes:
            return self._error(413, f"query over {limits.max_request_bytes} bytes")
        why = check_query(query)
        if why:
            return self._error(403 if "read-only" in why else 400, why)
        req = urllib.request.Request(
            self.server_ref.engine_url + "/query", data=query.encode("utf-8"), method="POST",
            headers={"Content-Type": "application/sparql-query",
                     "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        try:
            with urllib.request.urlopen(req, timeout=limits.timeout_s + 5 if limits.timeout_s else None) as resp:
                data, ctype = resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            msg = e.read().decode("utf-8", errors="replace").strip()
            if "timeout" in msg.lower() or e.code in (408, 503, 504):
                return self._error(503, f"query timed out after {limits.timeout_s:g} s (the endpoint's time limit)")
            return self._error(400 if e.code < 500 else 500, f"query failed: {msg[:1000]}")
        except (TimeoutError, socket.timeout):
            return self._error(503, f"query timed out after {limits.timeout_s:g} s (the endpoint's time limit)")
        accept = self.headers.get("Accept", "")
        if "n-triples" in ctype:
            triples = list(parse(data, format=RdfFormat.N_TRIPLES))
            if len(triples) > limits.max_rows:
                return self._error(413, f"result has {len(triples)} triples, over this endpoint's cap of "
                                        f"{limits.max_rows}; narrow the query or use LIMIT")
            name = _pick(accept, fmt, graph=True)
            media, rdf_format = GRAPH_FORMATS[name]
            return self._send(200, serialize(triples, format=rdf_format), media + "; charset=utf-8")
        results = parse_query_results(data, format=QueryResultsFormat.JSON)
        if not hasattr(results, "variables"):
            name = _pick(accept, fmt, graph=False)
            media, qformat = RESULT_FORMATS[name]
            return self._send(200, results.serialize(format=qformat), media + "; charset=utf-8")
        count = len(json.loads(data)["results"]["bindings"])
        if count > limits.max_rows:
            return self._error(413, f"result has {count} rows, over this endpoint's cap of {limits.max_rows}; "
                                    "add LIMIT/OFFSET to page through it")
        name = _pick(accept, fmt, graph=False)
        media, qformat = RESULT_FORMATS[name]
        if name == "json":
            return self._send(200, data, media + "; charset=utf-8")
        results = parse_query_results(data, format=QueryResultsFormat.JSON)
        self._send(200, results.serialize(format=qformat), media + "; charset=utf-8")
