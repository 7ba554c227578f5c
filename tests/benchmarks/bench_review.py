"""What a curator waits for: the review page of the shipped paper, one decision, and `kg review`.

usage: python -m tests.benchmarks.bench_review [--runs 5]

Builds the shipped corpus once into a temporary folder, serves it with the review pages and
prints the median (and min) of: the first page of the paper (annotation included), a page
once the paper is annotated, one decision (a reject: read, refresh, apply the whole file,
write), and a whole `kg review` (annotation included) in-process.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from kg.build import build
from kg.curation.curator import Curator
from kg.curation.review import review_paper
from kg.views.review_app import ReviewApp
from kg.views.serve import SparqlServer

REPO = Path(__file__).resolve().parents[2]
PID = "pmid35896259"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def _post(url: str, body: dict, token: str) -> bytes:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-Review-Token": token})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def _line(name: str, times: list[float]) -> str:
    return f"{name:<40} {statistics.median(times) * 1000:8.0f} ms {min(times) * 1000:8.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-review-"))
    try:
        corpus = tmp / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        build(corpus, tmp / "out")
        first, page, decide, review = [], [], [], []
        for _ in range(runs):
            app = ReviewApp(corpus, Curator("Bench Mark"))
            with SparqlServer(tmp / "out", port=0, apps=(app,)) as server:
                base = f"http://127.0.0.1:{server.port}/review/{PID}"
                t0 = time.perf_counter()
                _get(base)
                first.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                html = _get(base).decode()
                page.append(time.perf_counter() - t0)
                data = json.loads(html.split('type="application/json">', 1)[1].split("</script>", 1)[0])
                t0 = time.perf_counter()
                _post(base + "/decision", {"id": data["facts"][0]["id"], "status": "reject", "values": {}}, app.token)
                decide.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            review_paper(corpus, PID)
            review.append(time.perf_counter() - t0)
            (corpus / "papers" / PID / "curation.yaml").unlink()
        print(f"{'what':<40} {'median':>11} {'min':>11}   ({runs} runs, {PID})")
        for name, times in (("first review page (annotation included)", first), ("review page, paper annotated", page),
                            ("one decision (POST, checked, written)", decide), ("kg review (in-process)", review)):
            print(_line(name, times))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
