"""icans-kg: a literature knowledge graph of ICANS treatments, traced back to the sentence."""
from .annotate import AnnotatedPaper, Mention, annotate_text
from .build import BuildReport, build
from .ingest.corpus import Paper, add_paper, load_corpus
from .errors import (BuildError, CorpusError, DuplicatePaperError, InputError, KgError, OntologyError,
                     PaperIdError, PushError, QueryError, ServeError, StoreMissingError, UnsupportedShapeError,
                     ValidationError)
from .facts import PaperFacts, extract_facts
from .views.query import load_query, run_query
from .views.results import Result

__version__ = "0.1.0"
__all__ = [
    "AnnotatedPaper", "BuildError", "BuildReport", "CorpusError", "DuplicatePaperError", "InputError",
    "KgError", "Mention", "OntologyError", "Paper", "PaperFacts", "PaperIdError", "PushError", "QueryError",
    "Result", "ServeError", "StoreMissingError", "UnsupportedShapeError", "ValidationError", "add_paper", "annotate_text", "build", "extract_facts",
    "load_corpus", "load_query", "run_query",
]
