"""Synthesis benchmark: treatment_summary latency (Oxigraph vs rdflib on the same data), the build's synthesis step.

usage: python -m tests.benchmarks.bench_synthesis [--sizes 1000 10000] [--rdflib-size 1000] [--work DIR]
Builds synthetic corpora with bench_scale's machinery (reused when --work already holds them),
then prints one table; every figure comes from this run.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from .bench_scale import REPO, print_table, run_build, write_corpus

# what treatment_summary would cost without the build's precomputed rows: a plain aggregate over
# the findings with counts (no duplicates merged, no classes, no intervals: a lower bound)
ON_THE_FLY = """PREFIX icans: <https://w3id.org/icans-kg/ontology#>
SELECT ?agents ?setting (COUNT(DISTINCT ?p) AS ?papers) (COUNT(DISTINCT ?s) AS ?subjects) (SUM(?t) AS ?treated)
       (SUM(?r) AS ?responders) WHERE {
  ?f a icans:TreatmentFinding ; icans:subject ?s ; icans:agentsLabel ?agents ; icans:setting ?setting ;
     icans:treated ?t ; icans:responders ?r .
  ?s icans:inPaper ?p .
} GROUP BY ?agents ?setting"""


def built(work: Path, n: int) -> Path:
    """The build of the synthetic corpus of ``n`` papers under ``work`` (made when missing)."""
    corpus, out = work / f"c{n}", work / f"o{n}"
    if not (out / "build.json").exists() or json.loads((out / "build.json").read_text())["papers"] != n:
        if not (corpus / "papers").is_dir():
            write_corpus(corpus, n, seed=n)
        run_build(corpus, out)
    return out


def _rows(res) -> list:
    cols = [v.value for v in res.variables]
    return [[getattr(s[c], "value", "") if s[c] is not None else "" for c in cols] for s in res]


def oxigraph_times(out: Path, sparql: str, runs: int) -> tuple[float, int]:
    """Median seconds (after a warm-up) and rows of one question over the on-disk store."""
    from pyoxigraph import Store
    store = Store.read_only(str(out / "store"))
    times, rows = [], []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        rows = _rows(store.query(sparql, use_default_graph_as_union=True))
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:]), len(rows)


def _rdflib(conn, out: str, questions: list[tuple[str, str, int]]) -> None:
    """Load once; then each question alternates one Oxigraph run and one rdflib run, so load on the
    machine hits both alike; medians of each."""
    import rdflib
    from pyoxigraph import Store
    ds = rdflib.Dataset(default_union=True)
    t0 = time.perf_counter()
    for f in sorted(Path(out, "rdf").glob("*.nq")) + [Path(out, "synthesis", "graph.nq")]:
        ds.parse(f, format="nquads")
    for f in ("icans.ttl", "schema.ttl"):
        ds.graph(rdflib.URIRef("https://w3id.org/icans-kg/id/graph/ontology")).parse(REPO / "ontology" / f, format="turtle")
    conn.send(("load", time.perf_counter() - t0, 0, 0))
    store = Store.read_only(str(Path(out) / "store"))
    for name, sparql, runs in questions:
        ox, rd, n = [], [], 0
        _rows(store.query(sparql, use_default_graph_as_union=True))   # warm-up
        for _ in range(runs):
            t0 = time.perf_counter()
            _rows(store.query(sparql, use_default_graph_as_union=True))
            ox.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            n = len(list(ds.query(sparql)))
            rd.append(time.perf_counter() - t0)
        conn.send((name, statistics.median(rd), n, statistics.median(ox)))
    conn.close()


def rdflib_times(out: Path, questions: list[tuple[str, str, int]]) -> dict:
    """rdflib's memory store over the same N-Quads (papers and synthesis graph) against Oxigraph, interleaved:
    question -> (rdflib median seconds, rows, Oxigraph median seconds)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib, args=(child, str(out), questions))
    proc.start()
    child.close()
    res = {}
    for _ in range(len(questions) + 1):
        if not parent.poll(3600):
            proc.kill()
            raise SystemExit("rdflib benchmark stalled")
        name, t, n, ox = parent.recv()
        res[name] = (t, n, ox)
    proc.join()
    return res


def synthesis_step(out: Path) -> dict:
    """The build's synthesis step alone, on the papers' records of a build: link, sum, check, write, shape-check.

    Twice: as a full build does it (every pair compared) and as a build that changed one paper
    does it (the previous build's links kept, the changed paper's pairs compared).
    """
    from kg.graph.rdf import to_nquads
    from kg.graph.validate import validate_quads
    from kg.ontology import load_ontology
    from kg.annotate import ANNOTATOR_VERSION
    from kg.synthesis.run import Synthesis
    onto = load_ontology()
    syn = Synthesis()
    t0 = time.perf_counter()
    ids = []
    for p in sorted((out / "projection").glob("*.json")):
        syn.add(json.loads(p.read_bytes())["synthesis"])
        ids.append(p.stem)
    read = time.perf_counter() - t0
    times = {}
    for name, changed, previous in (("full", None, None), ("one", {ids[len(ids) // 2]}, out / "synthesis")):
        t0 = time.perf_counter()
        result = syn.finish(out.parent / "no-corpus", onto, changed, previous)
        quads = result.quads(ANNOTATOR_VERSION)
        assert validate_quads(quads).conforms
        to_nquads(quads)
        times[name] = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for link in result.links:
        kinds[link.kind] = kinds.get(link.kind, 0) + 1
    patients = sum(1 for r in result.records for s in r.subjects if s.own and s.kind == "patient")
    return {"read": read, "step": times["full"], "one": times["one"], "links": kinds, "rows": len(result.rows),
            "quads": len(quads), "patients": patients, "checks": len(result.checks)}


def _ms(x: float) -> str:
    return f"{x * 1000:,.1f} ms" if x < 10 else f"{x:,.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--rdflib-size", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    started = time.perf_counter()
    work = Path(a.work or tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KG_ONTOLOGY_DIR", str(REPO / "ontology"))
    from kg.views.query import load_query
    summary = load_query("treatment_summary")
    rows: list[tuple[str, str, str]] = []
    ox = {}
    for n in a.sizes:
        out = built(work, n)
        k = f"{n:,} papers"
        ox[n] = oxigraph_times(out, summary, a.runs)
        fly = oxigraph_times(out, ON_THE_FLY, 3)
        s = synthesis_step(out)
        goal = ("< 100 ms " + ("met" if ox[n][0] < 0.1 else "NOT met")) if n == max(a.sizes) else ""
        rows.append((f"{k}: treatment_summary, Oxigraph on disk ({ox[n][1]} rows)", _ms(ox[n][0]), goal))
        rows.append((f"{k}: the same sums computed at query time (plain GROUP BY, no merging), Oxigraph",
                     f"{_ms(fly[0])} ({fly[1]} rows)", ""))
        links = ", ".join(f"{v} {k2}" for k2, v in sorted(s["links"].items())) or "none"
        rows.append((f"{k}: build's synthesis step, full build ({s['patients']:,} patients; links: {links}; "
                     f"{s['checks']:,} ASTCT checks; {s['quads']:,} quads)", _ms(s["step"]), ""))
        rows.append((f"{k}: build's synthesis step, one paper changed", _ms(s["one"]),
                     f"(records read in {_ms(s['read'])}, with the exports)"))
    if a.rdflib_size in ox:
        out = built(work, a.rdflib_size)
        r = rdflib_times(out, [("treatment_summary", summary, 15), ("on_the_fly", ON_THE_FLY, 3)])
        rd, n, ox_same = r["treatment_summary"]
        alone = ox[a.rdflib_size][0]
        rows.append((f"{a.rdflib_size:,} papers: treatment_summary, the same .rq over the same data, rdflib memory "
                     f"store vs Oxigraph on disk, runs interleaved ({n} rows)",
                     f"{_ms(rd)} vs {_ms(ox_same)}: {rd / ox_same:,.0f}x", ">= 100x " + ("met" if rd / ox_same >= 100 else "NOT met")))
        rows.append((f"{a.rdflib_size:,} papers: the same, against Oxigraph's time measured alone (above)",
                     f"{_ms(rd)} vs {_ms(alone)}: {rd / alone:,.0f}x", ">= 100x " + ("met" if rd / alone >= 100 else "NOT met")))
        fly = r["on_the_fly"][0]
        rows.append((f"{a.rdflib_size:,} papers: rdflib computing the sums from the findings (the GROUP BY above) "
                     f"vs Oxigraph reading the build's rows", f"{_ms(fly)} vs {_ms(ox_same)}: {fly / ox_same:,.0f}x", ""))
        rows.append((f"{a.rdflib_size:,} papers: rdflib loading the graph", _ms(r["load"][0]), ""))
    rows.append(("this benchmark, start to end", f"{(time.perf_counter() - started) / 60:.1f} min", ""))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB; work {work}")
    print_table(rows)


if __name__ == "__main__":
    main()
