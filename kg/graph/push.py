"""`kg push`: upload each paper's named graph to any SPARQL store (Graph Store HTTP Protocol).

Each graph is sent with PUT ``ENDPOINT?graph=IRI`` (replace), so pushing twice leaves the
remote store as after one push. The ontology goes to its own graph so queries that use
labels work remotely too. A manifest graph (``…/graph/manifest``) lists the paper graphs of
the last push; a paper removed from the corpus since then has its graph deleted, so the
remote store holds what the outputs hold.

Credentials never travel on the command line: ``KG_PUSH_USER``/``KG_PUSH_PASSWORD`` or the
endpoint host's entry in ``~/.netrc`` (``$NETRC``) answer the store's HTTP Basic or Digest
challenge (Virtuoso's ``/sparql-graph-crud-auth`` asks for Digest).
"""
from __future__ import annotations

import netrc
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from pyoxigraph import NamedNode, RdfFormat, Triple, parse, serialize

from ..errors import PushError
from ..ontology import NS, ontology_files
from ..outputs import recover
from .iris import ID, ONTOLOGY_GRAPH

MANIFEST_GRAPH = ID + "graph/manifest"
HAS_GRAPH = NS + "pushedGraph"


def credentials(endpoint: str) -> tuple[str, str] | None:
    """(user, password) from KG_PUSH_USER/KG_PUSH_PASSWORD, else from the netrc entry of the endpoint's host."""
    user, password = os.environ.get("KG_PUSH_USER"), os.environ.get("KG_PUSH_PASSWORD")
    if user and password is not None:
        return user, password
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if os.path.exists(path):
        try:
            entry = netrc.netrc(path).authenticators(host)
        except (netrc.NetrcParseError, OSError) as e:
            raise PushError(f"{path}: cannot read credentials ({e})") from None
        if entry and entry[0]:
            return entry[0], entry[2] or ""
    return None


class _Client:
    def __init__(self, endpoint: str, timeout: float):
        self.endpoint, self.timeout = endpoint, timeout
        handlers = []
        creds = credentials(endpoint)
        if creds:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, endpoint, *creds)
            handlers = [urllib.request.HTTPBasicAuthHandler(mgr), urllib.request.HTTPDigestAuthHandler(mgr)]
        self.opener = urllib.request.build_opener(*handlers)
        self.has_credentials = creds is not None

    def url(self, graph: str) -> str:
        sep = "&" if "?" in self.endpoint else "?"
        return f"{self.endpoint}{sep}{urllib.parse.urlencode({'graph': graph})}"

    def request(self, method: str, graph: str, body: bytes | None = None, ok=(200, 201, 204),
                missing_ok: bool = False) -> bytes | None:
        headers = {"Content-Type": "application/n-triples"} if body is not None else \
            {"Accept": "application/n-triples"} if method == "GET" else {}
        req = urllib.request.Request(self.url(graph), data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                if resp.status not in ok:
                    raise PushError(f"{self.endpoint}: unexpected HTTP {resp.status} for {method} of graph <{graph}>")
                return resp.read()
        except urllib.error.HTTPError as e:
            if missing_ok and e.code == 404:
                return None
            if e.code in (401, 403):
                hint = ("the store refused these credentials" if self.has_credentials else
                        "the store wants credentials: set KG_PUSH_USER and KG_PUSH_PASSWORD, or add the host to ~/.netrc")
                raise PushError(f"{self.endpoint}: HTTP {e.code} for graph <{graph}>; {hint}") from None
            raise PushError(f"{self.endpoint}: HTTP {e.code} for graph <{graph}>: "
                            f"{e.read().decode('utf-8', 'replace')[:300]}") from None
        except urllib.error.URLError as e:
            raise PushError(f"{self.endpoint}: cannot connect ({e.reason}); is the store running?") from None
        except (OSError, ValueError) as e:   # reset connections, invalid header values, ...
            raise PushError(f"{self.endpoint}: the request failed ({e}); is it a Graph Store Protocol endpoint?") from None


def _pushed_before(client: _Client) -> set[str]:
    body = client.request("GET", MANIFEST_GRAPH, missing_ok=True)
    if not body:
        return set()
    try:
        triples = parse(body, format=RdfFormat.N_TRIPLES)
        return {t.object.value for t in triples if t.predicate.value == HAS_GRAPH}
    except SyntaxError:   # a store that ignores Accept: Turtle is a superset of N-Triples
        triples = parse(body, format=RdfFormat.TURTLE)
        return {t.object.value for t in triples if t.predicate.value == HAS_GRAPH}


def check_endpoint(endpoint: str) -> None:
    """Refuse anything but an http(s) URL with a host (before any file is read)."""
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port   # raises ValueError on a port that is not a number
    except ValueError as e:
        raise PushError(f"--endpoint {endpoint!r}: not a URL ({e}); e.g. http://127.0.0.1:7879/store") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"--endpoint {endpoint!r}: not an http(s) URL with a host; e.g. http://127.0.0.1:7879/store")


def push(out: Path, endpoint: str, progress: Callable[[str], None] | None = None,
         timeout: float = 120) -> int:
    """Push every paper graph under ``out/rdf``, the synthesis graph and the ontology, delete graphs of removed
    papers; returns the number of files sent (the ontology counts as one)."""
    check_endpoint(endpoint)
    recover(out)
    folder = Path(out) / "rdf"
    files = sorted(folder.glob("*.nq"))
    if not files:
        raise PushError(f"{folder}: no built graphs; run `kg build --out {out}` first")
    files += [p for p in [Path(out) / "synthesis" / "graph.nq"] if p.exists()]   # summaries, links, checks
    client = _Client(endpoint, timeout)
    before = _pushed_before(client)
    onto = b"".join(f.read_bytes() + b"\n" for f in ontology_files())
    triples = list(parse(onto, format=RdfFormat.TURTLE))
    client.request("PUT", ONTOLOGY_GRAPH, serialize(triples, format=RdfFormat.N_TRIPLES))
    sent = set()
    for f in files:
        quads = list(parse(path=str(f), format=RdfFormat.N_QUADS))
        graphs = {q.graph_name.value for q in quads}
        for g in sorted(graphs):
            body = serialize([q.triple for q in quads if q.graph_name.value == g], format=RdfFormat.N_TRIPLES)
            client.request("PUT", g, body)
            sent.add(g)
        if progress:
            progress(f"pushed {f.stem}")
    for g in sorted(before - sent):
        client.request("DELETE", g, missing_ok=True)
        if progress:
            progress(f"deleted {g} (no longer in the outputs)")
    manifest = [Triple(NamedNode(MANIFEST_GRAPH), NamedNode(HAS_GRAPH), NamedNode(g)) for g in sorted(sent)]
    client.request("PUT", MANIFEST_GRAPH, serialize(manifest, format=RdfFormat.N_TRIPLES))
    return len(files) + 1
