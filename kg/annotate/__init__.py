"""The spaCy annotator: mentions of drugs, doses, routes, grades, days, outcomes, citations."""
from .model import Mention
from .pipeline import ANNOTATOR_VERSION, AnnotatedPaper, annotate_text, get_nlp, with_context
from .lexicon import ambiguous_labels       # re-exported for kg's other packages and tests (issue #13)
from .outcomes import check_codes           # re-exported for kg's other packages and tests (issue #13)

__all__ = ["ANNOTATOR_VERSION", "AnnotatedPaper", "Mention", "ambiguous_labels", "annotate_text", "check_codes",
           "get_nlp", "with_context"]
