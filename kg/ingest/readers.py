"""Input formats for `kg add`: plain text, PubMed XML, JATS/PMC XML, BioC XML and BioC JSON.

Each reader turns a file into ``Document`` records: the paper text (what is annotated
and what offsets refer to) and metadata, including the numbered reference list. Formats
are detected by content; ``--format`` overrides. XML is parsed with defusedxml (paper
files are untrusted: no entity expansion, no external fetches).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from defusedxml import ElementTree as ET
from defusedxml.common import DefusedXmlException

from ..errors import InputError
from .files import read_input_bytes, read_text_file

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
_PMID = re.compile(r"\bPMID:?\s*(\d{5,9})\b")
_REF_LINE = re.compile(r"^\s*\[?(\d{1,3})[.\])]\s+(.+)$")


@dataclass(frozen=True)
class Document:
    """One paper read from an input file: its text, metadata and the original bytes to keep beside it."""

    text: str
    meta: dict = field(default_factory=dict)
    source: bytes = b""       # the input file when it is not plain text (kept as source.xml/json)
    source_name: str = ""


def _norm_space(s: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", s or "").strip()


def _itertext(el) -> str:
    return _norm_space("".join(el.itertext())) if el is not None else ""


def _year(s: str) -> int | None:
    m = re.search(r"\b(19|20)\d{2}\b", s or "")
    return int(m.group()) if m else None


def parse_reference_text(n: int, text: str) -> dict:
    """A numbered reference as {n, title, doi, pmid} (title: the sentence after the authors)."""
    doi = _DOI.search(text)
    pmid = _PMID.search(text)
    # Vancouver style: "Authors Initials. Title. Journal. Year" (authors end with an initial)
    parts = [p.strip() for p in re.split(r"(?<=[A-Za-z0-9)\]])\.\s+(?=[A-Z0-9])", text) if p.strip()]
    title = parts[1] if len(parts) > 2 else (parts[0] if parts else "")
    return {"n": n, "title": title.rstrip("."), "doi": doi.group(1) if doi else "",
            "pmid": pmid.group(1) if pmid else ""}


def references_from_text(text: str) -> list[dict]:
    """Numbered references of a plain-text 'References' section."""
    m = re.search(r"(?im)^\s*(?:references|bibliography|literature cited)\s*:?\s*$", text)
    if not m:
        return []
    refs, cur = [], None
    for line in text[m.end():].splitlines():
        lm = _REF_LINE.match(line)
        if lm:
            if cur:
                refs.append(cur)
            cur = [int(lm.group(1)), lm.group(2).strip()]
        elif cur and line.strip():
            cur[1] += " " + line.strip()
    if cur:
        refs.append(cur)
    return [parse_reference_text(n, t) for n, t in refs]


# ---- plain text

def read_text(path: Path, data: bytes) -> list[Document]:
    text = read_text_file(path)
    return [Document(text, {"references": references_from_text(text)})]


# ---- XML helpers

MAX_DEPTH = 200   # elements (or JSON arrays/objects) nested deeper are no article: refused, not recursed into


def _too_deep_xml(root) -> bool:
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in el)
    return False


def _xml(path: Path, data: bytes):
    try:
        root = ET.fromstring(data)
        if _too_deep_xml(root):
            raise InputError(f"{path}: XML nested more than {MAX_DEPTH} elements deep; not an article this reader takes")
        return root
    except DefusedXmlException as e:
        raise InputError(f"{path}: refused XML ({type(e).__name__}); entity declarations are not allowed") from None
    except ET.ParseError as e:
        line, col = e.position
        raise InputError(f"{path}:{line}:{col}: malformed XML ({str(e).split(':')[0]}); "
                         "check the file is complete (a download may have been cut short)") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el, path: str):
    return el.find(path) if el is not None else None


# ---- PubMed (efetch PubmedArticleSet)

def _pubmed_article(art) -> Document:
    cit = art.find("MedlineCitation")
    article = cit.find("Article")
    title = _itertext(article.find("ArticleTitle"))
    parts = []
    for ab in article.findall("Abstract/AbstractText"):
        label = ab.get("Label")
        body = _itertext(ab)
        parts.append(f"{label.capitalize() if label.isupper() else label}: {body}" if label else body)
    ids = {a.get("IdType"): _itertext(a) for a in art.findall("PubmedData/ArticleIdList/ArticleId")}
    doi = next((_itertext(e) for e in article.findall("ELocationID") if e.get("EIdType") == "doi"), "") or ids.get("doi", "")
    pub = article.find("Journal/JournalIssue/PubDate")
    year = _year(_itertext(pub.find("Year")) or _itertext(pub.find("MedlineDate"))) if pub is not None else None
    authors = []
    for a in article.findall("AuthorList/Author"):
        name = " ".join(x for x in (_itertext(a.find("LastName")), _itertext(a.find("Initials"))) if x) \
            or _itertext(a.find("CollectiveName"))
        if name:
            authors.append(name)
    refs = []
    for i, ref in enumerate(art.findall("PubmedData/ReferenceList/Reference"), 1):
        rid = {x.get("IdType"): _itertext(x) for x in ref.findall("ArticleIdList/ArticleId")}
        r = parse_reference_text(i, _itertext(ref.find("Citation")))
        r["doi"] = rid.get("doi", r["doi"])
        r["pmid"] = rid.get("pubmed", r["pmid"])
        refs.append(r)
    text = title + "\n\nAbstract\n" + "\n".join(parts) + "\n"
    meta = {"title": title, "journal": _itertext(article.find("Journal/Title")), "year": year, "doi": doi,
            "pmid": _itertext(cit.find("PMID")), "pmcid": ids.get("pmc", ""), "authors": authors, "references": refs}
    return Document(text, meta)


def read_pubmed(path: Path, data: bytes) -> list[Document]:
    root = _xml(path, data)
    arts = [root] if _local(root.tag) == "PubmedArticle" else root.findall("PubmedArticle")
    if not arts:
        raise InputError(f"{path}: a PubmedArticleSet with no PubmedArticle; nothing to add")
    try:
        return [_pubmed_article(a) for a in arts]
    except AttributeError:
        raise InputError(f"{path}: a PubmedArticle lacks MedlineCitation/Article; is the file complete?") from None


# ---- JATS / PMC

def _jats_section(sec, depth: int, out: list[str]) -> None:
    title = sec.find("title")
    if title is not None and _itertext(title):
        out.append(_itertext(title))
    for child in sec:
        tag = _local(child.tag)
        if tag == "p":
            out.append(_itertext(child))
        elif tag == "sec":
            _jats_section(child, depth + 1, out)


def read_jats(path: Path, data: bytes) -> list[Document]:
    root = _xml(path, data)
    if _local(root.tag) == "pmc-articleset":   # what efetch db=pmc answers: the article inside a set
        root = next((a for a in root if _local(a.tag) == "article"), root)
    front = root.find("front/article-meta")
    if front is None:
        raise InputError(f"{path}: JATS article without front/article-meta; is the file complete?")
    title = _itertext(front.find("title-group/article-title"))
    blocks = [title, ""]
    abstract = front.find("abstract")
    if abstract is not None:
        blocks.append("Abstract")
        paras = [_itertext(p) for p in abstract.iter() if _local(p.tag) == "p"]
        blocks.append("\n".join(paras) if paras else _itertext(abstract))
        blocks.append("")
    body = root.find("body")
    if body is not None:
        for child in body:
            chunk: list[str] = []
            if _local(child.tag) == "sec":
                _jats_section(child, 0, chunk)
            elif _local(child.tag) == "p":
                chunk.append(_itertext(child))
            if chunk:
                blocks.append("\n\n".join(chunk))
                blocks.append("")
    ids = {a.get("pub-id-type"): _itertext(a) for a in front.findall("article-id")}
    refs = []
    for i, ref in enumerate(root.findall("back/ref-list/ref"), 1):
        label = _itertext(ref.find("label"))
        n = int(re.sub(r"\D", "", label)) if re.search(r"\d", label) else i
        cit = ref.find("element-citation") or ref.find("mixed-citation") or ref.find("citation")
        pub = {p.get("pub-id-type"): _itertext(p) for p in ref.iter() if _local(p.tag) == "pub-id"}
        r = parse_reference_text(n, _itertext(cit))
        t = _itertext(_find(cit, "article-title"))
        refs.append({"n": n, "title": t or r["title"], "doi": pub.get("doi", r["doi"]), "pmid": pub.get("pmid", r["pmid"])})
    authors = []
    for c in front.findall("contrib-group/contrib"):
        if c.get("contrib-type", "author") == "author":
            name = " ".join(x for x in (_itertext(c.find("name/surname")), _itertext(c.find("name/given-names"))) if x)
            if name:
                authors.append(name)
    year = _year(_itertext(front.find("pub-date/year")))
    meta = {"title": title, "journal": _itertext(root.find("front/journal-meta/journal-title-group/journal-title")),
            "year": year, "doi": ids.get("doi", ""), "pmid": ids.get("pmid", ""),
            "pmcid": ids.get("pmc", "") or ids.get("pmcid", ""), "authors": authors, "references": refs}
    text = "\n".join(blocks).strip() + "\n"
    return [Document(text, meta)]


# ---- BioC (XML and JSON, as PubTator exports)

def _bioc_document(doc_id: str, infons: dict, passages: list[tuple[dict, str]]) -> Document:
    blocks, refs, title = [], [], ""
    last_section = None
    for info, text in passages:
        kind = (info.get("type") or "").lower()
        section = (info.get("section_type") or "").upper()
        text = _norm_space(text)
        if not text:
            continue
        if kind in ("ref",) or section == "REF":
            refs.append(parse_reference_text(len(refs) + 1, text))
            continue
        if kind == "front" or (kind == "title" and not title):
            title = title or text
            blocks += [text, ""]
            continue
        if kind.startswith("title") or kind in ("abstract_title_1",):
            blocks += [text]
            last_section = section
            continue
        if section and section != last_section and section not in ("TITLE",):
            heading = {"ABSTRACT": "Abstract", "INTRO": "Introduction", "CASE": "Case presentation",
                       "METHODS": "Methods", "RESULTS": "Results", "DISCUSS": "Discussion",
                       "CONCL": "Conclusion"}.get(section)
            if heading:
                blocks.append(heading)
            last_section = section
        blocks += [text, ""]
    pmid = infons.get("article-id_pmid") or (doc_id if doc_id.isdigit() else "")
    meta = {"title": title, "pmid": pmid, "pmcid": infons.get("article-id_pmc", ""),
            "doi": infons.get("article-id_doi", ""), "year": _year(infons.get("year", "")),
            "journal": infons.get("journal", ""), "references": refs}
    return Document("\n".join(blocks).strip() + "\n", meta)


def read_bioc_xml(path: Path, data: bytes) -> list[Document]:
    root = _xml(path, data)
    docs = []
    for d in root.iter("document"):
        passages = []
        for p in d.findall("passage"):
            info = {i.get("key"): _itertext(i) for i in p.findall("infon")}
            passages.append((info, _itertext(p.find("text"))))
        info = {}
        for p in d.findall("passage"):
            info.update({i.get("key"): _itertext(i) for i in p.findall("infon")})
        docs.append(_bioc_document(_itertext(d.find("id")), info, passages))
    if not docs:
        raise InputError(f"{path}: a BioC collection with no document; nothing to add")
    return docs


def _json_depth_ok(data: bytes) -> bool:
    """Brackets nested at most MAX_DEPTH deep (counted outside strings), before json.loads recurses."""
    depth = 0
    for m in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', data):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif tok in (b"]", b"}"):
            depth -= 1
    return True


def _load_json(path: Path, data: bytes, what: str):
    if not _json_depth_ok(data):
        raise InputError(f"{path}: JSON nested more than {MAX_DEPTH} levels deep; not a {what} file")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f":{e.lineno}:{e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        raise InputError(f"{path}{where}: malformed {what} ({e}); check the file is complete") from None


def _typed(value, kind, where: str, path: Path):
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InputError(f"{path}: {where} is {type(value).__name__}, expected {kind.__name__} (BioC JSON); "
                         "is it a PubTator/BioC export?")
    return value


def read_bioc_json(path: Path, data: bytes) -> list[Document]:
    obj = _load_json(path, data, "BioC JSON")
    collections = obj if isinstance(obj, list) else [obj]
    docs = []
    for ci, c in enumerate(collections):
        if not isinstance(c, dict):
            continue
        for di, d in enumerate(_typed(c.get("documents"), list, f"collection {ci} 'documents'", path)):
            here = f"documents[{di}]"
            d = _typed(d, dict, here, path)
            passages, info = [], {}
            for pi, p in enumerate(_typed(d.get("passages"), list, f"{here}.passages", path)):
                p = _typed(p, dict, f"{here}.passages[{pi}]", path)
                infons = _typed(p.get("infons"), dict, f"{here}.passages[{pi}].infons", path)
                infons = {str(k): "" if v is None else str(v) for k, v in infons.items()}
                passages.append((infons, _typed(p.get("text"), str, f"{here}.passages[{pi}].text", path)))
                info.update(infons)
            docs.append(_bioc_document(str(d.get("id", "")), info, passages))
    if not docs:
        raise InputError(f"{path}: no BioC documents in this JSON; is it a PubTator/BioC export?")
    return docs


READERS: dict[str, Callable[[Path, bytes], list[Document]]] = {
    "text": read_text, "pubmed": read_pubmed, "jats": read_jats, "bioc": read_bioc_xml, "bioc-json": read_bioc_json,
}

SOURCE_NAMES = {"pubmed": "source.xml", "jats": "source.xml", "bioc": "source.xml", "bioc-json": "source.json"}


def detect_format(path: Path, data: bytes) -> str:
    """The reader name for ``data``, by content."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        probe = head.decode("utf-8", "replace")
        if "<PubmedArticle" in probe:
            return "pubmed"
        if re.search(r"<collection[\s>]", probe) and "<document" in data[:200_000].decode("utf-8", "replace"):
            return "bioc"
        if re.search(r"<article[\s>]", probe) or "JATS" in probe:
            return "jats"
        if re.search(r"<(?:collection|document)[\s>]", probe):
            return "bioc"
        raise InputError(f"{path}: XML of an unknown kind; supported are PubMed XML, JATS/PMC and BioC "
                         "(or give --format)")
    if head.startswith((b"{", b"[")) and (b'"documents"' in data[:200_000] or b'"passages"' in data[:200_000]):
        return "bioc-json"
    if head.startswith((b"{", b"[")) and _is_json(data):
        raise InputError(f"{path}: JSON, but not BioC JSON (no 'documents' with 'passages'); supported are BioC JSON, "
                         "PubMed/JATS/BioC XML and plain text (give --format text to add it as text anyway)")
    return "text"


def _is_json(data: bytes) -> bool:
    if not _json_depth_ok(data):
        return True   # deeply nested brackets: JSON or not, no paper text
    try:
        json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def read_documents(path: Path, fmt: str | None = None) -> tuple[str, list[Document]]:
    """Read ``path`` with the reader for ``fmt`` (detected when None)."""
    path = Path(path)
    data = read_input_bytes(path)
    if fmt is not None and fmt not in READERS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(READERS)}")
    name = fmt or detect_format(path, data)
    try:
        docs = READERS[name](path, data)
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to read; not an article this reader takes") from None
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as e:   # an unexpected structure
        raise InputError(f"{path}: cannot read it as {name} ({type(e).__name__}: {e}); "
                         "is the file complete and of that format? (--format chooses another)") from None
    for d in docs:
        if not d.text.strip():
            raise InputError(f"{path}: the {name} file has no text to annotate")
    if name == "text":
        return name, docs
    return name, [replace(d, source=data, source_name=SOURCE_NAMES[name]) for d in docs]
