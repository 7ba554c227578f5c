"""Bad input refused cleanly, nothing lost on failure, endpoint safe under load."""
import hashlib
import re
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.annotate import annotate_text
from kg.build import build
from kg.cli import cli
from kg.errors import BuildError
from kg.views.query import load_query, run_query
from kg.views.serve import Limits, SparqlServer

from .benchmarks.synth import corpus as synth_corpus
from .conftest import REPO


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    if folder.exists():
        for p in sorted(folder.rglob("*")):
            h.update(str(p.relative_to(folder)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


BAD_INPUTS = {
    "empty": (b"", "file is empty"),
    "binary": (b"%PDF-1.4\x00\x01\x02 binary", "looks binary"),
    "latin1": ("Na\xefve caf\xe9 text".encode("latin-1"), "not valid UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_corpus_unchanged(name, corpus_copy, tmp_path):
    data, message = BAD_INPUTS[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    before = tree_digest(corpus_copy)
    r = kg("add", path, "--corpus", corpus_copy)
    assert r.exit_code == 1 and message in r.output
    assert r.output.count("\n") == 1 and r.output.startswith("Error: ") and "Traceback" not in r.output
    assert tree_digest(corpus_copy) == before


@pytest.mark.parametrize("bad_id", ["../evil", "a/b", "..", "x\\y", ".hidden", "", "a" * 101])
def test_bad_ids_are_refused(bad_id, corpus_copy, tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("IT methotrexate 12 mg.", encoding="utf-8")
    before = tree_digest(corpus_copy)
    r = kg("add", path, "--corpus", corpus_copy, "--id", bad_id)
    assert r.exit_code == 1 and r.output.startswith("Error: invalid paper id")
    assert tree_digest(corpus_copy) == before


def test_duplicate_and_missing(corpus_copy, tmp_path):
    before = tree_digest(corpus_copy)
    seed = corpus_copy / "papers" / "pmid35896259" / "paper.txt"
    r = kg("add", seed, "--corpus", corpus_copy, "--id", "pmid35896259")
    assert r.exit_code == 1 and "already in" in r.output and "--replace" in r.output
    r = kg("add", tmp_path / "nope.txt", "--corpus", corpus_copy)
    assert r.exit_code == 1 and "no such file" in r.output
    assert tree_digest(corpus_copy) == before


@pytest.mark.parametrize("text", ["\ufeffCase 1\r\nIT MTX 12 mg on day 9.\r\n", "A\r\nIT methotrexate\r\n12 mg (8-9).\r\n"])
def test_bom_and_crlf_are_kept_byte_for_byte(text, tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes(text.encode("utf-8"))
    corpus = tmp_path / "corpus"
    assert kg("add", path, "--corpus", corpus, "--id", "p").exit_code == 0
    stored = (corpus / "papers" / "p" / "paper.txt").read_bytes()
    assert stored == text.encode("utf-8")
    ann = annotate_text(stored.decode("utf-8"))
    assert ann.mentions and all(text[m.start:m.end] == m.text for m in ann.mentions)


def test_what_can_never_be_built_is_refused_at_add(tmp_path):
    """50 MB, or one character over the annotator's 1,000,000, is refused; exactly the limit is added."""
    from kg.ingest.corpus import MAX_CHARS

    line = "A 50-year-old man received IT methotrexate 12 mg on day 9 and improved (4).\n"
    big = tmp_path / "big.txt"
    big.write_text(line * (50_000_000 // len(line) + 1), encoding="utf-8")
    corpus = tmp_path / "corpus"
    r = kg("add", big, "--corpus", corpus)
    assert r.exit_code == 1 and r.output.startswith(f"Error: {big}: 50,000,") and "at most 1,000,000" in r.output
    over = tmp_path / "over.txt"
    over.write_text("x" * (MAX_CHARS + 1), encoding="utf-8")
    assert kg("add", over, "--corpus", corpus).exit_code == 1
    assert not (corpus / "papers").exists() or not any((corpus / "papers").iterdir())
    ok = tmp_path / "limit.txt"
    ok.write_text("é" * MAX_CHARS, encoding="utf-8")   # characters, not bytes (2,000,000 bytes here)
    assert kg("add", ok, "--corpus", corpus).exit_code == 0


def test_corrupt_metadata_names_file_and_line(corpus_copy, tmp_path):
    out = tmp_path / "out"
    assert kg("build", "--corpus", corpus_copy, "--out", out).exit_code == 0
    before = tree_digest(out / "rdf")
    (corpus_copy / "papers" / "pmid35896259" / "meta.json").write_text('{\n "id": "x"\n "year": 1}', encoding="utf-8")
    r = kg("build", "--corpus", corpus_copy, "--out", out)
    assert r.exit_code == 0 and "1 skipped: pmid35896259" in r.output
    assert [line for line in r.output.splitlines() if "meta.json:3:" in line][0].startswith("warning: pmid35896259: ")
    assert tree_digest(out / "rdf") == before


def test_query_errors_are_clean(built):
    r = kg("query", "no_such_question", "--out", built)
    assert r.exit_code == 1 and r.output.startswith("Error: unknown query 'no_such_question'; known: ")
    bad = built.parent / "bad.rq"
    bad.write_text("SELECT ?x WHERE {\n  ?x ?y\n}\n")
    r = kg("query", bad, "--out", built)
    assert r.exit_code == 1 and re.match(r"Error: invalid SPARQL at line \d+, column \d+: ", r.output)
    slow = built.parent / "slow.rq"
    slow.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    t0 = time.time()
    r = kg("query", slow, "--out", built, "--timeout", "1")
    assert r.exit_code == 1 and "time limit of 1 s" in r.output and time.time() - t0 < 20


def test_explain_never_splices_strings(built):
    r = kg("explain", "x> } ; DROP ALL ; SELECT * WHERE { <y", "--out", built)
    assert r.exit_code == 1 and r.output.startswith("Error: cannot bind")
    assert run_query(built, load_query("citations")).rows


@pytest.fixture
def small_corpus(tmp_path):
    root = tmp_path / "corpus" / "papers"
    for pid, text in synth_corpus(40, seed=5):
        (root / pid).mkdir(parents=True)
        (root / pid / "paper.txt").write_text(text, encoding="utf-8")
    return tmp_path / "corpus"


def test_kill_9_during_build_keeps_previous_graph(small_corpus, tmp_path):
    out = tmp_path / "out"
    build(small_corpus, out)
    expected = run_query(out, load_query("refractory_responders")).rows
    env = dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology"))
    for delay in (0.3, 1.0, 2.0, 3.5):
        proc = subprocess.Popen([sys.executable, "-m", "kg", "build", "--corpus", str(small_corpus), "--out", str(out)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        from kg.build.outdir import recover
        recover(out)  # what the next command does first
        assert run_query(out, load_query("refractory_responders")).rows == expected, delay
    build(small_corpus, out)  # the stale lock of the killed builds does not block
    assert run_query(out, load_query("refractory_responders")).rows == expected


def test_concurrent_build_is_refused(corpus_copy, tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / ".out.lock").write_text(str(holder.pid))
        with pytest.raises(BuildError, match=r"another `kg build` \(pid \d+\)"):
            build(corpus_copy, out)
    finally:
        holder.kill()
        holder.wait()
    build(corpus_copy, out)  # the holder is gone: its lock is stale and taken over
    assert (out / "build.json").exists()


def test_endpoint_under_load(built):
    queries = [load_query(n) for n in ("refractory_responders", "administrations", "patients", "citations")]
    queries.append("ASK { ?s ?p ?o }")
    latencies, errors = [], []
    lock = threading.Lock()
    with SparqlServer(built, port=0, limits=Limits(timeout_s=10)) as server:
        def client(k):
            for i in range(250):
                q = queries[(k + i) % len(queries)]
                t0 = time.perf_counter()
                try:
                    req = urllib.request.Request(server.url, data=urllib.parse.urlencode({"query": q}).encode(),
                                                 headers={"Accept": "text/csv"})
                    with urllib.request.urlopen(req, timeout=30) as r:
                        r.read()
                        ok = r.status == 200
                except (urllib.error.URLError, OSError) as e:
                    ok = False
                    with lock:
                        errors.append(repr(e))
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    if not ok and not errors:
                        errors.append("status")
        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    assert not errors, errors[:3]
    assert len(latencies) == 2000
    q = statistics.quantiles(latencies, n=100)
    print(f"\nendpoint load: 2000 queries, 8 clients, {wall:.1f} s, p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
