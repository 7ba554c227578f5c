"""The embedded SPARQL store: Oxigraph (pyoxigraph) on disk, read by `kg query`."""
from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from .errors import StoreMissingError

STORE_DIR = "store"


def open_store(out: Path, read_only: bool = True) -> Store:
    """Open the store built under ``out`` (read-only by default)."""
    path = Path(out) / STORE_DIR
    if not path.is_dir():
        raise StoreMissingError(f"{path}: no built graph here; run `kg build --out {out}` first")
    return Store.read_only(str(path)) if read_only else Store(str(path))


def create_store(path: Path, nquads_files: list[Path], ontology_files: list[Path], ontology_graph: str) -> None:
    """Create a new store at ``path`` from N-Quads files and the ontology Turtle files."""
    store = Store(str(path))
    for f in ontology_files:
        store.bulk_load(path=str(f), format=RdfFormat.TURTLE, to_graph=NamedNode(ontology_graph))
    for f in nquads_files:
        store.bulk_load(path=str(f), format=RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
