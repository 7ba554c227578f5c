"""Mentions as brat standoff (.txt + .ann) for correction in brat or INCEpTION, and curated ones back.

Export writes every mention as a text-bound annotation (``T1<TAB>DRUG 1060 1072<TAB>methotrexate``,
split into fragments at line breaks) and its normalized values as an ``AnnotatorNotes``
line (``concept=methotrexate``). Import validates the spans against the paper text and
stores them as ``corpus/papers/ID/mentions.ann``; `kg build` then uses them instead of
the annotator's mentions for that paper.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..annotate import AnnotatedPaper, Mention, annotate_text, with_context
from ..errors import CorpusError, InputError
from ..ingest.corpus import load_paper, papers_dir
from ..ingest.files import read_side_text
from ..ingest.transaction import writing_into
from ..ontology import Ontology

FILE = "mentions.ann"
_T = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_NOTE = re.compile(r"^#\d+\tAnnotatorNotes (T\d+)\t(.*)$")


@dataclass(frozen=True)
class Span:
    """One text-bound annotation of a .ann file, checked against the paper text."""

    label: str
    start: int
    end: int
    values: dict = field(default_factory=dict, compare=False)


def _fmt(v) -> str:
    return "/".join(map(str, v)) if isinstance(v, tuple) else str(v)


def to_ann(ann: AnnotatedPaper) -> str:
    lines = []
    text = ann.text
    for i, m in enumerate(ann.mentions, 1):
        frags, pos = [], m.start
        for part in text[m.start:m.end].split("\n"):
            if part:
                frags.append(f"{pos} {pos + len(part)}")
            pos += len(part) + 1
        surface = text[m.start:m.end].replace("\n", " ")
        lines.append(f"T{i}\t{m.label} {';'.join(frags)}\t{surface}")
        notes = [(k, v) for k, v in m.values + m.extra if not isinstance(v, bool) and v is not None]
        if notes:
            lines.append(f"#{i}\tAnnotatorNotes T{i}\t" + "; ".join(f"{k}={_fmt(v)}" for k, v in notes))
    return "\n".join(lines) + "\n"


def annotation_conf(labels) -> str:
    return "[entities]\n" + "\n".join(sorted(labels)) + "\n[relations]\n[events]\n[attributes]\n"


def _value(s: str):
    if "/" in s and all(p.isdigit() for p in s.split("/")):
        return tuple(int(p) for p in s.split("/"))
    try:
        f = float(s)
        return int(f) if f.is_integer() and "." not in s else f
    except ValueError:
        return s


def parse_ann(path: Path, text: str) -> list[Span]:
    """The spans of a .ann file, checked against ``text``."""
    spans: dict[str, tuple[str, int, int]] = {}
    notes: dict[str, dict] = {}
    try:
        data = read_side_text(path, "brat .ann file")
    except InputError as e:
        raise CorpusError(str(e)) from None
    for n, line in enumerate(data.split("\n"), 1):   # brat lines end at LF; U+2028 may sit in a span's text
        line = line.rstrip("\r")
        if not line.strip():
            continue
        m = _T.match(line)
        if m:
            frags = [tuple(map(int, f.split())) for f in m.group(3).split(";")]
            a, b = frags[0][0], frags[-1][1]
            if not (0 <= a < b <= len(text)):
                raise CorpusError(f"{path}:{n}: span {a}-{b} is outside the paper text ({len(text)} characters)")
            if text[a:b].replace("\n", " ") != m.group(4):
                raise CorpusError(f"{path}:{n}: the text {m.group(4)!r} is not what the paper has at {a}-{b}; "
                                  "was the .ann made for another version of the paper?")
            spans[m.group(1)] = (m.group(2), a, b)
            continue
        m = _NOTE.match(line)
        if m:
            notes[m.group(1)] = {k.strip(): _value(v.strip()) for k, v in
                                 (kv.split("=", 1) for kv in m.group(2).split(";") if "=" in kv)}
            continue
        if line[0] in "RAENM*":
            continue  # relations, attributes, events, normalizations: not used
        raise CorpusError(f"{path}:{n}: not a brat standoff line: {line[:60]!r}")
    return [Span(label, a, b, notes.get(t, {})) for t, (label, a, b) in spans.items()]


_ENTITY = {"DRUG", "CELL_THERAPY", "DRUG_CLASS", "REGIMEN", "DIAGNOSIS", "PROCEDURE", "GRADING_SYSTEM"}


def with_mentions(ann: AnnotatedPaper, spans: list[Span], onto: Ontology, path: Path) -> AnnotatedPaper:
    """``ann`` with its mentions replaced by curated ones (normalized offsets recomputed)."""
    norm = ann.layout.norm
    mentions = []
    for span in spans:
        label, a, b, values = span.label, span.start, span.end, dict(span.values)
        term = ""
        if label in _ENTITY and values.get("concept"):
            t = onto.by_label(str(values["concept"]))
            if t is None:
                raise CorpusError(f"{path}: unknown concept {values['concept']!r} for {label}")
            term = t.id
        elif label == "ROUTE" and values.get("route"):
            t = onto.by_code("route", str(values["route"]))
            term = t.id if t else ""
        elif label == "SYNDROME" and values.get("syndrome"):
            t = onto.by_code("syndrome", str(values["syndrome"]))
            term = t.id if t else ""
        if "refs" in values and not isinstance(values["refs"], tuple):
            values["refs"] = (values["refs"],)
        vals = tuple((k, v) for k, v in values.items())
        mentions.append(Mention(label=label, start=a, end=b, text=ann.text[a:b], values=vals,
                                nstart=norm.to_normalized(a), nend=norm.to_normalized(b), term=term,
                                extra=(("curated", True),)))
    mentions.sort(key=lambda m: (m.start, m.end, m.label))
    return with_context(ann, mentions)


def export_paper(corpus: Path, paper_id: str, folder: Path) -> tuple[Path, int]:
    """Write ID.txt, ID.ann and annotation.conf into ``folder``; returns the .ann path and the mention count."""
    paper = load_paper(corpus, paper_id)
    ann = annotate_text(paper.text, paper.id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{paper.id}.txt").write_bytes(paper.text.encode("utf-8"))
    (folder / f"{paper.id}.ann").write_text(to_ann(ann), encoding="utf-8")
    (folder / "annotation.conf").write_text(annotation_conf({m.label for m in ann.mentions}), encoding="utf-8")
    return folder / f"{paper.id}.ann", len(ann.mentions)


def import_ann(corpus: Path, paper_id: str, ann_file: Path) -> tuple[Path, int]:
    """Check ``ann_file`` against the paper and store it as the paper's mentions.ann (used by the next build)."""
    paper = load_paper(corpus, paper_id)
    if not Path(ann_file).exists():
        raise InputError(f"{ann_file}: no such file; check the path")
    spans = parse_ann(Path(ann_file), paper.text)
    target = papers_dir(corpus) / paper.id / FILE
    with writing_into(target.parent):   # not while `kg add --replace` swaps the paper's folder
        shutil.copyfile(ann_file, target.with_suffix(".ann.tmp"))
        target.with_suffix(".ann.tmp").replace(target)
    return target, len(spans)
