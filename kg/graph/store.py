"""The embedded SPARQL store: Oxigraph (pyoxigraph) on disk, read by `kg query`."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from ..errors import StoreMissingError
from ..outputs import recover

STORE_DIR = "store"


def open_store(out: Path, read_only: bool = True) -> Store:
    """Open the store built under ``out`` (read-only by default), mending a build cut short first."""
    recover(out)
    path = Path(out) / STORE_DIR
    if not path.is_dir():
        raise StoreMissingError(f"{path}: no built graph here; run `kg build --out {out}` first")
    return Store.read_only(str(path)) if read_only else Store(str(path))


class _Concatenated(io.RawIOBase):
    """Several files read as one stream (one bulk load is much faster than one per file)."""

    def __init__(self, paths):
        self._paths = iter(paths)
        self._f = None

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        while True:
            if self._f is None:
                p = next(self._paths, None)
                if p is None:
                    return 0
                self._f = open(p, "rb")
            n = self._f.readinto(buf)
            if n:
                return n
            self._f.close()
            self._f = None


def bulk_load(store: Store, nquads_files: list[Path], ontology_files: list[Path], ontology_graph: str) -> None:
    """Load the ontology Turtle files into their graph and the N-Quads files in one streamed bulk load."""
    for f in ontology_files:
        store.bulk_load(path=str(f), format=RdfFormat.TURTLE, to_graph=NamedNode(ontology_graph))
    if nquads_files:
        store.bulk_load(input=io.BufferedReader(_Concatenated(nquads_files), 1 << 20), format=RdfFormat.N_QUADS)


def create_store(path: Path, nquads_files: list[Path], ontology_files: list[Path], ontology_graph: str) -> None:
    """Create a new store at ``path`` from N-Quads files and the ontology Turtle files."""
    store = Store(str(path))
    bulk_load(store, nquads_files, ontology_files, ontology_graph)
    store.flush()
    store.optimize()
    del store


def update_copy(old: Path, new: Path, remove: list[str], load: list[Path]) -> bool:
    """Checkpoint the store at ``old`` into ``new``, drop the named graphs ``remove``, load the N-Quads ``load``.

    Returns False (and leaves no ``new``) when the checkpoint cannot be made; the caller then builds afresh.
    """
    try:
        src = Store(str(old))
        src.backup(str(new))
        del src
    except OSError:
        shutil.rmtree(new, ignore_errors=True)
        return False
    store = Store(str(new))
    for iri in remove:
        store.remove_graph(NamedNode(iri))
    for path in load:
        store.load(path=str(path), format=RdfFormat.N_QUADS)
    store.flush()
    del store
    return True


def replace_graph(path: Path, graph: str, nquads: Path) -> None:
    """Replace one named graph of the store at ``path`` by the quads of ``nquads`` (all in that graph)."""
    store = Store(str(path))
    store.remove_graph(NamedNode(graph))
    store.load(path=str(nquads), format=RdfFormat.N_QUADS)
    store.flush()
    del store
