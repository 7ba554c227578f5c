"""The review pages behind `kg serve`: GET a paper's page, POST decisions that write its curation.yaml.

Mounted at ``/review/`` by kg.views.serve. Writes are for the curator the server was started
with (``--curator``/``--orcid`` or the config file); without one the pages are read-only. A
write needs the server's token in an ``X-Review-Token`` header and a JSON body (so another site
cannot forge one from a form), and these routes send no CORS headers (another site cannot read
the token). Library errors come back as HTTP 400 with ``{"error": ...}``.
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..curation.curator import Curator
from ..errors import KgError
from ..ingest.corpus import paper_ids, validate_id

PREFIX = "/review"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, body and content type."""

    status: int
    body: bytes
    ctype: str = "application/json; charset=utf-8"


def _error(status: int, message: str) -> Reply:
    return Reply(status, json.dumps({"error": message}).encode("utf-8"))


class ReviewApp:
    """Review pages of the papers in ``corpus``; decisions signed by ``curator`` (None: read-only)."""

    def __init__(self, corpus: Path, curator: Curator | None, max_request_bytes: int = 100_000):
        self.corpus = Path(corpus)
        self.curator = curator
        self.max_request_bytes = max_request_bytes
        self.token = secrets.token_urlsafe(24)
        self._sessions: dict[str, object] = {}
        self._lock = threading.Lock()   # one decision at a time: each is read, checked and written whole

    def handles(self, path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def _session(self, pid: str):
        from ..curation.decide import ReviewSession   # spaCy loads with the first page, not with the server
        validate_id(pid)
        s = self._sessions.get(pid)
        if s is None or s.key != ReviewSession.state_key(self.corpus, pid):
            s = self._sessions[pid] = ReviewSession(self.corpus, pid)
        return s

    def get(self, path: str) -> Reply:
        from .review_page import render_index, render_review
        parts = [urllib.parse.unquote(p) for p in path[len(PREFIX):].split("/") if p]
        try:
            if not parts:
                return Reply(200, render_index(paper_ids(self.corpus), PREFIX).encode("utf-8"), "text/html; charset=utf-8")
            if len(parts) != 1 or parts[0] not in paper_ids(self.corpus):
                return _error(404, f"no paper {'/'.join(parts)!r} in {self.corpus}; see {PREFIX}/")
            with self._lock:
                s = self._session(parts[0])
                cf = s.document()
            page = render_review(s.paper, cf, s.onto, self.token, secrets.token_urlsafe(16),
                                 f"{PREFIX}/{urllib.parse.quote(parts[0])}", self.curator.name if self.curator else None)
            return Reply(200, page.encode("utf-8"), "text/html; charset=utf-8")
        except KgError as e:
            return _error(400, str(e))

    def post(self, path: str, headers, body: bytes) -> Reply:
        parts = [urllib.parse.unquote(p) for p in path[len(PREFIX):].split("/") if p]
        if len(parts) != 2 or parts[1] not in ("decision", "add") or parts[0] not in paper_ids(self.corpus):
            return _error(404, f"not found; POST {PREFIX}/ID/decision or {PREFIX}/ID/add")
        if self.curator is None:
            return _error(403, "read-only: start `kg serve --curator NAME` to record decisions")
        if not hmac.compare_digest(headers.get("X-Review-Token") or "", self.token):
            return _error(403, "missing or wrong review token; reload the review page")
        if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "send the decision as application/json")
        origin, host = headers.get("Origin"), headers.get("Host")
        if origin and urllib.parse.urlsplit(origin).netloc != host:
            return _error(403, "a decision must come from this server's own review page")
        if len(body) > self.max_request_bytes:
            return _error(413, f"request body over {self.max_request_bytes} bytes")
        try:
            req = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "the body is not JSON")
        if not isinstance(req, dict) or not isinstance(req.get("values", {}), dict):
            return _error(400, "the body is a JSON object with values as an object")
        try:
            with self._lock:
                s = self._session(parts[0])
                if parts[1] == "decision":
                    saved = s.decide(str(req.get("id")), str(req.get("status")), req.get("values") or {},
                                     self.curator, req.get("into"))
                else:
                    saved = s.add(str(req.get("type")), req.get("values") or {}, int(req.get("start", -1)),
                                  int(req.get("end", -1)), self.curator)
        except KgError as e:
            return _error(400, str(e))
        except (TypeError, ValueError):
            return _error(400, "start and end are character offsets (numbers)")
        return Reply(200, json.dumps(saved, ensure_ascii=False).encode("utf-8"))
