"""Builds and the corpus under hostile papers, kills and concurrency (issue #14)."""
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.build import build
from kg.cli import cli
from kg.ingest.corpus import MAX_CHARS, load_corpus
from kg.views.query import load_query, run_query

from .conftest import REPO
from .test_serve import http

PID = "pmid35896259"
CASE = ("Case 1\nA 61-year-old man developed grade 3 ICANS on day 5 after axi-cel. He received dexamethasone "
        "10 mg IV. ICANS persisted, and he was treated with intrathecal methotrexate 12 mg on day 8. "
        "ICANS resolved by day 10.\n")


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(out, name="patients"):
    return run_query(out, load_query(name)).rows


# ---- one paper must never break the build of the others

SEPARATORS = {"LINE SEPARATOR": "\u2028", "PARAGRAPH SEPARATOR": "\u2029", "NEXT LINE": "\u0085",
              "VT": "\x0b", "FF": "\x0c", "FS": "\x1c"}


def test_line_separators_in_text_and_title_build_every_time(tmp_path):
    corpus = tmp_path / "corpus"
    for i, (name, sep) in enumerate(sorted(SEPARATORS.items())):
        folder = corpus / "papers" / f"sep{i}"
        folder.mkdir(parents=True)
        (folder / "paper.txt").write_text(CASE.replace("He received", f"He{sep}received"), encoding="utf-8")
        (folder / "meta.json").write_text(json.dumps({"id": f"sep{i}", "title": f"A {name}{sep}title"}))
    out = tmp_path / "out"
    report = build(corpus, out)
    assert report.papers == len(SEPARATORS) and not report.skipped
    (corpus / "papers" / "later").mkdir()
    (corpus / "papers" / "later" / "paper.txt").write_text(CASE, encoding="utf-8")
    assert build(corpus, out).papers == len(SEPARATORS) + 1   # and every later build
    assert len(rows(out)) == len(SEPARATORS) + 1


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_literal_survives_the_nquads_round_trip(text):
    from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

    from kg.graph.rdf import to_nquads

    quad = Quad(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal(text), NamedNode("http://x/g"))
    assert list(parse(to_nquads([quad]), format=RdfFormat.N_QUADS)) == [quad]


def test_the_length_limit_is_the_annotators():
    from kg.annotate import get_nlp

    assert MAX_CHARS == get_nlp().max_length


def test_a_paper_that_cannot_be_built_is_skipped_and_named(tmp_path):
    corpus = tmp_path / "corpus"
    for pid, text in (("good", CASE), ("huge", "x" * (MAX_CHARS + 1))):
        (corpus / "papers" / pid).mkdir(parents=True)
        (corpus / "papers" / pid / "paper.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", "--corpus", corpus, "--out", out)
    assert r.exit_code == 0 and "built 1 paper:" in r.output and "(1 skipped: huge; see the warnings)" in r.output
    warning = [line for line in r.output.splitlines() if line.startswith("warning: huge")]
    assert warning and "skipped, not in the graph" in warning[0] and "1,000,001 characters" in warning[0]
    assert [row[0] for row in rows(out)] == ["good"]
    assert json.loads((out / "build.json").read_text())["skipped"] == ["huge"]


# ---- kg add: curator files, kills, concurrency

def _bioc(ids, word):
    docs = [{"id": str(i), "passages": [{"infons": {"type": "title"}, "text": f"{word} case {i}"},
                                        {"infons": {"type": "abstract"}, "text": f"{word} {CASE}"}]} for i in ids]
    return json.dumps({"documents": docs})


def test_replace_keeps_curator_files_and_says_so(corpus_copy, tmp_path):
    folder = corpus_copy / "papers" / PID
    (folder / "curation.yaml").write_text("paper: x\nfacts: []\nadd: []\n", encoding="utf-8")
    (folder / "mentions.ann").write_text("", encoding="utf-8")
    same = tmp_path / "same.txt"
    shutil.copy(folder / "paper.txt", same)
    r = kg("add", same, "--id", PID, "--corpus", corpus_copy, "--replace")
    assert r.exit_code == 0 and r.output.endswith("; kept its curation.yaml, mentions.ann\n"), r.output
    changed = tmp_path / "changed.txt"
    changed.write_text("Preface.\n" + same.read_text(encoding="utf-8"), encoding="utf-8")
    r = kg("add", changed, "--id", PID, "--corpus", corpus_copy, "--replace")
    assert r.output.startswith(f"replaced {PID} (") and "kept its curation.yaml, mentions.ann (the text changed" in r.output
    assert (folder / "curation.yaml").read_text() == "paper: x\nfacts: []\nadd: []\n"
    assert (folder / "paper.txt").read_text(encoding="utf-8").startswith("Preface.")


KILL_AT_NTH_RENAME = """
import os, signal, sys
n, calls, real = int(sys.argv.pop(1)), [0], os.replace
def replace(a, b, *args, **kw):
    calls[0] += 1
    if calls[0] == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(a, b, *args, **kw)
os.replace = replace
from kg.cli import main
sys.argv[0] = "kg"
main()
"""


def _killed_at(n, *args):
    return subprocess.run([sys.executable, "-c", KILL_AT_NTH_RENAME, str(n), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_kill_9_at_every_rename_of_an_add_loses_nothing(tmp_path):
    """A replace of 4 papers killed before each of its renames: all old or all new, never one missing."""
    corpus = tmp_path / "corpus"
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(_bioc(range(1001, 1005), "Old"))
    new.write_text(_bioc(range(1001, 1005), "New"))
    ids = [f"pmid{i}" for i in range(1001, 1005)]
    trials = 0
    for n in range(1, 11):   # 1: the journal's commit; then 2 renames a paper; beyond: no kill
        shutil.rmtree(corpus, ignore_errors=True)
        assert kg("add", old, "--corpus", corpus).exit_code == 0
        for pid in ids:
            (corpus / "papers" / pid / "curation.yaml").write_text("facts: []\n")
        res = _killed_at(n, "add", new, "--corpus", corpus, "--replace")
        killed = res.returncode == -9
        trials += killed
        papers = load_corpus(corpus)   # any reader finishes or discards the cut add
        assert [p.id for p in papers] == ids, n
        words = {p.text.split()[0] for p in papers}
        assert words == ({"Old"} if killed and n == 1 else {"New"}), (n, words)
        assert all((corpus / "papers" / pid / "curation.yaml").exists() for pid in ids)
        assert sorted(p.name for p in (corpus / "papers").iterdir()) == ids   # no staging left
    assert trials == 9


def test_concurrent_adds_lose_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    files = []
    for i in range(12):
        f = tmp_path / f"case-{i}.txt"
        f.write_text(CASE.replace("61", str(20 + i)), encoding="utf-8")
        files.append(f)
    for a, b in zip(files[::2], files[1::2]):
        procs = [subprocess.Popen([sys.executable, "-m", "kg", "add", str(f), "--corpus", str(corpus)], cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for f in (a, b)]
        assert [p.wait() for p in procs] == [0, 0]
        for p in procs:
            p.stdout.close()
    assert [p.id for p in load_corpus(corpus)] == sorted(f"case-{i}" for i in range(12))
    same = [subprocess.Popen([sys.executable, "-m", "kg", "add", str(files[0]), "--id", "same", "--corpus",
                              str(corpus)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    codes = sorted(p.wait() for p in same)
    outputs = [p.stdout.read().decode() for p in same]
    for p in same:
        p.stdout.close()
    assert codes == [0, 1] and any("already in" in o for o in outputs), outputs
    assert len(load_corpus(corpus)) == 13


# ---- kg build killed between its two renames: every command mends it

KILL_BEFORE_SWITCH = """
import os, signal, sys
out, real = os.path.abspath(sys.argv.pop(1)), os.replace
def replace(a, b, *args, **kw):
    if os.path.abspath(b) == out:
        os.kill(os.getpid(), signal.SIGKILL)   # outputs renamed away, the new ones not yet in place
    return real(a, b, *args, **kw)
os.replace = replace
from kg.cli import main
sys.argv[0] = "kg"
main()
"""


@pytest.fixture(scope="module")
def cut_build(tmp_path_factory):
    """Outputs whose rebuild was killed between its two renames (a copy for each test)."""
    base = tmp_path_factory.mktemp("cut")
    corpus, out = base / "corpus", base / "outputs"
    shutil.copytree(REPO / "corpus", corpus)
    build(corpus, out)
    expected = rows(out)
    res = subprocess.run([sys.executable, "-c", KILL_BEFORE_SWITCH, str(out), "build", "--corpus", str(corpus),
                          "--out", str(out), "--full"], cwd=REPO, capture_output=True, timeout=600)
    assert res.returncode == -9 and not out.exists()
    assert list(base.glob(".outputs.old-*")) and list(base.glob(".outputs.tmp-*"))
    return base, expected


@pytest.fixture
def cut(cut_build, tmp_path):
    base, expected = cut_build
    copy = tmp_path / "copy"
    shutil.copytree(base, copy, symlinks=True)
    return copy / "outputs", copy / "corpus", expected


def test_query_and_explain_mend_a_cut_build(cut):
    out, _, expected = cut
    r = kg("query", "patients", "--out", out, "--format", "csv")
    assert r.exit_code == 0 and len(r.output.splitlines()) == len(expected) + 1
    fact = rows(out, "refractory_responders")[0][-1]
    assert kg("explain", fact, "--out", out).exit_code == 0


def test_validate_mends_a_cut_build(cut):
    out, _, _ = cut
    r = kg("validate", "--out", out)
    assert r.exit_code == 0 and "conform" in r.output


def test_push_mends_a_cut_build(cut):
    out, _, _ = cut
    r = kg("push", "--endpoint", "http://127.0.0.1:9/store", "--out", out)   # nothing listens on port 9
    assert r.exit_code == 1 and "cannot connect" in r.output and (out / "rdf" / f"{PID}.nq").exists()


def test_diff_mends_a_cut_build(cut):
    out, _, _ = cut
    r = kg("diff", out, out)
    assert r.exit_code == 0 and r.output.endswith("0 added, 0 removed\n")


def test_serve_mends_a_cut_build(cut):
    from kg.views.serve import SparqlServer

    out, _, expected = cut
    with SparqlServer(out, port=0) as s:
        status, _, body = http(s.url + "?query=" + urllib.parse.quote(load_query("patients")),
                               headers={"Accept": "text/csv"})
    assert status == 200 and len(body.decode().splitlines()) == len(expected) + 1


def test_the_next_build_mends_and_cleans_up(cut):
    out, corpus, expected = cut
    assert build(corpus, out).papers == 1
    assert rows(out) == expected
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus", "outputs"]   # no staging or old folders left


def test_staging_of_a_killed_add_is_removed(tmp_path):
    corpus = tmp_path / "corpus"
    case = tmp_path / "case.txt"
    case.write_text(CASE, encoding="utf-8")
    res = _killed_at(1, "add", case, "--corpus", corpus)   # staged, killed before its commit
    assert res.returncode == -9 and [p.name for p in (corpus / "papers").iterdir() if p.name.startswith(".add-")]
    assert load_corpus(corpus) == []
    assert list((corpus / "papers").iterdir()) == []
    assert kg("add", case, "--corpus", corpus).exit_code == 0
    assert os.listdir(corpus / "papers") == ["case"]


def test_a_build_worker_killed_from_outside_stops_the_build_cleanly(tmp_path):
    """The OOM killer takes a worker: the build ends with one error (it used to wait forever); outputs intact."""
    import signal
    import time

    from .benchmarks.synth import corpus as synth_corpus

    corpus = tmp_path / "corpus"
    for pid, text in synth_corpus(60, seed=7):
        (corpus / "papers" / pid).mkdir(parents=True)
        (corpus / "papers" / pid / "paper.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", "--corpus", str(corpus), "--out", str(out),
                             "--jobs", "2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    kids = []
    while not kids and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
        kids = [int(k) for t in os.listdir(f"/proc/{proc.pid}/task")
                for k in Path(f"/proc/{proc.pid}/task/{t}/children").read_text().split()]
    assert kids, "no worker process appeared"
    os.kill(kids[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1 and stderr.startswith("Error: a build worker process died"), stderr[-500:]
    assert not out.exists() and not list(tmp_path.glob(".out.tmp-*"))


def test_curator_writes_wait_for_a_running_add(corpus_copy, tmp_path):
    """A curation.yaml or mentions.ann written while `kg add --replace` swaps folders would be lost: it waits."""
    import threading
    import time

    from kg.curation import curfile
    from kg.ingest.transaction import locked

    root = corpus_copy / "papers"
    held, order = threading.Event(), []

    def add_in_progress():
        with locked(root):
            held.set()
            time.sleep(1)
            order.append("add done")

    t = threading.Thread(target=add_in_progress)
    t.start()
    held.wait()
    cf = curfile.CurationFile(root / PID / "curation.yaml", paper=PID)
    curfile.save(cf)
    order.append("curation saved")
    t.join()
    assert order == ["add done", "curation saved"]
    assert curfile.load(root / PID / "curation.yaml").paper == PID
    assert sorted(p.name for p in root.iterdir()) == [PID]   # no lock or temporary file left
