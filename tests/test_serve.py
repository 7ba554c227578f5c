"""kg serve (Oxigraph server behind the guard) and kg push, over loopback with real clients."""
import csv
import io
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from kg.graph.push import push
from kg.views.query import load_query, run_query
from kg.views.results import format_result
from kg.views.serve import Limits, SparqlServer


@pytest.fixture(scope="module")
def server(built):
    with SparqlServer(built, port=0, limits=Limits(timeout_s=2, max_rows=1000, max_request_bytes=20_000)) as s:
        yield s


def http(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_sparqlwrapper_get_and_post(server, built):
    expected = run_query(built, load_query("refractory_responders"))
    for method in ("GET", POST):
        w = SPARQLWrapper(server.url)
        w.setQuery(load_query("refractory_responders"))
        w.setMethod(method)
        w.setReturnFormat(JSON)
        res = w.query().convert()
        assert res["head"]["vars"] == list(expected.columns)
        assert len(res["results"]["bindings"]) == len(expected.rows)


def test_result_formats_by_accept_and_format_param(server):
    q = urllib.parse.quote("SELECT ?p WHERE { ?p a <http://purl.org/spar/fabio/JournalArticle> }")
    status, headers, body = http(f"{server.url}?query={q}", headers={"Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and body.startswith(b"p\r\n")
    status, headers, body = http(f"{server.url}?query={q}&format=tsv")
    assert headers["Content-Type"].startswith("text/tab-separated-values") and body.startswith(b"?p")
    w = SPARQLWrapper(server.url)
    w.setQuery("SELECT ?p WHERE { ?p a <http://purl.org/spar/fabio/JournalArticle> }")
    w.setReturnFormat(XML)
    assert w.query().convert().getElementsByTagName("binding")
    status, headers, body = http(server.url, data=b"ASK { ?s ?p ?o }",
                                 headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert json.loads(body)["boolean"] is True


def test_construct_as_turtle_ntriples_jsonld(server):
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/icans-kg/ontology#Patient> ; ?p ?o }"
    w = SPARQLWrapper(server.url)
    w.setQuery(q)
    w.setReturnFormat(TURTLE)
    assert len(w.query().convert()) > 10
    for accept, prefix in (("application/n-triples", b"<"), ("application/ld+json", b"[")):
        status, headers, body = http(server.url, data=urllib.parse.urlencode({"query": q}).encode(),
                                     headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and headers["Content-Type"].startswith(accept) and body.lstrip()[:1] == prefix


def test_read_only_and_no_federation(server, built):
    before = len(run_query(built, "SELECT * WHERE { ?s ?p ?o }").rows)
    status, _, body = http(server.url, data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                           headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and b"read-only" in body
    status, _, body = http(server.url, data=urllib.parse.urlencode({"update": "CLEAR ALL"}).encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    status, _, body = http(f"{server.url}?query=" + urllib.parse.quote("LOAD <http://example.org/x>"))
    assert status == 403
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = http(f"{server.url}?query=" + urllib.parse.quote(q))
    assert status == 400 and b"SERVICE" in body
    assert len(run_query(built, "SELECT * WHERE { ?s ?p ?o }").rows) == before


def test_limits_are_explicit(server):
    status, _, body = http(f"{server.url}?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o }"))
    assert status == 413 and b"cap of 1000" in body
    status, _, body = http(server.url, data=b"x" * 30_000, headers={"Content-Type": "application/sparql-query"})
    assert status == 413
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    t0 = time.time()
    status, _, body = http(f"{server.url}?query=" + urllib.parse.quote(slow))
    assert status == 503 and b"timed out" in body and time.time() - t0 < 15


def test_cors_page_and_static_files(server, built):
    status, headers, body = http(server.url.replace("/sparql", "/"), headers={"Origin": "https://evil.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers   # no CORS unless --cors says so
    assert b"refractory_responders" in body and b'href="html/index.html"' in body
    with SparqlServer(built, port=0, cors="https://yasgui.org") as yasgui:
        ask = yasgui.url + "?query=" + urllib.parse.quote("ASK {}")
        assert http(ask, headers={"Origin": "https://yasgui.org"})[1]["Access-Control-Allow-Origin"] == "https://yasgui.org"
        assert "Access-Control-Allow-Origin" not in http(ask, headers={"Origin": "https://evil.example"})[1]
        status, headers, _ = http(yasgui.url, method="OPTIONS", headers={"Origin": "https://yasgui.org"})
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    status, _, _ = http(server.url.replace("/sparql", "/html/index.html"))
    assert status == 200
    for bad in ("/html/../build.json", "/html/%2e%2e/build.json", "/html/..%2fstore/CURRENT", "/html/%00",
                "/html/a%00b.html", "/html/%ff%fe", "/html/" + "a" * 5000):
        assert http(server.url.replace("/sparql", bad))[0] == 404, bad


def test_push_to_a_real_oxigraph_server(built, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([shutil.which("oxigraph"), "serve", "--location", str(tmp_path / "remote"),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        n = push(built, base + "/store")
        push(built, base + "/store")  # idempotent: graphs are replaced, not appended
        assert n == 3   # the paper, the synthesis graph, the ontology
        for name in ("refractory_responders", "administrations", "patients", "treatment_summary"):
            status, _, body = http(base + "/query", data=load_query(name).encode(),
                                   headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
            assert status == 200
            remote = sorted(tuple(r) for r in csv.reader(io.StringIO(body.decode())))
            local = sorted(tuple(r) for r in csv.reader(io.StringIO(format_result(run_query(built, load_query(name)), "csv"))))
            assert remote == local, name
    finally:
        proc.terminate()
        proc.wait(timeout=10)
