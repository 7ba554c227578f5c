"""`kg build`: corpus -> mentions -> facts -> RDF -> store + HTML, switched in atomically.

Incremental: every paper has a key (its text, resolved metadata, curator files, the kg
code and the ontology); a paper whose key did not change reuses its previous artifacts
(hard links) and its named graph in the store, which starts as an Oxigraph checkpoint of
the previous store. Changed papers are annotated in worker processes (``jobs``) that
send back only bytes, never spaCy Docs. Everything is written to a staging folder that
replaces the old outputs only when complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from pyoxigraph import NamedNode, RdfFormat, Store

from .annotate import ANNOTATOR_VERSION, get_nlp
from .curation.paper import curated_facts, side_files
from .ingest.corpus import Paper, load_corpus
from . import errors
from .errors import BuildError, KgError
from .ontology import load_ontology, ontology_dir
from .outdir import MARKER, build_lock, recover, staging_dir, switch_in
from .graph.iris import ONTOLOGY_GRAPH, graph_iri
from .graph.links import corpus_index, linked_meta
from .graph.rdf import paper_quads, to_nquads
from .graph.store import STORE_DIR, create_store
from .graph.validate import validate_quads
from .views.html import SiteBuilder, paper_page, paper_summary
from .views.projection import ExportWriter, fragment, project

COUNTS = ("subjects", "administrations", "findings", "grades", "outcomes", "csf", "citations")


@dataclass(frozen=True)
class BuildReport:
    out: Path
    papers: int
    mentions: int
    quads: int
    facts: dict
    warnings: tuple[str, ...] = ()
    annotated: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaperResult:
    """What one paper contributes to a build (small, picklable: no spaCy objects)."""

    id: str
    key: str
    nquads: bytes
    mentions_json: bytes
    projection: bytes     # the paper's export fragment and corpus-view summary (JSON)
    n_mentions: int
    n_quads: int
    counts: dict
    warnings: tuple[str, ...]
    page: bytes           # the paper's HTML view


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of the kg package source: a code change re-annotates every paper."""
    h = hashlib.sha256(ANNOTATOR_VERSION.encode())
    root = Path(__file__).resolve().parent
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".html") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def paper_key(paper: Paper, meta: dict, corpus: Path, onto_digest: str) -> str:
    """What a paper's outputs depend on; ``meta`` (from linked_meta) carries the text's sha256."""
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    for name, path in sorted(side_files(corpus, paper.id).items()):
        h.update(name.encode())
        h.update(path.read_bytes())
    h.update(code_digest().encode())
    h.update(onto_digest.encode())
    return h.hexdigest()[:24]


def process_paper(paper: Paper, meta: dict, key: str, corpus: Path) -> PaperResult:
    """Annotate, extract, curate, serialize and validate one paper."""
    onto = load_ontology()
    cur = curated_facts(paper, meta, corpus, onto)
    ann, facts, warnings = cur.annotated, cur.facts, cur.warnings
    quads = paper_quads(facts, onto, ANNOTATOR_VERSION)
    data = to_nquads(quads)
    report = validate_quads(quads)
    if not report.conforms:
        raise BuildError(f"{paper.id}: the extracted graph violates ontology/shapes.ttl "
                         f"({report.violations} violation(s)); run `kg validate` for the report\n{report.text[:1500]}")
    g = project([facts], onto)
    return PaperResult(paper.id, key, data,
                       (json.dumps(ann.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
                       json.dumps({"export": fragment(g, paper.id), "site": paper_summary(g, paper.id)},
                                  ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                       len(ann.mentions), len(quads),
                       {k: len(getattr(facts, k)) for k in COUNTS}, warnings, paper_page(g, paper.id).encode("utf-8"))


def _work(args) -> PaperResult | tuple[str, str]:
    try:
        return process_paper(*args)
    except KgError as e:
        return ("error", f"{type(e).__name__}\t{e}")


def _annotate_all(todo: list[tuple], jobs: int, progress):
    """Yield PaperResults in corpus order, from ``jobs`` worker processes when > 1."""
    if jobs <= 1 or len(todo) < 2:
        for i, args in enumerate(todo, 1):
            if progress:
                progress(i, len(todo), args[0].id)
            yield process_paper(*args)
        return
    import multiprocessing as mp

    get_nlp()  # built once in the parent; forked workers share it copy-on-write
    with mp.get_context("fork").Pool(jobs) as pool:
        for i, res in enumerate(pool.imap(_work, todo, chunksize=max(1, min(16, len(todo) // (jobs * 8) or 1))), 1):
            if isinstance(res, tuple):   # a worker's KgError, re-raised here with its own class
                kind, message = res[1].split("\t", 1)
                raise getattr(errors, kind, KgError)(message)
            if progress:
                progress(i, len(todo), res.id)
            yield res


def default_jobs() -> int:
    """Worker processes by default: measured faster than one process once there are 2+ cores."""
    return max(1, min(2, os.cpu_count() or 1))


def build(corpus: Path, out: Path, progress: Callable | None = None, jobs: int | None = None,
          full: bool = False) -> BuildReport:
    """Build the graph of every paper in ``corpus`` into ``out``; the old outputs stay until it succeeds."""
    corpus, out = Path(corpus), Path(out)
    papers = load_corpus(corpus)
    if not papers:
        raise BuildError(f"{corpus}: no papers; add one with `kg add PATH --corpus {corpus}`")
    onto = load_ontology()
    recover(out)
    with build_lock(out):
        staged = staging_dir(out)
        try:
            report = _build_into(staged, papers, onto, progress, corpus, out, jobs or default_jobs(), full)
            switch_in(staged, out)
        except KgError:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        except Exception as e:
            shutil.rmtree(staged, ignore_errors=True)
            raise BuildError(f"build failed ({type(e).__name__}: {e}); the previous outputs in {out} are untouched") from e
    return BuildReport(out, report["papers"], report["mentions"], report["quads"], report["facts"],
                       tuple(report["warnings"]), tuple(report.pop("_annotated")))


def _previous(out: Path, onto_digest: str) -> dict:
    try:
        prev = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return prev if prev.get("ontology") == onto_digest and prev.get("code") == code_digest() else \
        prev | {"_store_unusable": True}


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _build_into(staged: Path, papers, onto, progress, corpus: Path, out: Path, jobs: int, full: bool) -> dict:
    for d in ("rdf", "mentions", "projection", "html"):
        (staged / d).mkdir()
    index = corpus_index(papers)
    prev = {} if full else _previous(out, onto.digest)
    prev_keys = prev.get("keys", {})
    todo, reused, keys = [], [], {}
    for paper in papers:
        meta = linked_meta(paper, index)
        key = paper_key(paper, meta, corpus, onto.digest)
        keys[paper.id] = key
        old = [out / "rdf" / f"{paper.id}.nq", out / "mentions" / f"{paper.id}.json",
               out / "projection" / f"{paper.id}.json", out / "html" / f"paper-{paper.id}.html"]
        new = [staged / "rdf" / f"{paper.id}.nq", staged / "mentions" / f"{paper.id}.json",
               staged / "projection" / f"{paper.id}.json", staged / "html" / f"paper-{paper.id}.html"]
        if prev_keys.get(paper.id) == key and all(p.exists() for p in old):
            reused.append(paper.id)
            for src, dst in zip(old, new):
                _link_or_copy(src, dst)
        else:
            todo.append((paper, meta, key, corpus))
    stats = prev.get("per_paper", {})
    per_paper = {pid: stats[pid] for pid in reused if pid in stats}
    warnings_by_paper = {pid: prev.get("warnings_by_paper", {}).get(pid, []) for pid in reused}
    step = (lambda i, n, pid: progress(f"[{i}/{n}] {pid}")) if progress else None
    if progress:
        progress(f"annotating {len(todo)} paper(s), reusing {len(reused)}")
    for res in _annotate_all(todo, jobs, step):
        (staged / "rdf" / f"{res.id}.nq").write_bytes(res.nquads)
        (staged / "mentions" / f"{res.id}.json").write_bytes(res.mentions_json)
        (staged / "projection" / f"{res.id}.json").write_bytes(res.projection)
        (staged / "html" / f"paper-{res.id}.html").write_bytes(res.page)
        per_paper[res.id] = {"mentions": res.n_mentions, "quads": res.n_quads, "facts": res.counts}
        warnings_by_paper[res.id] = list(res.warnings)
    if progress:
        progress("loading the store")
    _store(staged, out, papers, [t[0].id for t in todo], prev, onto)
    if progress:
        progress("writing HTML and exports")
    ids = [p.id for p in papers]

    exports, site = ExportWriter(staged / "graph.graphml", staged / "graph.json"), SiteBuilder()
    for i in ids:   # streamed one paper at a time: memory does not grow with the corpus
        part = json.loads((staged / "projection" / f"{i}.json").read_bytes())
        exports.add(part["export"])
        site.add(i, part["site"])
    exports.close()
    site.write(staged / "html")
    counts = {k: sum(per_paper[i]["facts"][k] for i in ids) for k in COUNTS}
    warnings = [w for i in ids for w in warnings_by_paper.get(i, [])]
    report = {"papers": len(papers), "mentions": sum(per_paper[i]["mentions"] for i in ids),
              "quads": sum(per_paper[i]["quads"] for i in ids), "facts": counts, "warnings": warnings,
              "annotator": ANNOTATOR_VERSION, "code": code_digest(), "ontology": onto.digest, "keys": keys,
              "per_paper": {i: per_paper[i] for i in ids}, "warnings_by_paper": {i: warnings_by_paper[i] for i in ids}}
    (staged / MARKER).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    report["_annotated"] = [t[0].id for t in todo]
    return report


def _store(staged: Path, out: Path, papers, changed: list[str], prev: dict, onto) -> None:
    """The staged store: a checkpoint of the previous one with changed graphs replaced, or a new one."""
    odir = ontology_dir()
    old_store = out / STORE_DIR
    current = {p.id for p in papers}
    if prev and not prev.get("_store_unusable") and old_store.is_dir():
        try:
            src = Store(str(old_store))
            src.backup(str(staged / STORE_DIR))
            del src
        except OSError:
            shutil.rmtree(staged / STORE_DIR, ignore_errors=True)
        else:
            store = Store(str(staged / STORE_DIR))
            gone = set(prev.get("keys", {})) - current
            for pid in sorted(set(changed) | gone):
                store.remove_graph(NamedNode(graph_iri(pid)))
            for pid in changed:
                store.load(path=str(staged / "rdf" / f"{pid}.nq"), format=RdfFormat.N_QUADS)
            store.flush()
            del store
            return
    create_store(staged / STORE_DIR, [staged / "rdf" / f"{p.id}.nq" for p in papers],
                 [odir / "icans.ttl", odir / "schema.ttl"], ONTOLOGY_GRAPH)
