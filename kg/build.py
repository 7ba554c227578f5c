"""`kg build`: corpus -> mentions -> facts -> RDF -> store + HTML, switched in atomically."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .annotate import annotate_text
from .annotate.pipeline import ANNOTATOR_VERSION
from .corpus import load_corpus, papers_dir
from .curation import FILE as CURATION_FILE
from .curation import apply_curation
from .brat import FILE as BRAT_FILE
from .brat import parse_ann, with_mentions
from .errors import BuildError, KgError
from .facts import extract_facts
from .html import write_site
from .ontology import load_ontology, ontology_dir
from .outdir import MARKER, build_lock, recover, staging_dir, switch_in
from .projection import project, to_graphml, to_json
from .rdf import ONTOLOGY_GRAPH, paper_iri, paper_quads, to_nquads
from .store import STORE_DIR, create_store
from .validate import validate_nquads


@dataclass(frozen=True)
class BuildReport:
    out: Path
    papers: int
    mentions: int
    quads: int
    facts: dict
    warnings: tuple[str, ...] = ()


def build(corpus: Path, out: Path, progress: Callable[[str], None] | None = None) -> BuildReport:
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
            report = _build_into(staged, papers, onto, progress, corpus)
            switch_in(staged, out)
        except KgError:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        except Exception as e:
            shutil.rmtree(staged, ignore_errors=True)
            raise BuildError(f"build failed ({type(e).__name__}: {e}); the previous outputs in {out} are untouched") from e
    return BuildReport(out, report["papers"], report["mentions"], report["quads"], report["facts"],
                       tuple(report["warnings"]))


def corpus_index(papers) -> dict[str, str]:
    """DOI and PMID of every corpus paper -> its IRI, to link cited works that are in the corpus."""
    index = {}
    for p in papers:
        if p.meta.get("doi"):
            index["doi:" + str(p.meta["doi"]).lower()] = paper_iri(p.id)
        if p.meta.get("pmid"):
            index["pmid:" + str(p.meta["pmid"])] = paper_iri(p.id)
    return index


def linked_meta(paper, index: dict[str, str]) -> dict:
    refs = []
    for r in paper.meta.get("references") or []:
        r = dict(r)
        target = index.get("doi:" + str(r.get("doi", "")).lower()) or index.get("pmid:" + str(r.get("pmid", "")))
        if target and target != paper_iri(paper.id):
            r["paper_iri"] = target
        refs.append(r)
    return paper.meta | {"references": refs, "text_sha256": paper.sha256}


def _build_into(staged: Path, papers, onto, progress, corpus: Path) -> dict:
    (staged / "rdf").mkdir()
    (staged / "mentions").mkdir()
    nq_files, all_facts = [], []
    n_mentions = n_quads = 0
    counts = {"subjects": 0, "administrations": 0, "findings": 0, "grades": 0, "outcomes": 0, "csf": 0, "citations": 0}
    in_corpus = corpus_index(papers)
    warnings: list[str] = []
    for i, paper in enumerate(papers, 1):
        if progress:
            progress(f"[{i}/{len(papers)}] {paper.id}")
        ann = annotate_text(paper.text, paper.id)
        curated = papers_dir(corpus) / paper.id / BRAT_FILE
        if curated.exists():
            ann = with_mentions(ann, parse_ann(curated, paper.text), onto, curated)
        n_mentions += len(ann.mentions)
        (staged / "mentions" / f"{paper.id}.json").write_text(
            json.dumps(ann.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        facts = extract_facts(ann, linked_meta(paper, in_corpus), onto)
        cur = papers_dir(corpus) / paper.id / CURATION_FILE
        if cur.exists():
            facts, cr = apply_curation(facts, cur, paper.text, onto)
            warnings.extend(cr.stale)
        for k in counts:
            counts[k] += len(getattr(facts, k))
        all_facts.append(facts)
        quads = paper_quads(facts, onto, ANNOTATOR_VERSION)
        n_quads += len(quads)
        data = to_nquads(quads)
        report = validate_nquads(data)
        if not report.conforms:
            raise BuildError(f"{paper.id}: the extracted graph violates ontology/shapes.ttl "
                             f"({report.violations} violation(s)); run `kg validate` for the report\n{report.text[:1500]}")
        path = staged / "rdf" / f"{paper.id}.nq"
        path.write_bytes(data)
        nq_files.append(path)
    if progress:
        progress("loading the store")
    odir = ontology_dir()
    create_store(staged / STORE_DIR, nq_files, [odir / "icans.ttl", odir / "schema.ttl"], ONTOLOGY_GRAPH)
    if progress:
        progress("writing HTML and exports")
    g = project(all_facts, onto)
    (staged / "graph.graphml").write_bytes(to_graphml(g))
    (staged / "graph.json").write_bytes(to_json(g))
    write_site(g, [p.id for p in papers], staged / "html")
    report = {"papers": len(papers), "mentions": n_mentions, "quads": n_quads, "facts": counts, "warnings": warnings,
              "annotator": ANNOTATOR_VERSION, "ontology": onto.digest,
              "inputs": {p.id: p.sha256 for p in papers}}
    (staged / MARKER).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report
