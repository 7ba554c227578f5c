"""A paper's mentions for `kg annotate`: the JSON contract or an aligned table, from a registry of formats."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..ingest.corpus import id_for_file
from ..ingest.files import read_text_file

if TYPE_CHECKING:
    from ..annotate import AnnotatedPaper


def annotate_file(path: Path) -> AnnotatedPaper:
    """The mentions of one text file; its id comes from its corpus folder or its name."""
    from ..annotate import annotate_text   # spaCy loads only once a file is there to annotate

    return annotate_text(read_text_file(path), id_for_file(Path(path)))


def _json(ann: AnnotatedPaper, wanted: set[str] | None) -> str:
    return json.dumps(ann.to_json(wanted), indent=1, ensure_ascii=False) + "\n"


def _table(ann: AnnotatedPaper, wanted: set[str] | None) -> str:
    lines = []
    for m in ann.mentions:
        if wanted and m.label not in wanted:
            continue
        vals = ", ".join(f"{k}={'/'.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in m.values)
        lines.append(f"{m.start:>6} {m.end:>6}  {m.label:<14} {m.text.replace(chr(10), ' ')!r:<40} {vals}\n")
    return "".join(lines)


MENTION_FORMATS = {"json": _json, "table": _table}


def format_mentions(ann: AnnotatedPaper, fmt: str, labels: str = "") -> str:
    """``ann`` in format ``fmt``; ``labels`` ("DRUG,DOSE") keeps only those labels."""
    wanted = {x.strip().upper() for x in labels.split(",") if x.strip()} or None
    return MENTION_FORMATS[fmt](ann, wanted)
