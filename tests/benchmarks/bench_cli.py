"""Start-up cost of the `kg` command, end to end: wall time of whole subprocesses on the shipped corpus.

usage: python -m tests.benchmarks.bench_cli [--runs 7]

Prints the median (and min) of ``--runs`` runs of `kg --help`, `kg query patients`,
`kg query treatment_summary`, `kg report` and `kg add` of a small plain-text file, plus the
heavy libraries each one imported (from ``python -X importtime``). The goal for `kg query` is < 0.3 s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("spacy", "pyvis", "networkx", "rdflib", "pyshacl", "pyoxigraph", "yaml", "defusedxml")
GOALS = {"kg query patients": 0.3, "kg query treatment_summary": 0.3}


def _kg() -> list[str]:
    script = Path(sys.executable).with_name("kg")   # the installed console script, as a user runs it
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg"]


def _time(args: list[str], cwd: Path, runs: int, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        subprocess.run(_kg() + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def _heavy_imports(args: list[str], cwd: Path) -> list[str]:
    """Top-level heavy packages the command imports (python -X importtime on stderr)."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", "import sys; from kg.cli import main; "
                          f"sys.argv = ['kg'] + {args!r}; main()"],
                         cwd=cwd, capture_output=True, text=True)
    names = {line.split("|")[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}
    return [h for h in HEAVY if h in names]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="kg-bench-cli-") as tmp:
        base = Path(tmp)
        env_corpus = base / "corpus"
        shutil.copytree(REPO / "corpus", env_corpus)
        subprocess.run(_kg() + ["build", "--corpus", str(env_corpus), "--out", str(base / "outputs")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        small = base / "small.txt"
        small.write_text("A 60-year-old man received intrathecal methotrexate 12 mg on day 9.\n", encoding="utf-8")
        add_corpus = base / "add-corpus"

        def fresh_corpus():
            shutil.rmtree(add_corpus, ignore_errors=True)

        cases = [
            ("kg --help", ["--help"], None),
            ("kg query patients", ["query", "patients", "--out", str(base / "outputs")], None),
            ("kg query treatment_summary", ["query", "treatment_summary", "--out", str(base / "outputs")], None),
            ("kg report", ["report", "--out", str(base / "outputs")], None),
            ("kg add small.txt", ["add", str(small), "--corpus", str(add_corpus)], fresh_corpus),
        ]
        print(f"{'command':<26} {'median':>8} {'min':>8}  heavy imports   ({runs} runs, Python "
              f"{sys.version.split()[0]}, {os.cpu_count()} cores)")
        for name, args, before in cases:
            _time(args, base, 1, before)   # warm the OS caches
            t = _time(args, base, runs, before)
            if before:
                before()
            heavy = ", ".join(_heavy_imports(args, base)) or "-"
            goal = GOALS.get(name)
            verdict = "" if goal is None else f"  goal < {goal} s {'met' if statistics.median(t) < goal else 'NOT met'}"
            print(f"{name:<26} {statistics.median(t):>7.3f}s {min(t):>7.3f}s  {heavy}{verdict}")


if __name__ == "__main__":
    main()
