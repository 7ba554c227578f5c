"""The build itself: reuse unchanged papers, process the others, load the store, write pages and exports.

Incremental: every paper has a key (its text, resolved metadata, curator files, the kg
code and the ontology); a paper whose key did not change reuses its previous artifacts
(hard links) and its named graph in the store, which starts as an Oxigraph checkpoint of
the previous store. Changed papers are processed in worker processes (``jobs``) that
send back only bytes, never spaCy Docs. Everything is written to a staging folder that
replaces the old outputs only when complete.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

from ..annotate import ANNOTATOR_VERSION
from ..errors import BuildError, KgError
from ..graph.exports import FOLDERS, KgxWriter
from ..graph.iris import ONTOLOGY_GRAPH, graph_iri
from ..graph.links import corpus_index, linked_meta
from ..graph.rdf import to_nquads
from ..graph.store import STORE_DIR, create_store, replace_graph, update_copy
from ..graph.validate import validate_quads
from ..ingest.corpus import Paper, load_corpus
from ..ontology import Ontology, load_ontology, ontology_files
from ..synthesis.run import FOLDER as SYNTHESIS_DIR
from ..synthesis.run import Synthesis, write_links_json
from ..synthesis.triples import SYNTHESIS_GRAPH
from ..views.html import SiteBuilder
from ..views.projection import ExportWriter
from .keys import code_digest, paper_key
from .outdir import MARKER, build_lock, recover, remove_leftovers, staging_dir, switch_in
from .report import COUNTS, BuildReport
from .worker import Failure, Job, default_jobs, process_all


def run(corpus: Path, out: Path, progress: Callable[[str], None] | None = None, jobs: int | None = None,
        full: bool = False, curator=None) -> BuildReport:
    """Build the graph of every paper in ``corpus`` into ``out`` (see kg.build.build)."""
    problems: dict[str, str] = {}
    papers = load_corpus(corpus, problems)
    if not papers and not problems:
        raise BuildError(f"{corpus}: no papers; add one with `kg add PATH --corpus {corpus}`")
    onto = load_ontology()
    recover(out)
    with build_lock(out):
        remove_leftovers(out)
        staged = staging_dir(out)
        try:
            report = _build_into(staged, papers, problems, onto, progress, corpus, out, jobs or default_jobs(), full,
                                 curator)
            switch_in(staged, out)
        except KgError:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        except Exception as e:
            shutil.rmtree(staged, ignore_errors=True)
            raise BuildError(f"build failed ({type(e).__name__}: {e}); the previous outputs in {out} are untouched") from e
    return BuildReport(out, report["papers"], report["mentions"], report["quads"], report["facts"],
                       tuple(report["warnings"]), tuple(report.pop("_annotated")), tuple(report["skipped"]))


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


def _artifacts(folder: Path, pid: str) -> list[Path]:
    return [folder / "rdf" / f"{pid}.nq", folder / "mentions" / f"{pid}.json",
            folder / "projection" / f"{pid}.json", folder / "html" / f"paper-{pid}.html",
            *(folder / sub / f"{pid}{ext}" for sub, ext in FOLDERS.values())]


def _build_into(staged: Path, papers: list[Paper], problems: dict[str, str], onto: Ontology, progress, corpus: Path,
                out: Path, jobs: int, full: bool, curator=None) -> dict:
    for d in ("rdf", "mentions", "projection", "html", *(folder for folder, _ in FOLDERS.values())):
        (staged / d).mkdir(parents=True)
    index = corpus_index(papers)
    prev = {} if full else _previous(out, onto.digest)
    prev_keys = prev.get("keys", {})
    todo, reused, keys = [], [], {}
    for paper in papers:
        meta = linked_meta(paper, index)
        key = paper_key(paper, meta, corpus, onto.digest, curator)
        keys[paper.id] = key
        old, new = _artifacts(out, paper.id), _artifacts(staged, paper.id)
        if prev_keys.get(paper.id) == key and all(p.exists() for p in old):
            reused.append(paper.id)
            for src, dst in zip(old, new):
                _link_or_copy(src, dst)
        else:
            todo.append(Job(paper, meta, key, corpus, curator))
    stats = prev.get("per_paper", {})
    per_paper = {pid: stats[pid] for pid in reused if pid in stats}
    warnings_by_paper = {pid: prev.get("warnings_by_paper", {}).get(pid, []) for pid in reused}
    step = (lambda i, n, pid: progress(f"[{i}/{n}] {pid}")) if progress else None
    if progress:
        progress(f"annotating {len(todo)} paper(s), reusing {len(reused)}")
    failed = dict(problems)
    for res in process_all(todo, jobs, step):
        if isinstance(res, Failure):
            failed[res.id] = res.message
            continue
        (staged / "rdf" / f"{res.id}.nq").write_bytes(res.nquads)
        (staged / "mentions" / f"{res.id}.json").write_bytes(res.mentions_json)
        (staged / "projection" / f"{res.id}.json").write_bytes(res.projection)
        (staged / "html" / f"paper-{res.id}.html").write_bytes(res.page)
        for name, (folder, ext) in FOLDERS.items():
            (staged / folder / f"{res.id}{ext}").write_bytes(res.exports[name])
        per_paper[res.id] = {"mentions": res.n_mentions, "quads": res.n_quads, "facts": res.counts}
        warnings_by_paper[res.id] = list(res.warnings)
    kept = _skip(failed, staged, out, prev, keys, per_paper, warnings_by_paper)
    ids = sorted({p.id for p in papers if p.id not in failed} | set(kept))
    if not ids:   # nothing to fall back on: the build fails, naming why (one line for one paper)
        if len(failed) == 1:
            raise BuildError(next(iter(failed.values())))
        raise BuildError("no paper could be built:\n" + "\n".join(f"{pid}: {m}" for pid, m in sorted(failed.items())))
    changed = [job.paper.id for job in todo if job.paper.id not in failed]
    if progress:
        progress("loading the store")
    _store(staged, out, ids, changed, prev)
    if progress:
        progress("writing HTML and exports")

    exports, site, synthesis = ExportWriter(staged / "graph.graphml", staged / "graph.json"), SiteBuilder(), Synthesis()
    kgx = KgxWriter(staged / "kgx")
    for i in ids:   # streamed one paper at a time; only the small synthesis records stay in memory
        part = json.loads((staged / "projection" / f"{i}.json").read_bytes())
        exports.add(part["export"])
        site.add(i, part["site"])
        synthesis.add(part["synthesis"])
        kgx.add(json.loads((staged / FOLDERS["kgx"][0] / f"{i}{FOLDERS['kgx'][1]}").read_bytes()))
    exports.close()
    kgx.close()
    # the previous build's links hold for pairs of unchanged papers (a full build compares every pair)
    previous = out / SYNTHESIS_DIR if prev and not prev.get("_store_unusable") else None
    synthesized = _synthesis(staged, corpus, onto, synthesis, set(changed) if previous else None, previous)
    site.write(staged / "html", synthesized)
    counts = {k: sum(per_paper[i]["facts"][k] for i in ids) for k in COUNTS}
    warnings = [w for i in ids for w in warnings_by_paper.get(i, [])] + \
        [w for i in sorted(set(failed) - set(ids)) for w in warnings_by_paper[i]] + list(synthesized.warnings)
    report = {"papers": len(ids), "mentions": sum(per_paper[i]["mentions"] for i in ids),
              "quads": sum(per_paper[i]["quads"] for i in ids), "facts": counts, "warnings": warnings,
              "annotator": ANNOTATOR_VERSION, "code": code_digest(), "ontology": onto.digest, "keys": keys,
              "per_paper": {i: per_paper[i] for i in ids}, "warnings_by_paper": {i: warnings_by_paper[i] for i in ids},
              "skipped": sorted(failed)}
    report["keys"] = {i: keys[i] for i in ids}
    (staged / MARKER).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    report["_annotated"] = changed
    return report


def _synthesis(staged: Path, corpus: Path, onto: Ontology, synthesis: Synthesis, changed: set[str] | None,
               previous: Path | None):
    """Links, summaries and checks across the papers: checked against the shapes, written, put in the store."""
    result = synthesis.finish(corpus, onto, changed, previous)
    quads = result.quads(ANNOTATOR_VERSION)
    report = validate_quads(quads)
    if not report.conforms:
        raise BuildError(f"the synthesis graph violates ontology/shapes.ttl ({report.violations} violation(s))\n"
                         f"{report.text[:1500]}")
    folder = staged / SYNTHESIS_DIR
    folder.mkdir()
    (folder / "graph.nq").write_bytes(to_nquads(quads))
    write_links_json(result, folder)
    replace_graph(staged / STORE_DIR, SYNTHESIS_GRAPH, folder / "graph.nq")
    return result


def _skip(failed: dict[str, str], staged: Path, out: Path, prev: dict, keys: dict, per_paper: dict,
          warnings_by_paper: dict) -> list[str]:
    """Leave the failed papers out, each named in a warning; one built before keeps its last good outputs.

    Returns the ids kept from the previous build. Their build key stays the previous one, so
    the next build tries them again.
    """
    kept = []
    for pid, message in sorted(failed.items()):
        old = _artifacts(out, pid)
        if pid in prev.get("keys", {}) and pid in prev.get("per_paper", {}) and all(p.exists() for p in old):
            for src, dst in zip(old, _artifacts(staged, pid)):
                _link_or_copy(src, dst)
            keys[pid] = prev["keys"][pid]
            per_paper[pid] = prev["per_paper"][pid]
            kept.append(pid)
            note = "skipped, its previous graph is kept"
        else:
            note = "skipped, not in the graph"
        warnings_by_paper[pid] = [f"{pid}: {note}: {message}"]
    return kept


def _store(staged: Path, out: Path, ids: list[str], changed: list[str], prev: dict) -> None:
    """The staged store: a checkpoint of the previous one with changed graphs replaced, or a new one."""
    old_store = out / STORE_DIR
    if prev and not prev.get("_store_unusable") and old_store.is_dir():
        gone = set(prev.get("keys", {})) - set(ids)
        if update_copy(old_store, staged / STORE_DIR, [graph_iri(pid) for pid in sorted(set(changed) | gone)],
                       [staged / "rdf" / f"{pid}.nq" for pid in changed]):
            return
    create_store(staged / STORE_DIR, [staged / "rdf" / f"{pid}.nq" for pid in ids],
                 ontology_files(), ONTOLOGY_GRAPH)
