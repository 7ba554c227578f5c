"""The curator's word on duplicate links: ``corpus/links.yaml``, written by `kg links`, read by `kg build`.

Each entry names two reports as ``PAPER/SUBJECT`` (``pmid123/case-1``; a whole paper as
``PAPER``) with ``status``: ``proposed`` (kg's link, counted as the same patients until a
curator decides), ``confirmed`` or ``rejected``. A curator may add an entry kg did not
propose (``status: confirmed``). This file is apart from the per-paper ``curation.yaml``
because a link joins two papers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote

import yaml

from ..errors import CorpusError, InputError
from ..ingest.files import harden_yaml_loader, read_side_text
from ..graph.iris import ID, paper_iri
from .duplicates import KINDS, STATUSES, Link

FILE = "links.yaml"
_ALIASES = {"confirm": "confirmed", "reject": "rejected", "accept": "confirmed"}
HELP = ("Duplicate reports of the same patients, found by kg build. Set status to confirmed or rejected "
        "(proposed links count as the same patients until you decide). Add a link kg missed with a, b, "
        "kind (same_patient, same_cohort, same_study, cited_paper) and status: confirmed.")


@dataclass(frozen=True)
class Decision:
    a: str          # IRIs
    b: str
    status: str
    kind: str
    note: str
    where: str      # file:line, for messages


def links_path(corpus: Path) -> Path:
    return Path(corpus) / FILE


def name_of(iri: str) -> str:
    """``https://.../paper/X/subject/case-1`` -> ``X/case-1``; a paper IRI -> ``X``."""
    rest = iri[len(ID + "paper/"):]
    paper, _, key = rest.partition("/subject/")
    return unquote(paper) + (f"/{unquote(key)}" if key else "")


def iri_of(name: str) -> str:
    paper, _, key = name.partition("/")
    return f"{paper_iri(paper)}/subject/{quote(key, safe='')}" if key else paper_iri(paper)


# the links file is untrusted like a curation file: no alias bombs, bounded nesting
_Loader = harden_yaml_loader(yaml.SafeLoader)


def _lines(path: Path, text: str) -> list[int]:
    """The line of each entry of ``links`` (for messages that name it)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return []
    for k, v in getattr(node, "value", []) if isinstance(node, yaml.MappingNode) else []:
        if k.value == "links" and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def load_decisions(corpus: Path) -> list[Decision]:
    """The curator's decisions, or [] when there is no links file."""
    path = links_path(corpus)
    if not path.exists():
        return []
    try:
        text = read_side_text(path, "links file")
        doc = yaml.load(text, Loader=_Loader) or {}
    except InputError as e:
        raise CorpusError(str(e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise CorpusError(f"{path}:{mark.line + 1}:{mark.column + 1}: malformed links file ({e.problem}); "
                          "fix the YAML or delete the file and run `kg links` again") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: malformed links file ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("links", []), list):
        raise CorpusError(f"{path}:1: a links file is a mapping with a list under 'links'")
    lines = _lines(path, text)
    out = []
    for i, entry in enumerate(doc.get("links") or []):
        where = f"{path}:{lines[i] if i < len(lines) else 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("a"), str) or not isinstance(entry.get("b"), str):
            raise CorpusError(f"{where}: a link needs a and b, each PAPER/SUBJECT (e.g. pmid123/case-1) or PAPER")
        status = _ALIASES.get(str(entry.get("status", "proposed")), str(entry.get("status", "proposed")))
        if status not in STATUSES:
            raise CorpusError(f"{where}: status {entry.get('status')!r}; use proposed, confirmed or rejected")
        kind = str(entry.get("kind") or ("cited_paper" if "/" not in entry["b"] else "same_patient"))
        if kind not in KINDS:
            raise CorpusError(f"{where}: kind {kind!r}; use one of {', '.join(KINDS)}")
        out.append(Decision(iri_of(entry["a"]), iri_of(entry["b"]), status, kind, str(entry.get("note") or ""), where))
    return out


def apply_decisions(links: list[Link], decisions: list[Decision], known: set[str]) -> tuple[list[Link], list[str]]:
    """``links`` with the curator's statuses, plus the links the curator added; and warnings for stale entries."""
    by_pair = {frozenset((d.a, d.b)): d for d in decisions}
    out, seen = [], set()
    for link in links:
        d = by_pair.get(frozenset((link.a, link.b)))
        seen.add(frozenset((link.a, link.b)))
        out.append(replace(link, status=d.status, note=d.note) if d else link)
    warnings = []
    for pair, d in sorted(by_pair.items(), key=lambda kv: kv[1].where):
        if pair in seen:
            continue
        if d.a not in known or d.b not in known:
            warnings.append(f"{d.where}: link {name_of(d.a)} - {name_of(d.b)} names a report that is not in the "
                            "corpus any more; fix or delete the entry")
        elif d.status == "confirmed":
            out.append(Link(d.a, d.b, d.kind, 0.0, ("confirmed by a curator",), "confirmed", d.note))
        elif d.status == "proposed":
            warnings.append(f"{d.where}: kg no longer proposes link {name_of(d.a)} - {name_of(d.b)}; "
                            "set status: confirmed to keep it or delete the entry")
    return sorted(out, key=lambda l: (l.a, l.b)), warnings


def write_links_file(corpus: Path, links: list[Link]) -> Path:
    """Write ``corpus/links.yaml``: every link with its evidence and status; the decisions already in the file win,
    and an entry of the curator's that ``links`` lacks is kept as it is."""
    path = links_path(corpus)
    decided = {frozenset((d.a, d.b)): d for d in load_decisions(corpus)}
    merged = []
    for link in links:
        d = decided.pop(frozenset((link.a, link.b)), None)
        merged.append(replace(link, status=d.status, note=d.note or link.note) if d else link)
    merged += [Link(d.a, d.b, d.kind, 0.0, ("confirmed by a curator",) if d.status == "confirmed" else (), d.status,
                    d.note) for d in decided.values()]
    links = sorted(merged, key=lambda l: (l.a, l.b))
    entries = [{"a": name_of(l.a), "b": name_of(l.b), "kind": l.kind, "status": l.status,
                "evidence": list(l.evidence), **({"note": l.note} if l.note else {})} for l in links]
    doc = {"help": HELP, "links": entries}
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    tmp.replace(path)
    return path
