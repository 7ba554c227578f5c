"""`kg add --pmid N` / `--pmcid PMCN`: a paper fetched from NCBI, full text when it is open access.

PubMed XML comes from E-utilities ``efetch`` (``db=pubmed``); when the article is in PMC, its
JATS full text comes from ``efetch`` (``db=pmc``), or else its BioC XML from the BioC API for
the PMC open-access subset. An article whose full text PMC may not give out is added as its
PubMed abstract, and the command says so. The base URLs default to NCBI's and can be set
(``--eutils-url``, ``--bioc-url``; tests serve their own files). Everything fetched is read by
the same readers as a downloaded file (defusedxml: no entities, no external fetches).
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from .readers import Document, read_bioc_xml, read_jats, read_pubmed

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
BIOC = "https://www.ncbi.nlm.nih.gov/research/bionlp/RESTful/pmcoa.cgi"
MAX_BYTES = 50_000_000
TOOL = "icans-kg"


@dataclass(frozen=True)
class Sources:
    """Where to fetch from, and how long to wait for an answer."""

    eutils: str = EUTILS
    bioc: str = BIOC
    timeout: float = 60.0


@dataclass(frozen=True)
class Fetched:
    """A fetched paper and what the command should tell about it (abstract only, from where)."""

    doc: Document
    label: str          # "PMID 123" / "PMC456": names the paper in messages and its default id
    note: str


def check_pmid(value: str) -> str:
    v = str(value).strip()
    if not re.fullmatch(r"\d{1,9}", v):
        raise InputError(f"--pmid {value!r}: a PMID is a number of 1 to 9 digits, e.g. 35896259")
    return v.lstrip("0") or "0"


def check_pmcid(value: str) -> str:
    v = str(value).strip().upper()
    if not re.fullmatch(r"(PMC)?\d{1,9}", v):
        raise InputError(f"--pmcid {value!r}: a PMCID is PMC followed by digits, e.g. PMC9310384")
    return v if v.startswith("PMC") else "PMC" + v


def _get(url: str, what: str, timeout: float) -> bytes | None:
    """The body at ``url``; None on HTTP 404 (not there), a clear InputError on any other failure."""
    import urllib.error   # loaded when fetching, not with the command line (ssl, http.client)
    import urllib.request
    req = urllib.request.Request(url, headers={"User-Agent": f"{TOOL} (https://w3id.org/icans-kg)"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        if e.code in (400, 404):
            return None
        raise InputError(f"{what}: the server answered HTTP {e.code} ({e.reason}) for {url}; "
                         "try again later (NCBI limits requests to 3 a second)") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise InputError(f"{what}: cannot reach {urllib.parse.urlsplit(url).netloc} ({reason}); "
                         "check the network, or point --eutils-url/--bioc-url at a mirror") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{what}: the answer from {url} is over {MAX_BYTES} bytes; refused")
    return data


def _efetch(src: Sources, db: str, ident: str) -> str:
    q = urllib.parse.urlencode({"db": db, "id": ident, "retmode": "xml", "tool": TOOL})
    return f"{src.eutils.rstrip('/')}/efetch.fcgi?{q}"


def _has_body(jats: bytes) -> bool:
    return re.search(rb"<body[\s>]", jats) is not None


def _pmc_full_text(pmcid: str, src: Sources) -> tuple[Document | None, str]:
    """(document, where from) of PMC's open-access full text: JATS, else BioC; (None, '') when closed."""
    url = _efetch(src, "pmc", pmcid.removeprefix("PMC"))
    jats = _get(url, pmcid, src.timeout)
    if jats and re.search(rb"<error[\s>]", jats[:2000]) is None and re.search(rb"<article[\s>]", jats):
        if _has_body(jats):
            (doc,) = read_jats(Path(f"{pmcid} (efetch db=pmc)"), jats)
            return replace(doc, source=jats, source_name="source.xml"), "PMC JATS"
    url = f"{src.bioc.rstrip('/')}/BioC_xml/{pmcid}/unicode"
    bioc = _get(url, pmcid, src.timeout)
    if bioc and bioc.lstrip().startswith(b"<") and b"<document" in bioc:
        docs = read_bioc_xml(Path(f"{pmcid} (BioC)"), bioc)
        if docs and docs[0].text.strip():
            return replace(docs[0], source=bioc, source_name="source.xml"), "PMC BioC"
    return None, ""


def _merge(full: Document, abstract: Document | None) -> Document:
    """The full text with PubMed's metadata filling what it lacks."""
    if abstract is None:
        return full
    meta = dict(full.meta)
    for k, v in abstract.meta.items():
        if v not in (None, "", []) and meta.get(k) in (None, "", []):
            meta[k] = v
    return replace(full, meta=meta)


def fetch_pmid(pmid: str, src: Sources = Sources()) -> Fetched:
    """A paper by PMID: PMC's full text when it is open access, else the PubMed abstract."""
    pmid = check_pmid(pmid)
    label = f"PMID {pmid}"
    url = _efetch(src, "pubmed", pmid)
    data = _get(url, label, src.timeout)
    missing = InputError(f"{label}: PubMed has no such article; check the number")
    if data is None:
        raise missing
    if not data.lstrip().startswith(b"<"):
        raise InputError(f"{label}: {url} did not answer with XML; check --eutils-url")
    try:
        docs = read_pubmed(Path(f"{label} (efetch)"), data)   # malformed XML: its own error with the line
    except InputError as e:
        if "no PubmedArticle" in str(e):   # efetch answers an unknown PMID with an empty set or an ERROR
            raise missing from None
        raise
    abstract = replace(docs[0], source=data, source_name="source.xml")
    pmcid = str(abstract.meta.get("pmcid") or "")
    if pmcid:
        full, how = _pmc_full_text(check_pmcid(pmcid), src)
        if full is not None:
            meta = dict(full.meta)
            meta["pmid"] = pmid
            return Fetched(_merge(replace(full, meta=meta), abstract), label, f"full text from {how} ({pmcid})")
        return Fetched(abstract, label, f"{pmcid} is not open access: added the PubMed abstract only")
    return Fetched(abstract, label, "not in PMC: added the PubMed abstract only")


def fetch_pmcid(pmcid: str, src: Sources = Sources()) -> Fetched:
    """A paper by PMCID: its open-access full text (JATS, else BioC), or a clear error."""
    pmcid = check_pmcid(pmcid)
    full, how = _pmc_full_text(pmcid, src)
    if full is None:
        raise InputError(f"{pmcid}: no open-access full text (not in the PMC open-access subset, or no such "
                         "article); `kg add --pmid N` adds its PubMed abstract")
    meta = dict(full.meta)
    meta["pmcid"] = meta.get("pmcid") or pmcid.removeprefix("PMC")
    return Fetched(replace(full, meta=meta), pmcid, f"full text from {how}")


def add_fetched(corpus: Path, pmid: str | None = None, pmcid: str | None = None, paper_id: str | None = None,
                meta: dict | None = None, replace_existing: bool = False, src: Sources = Sources()):
    """Fetch a paper by PMID or PMCID and add it to the corpus; returns (papers, note)."""
    from .corpus import add_documents

    if bool(pmid) == bool(pmcid):
        raise InputError("give --pmid N or --pmcid PMCN (one of them) to fetch a paper, or a PATH to add a file")
    fetched = fetch_pmid(pmid, src) if pmid else fetch_pmcid(pmcid, src)
    source = Path(fetched.label.replace("PMID ", "pmid").lower())
    papers = add_documents(corpus, [fetched.doc], source, paper_id, meta, replace_existing)
    return papers, fetched.note
