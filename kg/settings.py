"""The command line's shared settings, declared once: name, default and help drive every command's option.

Like datasette's settings table: a command that takes ``--out`` gets it from here, so the
default, the type and the help cannot drift between commands; ``tests/test_settings.py``
checks `--help` and README's tables against this table. The library never reads it
except for defaults of its own (e.g. the endpoint's time limit).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One option shared by commands: ``--name`` with this default, type, metavar and help."""

    name: str
    default: object
    help: str
    type: type = str
    metavar: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("corpus", Path("corpus"), "Corpus folder: papers/ID/paper.txt and meta.json.", Path, "DIR"),
    Setting("out", Path("outputs"), "Output folder of a build: rdf/, store/, html/, build.json.", Path, "DIR"),
    Setting("jobs", None, "Worker processes for annotation (default: 2 when 2+ cores).", int, "N"),
    # one limit for `kg query` and `kg serve` (they used to differ: 60 and 30 s); 60 s because the
    # biggest competency question takes ~28 s on the 10,000-paper benchmark corpus
    Setting("timeout", 60, "Query time limit in seconds (0: none).", float, "S"),
    Setting("host", "127.0.0.1", "Address to listen on (localhost only by default).", str, "H"),
    Setting("port", 7878, "Port to listen on.", int, "N"),
    Setting("max_rows", 100_000, "Largest result returned; a larger one gets an error, never a silent cut.", int, "N"),
    Setting("max_request_bytes", 100_000, "Largest query or request body accepted, in bytes.", int, "N"),
    Setting("curator", None, "Curator who signs curation decisions (default: [curator] of the config file).",
            str, "NAME"),
    Setting("orcid", None, "The curator's ORCID iD, e.g. 0000-0002-1825-0097.", str, "ID"),
)}


def option(name: str):
    """The click option of setting ``name``, for a command of kg.cli (click is only needed there)."""
    import click

    s = SETTINGS[name]
    kind = click.Path(path_type=Path) if s.type is Path else s.type
    return click.option(s.flag, s.name, type=kind, default=s.default, show_default=s.default is not None,
                        metavar=s.metavar or None, help=s.help)


def markdown_table() -> str:
    """The settings as README's table (tests/test_settings.py keeps README in step)."""
    rows = ["| option | default | what |", "|---|---|---|"]
    for s in SETTINGS.values():
        default = "" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{s.flag} {s.metavar}` | {default} | {s.help} |")
    return "\n".join(rows)
