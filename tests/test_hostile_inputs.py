"""Bombs and malformed files: one clear error naming the file (and line), never a traceback (issue #14)."""
import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.curation.curfile import load as load_file
from kg.errors import CorpusError

PID = "pmid35896259"

LAUGHS = "".join(f"{k}: &{k} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
                 for p, k in zip([None, *"abcdefgh"], "abcdefghi"))   # 9^9 'lol's from ~330 bytes


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_error(r, *parts):
    assert r.exit_code == 1, r.output
    assert r.output.startswith("Error: ") and r.output.count("\n") == 1, r.output
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    for part in parts:
        assert part in r.output, (part, r.output)


@pytest.mark.parametrize("text,message", [
    (LAUGHS, ":1:1: malformed curation file (refused: aliases (*name) that expand to over 1,000,000 values"),
    ("a: &x [1, *x]\n", "refused: an alias inside its own anchor"),
    ("facts: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels"),
])
def test_yaml_bombs_are_refused_unexpanded(tmp_path, text, message):
    assert len(LAUGHS) < 400
    path = tmp_path / "curation.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=r".*" + message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        load_file(path)


def test_a_bombed_curation_file_skips_only_its_paper(corpus_copy, tmp_path):
    out = tmp_path / "out"
    assert kg("build", "--corpus", corpus_copy, "--out", out).exit_code == 0
    (corpus_copy / "papers" / PID / "curation.yaml").write_text(LAUGHS, encoding="utf-8")
    r = kg("build", "--corpus", corpus_copy, "--out", out)
    assert r.exit_code == 0 and "aliases (*name) that expand" in r.output and "previous graph is kept" in r.output


def test_ordinary_aliases_are_still_yaml(tmp_path):
    path = tmp_path / "curation.yaml"
    path.write_text("paper: x\nfacts: []\nadd: []\nextra: &e {a: 1}\nagain: *e\n", encoding="utf-8")
    assert load_file(path).extra["again"] == {"a": 1}


@pytest.mark.parametrize("encoding,message", [("utf-16", "looks like UTF-16; save the brat .ann file as UTF-8"),
                                              ("latin-1", ":2: not valid UTF-8 (byte 0xe9")])
def test_ann_in_another_encoding(corpus_copy, tmp_path, encoding, message):
    ann = tmp_path / "x.ann"
    ann.write_bytes("T1\tDRUG 0 4\tCase\nT2\tDRUG 0 4\tcafé\n".encode(encoding))
    one_error(kg("brat", "import", PID, ann, "--corpus", corpus_copy), str(ann), message)
    assert not (corpus_copy / "papers" / PID / "mentions.ann").exists()


DEEP = 100_000
BAD_FILES = {
    "deep.xml": ("<article><front><article-meta><title-group><article-title>t</article-title></title-group>"
                 "</article-meta></front><body>" + "<sec>" * DEEP + "<p>x</p>" + "</sec>" * DEEP + "</body></article>",
                 "XML nested more than 200 elements deep"),
    "deep.json": ('{"documents": ' + "[" * DEEP + "]" * DEEP + "}", "JSON nested more than 200 levels deep"),
    "other.json": (json.dumps({"name": "not bioc", "values": [1, 2]}), "JSON, but not BioC JSON"),
    "text-number.json": (json.dumps({"documents": [{"id": 1, "passages": [{"text": 5}]}]}),
                         "documents[0].passages[0].text is int, expected str"),
    "documents-string.json": (json.dumps({"documents": "abc"}), "'documents' is str, expected list"),
    "infons-list.json": (json.dumps([{"documents": [{"passages": [{"infons": [1], "text": "x"}]}]}]),
                         "documents[0].passages[0].infons is list, expected dict"),
    "passage-string.json": (json.dumps({"documents": [{"passages": ["x"]}]}), "documents[0].passages[0] is str"),
    "pubmed-no-article.xml": ("<PubmedArticleSet><PubmedArticle><MedlineCitation/></PubmedArticle></PubmedArticleSet>",
                              "a PubmedArticle lacks MedlineCitation/Article"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_malformed_papers_are_refused(tmp_path, name):
    data, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    corpus = tmp_path / "corpus"
    one_error(kg("add", path, "--corpus", corpus), str(path), message)
    assert not (corpus / "papers").exists() or not any((corpus / "papers").iterdir())


def test_non_bioc_json_can_still_be_added_as_text_on_request(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"note": "IT methotrexate 12 mg"}), encoding="utf-8")
    assert kg("add", path, "--corpus", tmp_path / "c", "--format", "text").exit_code == 0


@pytest.mark.parametrize("name,message", [
    ("/tmp", "/tmp: is a directory; give a .rq file or a question name"),
    ("a" * 300, "not a query name nor a readable .rq file (File name too long)"),
    ("x" * 120, "unknown query 'xxxxxxxx"),
])
def test_query_names_that_are_no_query(built, name, message):
    one_error(kg("query", name, "--out", built), message)


@pytest.mark.parametrize("endpoint", ["not a url", "ftp://host/store", "http://", "http://host:abc/store", "/tmp/x"])
def test_push_to_something_that_is_no_url(built, endpoint):
    one_error(kg("push", "--endpoint", endpoint, "--out", built), repr(endpoint), "e.g. http://127.0.0.1:7879/store")


def test_kg_query_bounds_nesting_before_the_engine(built, tmp_path):
    deep = tmp_path / "deep.rq"
    deep.write_text("SELECT * WHERE " + "{" * 4600 + "?s ?p ?o" + "}" * 4600)
    one_error(kg("query", deep, "--out", built, "--timeout", "0"), "query nested 4600 levels deep; at most 128")
