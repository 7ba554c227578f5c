"""The ontology: parses (rdflib and Raptor), covers the reference table, hierarchy, synonyms."""
import csv
import os
import shutil
import subprocess

import pytest
import rdflib

from kg.annotate import ambiguous_labels
from kg.ontology import load_ontology, ontology_dir

TTL = sorted(ontology_dir().glob("*.ttl"))
REFERENCE = ontology_dir().parent.parent / "shared" / "reference" / "ontology-ids.csv"


@pytest.mark.parametrize("path", TTL, ids=[p.name for p in TTL])
def test_turtle_parses_with_rdflib(path):
    assert len(rdflib.Graph().parse(path, format="turtle")) > 10


@pytest.mark.parametrize("path", TTL, ids=[p.name for p in TTL])
def test_turtle_parses_with_raptor(path):
    if not shutil.which("rapper"):
        if os.environ.get("CI"):
            pytest.fail("rapper (raptor2-utils) must be installed in CI")
        pytest.skip("rapper not installed")
    res = subprocess.run(["rapper", "-c", "-i", "turtle", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_reference_drugs_and_products_have_verified_mappings():
    onto = load_ontology()
    if not REFERENCE.exists():
        pytest.skip("shared reference table not beside the repository")
    with REFERENCE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    iris = {r["IRI"] for r in rows}
    for r in rows:
        if r["concept"] in ("unit",) or "(class)" in r["concept"]:
            continue
        term = onto.by_label(r["concept"]) or next(
            (t for t in onto.terms.values()
             if r["concept"].lower() in {x.lower() for x in t.labels + t.abbreviations}), None)
        assert term is not None, f"no term for {r['concept']}"
        assert any(iri in iris for _, iri in term.matches), f"{term.id} has no verified mapping"
    # no mapping outside the verified table, except the grade codes under a verified ICD-10-CM
    # category (G92.0 -> G92.01-G92.05 for ICANS grades, D89.839 -> D89.831-D89.835 for CRS)
    icd = "http://purl.bioontology.org/ontology/ICD10CM/"
    codes = {i[len(icd):] for i in iris if i.startswith(icd)}
    categories = codes | {c[:-1] for c in codes if len(c) == 7}     # D89.839 "grade unspecified" -> D89.83
    for t in onto.terms.values():
        for _, iri in t.matches:
            code = iri[len(icd):]
            graded = t.category == "grade" and iri.startswith(icd) and code[:-1] in categories \
                and code[-1] == str(t.grade_value)
            assert iri in iris or graded, f"{t.id} maps to unverified {iri}"


@pytest.mark.parametrize("child,ancestor", [
    ("Methylprednisolone", "Glucocorticoid"), ("Methylprednisolone", "Corticosteroid"),
    ("Tocilizumab", "IL6ReceptorAntagonist"), ("Anakinra", "IL1ReceptorAntagonist"),
    ("Methotrexate", "Antimetabolite"), ("Cytarabine", "Chemotherapy"), ("Methotrexate", "Chemotherapy"),
])
def test_hierarchy(child, ancestor):
    assert load_ontology().is_a(child, ancestor)


@pytest.mark.parametrize("label,term", [
    ("solumedrol", "Methylprednisolone"), ("Decadron", "Dexamethasone"), ("Kineret", "Anakinra"),
    ("Actemra", "Tocilizumab"), ("MTX", "Methotrexate"), ("Ara-C", "Cytarabine"), ("Keppra", "Levetiracetam"),
    ("Yescarta", "AxicabtageneCiloleucel"), ("axicabtagene cilileucel", "AxicabtageneCiloleucel"),
    ("Kymriah", "Tisagenlecleucel"), ("Carvykti", "CiltacabtageneAutoleucel"), ("obe-cel", "ObecabtageneAutoleucel"),
    ("acetaminophen", "Paracetamol"), ("Levophed", "Norepinephrine"), ("IT", "IntrathecalRoute"),
    ("Ommaya reservoir", "IntraventricularRoute"), ("DLBCL", "DiffuseLargeBCellLymphoma"),
])
def test_synonyms_resolve(label, term):
    t = load_ontology().terms[term]
    assert label in t.labels + t.abbreviations or label.lower() in {x.lower() for x in t.labels}


def test_no_undeclared_ambiguous_label():
    assert ambiguous_labels(load_ontology()) == {}


def test_regimens_have_components():
    onto = load_ontology()
    assert set(onto.terms["IntrathecalTripleTherapy"].components) == {"Methotrexate", "Cytarabine", "Hydrocortisone"}


def test_readme_class_tree_is_current():
    from kg.ontology_doc import readme_with_tree

    readme = (ontology_dir() / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_tree(readme, load_ontology()), "run `python -m kg.ontology_doc`"


def test_outcome_rules_emit_only_ontology_codes():
    from kg.annotate import check_codes
    from kg.errors import OntologyError
    from kg.ontology import Ontology

    onto = load_ontology()
    check_codes(onto)
    without = Ontology({k: t for k, t in onto.terms.items() if t.code != "no_response"}, onto.digest)
    with pytest.raises(OntologyError, match="no_response"):
        check_codes(without)
