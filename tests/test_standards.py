"""The ontology speaks the standards: SKOS integrity, SSSOM mappings, OBO synonyms, OWL without punned classes."""
import shutil
from collections import defaultdict

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SKOS

from kg.ontology import NS, load_ontology, ontology_dir, ontology_files
from kg.ontology_derived import ABBREVIATIONS, MAPPINGS, OBO_IN_OWL, OMO_ABBREVIATION, SSSOM, generated

I = rdflib.Namespace(NS)


@pytest.fixture(scope="module")
def onto_graph():
    g = rdflib.Graph()
    for f in ontology_files():
        g.parse(f, format="turtle")
    return g


def skos_violations(g: rdflib.Graph) -> list[str]:
    """SKOS integrity conditions S13 (pref/alt/hidden pairwise disjoint) and S14 (one prefLabel per language).

    ``icans:abbreviation`` is a subproperty of ``skos:altLabel``, so its values count as alternative labels.
    """
    out = []
    for s in set(g.subjects()):
        pref = set(g.objects(s, SKOS.prefLabel))
        alt = set(g.objects(s, SKOS.altLabel)) | set(g.objects(s, I.abbreviation))
        hidden = set(g.objects(s, SKOS.hiddenLabel))
        for a, b, name in ((pref, alt, "pref/alt"), (pref, hidden, "pref/hidden"), (alt, hidden, "alt/hidden")):
            for lit in sorted(a & b):
                out.append(f"S13 {s}: {lit!r} is both {name}")
        langs = defaultdict(list)
        for lit in pref:
            langs[lit.language].append(str(lit))
        out += [f"S14 {s}: {len(v)} prefLabels @{lang}" for lang, v in langs.items() if len(v) > 1]
    return sorted(out)


def test_skos_integrity_s13_s14(onto_graph):
    assert skos_violations(onto_graph) == []


def test_skos_check_finds_both_violations(onto_graph):
    g = rdflib.Graph()
    for t in onto_graph:
        g.add(t)
    g.add((I.Methotrexate, SKOS.hiddenLabel, rdflib.Literal("methotrexate", lang="en")))
    g.add((I.Methotrexate, SKOS.prefLabel, rdflib.Literal("amethopterin", lang="en")))
    found = skos_violations(g)
    assert any(v.startswith("S13") and "Methotrexate" in v for v in found)
    assert any(v.startswith("S14") and "Methotrexate" in v for v in found)


def test_the_sssom_table_validates(tmp_path):
    from sssom.constants import SchemaValidationType as V
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    checks = [V.JsonSchema, V.PrefixMapCompleteness, V.StrictCurieFormat]
    msdf = parse_sssom_table(ontology_dir() / SSSOM)
    assert len(msdf.df) >= 150
    reports = validate(msdf, checks, fail_on_error=False)
    assert all(not r.results for r in reports.values()), reports
    # the validation bites: an undeclared prefix and a justification outside SEMAPV are reported
    text = (ontology_dir() / SSSOM).read_text(encoding="utf-8")
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(text.replace("MESH:D003907", "NOPE:D003907", 1), encoding="utf-8")
    reports = validate(parse_sssom_table(bad), checks, fail_on_error=False)
    assert any(r.results for r in reports.values())


def test_generated_files_are_current():
    for name, text in generated().items():
        assert (ontology_dir() / name).read_text(encoding="utf-8") == text, \
            f"ontology/{name} is stale: run `python -m kg.ontology_derived`"


def test_mappings_live_in_the_sssom_table_only():
    icans = rdflib.Graph().parse(ontology_dir() / "icans.ttl", format="turtle")
    inline = [(s, p) for s, p, _ in icans if str(p).startswith(str(SKOS)) and str(p).endswith("Match")]
    assert inline == [], "put mappings in ontology/mappings.sssom.tsv, then run `python -m kg.ontology_derived`"
    mapped = rdflib.Graph().parse(ontology_dir() / MAPPINGS, format="turtle")
    assert (I.Anakinra, SKOS.broadMatch, rdflib.URIRef("http://id.nlm.nih.gov/mesh/D053590")) in mapped


@pytest.mark.parametrize("term,predicate,iri", [
    # the corrections of issue #17: a receptor is no therapy, the endogenous protein is broader than
    # the drug, NCIt C1064 is the sodium salt, ATC L01B holds only the antineoplastic antimetabolites
    ("CARTCellTherapy", "closeMatch", None),
    ("CARTCellTherapy", "broadMatch", "http://identifiers.org/atc/L01XL"),
    ("Anakinra", "broadMatch", "http://id.nlm.nih.gov/mesh/D053590"),
    ("Defibrotide", "closeMatch", "http://purl.obolibrary.org/obo/NCIT_C1064"),
    ("Antimetabolite", "narrowMatch", "http://identifiers.org/atc/L01B"),
    ("ICANSGrade1", "exactMatch", "http://purl.bioontology.org/ontology/ICD10CM/G92.01"),
    ("ICANSGrade5", "exactMatch", "http://purl.bioontology.org/ontology/ICD10CM/G92.05"),
    ("CRSGrade1", "exactMatch", "http://purl.bioontology.org/ontology/ICD10CM/D89.831"),
    ("CRSGrade5", "exactMatch", "http://purl.bioontology.org/ontology/ICD10CM/D89.835"),
])
def test_mappings(term, predicate, iri):
    matches = load_ontology().terms[term].matches
    if iri is None:
        assert not any(p == predicate for p, _ in matches)
    else:
        assert (predicate, iri) in matches
        assert not any(i == iri and p != predicate for p, i in matches)


def test_abbreviations_are_obo_exact_synonyms_of_type_abbreviation(onto_graph):
    onto = load_ontology()
    syn = rdflib.URIRef(OBO_IN_OWL + "hasExactSynonym")
    typed = {(ax_s, str(ax_t)) for ax in onto_graph.subjects(RDF.type, OWL.Axiom)
             if onto_graph.value(ax, OWL.annotatedProperty) == syn
             and onto_graph.value(ax, rdflib.URIRef(OBO_IN_OWL + "hasSynonymType")) == rdflib.URIRef(OMO_ABBREVIATION)
             for ax_s in [onto_graph.value(ax, OWL.annotatedSource)] for ax_t in [onto_graph.value(ax, OWL.annotatedTarget)]}
    expected = {(rdflib.URIRef(t.iri), a) for t in onto.terms.values() for a in t.abbreviations}
    assert (rdflib.URIRef(NS + "Methotrexate"), "MTX") in expected
    assert expected <= typed
    assert all((s, syn, rdflib.Literal(a)) in onto_graph for s, a in expected)


def test_no_class_is_used_as_an_individual(onto_graph):
    """No object or datatype property links a class to a value: those are restrictions or annotations."""
    classes = set(onto_graph.subjects(RDF.type, OWL.Class))
    logical = set(onto_graph.subjects(RDF.type, OWL.ObjectProperty)) | set(onto_graph.subjects(RDF.type, OWL.DatatypeProperty))
    misuse = sorted((str(s), str(p)) for s, p, _ in onto_graph if s in classes and p in logical)
    assert misuse == []
    # still read by the annotator's term table
    t = load_ontology().terms
    assert set(t["MethotrexateHydrocortisone"].components) == {"Methotrexate", "Hydrocortisone"}
    assert t["MethotrexateHydrocortisone"].default_route == "IntrathecalRoute"
    assert (t["CRSGrade4"].grade_of, t["CRSGrade4"].grade_value) == ("CRS", 4)


def test_generated_files_follow_their_sources(tmp_path):
    folder = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), folder)
    icans = folder / "icans.ttl"
    icans.write_text(icans.read_text(encoding="utf-8").replace('icans:abbreviation "MTX"', 'icans:abbreviation "MTX", "MTXX"'),
                     encoding="utf-8")
    table = folder / SSSOM
    table.write_text(table.read_text(encoding="utf-8") + "icans:Famotidine\tfamotidine\tskos:exactMatch\tATC:A02BA03"
                     "\tfamotidine\tsemapv:ManualMappingCuration\t\n", encoding="utf-8")
    out = generated(folder)
    assert '"MTXX"' in out[ABBREVIATIONS] and "<http://identifiers.org/atc/A02BA03>" in out[MAPPINGS]


def test_a_bad_mapping_row_names_its_line(tmp_path):
    from kg.errors import OntologyError
    from kg.ontology_derived import mappings_ttl

    table = tmp_path / SSSOM
    text = (ontology_dir() / SSSOM).read_text(encoding="utf-8")
    table.write_text(text + "icans:Famotidine\tfamotidine\towl:sameAs\tATC:A02BA03\t\tsemapv:ManualMappingCuration\t\n",
                     encoding="utf-8")
    with pytest.raises(OntologyError, match=rf"{SSSOM}:{len(text.splitlines()) + 1}: predicate 'owl:sameAs'"):
        mappings_ttl(table)
