"""SHACL validation of built graphs with pySHACL."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ValidationError
from .ontology import ontology_dir


@dataclass(frozen=True)
class Report:
    conforms: bool
    violations: int
    text: str


def validate_nquads(data: bytes) -> Report:
    """Validate N-Quads (one paper's named graph) against ontology/shapes.ttl."""
    import rdflib
    from pyshacl import validate

    ds = rdflib.Dataset()
    ds.parse(data=data, format="nquads")
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, results, text = validate(g, shacl_graph=shapes, inference="none", abort_on_first=False,
                                       allow_warnings=True)
    n = text.count("Constraint Violation")
    return Report(bool(conforms), n, text)


def validate_outputs(out: Path) -> dict[str, Report]:
    """Validate every paper graph under ``out/rdf``."""
    folder = Path(out) / "rdf"
    if not folder.is_dir():
        raise ValidationError(f"{folder}: no built graph; run `kg build` first")
    return {p.stem: validate_nquads(p.read_bytes()) for p in sorted(folder.glob("*.nq"))}
