"""Text before annotation: normalization with an offset map, layout (sections, sentences), numbers, clauses."""
from .layout import Layout, Section, Sentence, analyze, classify_heading
from .normalize import Normalized, normalize

__all__ = ["Layout", "Normalized", "Section", "Sentence", "analyze", "classify_heading", "normalize"]
