"""The spaCy annotator: mentions of drugs, doses, routes, grades, days, outcomes, citations."""
from .model import Mention
from .pipeline import ANNOTATOR_VERSION, AnnotatedPaper, annotate_text, get_nlp, with_context

__all__ = ["ANNOTATOR_VERSION", "AnnotatedPaper", "Mention", "annotate_text", "get_nlp", "with_context"]
