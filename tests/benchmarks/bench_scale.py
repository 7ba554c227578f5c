"""Scale benchmark: annotation speed, builds, adding a paper, query latency (Oxigraph vs rdflib memory), HTML.

usage: python -m tests.benchmarks.bench_scale [--sizes 1000 10000] [--rdflib-size 1000] [--words 1000000] [--work DIR]
Prints one table; every figure comes from this run. Corpora are synthetic (tests/benchmarks/synth.py).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.ontology import ontology_files

from .bench_annotate import measure as measure_annotation
from .synth import corpus as synth_corpus

REPO = Path(__file__).resolve().parents[2]
QUERIES = ["refractory_responders", "administrations", "grade_course", "time_to_response", "cited_studies",
           "patients", "csf_findings", "citations", "treatment_summary"]


def write_corpus(root: Path, n: int, seed: int) -> None:
    for pid, text in synth_corpus(n, seed=seed):
        d = root / "papers" / pid
        d.mkdir(parents=True)
        (d / "paper.txt").write_text(text, encoding="utf-8")


def run_build(corpus: Path, out: Path) -> dict:
    """`kg build` in a child process: wall time, peak RSS of it and its workers, phase times.

    Startup (imports, the spaCy pipeline, the ontology) is timed apart: a long-running
    curation service pays it once. Phases come from the build's progress marks:
    bookkeeping (scan the corpus, keys, reuse unchanged artifacts), annotation, store, HTML.
    """
    code = ("import json,sys,time; t0=time.perf_counter(); from pathlib import Path; from kg.build import build\n"
            "from kg.annotate import get_nlp; from kg.ontology import load_ontology\n"
            "get_nlp(); load_ontology(); startup=time.perf_counter()-t0\n"
            "marks=[]; t0=time.perf_counter()\n"
            "def p(msg): marks.append((msg if isinstance(msg,str) else '', time.perf_counter()-t0))\n"
            "r=build(Path(sys.argv[1]), Path(sys.argv[2]), progress=p)\n"
            "marks.append(('end', time.perf_counter()-t0))\n"
            "print(json.dumps({'marks': marks, 'annotated': len(r.annotated), 'quads': r.quads, 'startup': startup}))")
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code, str(corpus), str(out)], capture_output=True, text=True,
                         env=dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology")))
    wall = time.perf_counter() - t0
    if res.returncode:
        raise SystemExit(res.stderr[-3000:])
    info = json.loads(res.stdout.strip().splitlines()[-1])
    marks = {}
    for m, t in info["marks"]:
        marks.setdefault("annotating" if m.startswith("annotating ") else m, t)
    return {"wall": wall, "annotated": info["annotated"], "quads": info["quads"], "startup": info["startup"],
            "bookkeeping": marks["annotating"], "annotate": marks["loading the store"] - marks["annotating"],
            "store": marks["writing HTML and exports"] - marks["loading the store"],
            "html": marks["end"] - marks["writing HTML and exports"], "build": marks["end"],
            "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def oxigraph_latency(out: Path, runs: int = 3, in_memory: bool = False) -> dict[str, float]:
    """Median time to answer each question (after one warm-up), rows materialized as Python strings.

    ``in_memory``: the same quads copied into Oxigraph's in-memory store first (what a
    long-running endpoint could hold), to show how much of the time is the on-disk store's.
    """
    from pyoxigraph import Store

    from kg.views.query import load_query
    store = Store.read_only(str(out / "store")) if not in_memory else None
    if in_memory:
        from kg.graph.iris import ONTOLOGY_GRAPH
        from kg.graph.store import bulk_load
        store = Store()
        t0 = time.perf_counter()
        bulk_load(store, sorted((out / "rdf").glob("*.nq")) + sorted((out / "synthesis").glob("*.nq")),
                  ontology_files(REPO / "ontology"), ONTOLOGY_GRAPH)
        load = time.perf_counter() - t0
    lat = {}
    # the floor: one triple pattern, one column, as many rows as `administrations` returns
    floor = "SELECT ?a WHERE { ?a a <https://w3id.org/icans-kg/ontology#Administration> }"
    for q, sparql in [(q, load_query(q)) for q in QUERIES] + [("floor", floor)]:
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            res = store.query(sparql, use_default_graph_as_union=True)
            cols = [v.value for v in res.variables]
            rows = [[getattr(s[c], "value", "") if s[c] is not None else "" for c in cols] for s in res]
            times.append(time.perf_counter() - t0)
        lat[q] = statistics.median(times[1:])
        lat[q + ":rows"] = len(rows)
    if in_memory:
        lat["load"] = load
    return lat


def _rdflib_query(conn, ds, sparql: str) -> None:
    t0 = time.perf_counter()
    list(ds.query(sparql))
    conn.send(time.perf_counter() - t0)
    conn.close()


def _rdflib_child(conn, out: str, cap: float):
    """Load once, then answer each question in a forked copy that is killed at ``cap`` seconds."""
    import rdflib
    from kg.views.query import load_query
    ds = rdflib.Dataset(default_union=True)
    t0 = time.perf_counter()
    for f in sorted(Path(out, "rdf").glob("*.nq")) + sorted(Path(out, "synthesis").glob("*.nq")):
        ds.parse(f, format="nquads")
    for f in [p.name for p in ontology_files(REPO / "ontology")]:
        ds.graph(rdflib.URIRef("https://w3id.org/icans-kg/id/graph/ontology")).parse(REPO / "ontology" / f, format="turtle")
    conn.send(("load", time.perf_counter() - t0))
    ctx = mp.get_context("fork")
    for q in QUERIES:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_rdflib_query, args=(child, ds, load_query(q)))
        proc.start()
        child.close()
        conn.send((q, parent.recv() if parent.poll(cap) else None))
        proc.kill()
        proc.join()
    conn.close()


def rdflib_latency(out: Path, cap: float) -> dict[str, float | None]:
    """rdflib memory store on the same files, one run per query, each capped at ``cap`` seconds (None)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib_child, args=(child, str(out), cap))
    proc.start()
    child.close()
    res: dict[str, float | None] = {}
    for step in ["load"] + QUERIES:
        if not parent.poll(900 if step == "load" else cap + 60):
            raise SystemExit(f"rdflib benchmark stalled at {step}")
        k, v = parent.recv()
        res[k] = v
    proc.join()
    return res


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1000:,.0f} ms" if x < 10 else f"{x:,.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--rdflib-size", type=int, default=1000)
    ap.add_argument("--rdflib-cap", type=float, default=30.0)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    started = time.perf_counter()
    work = Path(a.work or tempfile.mkdtemp(prefix="kg-bench-"))
    ann = measure_annotation(a.words)
    rows: list[tuple[str, str, str]] = []   # figure, value, goal

    def row(figure: str, value: str, goal: str = "") -> None:
        rows.append((figure, value, goal))

    ratio = ann["tokenizer_s"] / ann["annotate_s"]
    row(f"annotation, {ann['words']:,} words: spaCy tokenizer", f"{ann['words'] / ann['tokenizer_s']:,.0f} words/s")
    row("annotation: kg (normalize, layout, 4 components)", f"{ann['words'] / ann['annotate_s']:,.0f} words/s "
        f"= {100 * ratio:.0f}%", ">= 50% " + ("met" if ratio >= 0.5 else "NOT met"))
    lat_by_size, rdflib_lat, mem_lat = {}, {}, {}
    for n in a.sizes:
        corpus, out = work / f"c{n}", work / f"o{n}"
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        write_corpus(corpus, n, seed=n)
        full = run_build(corpus, out)
        extra = corpus / "papers" / "zz-added"
        extra.mkdir()
        (extra / "paper.txt").write_text(next(synth_corpus(1, seed=999_999))[1], encoding="utf-8")
        inc = run_build(corpus, out)
        assert inc["annotated"] == 1, inc
        k = f"{n:,} papers"
        row(f"{k}: full build (--jobs 2), {full['quads']:,} quads",
            f"{full['build']:.1f} s (annotate {full['annotate']:.0f}, store {full['store']:.0f}, "
            f"HTML+exports {full['html']:.1f})")
        row(f"{k}: peak RSS of the build", f"{full['peak_mb']:,.0f} MB")
        row(f"{k}: add one paper, annotation + store", _ms(inc["annotate"] + inc["store"]),
            "well under 1 s " + ("met" if inc["annotate"] + inc["store"] < 0.5 else "NOT met") if n >= 10000 else "")
        row(f"{k}: add one paper, whole build (bookkeeping {inc['bookkeeping']:.1f} s, HTML+exports "
            f"{inc['html']:.1f} s; startup {inc['startup']:.1f} s apart)", f"{inc['build']:.1f} s")
        row(f"{k}: corpus.html; all HTML", f"{(out / 'html' / 'corpus.html').stat().st_size / 1e3:,.0f} KB; "
            f"{sum(p.stat().st_size for p in (out / 'html').iterdir()) / 1e6:,.0f} MB")
        lat_by_size[n] = oxigraph_latency(out)
        if n == max(a.sizes):
            mem_lat = oxigraph_latency(out, in_memory=True)
            assert all(mem_lat[q + ":rows"] == lat_by_size[n][q + ":rows"] for q in QUERIES), "copies disagree"
        if n == a.rdflib_size:
            rdflib_lat = rdflib_latency(out, a.rdflib_cap)
    big = max(a.sizes)
    for q in QUERIES:
        for n in a.sizes:
            ox = lat_by_size[n][q]
            goal = "< 100 ms " + ("met" if ox < 0.1 else "NOT met") if n == big else ""
            row(f"query {q}: Oxigraph, {n:,} papers ({lat_by_size[n][q + ':rows']:,} rows)", _ms(ox), goal)
        row(f"query {q}: Oxigraph in-memory copy, {big:,} papers", _ms(mem_lat[q]))
        if a.rdflib_size in lat_by_size:
            r, ox = rdflib_lat.get(q), lat_by_size[a.rdflib_size][q]
            speed = f"{r / ox:,.0f}x" if r is not None else f"> {a.rdflib_cap / ox:,.0f}x"
            row(f"query {q}: rdflib memory, {a.rdflib_size:,} papers; Oxigraph speed-up",
                f"{_ms(r) if r is not None else f'> {a.rdflib_cap:.0f} s'}; {speed}",
                ">= 100x " + ("met" if (r or a.rdflib_cap) / ox >= 100 else "NOT met"))
    row(f"floor: one triple pattern (?a a icans:Administration), {big:,} papers "
        f"({lat_by_size[big]['floor:rows']:,} rows): on disk; in memory",
        f"{_ms(lat_by_size[big]['floor'])}; {_ms(mem_lat['floor'])}")
    row(f"Oxigraph in-memory copy: loading the {big:,}-paper graph", f"{mem_lat['load']:.0f} s")
    if rdflib_lat.get("load") is not None:
        row(f"rdflib memory store: loading the {a.rdflib_size:,}-paper graph", f"{rdflib_lat['load']:.0f} s")
    row("this benchmark, start to end", f"{(time.perf_counter() - started) / 60:.1f} min", "< 15 min")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; work {work}")
    print_table(rows)



def print_table(rows: list[tuple[str, str, str]]) -> None:
    """(figure, value, goal) rows as the markdown table the README quotes."""
    w = max(len(r[0]) for r in rows)
    v = max(len(r[1]) for r in rows)
    print(f"| {'figure':{w}} | {'value':{v}} | goal |")
    print(f"|{'-' * (w + 2)}|{'-' * (v + 2)}|------|")
    for f, val, goal in rows:
        print(f"| {f:{w}} | {val:{v}} | {goal} |")


if __name__ == "__main__":
    main()
