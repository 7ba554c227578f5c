"""The spaCy components of the annotator, one module each; importing this registers their factories."""
from . import context, lexicon, outcomes, patterns, resolve

# the order in which kg.annotate.pipeline adds them
NAMES = ("icans_lexicon_v1", "icans_patterns_v1", "icans_outcomes_v1", "icans_resolve_v1", "icans_context_v1")

__all__ = ["NAMES", "context", "lexicon", "outcomes", "patterns", "resolve"]
