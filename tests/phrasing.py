"""The phrasing battery: short invented texts, each testing one way authors write a fact.

``tests/data/phrasing/cases.yaml`` was written by someone who had not read the extraction
rules (see its README). Each case is built as its own paper; its ``expect`` rows must be
among that paper's query rows, its ``absent`` rows must not. ``python -m tests.phrasing``
prints the pass rate per class and the failing cases; ``tests/test_phrasing.py`` holds the
floor.
"""
from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CASES = Path(__file__).parent / "data" / "phrasing" / "cases.yaml"


def norm(col: str, v) -> str:
    """A cell as the scorer compares it: lowercase, lists of agents/sources sorted, numbers as numbers."""
    v = str(v if v is not None else "").strip().lower()
    if col in ("agents", "source"):
        parts = [p.strip() for p in v.replace(";", "+").replace(",", "+").split("+") if p.strip()]
        if col == "source":
            parts = [str(int(float(p))) if p.replace(".", "", 1).isdigit() else p for p in parts]
        return "+".join(sorted(parts))
    try:
        f = float(v)
        return str(int(f)) if f.is_integer() else str(f)
    except ValueError:
        return v


def matches(want: dict, row: dict) -> bool:
    """Whether a result row has every value a case row asks for (a list: any of them, '*': anything)."""
    for col, value in want.items():
        options = value if isinstance(value, list) else [value]
        if not any(o == "*" or norm(col, o) == norm(col, row.get(col, "")) for o in options):
            return False
    return True


@dataclass
class Outcome:
    id: str
    cls: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(path: Path = CASES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run(cases: list[dict], work: Path) -> list[Outcome]:
    """Build every case as one paper of one corpus and check its rows."""
    from kg.build import build
    from kg.ingest.corpus import add_paper
    from kg.views.query import load_query, run_query

    corpus, out = work / "corpus", work / "out"
    for case in cases:
        src = work / "texts" / f"{case['id']}.txt"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(case["text"], encoding="utf-8")
        add_paper(corpus, src, case["id"], {}, True, None)
    build(corpus, out, jobs=1)
    names = sorted({q for c in cases for part in ("expect", "absent") for q in (c.get(part) or {})})
    rows: dict[str, dict[str, list[dict]]] = {}
    for name in names:
        result = run_query(out, load_query(name))
        by_paper: dict[str, list[dict]] = defaultdict(list)
        for r in result.rows:
            row = dict(zip(result.columns, r))
            by_paper[row.get("paper", "")].append(row)
        rows[name] = by_paper
    outcomes = []
    for case in cases:
        o = Outcome(case["id"], case["class"])
        for name, wants in (case.get("expect") or {}).items():
            got = rows[name].get(case["id"], [])
            for want in wants:
                if not any(matches(want, r) for r in got):
                    o.failures.append(f"missing {name} {want}")
        for name, wants in (case.get("absent") or {}).items():
            got = rows[name].get(case["id"], [])
            for want in wants:
                if any(matches(want, r) for r in got):
                    o.failures.append(f"unwanted {name} {want}")
        outcomes.append(o)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    by: dict[str, list[bool]] = defaultdict(list)
    for o in outcomes:
        by[o.cls].append(o.passed)
    return {c: (sum(v), len(v)) for c, v in sorted(by.items())}


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    with tempfile.TemporaryDirectory() as d:
        outcomes = run(load_cases(), Path(d))
    for o in outcomes:
        if not o.passed and verbose:
            print(f"FAIL {o.id}")
            for f in o.failures:
                print(f"    {f}")
    total = sum(o.passed for o in outcomes)
    for cls, (ok, n) in summary(outcomes).items():
        print(f"{cls:12} {ok:3}/{n:<3} {ok / n:6.1%}")
    print(f"{'all':12} {total:3}/{len(outcomes):<3} {total / len(outcomes):6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
