"""The corpus on disk: one folder per paper with its original text and metadata.

Layout::

    corpus/papers/<id>/paper.txt      original text, byte for byte as added
    corpus/papers/<id>/meta.json      id, title, year, doi, pmid, journal, ...
    corpus/papers/<id>/curation.yaml  curator decisions (kg review)
    corpus/papers/<id>/mentions.ann   curated mentions (kg brat import)
    corpus/papers/<id>/source.*       the original XML/JSON when the paper came from one
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError, DuplicatePaperError, PaperIdError
from .files import read_text_file
from .readers import Document, read_documents

META_FIELDS = ("id", "title", "year", "doi", "pmid", "pmcid", "journal", "publisher",
               "authors", "references")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Paper:
    """One paper of the corpus: its id, original text and metadata."""

    id: str
    text: str
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def validate_id(paper_id: str) -> str:
    """Return the id if it is a safe folder name, else raise PaperIdError."""
    if not paper_id or "/" in paper_id or "\\" in paper_id or ".." in paper_id \
            or not ID_RE.match(paper_id):
        raise PaperIdError(
            f"invalid paper id {paper_id!r}: use letters, digits, '.', '_' or '-' "
            "(no path separators, no '..', at most 100 characters)")
    return paper_id


def slug_id(path: Path) -> str:
    """A paper id derived from a file name: 'My Paper (2022).txt' -> 'my-paper-2022'."""
    stem = path.name.split(".")[0] if path.suffix else path.name
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:100] or "paper"


def id_for_file(path: Path) -> str:
    """The id of a paper file: its folder's name for a corpus ``ID/paper.txt``, else a slug of its name."""
    return path.parent.name if path.name == "paper.txt" else slug_id(path)


def papers_dir(corpus: Path) -> Path:
    return Path(corpus) / "papers"


def paper_ids(corpus: Path) -> list[str]:
    """Ids of every paper in the corpus, sorted."""
    root = papers_dir(corpus)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / "paper.txt").exists())


def load_meta(path: Path) -> dict:
    """Read a meta.json, naming file and line on malformed JSON."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise CorpusError(f"{path}:{e.lineno}:{e.colno}: malformed metadata ({e.msg}); "
                          "fix the JSON or re-add the paper") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: metadata is not UTF-8; re-add the paper") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}:1: metadata must be a JSON object")
    unknown = sorted(set(meta) - set(META_FIELDS))
    if unknown:
        raise CorpusError(f"{path}:1: unknown metadata field(s) {', '.join(unknown)}; "
                          f"allowed: {', '.join(META_FIELDS)}")
    return meta


def load_paper(corpus: Path, paper_id: str) -> Paper:
    folder = papers_dir(corpus) / validate_id(paper_id)
    text = read_text_file(folder / "paper.txt")
    meta_path = folder / "meta.json"
    meta = load_meta(meta_path) if meta_path.exists() else {}
    return Paper(paper_id, text, empty_meta(paper_id) | meta)


def load_corpus(corpus: Path) -> list[Paper]:
    """Every paper of the corpus, sorted by id."""
    if not Path(corpus).is_dir():
        raise CorpusError(f"{corpus}: no corpus folder here; create one with `kg add PATH --corpus {corpus}`")
    return [load_paper(corpus, pid) for pid in paper_ids(corpus)]


def empty_meta(paper_id: str) -> dict:
    return {"id": paper_id, "title": "", "year": None, "doi": "", "pmid": "", "pmcid": "",
            "journal": "", "publisher": "", "authors": [], "references": []}


def dump_meta(meta: dict) -> str:
    return json.dumps({k: meta.get(k) for k in META_FIELDS}, indent=2, ensure_ascii=False) + "\n"


def default_id(meta: dict, source: Path, index: int, count: int) -> str:
    """Id from PMID, else DOI, else the file name (numbered when a file holds several papers)."""
    if meta.get("pmid"):
        return f"pmid{meta['pmid']}"
    if meta.get("doi"):
        return ("doi-" + re.sub(r"[^a-z0-9]+", "-", str(meta["doi"]).lower()).strip("-"))[:100]
    base = slug_id(source)
    return f"{base}-{index}" if count > 1 else base


def add_documents(corpus: Path, docs: list[Document], source: Path, paper_id: str | None = None,
                  meta: dict | None = None, replace: bool = False) -> list[Paper]:
    """Add every document read from ``source``; all are added or none (the corpus is unchanged)."""
    root = papers_dir(corpus)
    ids = []
    for i, d in enumerate(docs, 1):
        if paper_id is not None:
            pid = paper_id if len(docs) == 1 else f"{paper_id}-{i}"
        else:
            pid = default_id(d.meta, Path(source), i, len(docs))
        ids.append(validate_id(pid))
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise DuplicatePaperError(f"{source}: several papers would get the id {dupes[0]!r}; add them one by one with --id")
    existing = [pid for pid in ids if (root / pid).exists()]
    if existing and not replace:
        raise DuplicatePaperError(f"paper {existing[0]!r} is already in {corpus}; "
                                  "use --replace to overwrite it or --id to choose another id")
    root.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    papers = []
    try:
        for pid, d in zip(ids, docs):
            full = empty_meta(pid) | {k: v for k, v in d.meta.items() if v not in (None, "", [])}
            full |= {k: v for k, v in (meta or {}).items() if v not in (None, "", [])}
            full["id"] = pid
            tmp = Path(tempfile.mkdtemp(prefix=f".{pid}.", dir=root))
            staged.append((tmp, root / pid))
            (tmp / "paper.txt").write_bytes(d.text.encode("utf-8"))
            (tmp / "meta.json").write_text(dump_meta(full), encoding="utf-8")
            if d.source and d.source_name:
                (tmp / d.source_name).write_bytes(d.source)
            papers.append(Paper(pid, d.text, full))
        moved: list[tuple[Path, Path | None]] = []
        try:
            for tmp, target in staged:
                old = None
                if target.exists():
                    old = root / f".{target.name}.old"
                    if old.exists():
                        shutil.rmtree(old)
                    os.replace(target, old)
                moved.append((target, old))   # before the swap: a failed swap still restores the old paper
                os.replace(tmp, target)
        except OSError:
            for target, old in reversed(moved):
                shutil.rmtree(target, ignore_errors=True)
                if old is not None:
                    os.replace(old, target)
            raise
        for _, old in moved:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return papers


def add_paper(corpus: Path, source: Path, paper_id: str | None = None,
              meta: dict | None = None, replace: bool = False, fmt: str | None = None) -> list[Paper]:
    """Read ``source`` (text, PubMed XML, JATS, BioC; detected or ``fmt``) and add its papers.

    Example: ``add_paper(Path("corpus"), Path("case.txt"))`` adds ``corpus/papers/case/``.
    """
    _, docs = read_documents(Path(source), fmt)
    return add_documents(corpus, docs, Path(source), paper_id, meta, replace)
