"""Scale benchmark: build, incremental add, query latency (Oxigraph vs rdflib memory), HTML.

usage: python -m tests.benchmarks.bench_scale [--sizes 1000 10000] [--rdflib-size 1000] [--work DIR]
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

from .synth import corpus as synth_corpus

REPO = Path(__file__).resolve().parents[2]
QUERIES = ["refractory_responders", "administrations", "grade_course", "time_to_response", "cited_studies",
           "patients", "csf_findings", "citations"]


def write_corpus(root: Path, n: int, seed: int) -> None:
    for pid, text in synth_corpus(n, seed=seed):
        d = root / "papers" / pid
        d.mkdir(parents=True)
        (d / "paper.txt").write_text(text, encoding="utf-8")


def run_build(corpus: Path, out: Path) -> dict:
    """`kg build` in a child process: wall time, peak RSS of it and its workers, phase times."""
    code = ("import json,sys,time; from pathlib import Path; from kg.build import build\n"
            "marks=[]; t0=time.perf_counter()\n"
            "def p(msg): marks.append((msg if isinstance(msg,str) else '', time.perf_counter()-t0))\n"
            "r=build(Path(sys.argv[1]), Path(sys.argv[2]), progress=p)\n"
            "marks.append(('end', time.perf_counter()-t0))\n"
            "print(json.dumps({'marks': marks, 'annotated': len(r.annotated), 'quads': r.quads}))")
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code, str(corpus), str(out)], capture_output=True, text=True,
                         env=dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology")))
    wall = time.perf_counter() - t0
    if res.returncode:
        raise SystemExit(res.stderr[-3000:])
    info = json.loads(res.stdout.strip().splitlines()[-1])
    marks = dict((m, t) for m, t in info["marks"] if m in ("loading the store", "writing HTML and exports", "end"))
    return {"wall": wall, "annotated": info["annotated"], "quads": info["quads"],
            "annotate": marks["loading the store"], "store": marks["writing HTML and exports"] - marks["loading the store"],
            "html": marks["end"] - marks["writing HTML and exports"],
            "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def oxigraph_latency(out: Path, runs: int = 7) -> dict[str, float]:
    """Median time to answer each question, rows materialized as Python strings, store opened once."""
    from pyoxigraph import Store

    from kg.query import load_query
    store = Store.read_only(str(out / "store"))
    lat = {}
    for q in QUERIES:
        sparql = load_query(q)
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            res = store.query(sparql, use_default_graph_as_union=True)
            cols = [v.value for v in res.variables]
            rows = [[getattr(s[c], "value", "") if s[c] is not None else "" for c in cols] for s in res]
            times.append(time.perf_counter() - t0)
        lat[q] = statistics.median(times[1:])
        lat[q + ":rows"] = len(rows)
    return lat


def _rdflib_child(conn, out: str, cap: float):
    import rdflib
    from kg.query import load_query
    ds = rdflib.Dataset(default_union=True)
    t0 = time.perf_counter()
    for f in sorted(Path(out, "rdf").glob("*.nq")):
        ds.parse(f, format="nquads")
    for f in ("icans.ttl", "schema.ttl"):
        ds.graph(rdflib.URIRef("https://w3id.org/icans-kg/id/graph/ontology")).parse(REPO / "ontology" / f, format="turtle")
    conn.send(("load", time.perf_counter() - t0))
    for q in QUERIES:
        t0 = time.perf_counter()
        list(ds.query(load_query(q)))
        conn.send((q, time.perf_counter() - t0))
    conn.close()


def rdflib_latency(out: Path, cap: float) -> dict[str, float | None]:
    """rdflib memory store on the same files, one run per query, each capped at ``cap`` seconds."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib_child, args=(child, str(out), cap))
    proc.start()
    child.close()
    res: dict[str, float | None] = {}
    for step in ["load"] + QUERIES:
        limit = 900 if step == "load" else cap
        if not parent.poll(limit):
            res[step] = None
            break
        k, v = parent.recv()
        res[k] = v
    proc.kill()
    proc.join()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--rdflib-size", type=int, default=1000)
    ap.add_argument("--rdflib-cap", type=float, default=60.0)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix="kg-bench-"))
    rows, lat_by_size, rdflib_lat = [], {}, {}
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
        corpus_html = out / "html" / "corpus.html"
        html_mb = sum(p.stat().st_size for p in (out / "html").iterdir()) / 1e6
        rows.append((n, full, inc, corpus_html.stat().st_size / 1e3, html_mb))
        lat_by_size[n] = oxigraph_latency(out)
        if n == a.rdflib_size:
            rdflib_lat = rdflib_latency(out, a.rdflib_cap)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; work {work}")
    print(f"{'papers':>7} {'quads':>10} {'build s':>8} {'annotate s':>10} {'store s':>8} {'html s':>7} "
          f"{'peak MB':>8} {'add 1: s':>8} {'(annot+store s)':>15} {'corpus.html KB':>14} {'html/ MB':>8}")
    for n, full, inc, kb, mb in rows:
        print(f"{n:>7} {full['quads']:>10} {full['wall']:>8.1f} {full['annotate']:>10.1f} {full['store']:>8.1f} "
              f"{full['html']:>7.1f} {full['peak_mb']:>8.0f} {inc['wall']:>8.1f} {inc['annotate'] + inc['store']:>15.2f} "
              f"{kb:>14.0f} {mb:>8.1f}")
    print()
    head = f"{'query: median ms (rows)':24}" + "".join(f"{'oxigraph ' + str(n):>16}" for n in a.sizes)
    head += f"{'rdflib mem ' + str(a.rdflib_size):>18}{'speed-up':>10}"
    print(head)
    for q in QUERIES:
        line = f"{q:24}" + "".join(f"{lat_by_size[n][q] * 1000:>9.1f} ({lat_by_size[n][q + ':rows']:>5})" for n in a.sizes)
        r = rdflib_lat.get(q)
        ox = lat_by_size.get(a.rdflib_size, {}).get(q)
        line += f"{(f'{r * 1000:.0f}' if r is not None else f'>{a.rdflib_cap:.0f}s'):>18}"
        line += f"{(f'{r / ox:.0f}x' if r is not None and ox else ('>' + f'{a.rdflib_cap / ox:.0f}x' if ox else '')):>10}"
        print(line)
    if rdflib_lat.get("load") is not None:
        print(f"rdflib memory store: loading the {a.rdflib_size}-paper graph took {rdflib_lat['load']:.0f} s")


if __name__ == "__main__":
    main()
