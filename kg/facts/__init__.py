"""Facts with provenance from annotated papers."""
from .extract import extract_facts
from .records import (Administration, CitationFact, CsfFinding, Evidence, Finding, GradeAssessment,
                    OutcomeFact, PaperFacts, Subject)
from .view import evidence_of

__all__ = ["Administration", "CitationFact", "CsfFinding", "Evidence", "Finding", "GradeAssessment",
           "OutcomeFact", "PaperFacts", "Subject", "evidence_of", "extract_facts"]
