"""The ontology's generated files: mappings.ttl from the SSSOM table, abbreviations.ttl in the OBO convention.

``ontology/mappings.sssom.tsv`` is where mappings are edited (one row a mapping, with its
justification and source); ``ontology/mappings.ttl`` holds the same mappings as SKOS
triples for RDF tools. ``ontology/abbreviations.ttl`` repeats every ``icans:abbreviation``
of ``icans.ttl`` as ``oboInOwl:hasExactSynonym`` typed OMO:0003000 (abbreviation), the
form OLS and BioPortal index. ``python -m kg.ontology_derived`` rewrites both;
``tests/test_standards.py`` fails when either is stale.
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import yaml

from .errors import OntologyError
from .ontology import NS, ontology_dir

SSSOM = "mappings.sssom.tsv"
MAPPINGS = "mappings.ttl"
ABBREVIATIONS = "abbreviations.ttl"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
OMO_ABBREVIATION = "http://purl.obolibrary.org/obo/OMO_0003000"
PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def read_sssom(path: Path) -> tuple[dict, list[dict]]:
    """The table's metadata (YAML header) and rows; the header's curie_map expands the CURIEs."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as e:
        raise OntologyError(f"{path}: the '#' header is not YAML ({e})") from None
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    return meta, rows


def expanded_mappings(path: Path | None = None) -> list[tuple[str, str, str]]:
    """(subject IRI, SKOS predicate IRI, object IRI) of every row, sorted."""
    from curies import Converter

    path = path or ontology_dir() / SSSOM
    meta, rows = read_sssom(path)
    conv = Converter.from_prefix_map(meta.get("curie_map") or {})
    out = []
    header = sum(1 for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("#"))
    for line, r in enumerate(rows, header + 2):     # the '#' lines, then the column names, then row 1
        pred = r.get("predicate_id", "")
        if not pred.startswith("skos:") or pred[5:] not in PREDICATES:
            raise OntologyError(f"{path}:{line}: predicate {pred!r} is not one of skos:{', skos:'.join(PREDICATES)}")
        s, o = conv.expand(r["subject_id"]), conv.expand(r["object_id"])
        if not s or not o:
            raise OntologyError(f"{path}:{line}: a CURIE's prefix is not in the curie_map header")
        out.append((s, SKOS + pred[5:], o))
    return sorted(set(out))


def mappings_ttl(path: Path | None = None) -> str:
    rows = expanded_mappings(path)
    by_subject: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in rows:
        by_subject.setdefault(s, []).append((p, o))
    out = ["# GENERATED from mappings.sssom.tsv by `python -m kg.ontology_derived`: edit the table, not this file.",
           f"@prefix skos: <{SKOS}> .", ""]
    for s, pos in by_subject.items():
        body = " ;\n    ".join(f"skos:{p[len(SKOS):]} <{o}>" for p, o in pos)
        out.append(f"<{s}>\n    {body} .")
    return "\n".join(out) + "\n"


def _turtle_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def abbreviations_ttl(folder: Path | None = None) -> str:
    import rdflib

    folder = folder or ontology_dir()
    g = rdflib.Graph().parse(folder / "icans.ttl", format="turtle")
    pairs = sorted((str(s), str(o)) for s, o in g.subject_objects(rdflib.URIRef(NS + "abbreviation"))
                   if str(s).startswith(NS))
    out = ["# GENERATED from icans.ttl's icans:abbreviation by `python -m kg.ontology_derived`: do not edit.",
           "# The OBO convention for the same short forms: an exact synonym whose synonym type is OMO:0003000",
           "# (abbreviation), so that OLS/BioPortal-style tools find \"MTX\".",
           f"@prefix oboInOwl: <{OBO_IN_OWL}> .",
           "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
           "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .", "",
           "oboInOwl:hasExactSynonym a owl:AnnotationProperty ; rdfs:label \"has exact synonym\" .",
           "oboInOwl:hasSynonymType a owl:AnnotationProperty ; rdfs:label \"has synonym type\" .",
           "oboInOwl:SynonymTypeProperty a owl:AnnotationProperty ; rdfs:label \"synonym type property\" .",
           f"<{OMO_ABBREVIATION}> a owl:AnnotationProperty ; rdfs:subPropertyOf oboInOwl:SynonymTypeProperty ;",
           "    rdfs:label \"abbreviation\" .", ""]
    for s, abbr in pairs:
        lit = _turtle_string(abbr)
        out.append(f"<{s}> oboInOwl:hasExactSynonym {lit} .")
        out.append(f"[] a owl:Axiom ; owl:annotatedSource <{s}> ; owl:annotatedProperty oboInOwl:hasExactSynonym ;\n"
                   f"    owl:annotatedTarget {lit} ; oboInOwl:hasSynonymType <{OMO_ABBREVIATION}> .")
    return "\n".join(out) + "\n"


def generated(folder: Path | None = None) -> dict[str, str]:
    """File name -> the text it should hold."""
    folder = folder or ontology_dir()
    return {MAPPINGS: mappings_ttl(folder / SSSOM), ABBREVIATIONS: abbreviations_ttl(folder)}


if __name__ == "__main__":
    target = ontology_dir()
    for name, text in generated(target).items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote {target / name}", file=sys.stderr)
