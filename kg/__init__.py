"""icans-kg: a literature knowledge graph of ICANS treatments, traced back to the sentence.

The public API below loads lazily (PEP 562): ``import kg`` costs a few milliseconds and
spaCy, Oxigraph or the HTML stack load with the first name that needs them.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

# kg.build is both a subpackage and the public function; binding it here, from the light
# package __init__, keeps ``kg.build`` the function whatever is imported later
from .build import BuildReport, build
from .errors import (BuildError, CorpusError, DuplicatePaperError, InputError, KgError, OntologyError,
                     PaperIdError, PushError, QueryError, ServeError, StoreMissingError, UnsupportedShapeError,
                     ValidationError)

if TYPE_CHECKING:
    from .annotate import AnnotatedPaper, Mention, annotate_text
    from .facts import PaperFacts, extract_facts
    from .ingest.corpus import Paper, add_paper, load_corpus
    from .views.query import load_query, run_query
    from .views.results import Result

__version__ = "0.1.0"

_LAZY = {   # public name -> the module that defines it
    "AnnotatedPaper": "kg.annotate", "Mention": "kg.annotate", "annotate_text": "kg.annotate",
    "PaperFacts": "kg.facts", "extract_facts": "kg.facts",
    "Paper": "kg.ingest.corpus", "add_paper": "kg.ingest.corpus", "load_corpus": "kg.ingest.corpus",
    "Result": "kg.views.results", "load_query": "kg.views.query", "run_query": "kg.views.query",
}

__all__ = [
    "AnnotatedPaper", "BuildError", "BuildReport", "CorpusError", "DuplicatePaperError", "InputError",
    "KgError", "Mention", "OntologyError", "Paper", "PaperFacts", "PaperIdError", "PushError", "QueryError",
    "Result", "ServeError", "StoreMissingError", "UnsupportedShapeError", "ValidationError", "add_paper",
    "annotate_text", "build", "extract_facts", "load_corpus", "load_query", "run_query",
]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value   # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
