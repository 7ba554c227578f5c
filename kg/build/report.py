"""What a build did: papers, mentions, quads, fact counts, warnings and which papers were annotated."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COUNTS = ("subjects", "administrations", "findings", "grades", "outcomes", "csf", "citations")


@dataclass(frozen=True)
class BuildReport:
    """The summary `kg build` prints; ``facts`` counts each kind of COUNTS."""

    out: Path
    papers: int
    mentions: int
    quads: int
    facts: dict
    warnings: tuple[str, ...] = ()
    annotated: tuple[str, ...] = ()   # papers annotated anew (the others were reused)
    skipped: tuple[str, ...] = ()     # papers that could not be built (named in warnings)
