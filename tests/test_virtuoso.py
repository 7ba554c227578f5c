"""kg push to a real Virtuoso (Debian virtuoso-opensource) with credentials, on loopback.

The test starts its own Virtuoso from the installed binaries in a temporary folder (its own
database, free loopback ports), creates a user allowed to write, pushes with that user's
password (environment or netrc, never the command line), removes a paper, pushes again, and
checks every competency question answers as ``kg query`` does.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.build import build
from kg.errors import PushError
from kg.graph.iris import graph_iri
from kg.graph.push import push
from kg.views.query import load_query, query_names, run_query

from .conftest import DATA, REPO

BINARIES = ("virtuoso-t", "isql-vt")
INI = "/etc/virtuoso-opensource-7/virtuoso.ini"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if not all(shutil.which(b) for b in BINARIES) or not os.path.exists(INI):
        if os.environ.get("CI"):
            pytest.fail("virtuoso-opensource must be installed in CI (.ci/run installs it)")
        pytest.skip("virtuoso-opensource not installed")
    db = tmp_path_factory.mktemp("virtuoso")
    sql, http = _free_port(), _free_port()
    lines = []
    for line in Path(INI).read_text(encoding="utf-8").splitlines():
        key = line.split("=")[0].strip()
        line = line.replace("/var/lib/virtuoso-opensource-7/db", str(db)).replace("/var/lib/virtuoso-opensource-7/vsp", str(db))
        if key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{http if lines.count('[HTTPServer]') else sql}"
        elif key == "DirsAllowed":
            line = f"DirsAllowed = ., {db}"
        lines.append(line)
    ini = db / "virtuoso.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=db,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"virtuoso-t exited with {proc.returncode}; see {db}/virtuoso.log")
                time.sleep(0.1)
        admin = secrets.token_hex(8)
        password = secrets.token_hex(8)
        # a user that may write graphs; then the new database's default dba password ("dba") is replaced
        statements = (f"DB.DBA.USER_CREATE('kgpush', '{password}'); GRANT SPARQL_UPDATE TO \"kgpush\"; "
                      "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1); DB.DBA.RDF_DEFAULT_USER_PERMS_SET('kgpush', 7); "
                      f"USER_SET_PASSWORD('dba', '{admin}');")
        res = subprocess.run(["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", f"exec={statements}"],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "Error" not in res.stdout + res.stderr, res.stdout + res.stderr
        yield {"gsp": base + "/sparql-graph-crud-auth", "sparql": base + "/sparql",
               "user": "kgpush", "password": password}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def remote_rows(v: dict, sparql: str) -> list[tuple]:
    data = urllib.parse.urlencode({"query": sparql}).encode()
    req = urllib.request.Request(v["sparql"], data=data,
                                 headers={"Accept": "application/sparql-results+json",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        doc = json.load(resp)
    cols = doc["head"]["vars"]
    return sorted(tuple(b.get(c, {}).get("value", "") for c in cols) for b in doc["results"]["bindings"])


def local_rows(out, sparql: str) -> list[tuple]:
    return sorted(tuple(r) for r in run_query(out, sparql).rows)


def assert_same_answers(v, out):
    checked = 0
    for name in query_names():
        sparql = load_query(name)
        local = local_rows(out, sparql)
        assert remote_rows(v, sparql) == local, name
        checked += bool(local)
    assert checked >= 7     # the questions really returned rows


def test_push_with_credentials_removes_papers_and_answers_like_kg_query(virtuoso, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    for name in ("ordinal-series", "cohort-results"):
        (corpus / "papers" / name).mkdir()
        shutil.copy(DATA / "papers" / f"{name}.txt", corpus / "papers" / name / "paper.txt")
    out = tmp_path / "out"
    build(corpus, out)

    monkeypatch.delenv("KG_PUSH_USER", raising=False)
    monkeypatch.delenv("KG_PUSH_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    with pytest.raises(PushError, match="wants credentials: set KG_PUSH_USER"):
        push(out, virtuoso["gsp"])
    monkeypatch.setenv("KG_PUSH_USER", virtuoso["user"])
    monkeypatch.setenv("KG_PUSH_PASSWORD", "wrong")
    with pytest.raises(PushError, match="refused these credentials"):
        push(out, virtuoso["gsp"])

    monkeypatch.setenv("KG_PUSH_PASSWORD", virtuoso["password"])
    assert push(out, virtuoso["gsp"]) == 5   # 3 papers, the synthesis graph, the ontology
    assert_same_answers(virtuoso, out)

    # a paper leaves the corpus; the next push (credentials from netrc this time) deletes its graph
    shutil.rmtree(corpus / "papers" / "cohort-results")
    build(corpus, out)
    monkeypatch.delenv("KG_PUSH_USER")
    monkeypatch.delenv("KG_PUSH_PASSWORD")
    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1 login {virtuoso['user']} password {virtuoso['password']}\n", encoding="utf-8")
    rc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(rc))
    messages = []
    assert push(out, virtuoso["gsp"], progress=messages.append) == 4
    assert any("deleted" in m and "cohort-results" in m for m in messages)
    gone = f"ASK {{ GRAPH <{graph_iri('cohort-results')}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(virtuoso["sparql"] + "?" + urllib.parse.urlencode({"query": gone}),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert json.load(resp)["boolean"] is False
    assert_same_answers(virtuoso, out)
    sparql = load_query("patients")
    died = run_query(out, sparql).columns.index("died")
    patients = remote_rows(virtuoso, sparql)
    assert {r[died] for r in patients} <= {"", "true", "false"}    # booleans read alike from both stores
    assert {r[died] for r in patients} & {"true", "false"}
