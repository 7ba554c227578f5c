"""What `kg build` would change: a throwaway build of the corpus, diffed fact by fact with the outputs."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..curation.diff import diff_outputs
from .run import run


def preview_changes(corpus: Path, out: Path) -> tuple[list[str], list[str]]:
    """(removed, added) fact lines between ``out`` and a fresh build of ``corpus``; ``out`` is not touched."""
    tmp = Path(tempfile.mkdtemp(prefix="kg-diff-"))
    try:
        run(Path(corpus), tmp / "out")
        return diff_outputs(out, tmp / "out")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
