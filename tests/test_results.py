"""Result formats: tables keep IRIs whole and rows on one line; JSON numbers are numbers."""
import json

from kg.views.query import load_query, run_query
from kg.views.results import Result, format_result

IRI = "https://w3id.org/icans-kg/id/paper/some-long-paper-id/finding/case-1-t3-and-more-to-be-long"
SENTENCE = "First line of the sentence\nand its second line, long enough to be cut in a table cell."


def sample() -> Result:
    return Result(("fact", "sentence", "treated", "dose"),
                  ((IRI, SENTENCE, "12", "8-10"), (IRI, "short", "0.667", "")),
                  (("iri", "text", "number", "text"), ("iri", "text", "number", "number")))


def test_table_keeps_iris_whole_and_escapes_newlines():
    lines = format_result(sample(), "table").splitlines()
    assert len(lines) == 2 + 2 + 1           # header, rule, two rows, count: no row spills over two lines
    assert lines[2].startswith(IRI + "  ") and lines[3].startswith(IRI + "  ")
    assert "First line of the sentence\\nand its second line, long eno...  12" in lines[2]
    assert lines[-1] == "(2 rows)"


def test_json_numbers_are_numbers_and_the_rest_text():
    rows = json.loads(format_result(sample(), "json"))
    assert rows[0] == {"fact": IRI, "sentence": SENTENCE, "treated": 12, "dose": "8-10"}
    assert rows[1]["treated"] == 0.667 and rows[1]["dose"] == ""


def test_store_results_carry_kinds(built):
    r = run_query(built, load_query("treatment_outcomes"))
    rows = json.loads(format_result(r, "json"))
    assert all(isinstance(row["treated"], int) for row in rows if row["treated"] != "")
    assert all(isinstance(row["paper"], str) and row["fact"].startswith("https://") for row in rows)
    table = format_result(r, "table")
    assert all(row["fact"] in table for row in rows)


def test_a_refused_query_frees_the_engine_results_on_their_own_thread(built):
    """Queries run on a worker thread; an error carried back must not drag pyoxigraph's result objects
    (which may only be freed on the thread that made them) into the caller's thread."""
    import gc
    import sys

    import pytest

    from kg.errors import QueryError

    seen = []
    old, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        for sparql in ("ASK { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"):
            with pytest.raises(QueryError, match="only SELECT queries") as info:
                run_query(built, sparql)
            assert info.value.__traceback__ is not None   # raised here again, with this thread's frames only
        gc.collect()
    finally:
        sys.unraisablehook = old
    assert [str(u.exc_value) for u in seen] == []
