"""The curation file on disk: read with line numbers (for errors), written atomically, nothing of a curator's lost.

Layout of ``corpus/papers/ID/curation.yaml`` (see README "Curating")::

    paper: ID
    text_sha256: ...
    curators: [{name: Jane Doe, orcid: 0000-0002-1825-0097}]
    subjects: [ {id, status, name, label, kind, age, ..., sentence, evidence}, ... ]
    facts:    [ {id, type, status, subject, <fields>, sentence, evidence}, ... ]
    add:      [ {type, subject | name, <fields>, evidence}, ... ]

YAML comments cannot be kept through a rewrite, so a command that would rewrite a file
holding a curator's comment refuses and says where it is; notes go in a ``note:`` field.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import CorpusError, InputError
from ..ingest.files import harden_yaml_loader, no_alias_dumper, read_side_text
from ..ingest.transaction import writing_into
from .curator import Curator, make_curator

FILE = "curation.yaml"
HEADER = """\
# kg: curation file of one paper; `kg build` applies it, `kg serve` shows it as a review page.
# kg: status: accept | reject | edit (then change the fields); subjects may also be merge (with into: NAME).
# kg: move a fact to another subject with status: edit and subject: NAME (a subject's name or label).
# kg: add subjects and facts under add: (type, subject or name, fields, evidence {start, end, quote}).
# kg: '#' comments are not kept when kg rewrites this file: write notes in a note: field.
"""
LINE = "__line__"
_KEYS = ("paper", "text_sha256", "curators", "subjects", "facts", "add")


class _Loader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping (for error messages)."""


def _mapping(loader, node, deep=False):
    m = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    m[LINE] = node.start_mark.line + 1
    return m


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader = harden_yaml_loader(_Loader)   # the file is untrusted: no aliases (300 bytes for GBs), bounded nesting


def strip_lines(v):
    """``v`` without the line numbers the loader added."""
    if isinstance(v, dict):
        return {k: strip_lines(x) for k, x in v.items() if k != LINE}
    if isinstance(v, list):
        return [strip_lines(x) for x in v]
    return v


def where(path: Path, entry: dict, what: str) -> str:
    """``path:line: what`` for an entry read by this module."""
    line = entry.get(LINE) if isinstance(entry, dict) else None
    head = f"{path}:{line}" if line else f"{path}"
    return f"{head}: {what}" if what else head


@dataclass
class CurationFile:
    """A curation file's content; entries are plain dicts (with their line numbers while loaded)."""

    path: Path
    paper: str = ""
    text_sha256: str = ""
    curators: list[Curator] = field(default_factory=list)
    subjects: list[dict] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    add: list[dict] = field(default_factory=list)
    comment_line: int = 0     # first line of a curator's comment (0: none)
    extra: dict = field(default_factory=dict)   # top-level keys kg does not use, kept as written

    def curator_named(self, name: str) -> Curator | None:
        return next((c for c in self.curators if c.name == name), None)

    def add_curator(self, cur: Curator) -> None:
        """Record ``cur`` among the file's curators (an ORCID given now completes a name known before)."""
        old = self.curator_named(cur.name)
        if old is None:
            self.curators.append(cur)
        elif cur.orcid and old.orcid != cur.orcid:
            self.curators[self.curators.index(old)] = cur


def _list(doc: dict, key: str, path: Path) -> list:
    v = doc.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise CorpusError(where(path, doc, f"'{key}' must be a list of entries"))
    for e in v:
        if not isinstance(e, dict):
            raise CorpusError(f"{path}: every entry of '{key}' is a mapping (found {str(e)[:40]!r})")
    return v


def _comment_line(text: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        s = line.lstrip()
        if s.startswith("#") and not s.startswith("# kg:"):
            return n
    return 0


def load(path: Path) -> CurationFile:
    """Read a curation file; a malformed one is a CorpusError naming the line."""
    path = Path(path)
    try:
        text = read_side_text(path, "curation file")
        doc = yaml.load(text, Loader=_Loader) or {}
    except InputError as e:
        raise CorpusError(str(e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise CorpusError(f"{path}:{mark.line + 1}:{mark.column + 1}: malformed curation file ({e.problem}); "
                          "fix the YAML (a curator's decisions are never discarded for you)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: malformed curation file ({e})") from None
    if not isinstance(doc, dict):
        raise CorpusError(f"{path}:1: a curation file is a mapping with subjects, facts and add")
    curators = []
    for c in _list(doc, "curators", path):
        cur = make_curator(str(c.get("name") or ""), c.get("orcid"), where(path, c, "curator"))
        if cur is None:
            raise CorpusError(where(path, c, "a curator needs a name"))
        curators.append(cur)
    subjects = _list(doc, "subjects", path)
    facts = []
    for e in _list(doc, "facts", path):   # files of before issue #15 listed subjects among the facts
        (subjects if e.get("type") == "subject" else facts).append(e)
    extra = {k: v for k, v in doc.items() if k not in _KEYS and k != LINE and k != "help"}   # help: kg's, before #15
    return CurationFile(path, str(doc.get("paper") or ""), str(doc.get("text_sha256") or ""), curators,
                        subjects, facts, _list(doc, "add", path), _comment_line(text), strip_lines(extra))


def _ordered(e: dict) -> dict:
    """An entry with its keys in reading order: what it is, the decision, the values, then the anchor."""
    first = ("id", "type", "status", "stale", "note", "by", "into", "subject", "name")
    last = ("sentence", "evidence")
    e = strip_lines(e)
    out = {k: e[k] for k in first if k in e}
    out.update({k: v for k, v in e.items() if k not in out and k not in last})
    out.update({k: e[k] for k in last if k in e})
    return out


def save(cf: CurationFile) -> None:
    """Write the file atomically; refuses when that would lose a curator's YAML comment."""
    if cf.comment_line:
        raise CorpusError(f"{cf.path}:{cf.comment_line}: this curation file has a '#' comment that rewriting "
                          "it would lose; move the comment into a note: field of its entry, then try again")
    doc = {"paper": cf.paper, "text_sha256": cf.text_sha256,
           "curators": [c.to_yaml() for c in cf.curators],
           "subjects": [_ordered(e) for e in cf.subjects],
           "facts": [_ordered(e) for e in cf.facts],
           "add": [_ordered(e) for e in cf.add]} | cf.extra
    body = yaml.dump(doc, Dumper=no_alias_dumper(), sort_keys=False, allow_unicode=True, width=100)
    tmp = cf.path.with_name(f".{cf.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with writing_into(cf.path.parent):   # not while `kg add --replace` swaps the paper's folder
        tmp.write_text(HEADER + body, encoding="utf-8")
        tmp.replace(cf.path)
