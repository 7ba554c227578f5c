"""The hostile-input matrix of issue #14: every attack against a real `kg serve` and real `kg` commands.

usage: python -m tests.benchmarks.hostile_matrix [--kills 10]

Builds the shipped corpus into a temporary folder, starts `kg serve` as a user would, and
sends each attack; then runs the CLI attacks (hostile files, names, URLs) and kill -9
trials of `kg add`, `kg build` and `kg serve`. Prints one line per attack and a summary:
attacks tried, refused cleanly (an HTTP 4xx/5xx with a message, or exit 1 with one
`Error:` line, and the endpoint still answering), tracebacks seen (in any output or in
the server's stderr), kill -9 trials survived, and the memory peak of the `kg serve`
process tree (front + query processes, sampled every 20 ms) under the row-cap and
body-cap attacks.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KG = [sys.executable, "-m", "kg"]
ENV = dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology"))


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its children, in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
    return total / 1024


class Peak:
    """Samples the RSS of a process tree in the background while a block runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()

    def __enter__(self):
        def run():
            while not self._stop.is_set():
                self.peak = max(self.peak, tree_rss_mb(self.pid))
                time.sleep(0.02)
        self._t = threading.Thread(target=run, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def request(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 120):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, urllib.error.URLError) as e:
        return 0, repr(e).encode()


def raw(port: int, data: bytes, stream_mb: int = 0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
        c.sendall(data)
        try:
            chunk = b"x" * (1 << 20)
            for _ in range(stream_mb):
                c.sendall(chunk)
        except OSError:
            pass   # the server answered and closed: what a refusal should do
        out = b""
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                out += b
        except OSError:
            pass
        return out


class Matrix:
    def __init__(self):
        self.rows: list[tuple[str, bool, str]] = []
        self.tracebacks = 0

    def record(self, name: str, ok: bool, detail: str) -> None:
        if "Traceback" in detail:
            self.tracebacks += 1
        self.rows.append((name, ok, detail))
        print(f"{'ok  ' if ok else 'FAIL'} {name:<52} {detail[:110]}", flush=True)


def endpoint_attacks(m: Matrix, out: Path, tmp: Path) -> dict:
    port = _free_port()
    err = open(tmp / "serve.stderr", "w")
    proc = subprocess.Popen([*KG, "serve", "--out", str(out), "--port", str(port), "--timeout", "10"],
                            env=ENV, stdout=subprocess.PIPE, stderr=err, text=True)
    proc.stdout.readline()
    url = f"http://127.0.0.1:{port}/sparql"
    q = lambda text: url + "?query=" + urllib.parse.quote(text)   # noqa: E731
    hits = []
    victim = _victim(hits)
    mem = {"idle": tree_rss_mb(proc.pid)}

    def healthy() -> bool:
        return request(q("ASK { ?s ?p ?o }"))[0] == 200

    # the memory attacks first, from the idle state (later ones restart query processes)
    head0 = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    with Peak(proc.pid) as p:
        reply = raw(port, head0 + b"Content-Length: 10000000000\r\n\r\n", stream_mb=50)
    mem["body cap (10 GB announced, 50 MB sent)"] = p.peak
    m.record("body cap: Content-Length 10 GB, 50 MB sent", reply.startswith(b"HTTP/1.1 413") and healthy(),
             reply.split(b"\r\n")[0].decode())

    with Peak(proc.pid) as p:
        status, body = request(q("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"), headers={"Accept": "text/csv"})
    mem["row cap (2.9M-row cross product, cap 100,000)"] = p.peak
    m.record("row cap: cross product", status == 413 and b"cap of 100000" in body and healthy(),
             f"{status} {body.decode(errors='replace').strip()}")
    service = [
        ('comment with """', '# """\nSELECT * WHERE {{ SERVICE <{u}> {{ ?x ?p ?o }} }}'),
        ("PREFIX IRI ending in ?", "PREFIX a: <http://x/?>\nSELECT * WHERE {{ SERVICE <{u}> {{ ?x ?p ?o }} }}"),
        ("''' string", "SELECT * WHERE {{ ?s ?p '''x''' . SERVICE <{u}> {{ ?x ?p ?o }} }}"),
        ("SERVICE in FILTER EXISTS", "SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{u}> {{ ?x ?p ?o }} }} }}"),
        ("\\u0022 escape trick", 'SELECT * {{ ?s ?p "\\u0022" . SERVICE <{u}> {{ ?x ?p ?o }} ?s ?p "\\u0022" }}'),
        ("SERVICE to the engine's own port", "SELECT * {{ SERVICE <http://127.0.0.1:%d/sparql> {{ ?x ?p ?o }} }}" % port),
    ]
    for name, text in service:
        status, body = request(q(text.format(u=victim)))
        m.record(f"SSRF: {name}", status == 400 and b"SERVICE" in body and not hits and healthy(),
                 f"{status} {body.decode(errors='replace').strip()}")
    for name, text, want in [
        ("nested 4,600 levels (9 KB)", "SELECT * WHERE " + "{" * 4600 + "}" * 4600, 400),
        ("INSERT DATA", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
        ("LOAD", "LOAD <http://example.org/>", 403),
        ("slow cross product (timeout)", "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", 503),
    ]:
        status, body = request(q(text))
        m.record(f"query: {name}", status == want and bool(body.strip()) and healthy(),
                 f"{status} {body.decode(errors='replace').strip()}")
    with Peak(proc.pid) as p:
        status, body = request(q("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"))
    mem["sort of a 5-billion-row product"] = p.peak
    m.record("memory: ORDER BY over a huge product", status in (500, 503) and healthy(),
             f"{status} {body.decode(errors='replace').strip()}")
    chain = "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }"
    status, body = request(url, chain.encode(), {"Content-Type": "application/sparql-query"})
    m.record("3,000 BINDs (overflows an 8 MB stack)", status in (200, 503) and healthy(), f"{status} {body[:80]!r}")
    head = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    for name, data, want in [
        ("Content-Length: -1", head + b"Content-Length: -1\r\n\r\nASK{}", b"400"),
        ("Content-Length: abc", head + b"Content-Length: abc\r\n\r\nASK{}", b"400"),
        ("chunked body", head + b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n", b"411"),
        ("Host: evil.example (DNS rebinding)", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: evil.example\r\n\r\n", b"421"),
        ("/html/%00", b"GET /html/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", b"404"),
        ("/html/../build.json", b"GET /html/../build.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", b"404"),
        ("request line of 100 KB", b"GET /sparql?query=" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n", b"414"),
    ]:
        reply = raw(port, data)
        m.record(f"HTTP: {name}", reply.startswith(b"HTTP/1.1 " + want) and healthy(), reply.split(b"\r\n")[0].decode())
    statuses, lock = [], threading.Lock()
    barrier = threading.Barrier(128)

    def client():
        barrier.wait()
        s = request(q("ASK { ?s ?p ?o }"), timeout=60)[0]
        with lock:
            statuses.append(s)
    threads = [threading.Thread(target=client) for _ in range(128)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m.record("128 clients connecting at once", statuses.count(200) == 128, f"{statuses.count(200)}/128 answered 200")
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    err.close()
    time.sleep(1)
    orphans = [w for w in workers if _alive(w)]
    stderr = (tmp / "serve.stderr").read_text(errors="replace")
    if "Traceback" in stderr:
        m.tracebacks += stderr.count("Traceback")
    mem["_orphans"] = len(orphans)
    mem["_workers"] = len(workers)
    return mem


def cli_attacks(m: Matrix, out: Path, tmp: Path) -> None:
    laughs = "".join(f"{k}: &{k} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
                     for p, k in zip([None, *"abcdefgh"], "abcdefghi"))
    files = {
        "deep.xml": "<article><front><article-meta/></front><body>" + "<sec>" * 100_000 + "</sec>" * 100_000 + "</body></article>",
        "deep.json": '{"documents": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "other.json": json.dumps({"name": "not bioc"}),
        "mistyped.json": json.dumps({"documents": [{"passages": [{"text": 5}]}]}),
        "huge.txt": "x" * 1_000_001,
        "latin1.txt": None,
        "empty.txt": "",
        "bomb.xml": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                    "<PubmedArticleSet>&lol2;</PubmedArticleSet>",
    }
    for name, text in files.items():
        path = tmp / name
        if text is None:
            path.write_bytes("caf\xe9".encode("latin-1"))
        else:
            path.write_text(text, encoding="utf-8")
        _cli(m, f"kg add {name}", ["add", str(path), "--corpus", str(tmp / "c")])
    corpus = tmp / "bomb-corpus"
    shutil.copytree(REPO / "corpus", corpus)
    pid = next((corpus / "papers").iterdir()).name
    (corpus / "papers" / pid / "curation.yaml").write_text(laughs)
    t0 = time.time()
    res = subprocess.run([*KG, "build", "--corpus", str(corpus), "--out", str(tmp / "bomb-out")], env=ENV,
                         capture_output=True, text=True, timeout=600)
    text = res.stdout + res.stderr
    m.record(f"curation.yaml billion laughs ({len(laughs)} bytes)",
             res.returncode == 1 and "aliases" in text and "Traceback" not in text,
             f"exit {res.returncode} in {time.time() - t0:.1f} s: {text.strip().splitlines()[-1]}")
    u16 = tmp / "u16.ann"
    u16.write_bytes("T1\tDRUG 0 4\tCase\n".encode("utf-16"))
    _cli(m, "kg brat import of a UTF-16 .ann", ["brat", "import", pid, str(u16), "--corpus", str(corpus)])
    _cli(m, "kg query /tmp", ["query", "/tmp", "--out", str(out)])
    _cli(m, "kg query <300-character name>", ["query", "a" * 300, "--out", str(out)])
    deep = tmp / "deep.rq"
    deep.write_text("SELECT * WHERE " + "{" * 4600 + "}" * 4600)
    _cli(m, "kg query of a 4,600-level nested query", ["query", str(deep), "--out", str(out)])
    _cli(m, "kg push --endpoint 'not a url'", ["push", "--endpoint", "not a url", "--out", str(out)])
    _cli(m, "kg explain with a hostile IRI", ["explain", "x> } ; DROP ALL ; SELECT * WHERE { <y", "--out", str(out)])


def _cli(m: Matrix, name: str, args: list[str]) -> None:
    res = subprocess.run([*KG, *args], env=ENV, capture_output=True, text=True, timeout=300)
    text = res.stdout + res.stderr
    ok = res.returncode == 1 and res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
    m.record(name, ok and "Traceback" not in text, f"exit {res.returncode}: {text.strip()[:200]}")


def kill_trials(m: Matrix, tmp: Path, n: int) -> tuple[int, int]:
    rng = random.Random(14)
    survived = total = 0
    from kg.build import build
    from kg.ingest.corpus import load_corpus
    from kg.views.query import load_query, run_query

    # kg add of four articles (replacing four), killed at a random moment
    docs = lambda word: json.dumps({"documents": [  # noqa: E731
        {"id": str(i), "passages": [{"infons": {"type": "title"}, "text": f"{word} {i}"},
                                    {"infons": {"type": "abstract"}, "text": f"{word} case {i}."}]}
        for i in range(1001, 1005)]})
    old, new = tmp / "old.json", tmp / "new.json"
    old.write_text(docs("Old"))
    new.write_text(docs("New"))
    for _ in range(n):
        corpus = tmp / "kc"
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([*KG, "add", str(old), "--corpus", str(corpus)], env=ENV, check=True, capture_output=True)
        proc = subprocess.Popen([*KG, "add", str(new), "--corpus", str(corpus), "--replace"], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        words = {p.text.split()[0] for p in load_corpus(corpus)}
        ok = len(load_corpus(corpus)) == 4 and len(words) == 1
        total += 1
        survived += ok
    # kg build killed at a random moment: the previous graph answers
    corpus, out = tmp / "kb-corpus", tmp / "kb-out"
    shutil.copytree(REPO / "corpus", corpus)
    build(corpus, out)
    expected = run_query(out, load_query("patients")).rows
    for _ in range(n):
        proc = subprocess.Popen([*KG, "build", "--corpus", str(corpus), "--out", str(out), "--full"], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        res = subprocess.run([*KG, "query", "patients", "--out", str(out), "--format", "json"], env=ENV,
                             capture_output=True, text=True)
        total += 1
        survived += res.returncode == 0 and len(json.loads(res.stdout)) == len(expected)
    return survived, total


def _victim(hits: list) -> str:
    import http.server

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}/sparql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(x) for x in f.read().split()]
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10, help="kill -9 trials of kg add and of kg build, each")
    args = ap.parse_args()
    from kg.build import build

    tmp = Path(tempfile.mkdtemp(prefix="kg-hostile-"))
    try:
        corpus, out = tmp / "corpus", tmp / "out"
        shutil.copytree(REPO / "corpus", corpus)
        build(corpus, out)
        m = Matrix()
        mem = endpoint_attacks(m, out, tmp)
        cli_attacks(m, out, tmp)
        survived, total = kill_trials(m, tmp, args.kills)
        workers, orphans = mem.pop("_workers"), mem.pop("_orphans")
        survived += orphans == 0
        total += 1
        print()
        print(f"attacks tried:             {len(m.rows)}")
        print(f"refused cleanly:           {sum(ok for _, ok, _ in m.rows)}")
        print(f"tracebacks:                {m.tracebacks}")
        print(f"kill -9 trials survived:   {survived} / {total}  (kg add x{args.kills}, kg build x{args.kills}, "
              f"kg serve x1: {orphans} of {workers} query processes left)")
        for name, mb in mem.items():
            print(f"memory peak, kg serve tree: {name:<48} {mb:7.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
