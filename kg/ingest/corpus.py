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
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError, DuplicatePaperError, InputError, KgError, PaperIdError
from . import transaction
from .files import read_text_file
from .readers import Document, read_documents

META_FIELDS = ("id", "title", "year", "doi", "pmid", "pmcid", "journal", "publisher",
               "authors", "references")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# The annotator's limit: spaCy's default nlp.max_length (its memory grows with the text; a
# paper is ~20,000-150,000 characters). tests/test_hostile_build.py pins it to get_nlp().
MAX_CHARS = 1_000_000


def check_length(text: str, where: str) -> None:
    """Refuse a text the annotator can never take (over MAX_CHARS)."""
    if len(text) > MAX_CHARS:
        raise InputError(f"{where}: {len(text):,} characters; the annotator takes at most {MAX_CHARS:,} a paper "
                         "(spaCy's limit); split it or leave out supplementary material")


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
    """One paper of the corpus (a corpus write cut short is finished first)."""
    transaction.ready(papers_dir(corpus))
    return _load_paper(corpus, paper_id)


def _load_paper(corpus: Path, paper_id: str) -> Paper:
    folder = papers_dir(corpus) / validate_id(paper_id)
    text = read_text_file(folder / "paper.txt")
    meta_path = folder / "meta.json"
    meta = load_meta(meta_path) if meta_path.exists() else {}
    return Paper(paper_id, text, empty_meta(paper_id) | meta)


def load_corpus(corpus: Path, problems: dict[str, str] | None = None) -> list[Paper]:
    """Every paper of the corpus, sorted by id.

    With ``problems``, a paper that cannot be read is left out and its error kept there by id
    (a build skips it); without, the first such error is raised.
    """
    if not Path(corpus).is_dir():
        raise CorpusError(f"{corpus}: no corpus folder here; create one with `kg add PATH --corpus {corpus}`")
    transaction.ready(papers_dir(corpus))
    papers = []
    for pid in paper_ids(corpus):
        try:
            papers.append(_load_paper(corpus, pid))
        except KgError as e:
            if problems is None:
                raise
            problems[pid] = str(e)
    return papers


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


ADD_WRITES = ("paper.txt", "meta.json", "source.xml", "source.json")   # what `kg add` writes; the rest is the curator's


@dataclass(frozen=True)
class Added(Paper):
    """A paper just added; ``kept`` names the curator files carried over from the version it replaced."""

    kept: tuple[str, ...] = ()
    replaced: bool = False
    text_changed: bool = False


def add_documents(corpus: Path, docs: list[Document], source: Path, paper_id: str | None = None,
                  meta: dict | None = None, replace: bool = False) -> list[Added]:
    """Add every document read from ``source``: all of them or none, even if the process is killed midway.

    ``replace`` swaps in the new text and metadata of papers already there and keeps their
    curator files (curation.yaml, mentions.ann, anything ``kg add`` did not write).
    """
    root = papers_dir(corpus)
    ids = []
    for i, d in enumerate(docs, 1):
        if paper_id is not None:
            pid = paper_id if len(docs) == 1 else f"{paper_id}-{i}"
        else:
            pid = default_id(d.meta, Path(source), i, len(docs))
        ids.append(validate_id(pid))
        check_length(d.text, f"{source}" + (f" (article {i}, {pid})" if len(docs) > 1 else ""))
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise DuplicatePaperError(f"{source}: several papers would get the id {dupes[0]!r}; add them one by one with --id")
    with transaction.locked(root):
        transaction.recover(root)
        existing = [pid for pid in ids if (root / pid).exists()]
        if existing and not replace:
            raise DuplicatePaperError(f"paper {existing[0]!r} is already in {corpus}; "
                                      "use --replace to overwrite it or --id to choose another id")
        staged = transaction.stage(root)
        try:
            papers = [_stage_paper(staged / pid, root / pid, pid, d, meta) for pid, d in zip(ids, docs)]
            transaction.commit(root, staged, ids)
        finally:
            shutil.rmtree(staged, ignore_errors=True)   # gone after a commit; a failed staging leaves nothing
    return papers


def _stage_paper(folder: Path, current: Path, pid: str, d: Document, meta: dict | None) -> Added:
    full = empty_meta(pid) | {k: v for k, v in d.meta.items() if v not in (None, "", [])}
    full |= {k: v for k, v in (meta or {}).items() if v not in (None, "", [])}
    full["id"] = pid
    folder.mkdir()
    data = d.text.encode("utf-8")
    (folder / "paper.txt").write_bytes(data)
    (folder / "meta.json").write_text(dump_meta(full), encoding="utf-8")
    if d.source and d.source_name:
        (folder / d.source_name).write_bytes(d.source)
    kept, changed = [], False
    if current.is_dir():
        try:
            changed = (current / "paper.txt").read_bytes() != data
        except OSError:
            changed = True
        for f in sorted(current.iterdir()):
            if f.is_file() and f.name not in ADD_WRITES and not f.name.endswith(".tmp"):
                shutil.copy2(f, folder / f.name)
                kept.append(f.name)
    return Added(pid, d.text, full, tuple(kept), current.is_dir(), changed)


def add_paper(corpus: Path, source: Path, paper_id: str | None = None,
              meta: dict | None = None, replace: bool = False, fmt: str | None = None) -> list[Added]:
    """Read ``source`` (text, PubMed XML, JATS, BioC; detected or ``fmt``) and add its papers.

    Example: ``add_paper(Path("corpus"), Path("case.txt"))`` adds ``corpus/papers/case/``.
    """
    _, docs = read_documents(Path(source), fmt)
    return add_documents(corpus, docs, Path(source), paper_id, meta, replace)
