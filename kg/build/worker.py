"""One paper through the pipeline (annotate, extract, curate, RDF, shape check, page), in worker processes."""
from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pyoxigraph import RdfFormat, parse

from ..annotate import ANNOTATOR_VERSION, get_nlp
from ..curation.paper import curated_facts
from ..errors import BuildError, KgError
from ..graph.exports import paper_exports
from ..graph.rdf import Activity, FactIris, paper_quads, source_date, to_nquads
from ..graph.validate import validate_quads
from ..ingest.corpus import Paper, check_length
from ..ontology import load_ontology
from ..synthesis.astct import check_paper
from ..synthesis.records import paper_record
from ..views.html import paper_summary
from ..views.paper import paper_page
from ..views.projection import fragment, project, with_display_title
from .keys import code_digest
from .report import COUNTS


@dataclass(frozen=True)
class Job:
    """A paper to process, with its linked metadata and build key."""

    paper: Paper
    meta: dict
    key: str
    corpus: Path
    curator: object = None   # kg.curation.curator.Curator signing unsigned curation decisions


@dataclass(frozen=True)
class PaperResult:
    """What one paper contributes to a build (small, picklable: no spaCy objects)."""

    id: str
    key: str
    nquads: bytes
    mentions_json: bytes
    projection: bytes     # the paper's export fragment, corpus-view summary and synthesis record (JSON)
    n_mentions: int
    n_quads: int
    counts: dict
    warnings: tuple[str, ...]
    page: bytes           # the paper's HTML view
    exports: dict         # kg.graph.exports.FOLDERS key -> bytes (JSON-LD, nanopublications, KGX part)


@dataclass(frozen=True)
class Failure:
    """Why one paper could not be built: the build skips it (and names it), the others go on."""

    id: str
    message: str


def process_paper(job: Job) -> PaperResult:
    """Annotate, extract, curate, serialize and validate one paper."""
    paper = job.paper
    check_length(paper.text, f"{job.corpus}/papers/{paper.id}/paper.txt")
    onto = load_ontology()
    cur = curated_facts(paper, job.meta, job.corpus, onto, job.curator)
    ann, facts = cur.annotated, cur.facts
    activity = Activity(ANNOTATOR_VERSION, code_digest(), onto.digest, job.key, source_date())
    quads = paper_quads(facts, onto, activity, paper.text, cur.provenance)
    data = to_nquads(quads)
    if sum(1 for _ in parse(data, format=RdfFormat.N_QUADS)) != len(quads):   # what the store will load
        raise BuildError(f"{paper.id}: its N-Quads do not read back as {len(quads)} quads; please report this paper")
    report = validate_quads(quads)
    if not report.conforms:
        raise BuildError(f"{paper.id}: the extracted graph violates ontology/shapes.ttl "
                         f"({report.violations} violation(s)); run `kg validate` for the report\n{report.text[:1500]}")
    iris = FactIris(paper.id, cur.provenance)
    record = paper_record(facts, onto, check_paper(ann, facts, iris), iris)
    facts = with_display_title(facts, paper.text)
    g = project([facts], onto, {paper.id: iris})
    return PaperResult(paper.id, job.key, data,
                       (json.dumps(ann.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
                       json.dumps({"export": fragment(g, paper.id), "site": paper_summary(g, paper.id),
                                   "synthesis": record.to_json()},
                                  ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                       len(ann.mentions), len(quads),
                       {k: len(getattr(facts, k)) for k in COUNTS}, tuple(facts.warnings) + tuple(cur.warnings),
                       paper_page(facts, onto, record.checks, iris).encode("utf-8"), paper_exports(quads, onto))


def _work(job: Job) -> PaperResult | Failure:
    try:
        return process_paper(job)
    except KgError as e:
        return Failure(job.paper.id, str(e))
    except RecursionError as e:
        return Failure(job.paper.id, f"nested too deeply to process ({e})")
    except Exception as e:   # a bug or a limit met by this paper only: the other papers still build
        return Failure(job.paper.id, f"{type(e).__name__}: {str(e)[:500]}")


def process_all(jobs: list[Job], workers: int, progress: Callable[[int, int, str], None] | None
                ) -> Iterator[PaperResult | Failure]:
    """Yield a PaperResult or a Failure per job, in corpus order, from ``workers`` processes when > 1."""
    if workers <= 1 or len(jobs) < 2:
        for i, job in enumerate(jobs, 1):
            if progress:
                progress(i, len(jobs), job.paper.id)
            yield _work(job)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    get_nlp()  # built once in the parent; forked workers share it copy-on-write
    # collect the caller's cyclic garbage here, on its own thread: the pool pickles jobs on a thread of its own,
    # where a collection would free objects (pyoxigraph results) that must die on the thread that made them
    gc.collect()
    chunk = max(1, min(16, len(jobs) // (workers * 8) or 1))
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        try:
            for i, res in enumerate(pool.map(_work, jobs, chunksize=chunk), 1):
                if progress:
                    progress(i, len(jobs), res.id)
                yield res
        except BrokenProcessPool:   # a worker was killed from outside (the OOM killer, kill -9)
            raise BuildError("a build worker process died (killed from outside, e.g. out of memory); nothing was "
                             "switched in; run `kg build --jobs 1` to see which paper it was on") from None


def default_jobs() -> int:
    """Worker processes by default: measured faster than one process once there are 2+ cores."""
    return max(1, min(2, os.cpu_count() or 1))
