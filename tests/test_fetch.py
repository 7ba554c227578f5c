"""kg add --pmid / --pmcid against a local HTTP server that answers like E-utilities and the BioC API."""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ingest.fetch import BIOC, EUTILS

from .conftest import DATA

FIXTURES = DATA / "fetch"


class _NCBI(BaseHTTPRequestHandler):
    """efetch.fcgi (db=pubmed|pmc) and BioC_xml/PMCn/unicode, from tests/data/fetch; a log of requests."""

    requests: list = []

    def log_message(self, *args):
        pass

    def _send(self, status, body: bytes, ctype="text/xml; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        self.requests.append((url.path, {k: v[0] for k, v in q.items()}))
        if url.path == "/eutils/efetch.fcgi":
            ident = q.get("id", [""])[0]
            if ident == "99999999":
                return self._send(404, b"Not Found", "text/plain")
            path = FIXTURES / f"{'pubmed' if q['db'][0] == 'pubmed' else 'pmc'}-{ident}.xml"
            if path.exists():
                return self._send(200, path.read_bytes())
            if q["db"][0] == "pubmed":   # efetch's answer for a PMID it does not know
                return self._send(200, b'<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>\n')
            return self._send(200, b'<pmc-articleset><error>The following PMCID is not available: '
                                   + ident.encode() + b'</error></pmc-articleset>')
        if url.path.startswith("/bioc/BioC_xml/"):
            pmcid = url.path.split("/")[3]
            path = FIXTURES / f"bioc-{pmcid}.xml"
            if path.exists():
                return self._send(200, path.read_bytes())
            return self._send(200, f"No record can be found for the input: {pmcid}".encode(), "text/plain")
        self._send(404, b"Not Found", "text/plain")


@pytest.fixture
def ncbi():
    _NCBI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NCBI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base, _NCBI.requests
    finally:
        server.shutdown()
        server.server_close()


def kg_add(base, corpus, *args):
    return CliRunner().invoke(cli, ["add", *map(str, args), "--corpus", str(corpus),
                                    "--eutils-url", f"{base}/eutils", "--bioc-url", f"{base}/bioc"])


def meta(corpus, pid):
    return json.loads((corpus / "papers" / pid / "meta.json").read_text(encoding="utf-8"))


def test_the_real_ncbi_urls_are_the_defaults():
    assert EUTILS == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    assert BIOC == "https://www.ncbi.nlm.nih.gov/research/bionlp/RESTful/pmcoa.cgi"


def test_pmid_of_an_open_access_article_gets_the_full_text(ncbi, tmp_path):
    base, requests = ncbi
    corpus = tmp_path / "corpus"
    r = kg_add(base, corpus, "--pmid", "11111111")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("added pmid11111111 (") and "full text from PMC JATS (PMC7000001)" in r.output
    text = (corpus / "papers" / "pmid11111111" / "paper.txt").read_text(encoding="utf-8")
    assert "Case presentation" in text and "Anakinra 100 mg SC every 6 hours was started on day 7" in text
    m = meta(corpus, "pmid11111111")
    assert (m["pmid"], m["doi"], m["year"], m["journal"]) == ("11111111", "10.9999/test.11111111", 2023,
                                                                "Journal of Test Neurotoxicity")
    assert (corpus / "papers" / "pmid11111111" / "source.xml").read_bytes() == (FIXTURES / "pmc-7000001.xml").read_bytes()
    assert [(p, q["db"], q["id"], q["tool"]) for p, q in requests] == [
        ("/eutils/efetch.fcgi", "pubmed", "11111111", "icans-kg"), ("/eutils/efetch.fcgi", "pmc", "7000001", "icans-kg")]
    # the fetched paper builds like any other
    r = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0 and "1 paper" in r.output, r.output


def test_pmid_not_open_access_adds_the_abstract_and_says_so(ncbi, tmp_path):
    base, _ = ncbi
    corpus = tmp_path / "corpus"
    r = kg_add(base, corpus, "--pmid", "22222222")
    assert r.exit_code == 0, r.output
    assert "PMC7000002 is not open access: added the PubMed abstract only" in r.output
    text = (corpus / "papers" / "pmid22222222" / "paper.txt").read_text(encoding="utf-8")
    assert text.startswith("Siltuximab after CAR T cells") and "did not respond to siltuximab" in text
    r = kg_add(base, corpus, "--pmid", "33333333")
    assert r.exit_code == 0 and "not in PMC: added the PubMed abstract only" in r.output


def test_pmcid_falls_back_to_bioc(ncbi, tmp_path):
    base, requests = ncbi
    corpus = tmp_path / "corpus"
    r = kg_add(base, corpus, "--pmcid", "PMC7000003")
    assert r.exit_code == 0 and "full text from PMC BioC" in r.output, r.output
    assert "added pmid44444444" in r.output
    text = (corpus / "papers" / "pmid44444444" / "paper.txt").read_text(encoding="utf-8")
    assert "Ruxolitinib 10 mg PO twice daily" in text
    assert [p for p, _ in requests] == ["/eutils/efetch.fcgi", "/bioc/BioC_xml/PMC7000003/unicode"]


@pytest.mark.parametrize("args, message", [
    (["--pmid", "99999999"], "PMID 99999999: PubMed has no such article; check the number"),      # HTTP 404
    (["--pmid", "12345678"], "PMID 12345678: PubMed has no such article; check the number"),      # empty set
    (["--pmid", "55555555"], "PMID 55555555 (efetch):5:0: malformed XML (no element found)"),
    (["--pmcid", "PMC7000002"], "PMC7000002: no open-access full text"),
    (["--pmcid", "PMC1"], "PMC1: no open-access full text"),
    (["--pmid", "12ab"], "a PMID is a number"),
    (["--pmcid", "PMCX"], "a PMCID is PMC followed by digits"),
    (["--pmid", "11111111", "--pmcid", "PMC7000001"], "one of them"),
])
def test_fetch_errors_are_clear(ncbi, tmp_path, args, message):
    base, _ = ncbi
    corpus = tmp_path / "corpus"
    r = kg_add(base, corpus, *args)
    assert r.exit_code == 1 and message in r.output and r.output.count("\n") == 1, r.output
    assert not (corpus / "papers").exists() or not any((corpus / "papers").iterdir())


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    import socket
    with socket.socket() as s:   # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = kg_add(f"http://127.0.0.1:{port}", tmp_path / "corpus", "--pmid", "11111111")
    assert r.exit_code == 1 and "cannot reach 127.0.0.1:" in r.output and "--eutils-url" in r.output
