"""Who curates: a name and an optional ORCID iD, from the command line, the curation file or a config file.

The config file is TOML at ``$KG_CONFIG`` or ``~/.config/icans-kg/config.toml``::

    [curator]
    name = "Jane Doe"
    orcid = "0000-0002-1825-0097"
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, InputError

ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@dataclass(frozen=True)
class Curator:
    """A curator: the name decisions are signed with, and their ORCID iD (``0000-0002-1825-0097``) if given."""

    name: str
    orcid: str = ""

    def to_yaml(self) -> dict:
        return {"name": self.name, "orcid": self.orcid} if self.orcid else {"name": self.name}


def _orcid_checksum_ok(digits: str) -> bool:
    """ISO 7064 11-2, as ORCID computes its last character."""
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def check_orcid(value: str, where: str) -> str:
    """The bare ORCID iD of ``value`` (an iD or its https://orcid.org/ URL), or a clear error."""
    m = ORCID.match(str(value).strip())
    if not m or not _orcid_checksum_ok(m.group(1).replace("-", "")):
        raise InputError(f"{where}: {value!r} is not a valid ORCID iD; write it as 0000-0002-1825-0097 "
                         "(16 characters, the last one a check digit)")
    return m.group(1)


def make_curator(name: str | None, orcid: str | None = None, where: str = "--curator") -> Curator | None:
    """A checked Curator, or None when no name is given (an ORCID without a name is an error)."""
    name = (name or "").strip()
    if not name:
        if orcid:
            raise InputError(f"{where}: an ORCID iD needs a curator name too (--curator NAME --orcid ID)")
        return None
    if len(name) > 200 or any(c in name for c in "\n\r\t"):
        raise InputError(f"{where}: {name[:40]!r} is not a usable curator name (one line, at most 200 characters)")
    return Curator(name, check_orcid(orcid, "--orcid" if where == "--curator" else where) if orcid else "")


def config_path() -> Path:
    env = os.environ.get("KG_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "icans-kg" / "config.toml"


def configured_curator() -> Curator | None:
    """The curator of the config file, if it names one."""
    path = config_path()
    if not path.is_file():
        return None
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: malformed config file ({e}); fix the TOML") from None
    cur = doc.get("curator") or {}
    if not isinstance(cur, dict):
        raise CorpusError(f"{path}: [curator] must be a table with name and orcid")
    return make_curator(cur.get("name"), cur.get("orcid"), f"{path}: [curator]")


def resolve_curator(name: str | None, orcid: str | None) -> Curator | None:
    """The curator of a command: --curator/--orcid, else the config file's, else None."""
    return make_curator(name, orcid) if name or orcid else configured_curator()
