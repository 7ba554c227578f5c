"""The ICANS ontology as Python records: terms, labels, hierarchy.

The Turtle files in ``ontology/`` are the single source of truth; this module reads
them with rdflib once and caches the derived term table as JSON keyed by the files'
hash, so later runs start without parsing RDF.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import OntologyError

NS = "https://w3id.org/icans-kg/ontology#"
CACHE_VERSION = 3
# the files that make up the ontology graph (shapes.ttl is not part of it); the last two are generated
GRAPH_FILES = ("icans.ttl", "schema.ttl", "mappings.ttl", "abbreviations.ttl")
MATCHES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


@dataclass(frozen=True)
class Term:
    """One ontology term with everything the annotator and the RDF writer need."""

    id: str                      # local name, e.g. "Methotrexate"
    category: str                # drug, drug_class, cell_therapy, route, ...
    label: str                   # preferred label
    labels: tuple[str, ...] = ()          # case-insensitive synonyms (incl. label)
    abbreviations: tuple[str, ...] = ()   # case-sensitive short forms
    context_required: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    code: str = ""
    supportive: bool = False
    directed: bool = False       # an ICANS-directed agent (icans:icansDirected, inherited)
    parents: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    default_route: str = ""
    grade_of: str = ""
    grade_value: int = 0
    matches: tuple[tuple[str, str], ...] = ()   # (skos property, IRI)
    ucum: str = ""               # a unit's UCUM code (qudt:ucumCode)

    @property
    def iri(self) -> str:
        return NS + self.id


@dataclass(frozen=True, eq=False)
class Ontology:
    terms: dict[str, Term]
    digest: str
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def ancestors(self, term_id: str) -> frozenset[str]:
        """Every superclass of ``term_id`` (transitively), itself included."""
        return self._ancestors.get(term_id, frozenset({term_id}))

    def is_a(self, term_id: str, other: str) -> bool:
        return other in self.ancestors(term_id)

    def by_code(self, category: str, code: str) -> Term | None:
        for t in self.terms.values():
            if t.category == category and t.code == code:
                return t
        return None

    def by_label(self, label: str) -> Term | None:
        low = label.lower()
        for t in self.terms.values():
            if t.label.lower() == low:
                return t
        return None


CHECKOUT = Path(__file__).resolve().parent.parent / "ontology"   # a source checkout or an editable install
PACKAGED = Path(__file__).resolve().parent / "ontology_files"    # the copy a wheel carries (see setup.py)


def ontology_dir() -> Path:
    """Where the ontology lives: $KG_ONTOLOGY_DIR, else the checkout's ontology/, else the installed copy."""
    env = os.environ.get("KG_ONTOLOGY_DIR")
    if env:
        path = Path(env)
    else:
        path = CHECKOUT if (CHECKOUT / "icans.ttl").exists() else PACKAGED
    if not (path / "icans.ttl").exists():
        raise OntologyError(f"{path}: no icans.ttl here; set KG_ONTOLOGY_DIR to the ontology folder")
    return path


def ontology_files(folder: Path | None = None) -> list[Path]:
    """The Turtle files of the ontology graph that the store loads and `kg push` uploads."""
    folder = folder or ontology_dir()
    return [folder / n for n in GRAPH_FILES if (folder / n).exists()]


def _digest(folder: Path) -> str:
    h = hashlib.sha256(str(CACHE_VERSION).encode())
    for p in sorted(folder.glob("*.ttl")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir() -> Path:
    base = os.environ.get("KG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "icans-kg")
    return Path(base)


def _parse(folder: Path) -> dict[str, dict]:
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    g = rdflib.Graph()
    for path in (folder / "icans.ttl", folder / "mappings.ttl"):
        if not path.exists() and path.name != "icans.ttl":
            continue
        try:
            g.parse(path, format="turtle")
        except Exception as e:  # rdflib raises many parser exception types
            raise OntologyError(f"{path}: cannot parse Turtle ({e}); fix the file") from None
    I = rdflib.Namespace(NS)
    QUDT = rdflib.Namespace("http://qudt.org/schema/qudt/")

    def restricted(s, prop, how):
        """Values of owl:Restrictions on ``prop`` among the superclasses of ``s``."""
        return sorted((str(g.value(r, how)) for r in g.objects(s, RDFS.subClassOf)
                       if g.value(r, OWL.onProperty) == prop and g.value(r, how) is not None))

    def lits(s, p):
        return sorted({str(o) for o in g.objects(s, p)})

    def local(o):
        return str(o)[len(NS):] if str(o).startswith(NS) else None

    raw: dict[str, dict] = {}
    for s in sorted(g.subjects(RDF.type, OWL.Class), key=str):
        tid = local(s)
        if tid is None:
            continue
        cat = g.value(s, I.category)
        if cat is None:
            continue
        label = str(g.value(s, SKOS.prefLabel) or g.value(s, RDFS.label) or tid)
        labels = sorted({label, *lits(s, SKOS.altLabel), *lits(s, SKOS.hiddenLabel)} - set(lits(s, I.abbreviation)))
        grade = next(iter(restricted(s, I.gradeValue, OWL.hasValue)), None)
        grade_of = next(iter(restricted(s, I.gradeOf, OWL.someValuesFrom)), "")
        raw[tid] = {
            "id": tid, "category": str(cat), "label": label, "labels": labels,
            "abbreviations": lits(s, I.abbreviation), "context_required": lits(s, I.contextRequired),
            "ambiguous": lits(s, I.ambiguousLabel), "code": str(g.value(s, I.code) or ""),
            "supportive": bool(g.value(s, I.supportiveCare)),
            "directed": bool(g.value(s, I.icansDirected)),
            "parents": sorted(filter(None, (local(o) for o in g.objects(s, RDFS.subClassOf)))),
            "components": sorted(filter(None, map(local, restricted(s, I.hasComponent, OWL.someValuesFrom)))),
            "default_route": local(g.value(s, I.defaultRoute)) or "" if g.value(s, I.defaultRoute) else "",
            "grade_of": local(grade_of) or "",
            "grade_value": int(grade) if grade is not None else 0,
            "matches": sorted((p, str(o)) for p in MATCHES for o in g.objects(s, SKOS[p])),
            "ucum": str(g.value(s, QUDT.ucumCode) or ""),
        }
    return raw


def _ancestor_sets(raw: dict[str, dict]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}

    def walk(tid: str, seen: tuple = ()) -> frozenset[str]:
        if tid in out:
            return out[tid]
        if tid in seen:
            raise OntologyError(f"cycle in rdfs:subClassOf through icans:{tid}")
        acc = {tid}
        for p in raw.get(tid, {}).get("parents", ()):
            acc |= walk(p, seen + (tid,))
        out[tid] = frozenset(acc)
        return out[tid]

    for tid in raw:
        walk(tid)
    return out


@lru_cache(maxsize=4)
def _load(folder: str) -> Ontology:
    path = Path(folder)
    digest = _digest(path)
    cache = _cache_dir() / f"ontology-{digest}.json"
    raw = None
    if cache.exists():
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = None
    if raw is None:
        raw = _parse(path)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(raw, sort_keys=True), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only cache only costs start-up time
    anc = _ancestor_sets(raw)
    # supportive care and ICANS direction are inherited down the hierarchy
    terms = {}
    for tid, r in raw.items():
        sup = r["supportive"] or any(raw.get(a, {}).get("supportive") for a in anc[tid])
        directed = any(raw.get(a, {}).get("directed") for a in anc[tid])
        terms[tid] = Term(**{**r, "supportive": sup, "directed": directed,
                             **{k: tuple(tuple(x) if isinstance(x, list) else x for x in r[k])
                                for k in ("labels", "abbreviations", "context_required", "ambiguous",
                                          "parents", "components", "matches")}})
    return Ontology(terms, digest, anc)


def clear_cache() -> None:
    """Forget the ontologies loaded in this process (after KG_ONTOLOGY_DIR or the files changed)."""
    _load.cache_clear()


def load_ontology(folder: Path | None = None) -> Ontology:
    """The ontology (cached per process and on disk)."""
    return _load(str(folder or ontology_dir()))
