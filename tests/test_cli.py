"""The kg command: exit codes and exact output, happy and error paths."""
import json
import re

from click.testing import CliRunner

from kg.cli import cli

from .conftest import REPO


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_every_command_is_documented():
    for name, cmd in cli.commands.items():
        assert cmd.help and "Example:" in cmd.help, name


def test_add_and_errors(tmp_path):
    paper = tmp_path / "My Case (2024).txt"
    paper.write_text("A 50-year-old man received IT methotrexate 12 mg on day 9.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    r = run("add", paper, "--corpus", corpus)
    assert (r.exit_code, r.output) == (0, f"added my-case-2024 (59 characters) to {corpus}\n")
    r = run("add", paper, "--corpus", corpus)
    assert r.exit_code == 1
    assert r.output == (f"Error: paper 'my-case-2024' is already in {corpus}; use --replace to overwrite it "
                        "or --id to choose another id\n")
    r = run("add", paper, "--corpus", corpus, "--id", "../evil")
    assert r.exit_code == 1 and r.output.startswith("Error: invalid paper id '../evil'")
    r = run("add", tmp_path / "missing.txt", "--corpus", corpus)
    assert (r.exit_code, r.output) == (1, f"Error: {tmp_path / 'missing.txt'}: no such file; check the path\n")
    assert sorted(p.name for p in (corpus / "papers").iterdir()) == ["my-case-2024"]


def test_add_refuses_bad_bytes(tmp_path):
    corpus = tmp_path / "corpus"
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02abc")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("first line\nna\xefve caf\xe9".encode("latin-1"))
    assert run("add", empty, "--corpus", corpus).output == f"Error: {empty}: file is empty; nothing to add\n"
    assert "looks binary" in run("add", binary, "--corpus", corpus).output
    out = run("add", latin, "--corpus", corpus).output
    assert out.startswith(f"Error: {latin}:2: not valid UTF-8") and "iconv" in out
    assert not (corpus / "papers").exists() or not any((corpus / "papers").iterdir())


def test_annotate_json_contract():
    paper = REPO / "corpus" / "papers" / "pmid35896259" / "paper.txt"
    r = run("annotate", paper, "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["paper"] == "pmid35896259"
    text = paper.read_text(encoding="utf-8")
    assert all(text[m["start"]:m["end"]] == m["text"] for m in data["mentions"])
    assert {"DRUG", "DOSE", "ROUTE", "GRADE", "DAY", "OUTCOME", "CITATION", "CELL_THERAPY"} <= {m["label"] for m in data["mentions"]}


def test_annotate_table_and_error(tmp_path):
    p = tmp_path / "p.txt"
    p.write_text("IT MTX 12 mg on D+7.", encoding="utf-8")
    r = run("annotate", p, "--format", "table")
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "     0      2  ROUTE          'IT'                                     route=intrathecal"
    r = run("annotate", tmp_path / "nope.txt")
    assert (r.exit_code, r.output) == (1, f"Error: {tmp_path / 'nope.txt'}: no such file; check the path\n")


def test_build_query_explain(tmp_path, corpus_copy):
    out = tmp_path / "out"
    r = run("build", "--corpus", corpus_copy, "--out", out)
    assert r.exit_code == 0 and re.match(r"built 1 paper: \d+ mentions, .* quads -> ", r.output)
    r = run("query", "refractory_responders", "--out", out, "--format", "csv")
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "paper,source,subject,agents,route,responders,treated,fact"
    case1 = [line for line in r.output.splitlines()
             if line.startswith("pmid35896259,,Case 1,hydrocortisone+methotrexate,intrathecal,1,1,")]
    assert len(case1) == 1
    r = run("query", "nope", "--out", out)
    assert r.exit_code == 1 and r.output.startswith("Error: unknown query 'nope'; known: administrations, ")
    r = run("explain", case1[0].rsplit(",", 1)[1], "--out", out, "--format", "json")
    assert r.exit_code == 0 and "methotrexate" in json.loads(r.output)[0]["sentence"]
    r = run("validate", "--out", out)
    assert (r.exit_code, r.output) == (0, "1 paper graph(s) conform to ontology/shapes.ttl\n")


def test_build_errors(tmp_path):
    r = run("build", "--corpus", tmp_path / "none", "--out", tmp_path / "out")
    assert r.exit_code == 1
    assert r.output == (f"Error: {tmp_path / 'none'}: no corpus folder here; create one with "
                        f"`kg add PATH --corpus {tmp_path / 'none'}`\n")
    r = run("query", "patients", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "no built graph here" in r.output
