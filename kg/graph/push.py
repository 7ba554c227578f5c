"""`kg push`: upload each paper's named graph to any SPARQL store (Graph Store HTTP Protocol).

Each graph is sent with PUT ``ENDPOINT?graph=IRI`` (replace), so pushing twice leaves the
remote store as after one push. The ontology goes to its own graph so queries that use
labels work remotely too.
"""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from pyoxigraph import RdfFormat, parse, serialize

from ..errors import PushError
from ..ontology import ontology_dir
from ..outputs import recover
from .iris import ONTOLOGY_GRAPH


def _put(endpoint: str, graph: str, body: bytes, ctype: str, timeout: float) -> None:
    sep = "&" if "?" in endpoint else "?"
    url = f"{endpoint}{sep}{urllib.parse.urlencode({'graph': graph})}"
    req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            if resp.status not in (200, 201, 204):
                raise PushError(f"{url}: unexpected HTTP {resp.status}")
    except urllib.error.HTTPError as e:
        raise PushError(f"{endpoint}: HTTP {e.code} for graph <{graph}>: "
                        f"{e.read().decode('utf-8', 'replace')[:300]}") from None
    except urllib.error.URLError as e:
        raise PushError(f"{endpoint}: cannot connect ({e.reason}); is the store running?") from None
    except (OSError, ValueError) as e:   # reset connections, invalid header values, ...
        raise PushError(f"{endpoint}: the upload failed ({e}); is it a Graph Store Protocol endpoint?") from None


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
    """Push every paper graph under ``out/rdf``, the synthesis graph and the ontology; returns the number of graphs."""
    check_endpoint(endpoint)
    recover(out)
    folder = Path(out) / "rdf"
    files = sorted(folder.glob("*.nq"))
    if not files:
        raise PushError(f"{folder}: no built graphs; run `kg build --out {out}` first")
    files += [p for p in [Path(out) / "synthesis" / "graph.nq"] if p.exists()]   # summaries, links, checks
    onto = b"".join((ontology_dir() / n).read_bytes() + b"\n" for n in ("icans.ttl", "schema.ttl"))
    triples = list(parse(onto, format=RdfFormat.TURTLE))
    _put(endpoint, ONTOLOGY_GRAPH, serialize(triples, format=RdfFormat.N_TRIPLES), "application/n-triples", timeout)
    for f in files:
        quads = list(parse(path=str(f), format=RdfFormat.N_QUADS))
        graphs = {q.graph_name.value for q in quads}
        for g in sorted(graphs):
            body = serialize([q.triple for q in quads if q.graph_name.value == g], format=RdfFormat.N_TRIPLES)
            _put(endpoint, g, body, "application/n-triples", timeout)
        if progress:
            progress(f"pushed {f.stem}")
    return len(files) + 1
