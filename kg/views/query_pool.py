"""The query processes behind `kg serve`: a pool that times queries out by killing them and restarts the dead.

Each process (kg.views.query_process) runs one query at a time. A query over the time
limit is stopped by SIGKILL, so it stops using the CPU at once; a process that dies (a
crash, the memory cap) is replaced. Results come back in frames and are spooled (memory
up to ``SPOOL_BYTES``, then a temporary file) so the front can answer 200 with a complete
body, or an error status, never a cut or empty reply. All processes are started from one
long-lived thread, because Linux kills a child when the *thread* that started it ends.
"""
from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ServeError
from .query_process import DATA, END, READY, REQUEST, read_frame, write_frame

SPOOL_BYTES = 4 << 20
START_TIMEOUT_S = 60


@dataclass
class Answer:
    """What a query process answered: HTTP status, format name, the spooled body (200 only), a message."""

    status: int
    format: str = ""
    body: object = None        # a SpooledTemporaryFile positioned at 0, for status 200
    size: int = 0
    message: str = ""
    rows: int = 0


@dataclass
class _Proc:
    popen: subprocess.Popen
    info: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid


class _Deadline(Exception):
    pass


def _read(proc: _Proc, n: int, deadline: float | None) -> bytes:
    """Exactly ``n`` bytes from the process, or b'' at end of file; _Deadline when time is up."""
    fd = proc.popen.stdout.fileno()
    parts, need = [], n
    while need:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            raise _Deadline()
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise _Deadline()
        chunk = os.read(fd, min(need, 1 << 20))
        if not chunk:
            return b""
        parts.append(chunk)
        need -= len(chunk)
    return b"".join(parts)


def _frame(proc: _Proc, deadline: float | None) -> tuple[bytes, bytes] | None:
    head = _read(proc, 5, deadline)
    if len(head) < 5:
        return None
    n = int.from_bytes(head[1:], "big")
    payload = _read(proc, n, deadline) if n else b""
    return (head[:1], payload) if len(payload) == n else None


class QueryPool:
    """``size`` query processes over the store at ``store``; ``run`` answers one query."""

    def __init__(self, store: Path, size: int = 2, memory_bytes: int = 2 << 30):
        self.store, self.size, self.memory_bytes = Path(store), max(1, size), memory_bytes
        self.idle: queue.Queue[_Proc] = queue.Queue()
        self.procs: dict[int, _Proc] = {}
        self.restarts = 0
        self.failure = ""
        self._spawn_q: queue.Queue[int | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- processes, started and reaped by the spawner thread only

    def _spawn_one(self) -> bool:
        cmd = [sys.executable, "-m", "kg.views.query_process", str(self.store), str(os.getpid()),
               str(self.memory_bytes)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                         os.environ.get("PYTHONPATH", "")])))
        popen = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env=env, close_fds=True)
        proc = _Proc(popen)
        try:
            frame = _frame(proc, time.monotonic() + START_TIMEOUT_S)
        except _Deadline:
            frame = None
        if frame is None or frame[0] != READY:
            msg = json.loads(frame[1]).get("message", "") if frame else "no answer"
            self.failure = f"a query process did not start: {msg}"
            self._kill(proc)
            return False
        proc.info = json.loads(frame[1])
        with self._lock:
            self.procs[proc.pid] = proc
        self.failure = ""
        self.idle.put(proc)
        return True

    def _spawner(self, started: threading.Event) -> None:
        for _ in range(self.size):
            self._spawn_one()
        started.set()
        while True:
            item = self._spawn_q.get()
            if item is None:
                break
            backoff = 0.0
            while not self._stopping and not self._spawn_one():
                backoff = min(5.0, backoff * 2 or 0.2)
                time.sleep(backoff)
        for proc in list(self.procs.values()):
            self._kill(proc)

    def _kill(self, proc: _Proc) -> None:
        with self._lock:
            self.procs.pop(proc.pid, None)
        try:
            proc.popen.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.popen.wait()
        for f in (proc.popen.stdin, proc.popen.stdout):
            try:
                f.close()
            except OSError:
                pass

    def _replace(self, proc: _Proc) -> None:
        self._kill(proc)
        self.restarts += 1
        self._spawn_q.put(1)

    # -- public

    def start(self) -> "QueryPool":
        started = threading.Event()
        self._thread = threading.Thread(target=self._spawner, args=(started,), name="query-spawner", daemon=True)
        self._thread.start()
        started.wait()
        if not self.procs:
            self.stop()
            raise ServeError(self.failure or "the query processes did not start")
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            self._spawn_q.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(self.procs)

    def run(self, query: str, result_format: str, graph_format: str, max_rows: int,
            timeout_s: float | None) -> Answer:
        """Run ``query`` on an idle process; 503 when none frees up in time or the query times out."""
        deadline = time.monotonic() + timeout_s if timeout_s else None
        try:
            proc = self.idle.get(timeout=timeout_s or None)
        except queue.Empty:
            return Answer(503, message=f"all {self.size} query processes stayed busy for {timeout_s:g} s; "
                                       "try again later" + (f" ({self.failure})" if self.failure else ""))
        request = json.dumps({"query": query, "result": result_format, "graph": graph_format,
                              "max_rows": max_rows}).encode("utf-8")
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            write_frame(proc.popen.stdin, REQUEST, request)
            while True:
                frame = _frame(proc, deadline)
                if frame is None:
                    try:
                        code = proc.popen.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        code = None
                    self._replace(proc)
                    how = f"signal {-code}" if code is not None and code < 0 else \
                        (f"exit {code}" if code is not None else "closed its pipe")
                    spool.close()
                    return Answer(500, message=f"the query stopped its engine process ({how}); the process was "
                                               "restarted. The query may need more memory or stack than this "
                                               "endpoint allows; simplify it")
                kind, payload = frame
                if kind == DATA:
                    spool.write(payload)
                    continue
                if kind != END:   # a protocol error: never trust that process again
                    spool.close()
                    self._replace(proc)
                    return Answer(500, message=f"a query process sent an unexpected frame ({kind!r}); it was restarted")
                end = json.loads(payload)
                self.idle.put(proc)
                if end["status"] != 200:
                    spool.close()
                    return Answer(end["status"], message=end.get("message", ""))
                size = spool.tell()
                spool.seek(0)
                return Answer(200, end["format"], spool, size, rows=end.get("rows", 0))
        except _Deadline:
            spool.close()
            self._replace(proc)   # SIGKILL: the query stops using the CPU now
            return Answer(503, message=f"query timed out after {timeout_s:g} s (the endpoint's time limit)")
        except (BrokenPipeError, OSError, ValueError) as e:
            spool.close()
            self._replace(proc)
            return Answer(500, message=f"the query process failed ({e}); it was restarted, try again")
