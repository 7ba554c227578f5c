"""`kg build`: every paper through the pipeline, incrementally, into outputs switched in atomically.

Light on purpose: ``kg.build`` is both this package and the function below, so ``import kg``
binds the function here without loading spaCy, Oxigraph or the HTML stack (they load when
a build runs).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .report import BuildReport

__all__ = ["BuildReport", "build"]


def build(corpus: Path, out: Path, progress: Callable[[str], None] | None = None, jobs: int | None = None,
          full: bool = False, curator=None) -> BuildReport:
    """Build the graph of every paper in ``corpus`` into ``out``; the old outputs stay until it succeeds.

    ``curator`` (a kg.curation.curator.Curator) signs curation decisions their file does not sign.
    Example: ``kg.build(Path("corpus"), Path("outputs"))`` does what `kg build` does.
    """
    from .run import run

    return run(Path(corpus), Path(out), progress, jobs, full, curator)
