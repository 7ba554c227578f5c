"""Facts with provenance from annotated papers."""
from .extract import extract_facts
from .records import (Administration, CitationFact, CsfFinding, Evidence, Finding, GradeAssessment,
                    OutcomeFact, PaperFacts, Subject)

__all__ = ["Administration", "CitationFact", "CsfFinding", "Evidence", "Finding", "GradeAssessment",
           "OutcomeFact", "PaperFacts", "Subject", "extract_facts"]
