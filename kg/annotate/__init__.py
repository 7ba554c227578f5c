"""The spaCy annotator: mentions of drugs, doses, routes, grades, days, outcomes, citations."""
from .model import Mention
from .pipeline import AnnotatedPaper, annotate_text, get_nlp

__all__ = ["AnnotatedPaper", "Mention", "annotate_text", "get_nlp"]
