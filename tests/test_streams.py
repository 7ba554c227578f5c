"""The endpoint's streamed result formats read back, term for term, with Oxigraph's own parsers."""
import io

import pytest
from pyoxigraph import (BlankNode, Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, Store, parse,
                        parse_query_results)

from kg.views.streams import OverCap, write_boolean, write_solutions, write_triples

XSD = "http://www.w3.org/2001/XMLSchema#"
TRICKY = ['plain', 'a "quoted", comma', "line\nbreak\r\n", "  spaced  ", "\r", "tab\there", "sep\u2028\u2029\u0085", "<b>&amp;</b>",
          "émoji 🧠", "", "back\\slash"]


@pytest.fixture(scope="module")
def store():
    s = Store()
    p = NamedNode("http://x/p")
    for i, text in enumerate(TRICKY):
        s.add(Quad(NamedNode(f"http://x/s{i}"), p, Literal(text)))
    s.add(Quad(NamedNode("http://x/n"), p, Literal("12", datatype=NamedNode(XSD + "integer"))))
    s.add(Quad(NamedNode("http://x/l"), p, Literal("chat", language="fr")))
    s.add(Quad(BlankNode("b1"), p, NamedNode("http://x/o?a=1&b=&amp;2")))
    return s


QUERY = "SELECT ?s ?o ?missing WHERE { ?s <http://x/p> ?o } ORDER BY STR(?s)"


def _terms(solutions):
    """Rows as comparable values (blank node labels may be renamed by a format)."""
    return [tuple(None if t is None else ("bnode" if isinstance(t, BlankNode) else str(t)) for t in row)
            for row in ([sol[v] for v in solutions.variables] for sol in solutions)]


@pytest.mark.parametrize("fmt,qformat", [("json", QueryResultsFormat.JSON), ("xml", QueryResultsFormat.XML),
                                         ("tsv", QueryResultsFormat.TSV)])
def test_select_formats_read_back_exactly(store, fmt, qformat):
    out = io.BytesIO()
    n = write_solutions(store.query(QUERY), fmt, out, max_rows=100)
    assert n == len(TRICKY) + 3
    back = parse_query_results(out.getvalue(), format=qformat)
    assert [v.value for v in back.variables] == ["s", "o", "missing"]
    assert _terms(back) == _terms(store.query(QUERY))


def test_csv_is_what_oxigraph_writes(store):
    """CSV keeps values only, so no parser takes it back (Oxigraph refuses to): it matches Oxigraph's bytes."""
    out = io.BytesIO()
    q = QUERY.replace("?s ?o", "?o").replace("STR(?s)", "?o")
    write_solutions(store.query(q), "csv", out, max_rows=100)
    assert out.getvalue() == store.query(q).serialize(format=QueryResultsFormat.CSV)


@pytest.mark.parametrize("fmt,rdf", [("turtle", RdfFormat.TURTLE), ("ntriples", RdfFormat.N_TRIPLES),
                                     ("jsonld", RdfFormat.JSON_LD)])
def test_graph_formats_read_back(store, fmt, rdf):
    q = "CONSTRUCT { ?s <http://x/p> ?o } WHERE { ?s <http://x/p> ?o FILTER(isIRI(?s)) }"
    out = io.BytesIO()
    assert write_triples(store.query(q), fmt, out, max_rows=100) == len(TRICKY) + 2
    assert {str(t) for t in parse(out.getvalue(), format=rdf)} == {str(t) for t in store.query(q)}


def test_the_row_after_the_cap_stops_the_stream(store):
    for fmt in ("json", "xml", "csv", "tsv"):
        with pytest.raises(OverCap) as e:
            write_solutions(store.query(QUERY), fmt, io.BytesIO(), max_rows=3)
        assert e.value.rows == 4
    with pytest.raises(OverCap):
        write_triples(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "turtle", io.BytesIO(), max_rows=3)
    assert write_solutions(store.query(QUERY), "json", io.BytesIO(), max_rows=len(TRICKY) + 3) == len(TRICKY) + 3


def test_ask(store):
    out = io.BytesIO()
    write_boolean(store.query("ASK { ?s ?p ?o }"), "json", out)
    assert bool(parse_query_results(out.getvalue(), format=QueryResultsFormat.JSON)) is True
