"""The build's compiled shape checker gives pySHACL's verdicts, on real and mutated graphs."""
import random

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from kg.errors import UnsupportedShapeError
from kg.ontology import ontology_dir
from kg.graph.shape_check import SH, check, compile_shapes
from kg.graph.validate import rdflib_graph, shapes_graph

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SHAPES = ontology_dir() / "shapes.ttl"


def pyshacl_results(quads) -> set[tuple[str, str, str]]:
    from pyshacl import validate

    _, results, _ = validate(rdflib_graph(quads), shacl_graph=shapes_graph(str(SHAPES)), inference="none",
                             allow_warnings=True)
    sh = rdflib.Namespace(SH)
    out = set()
    for r in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = results.value(r, sh.focusNode)
        out.add((f"<{focus}>" if isinstance(focus, rdflib.URIRef) else f"_:{focus}",
                 str(results.value(r, sh.resultPath)),
                 str(results.value(r, sh.sourceConstraintComponent)).rsplit("#", 1)[1]))
    return out


def compiled_results(quads) -> set[tuple[str, str, str]]:
    return {(v.focus, v.path, v.component) for v in check(quads, SHAPES)}


@pytest.fixture(scope="module")
def seed_quads(built):
    return list(parse((built / "rdf" / "pmid35896259.nq").read_bytes(), format=RdfFormat.N_QUADS))


def _replacements(obj):
    """Wrong values of every kind a shape constrains: type, sign, range, form, node kind, emptiness.

    No xsd:boolean: pySHACL compares it to numbers as Python does (true < 5), where SHACL
    says values that SPARQL cannot compare violate sh:lessThan; the checker follows SHACL.
    The ill-formed number keeps the original's numeric datatype for the same reason: between
    two numeric datatypes (xsd:integer "x1" against xsd:nonNegativeInteger offsets) rdflib
    orders an ill-formed literal by its datatype IRI, where SHACL says it cannot be compared.
    """
    numeric = isinstance(obj, Literal) and obj.datatype.value != XSD + "string" and obj.datatype.value != XSD + "boolean"
    ill_formed = Literal("x1", datatype=obj.datatype if numeric else NamedNode(XSD + "integer"))
    return [Literal("abc"), Literal("-5", datatype=NamedNode(XSD + "integer")),
            Literal("999999", datatype=NamedNode(XSD + "integer")), ill_formed,
            Literal("2.5", datatype=NamedNode(XSD + "decimal")), Literal(""),
            NamedNode("https://example.org/elsewhere"), Literal("male")]


def mutations(quads, rng: random.Random, n: int):
    """Derived from the data, not from the shapes: drop, duplicate or replace one triple of each predicate."""
    by_pred = {}
    for i, q in enumerate(quads):
        by_pred.setdefault(q.predicate.value, []).append(i)
    for pred in sorted(by_pred):
        for _ in range(n):
            i = rng.choice(by_pred[pred])
            q = quads[i]
            kind = rng.choice(["drop", "extra", "replace", "replace"])
            if kind == "drop":
                yield f"drop {pred}", quads[:i] + quads[i + 1:]
            else:
                new = Quad(q.subject, q.predicate, rng.choice(_replacements(q.object)), q.graph_name)
                yield f"{kind} {pred} -> {new.object}", (quads if kind == "extra" else quads[:i] + quads[i + 1:]) + [new]


def test_shipped_shapes_compile():
    shapes = compile_shapes(str(SHAPES))
    assert len(shapes) >= 10 and all(s.targets for s in shapes)


def test_real_graph_conforms_in_both(seed_quads):
    assert compiled_results(seed_quads) == pyshacl_results(seed_quads) == set()


def test_mutated_graphs_get_pyshacls_verdicts(seed_quads):
    rng = random.Random(11)
    small = [q for q in seed_quads if q.predicate.value != RDF_TYPE or rng.random() < 0.5][:900]
    small = [q for q in seed_quads if q.subject in {x.subject for x in small}]   # whole nodes only
    checked = failing = 0
    for what, quads in mutations(small, rng, 4):
        expected = pyshacl_results(quads)
        assert compiled_results(quads) == expected, what
        checked += 1
        failing += bool(expected)
    assert checked > 80 and failing > 30    # the mutations really exercised the constraints


def test_unknown_features_are_refused(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
                      "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:qualifiedMinCount 1 ] .\n",
                      encoding="utf-8")
    with pytest.raises(UnsupportedShapeError, match="qualifiedMinCount"):
        compile_shapes(str(shapes))
