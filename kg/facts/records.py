"""Fact records passed from extraction to the RDF writer, curation and views. Offsets are original-text offsets."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """The text that supports a fact: a span and the sentence around it."""

    start: int
    end: int
    sent_start: int
    sent_end: int
    quote: str
    sentence: str


@dataclass(frozen=True)
class Subject:
    """A patient or cohort: one of the paper's own, or a cited study's."""

    key: str                 # "case-1", "patient", "cohort", "ref-9"
    label: str               # "Case 1", "patient", "cohort"
    kind: str                # "patient" | "cohort"
    source: tuple[int, ...]  # cited reference numbers; () for the paper's own subjects
    evidence: Evidence
    age: int | None = None
    sex: str | None = None
    diagnosis: str | None = None      # ontology term id
    cell_therapy: str | None = None   # ontology term id
    died: bool | None = None
    size: int | None = None           # number of patients in a cohort
    curator: str | None = None   # None: extracted by the annotator


@dataclass(frozen=True)
class Administration:
    """One administration of one agent to a subject."""

    subject: str
    agent: str               # ontology term id
    dose_value: float | int | None
    dose_unit: str | None
    route: str | None        # route code ("intrathecal")
    day: int | None
    evidence: Evidence
    curator: str | None = None   # None: extracted by the annotator
    dose_max: float | int | None = None   # upper bound of a range ("8-10 mg/kg/day")
    frequency: str | None = None          # "q6h", "daily", "once"
    duration: str | None = None           # "3 days", "3 doses"


SETTINGS = ("first_line", "steroid_refractory")


@dataclass(frozen=True)
class Finding:
    """A treatment given to a subject and how the subject responded."""

    key: str
    subject: str
    agents: tuple[str, ...]  # ontology term ids (drugs, else a class)
    route: str | None
    refractory: bool         # given for ICANS persisting/worsening despite corticosteroids
    treated: int | None
    responders: int | None
    outcome: str | None      # improvement | resolution | no_response | death
    start_day: int | None
    response_day: int | None
    days_to_response: int | None
    evidence: Evidence
    curator: str | None = None   # None: extracted by the annotator
    outcome_evidence: Evidence | None = None   # the sentence that reports the outcome, when another

    @property
    def setting(self) -> str:
        """``steroid_refractory`` (given for ICANS persisting despite corticosteroids) or ``first_line``."""
        return SETTINGS[1] if self.refractory else SETTINGS[0]


@dataclass(frozen=True)
class GradeAssessment:
    subject: str
    syndrome: str            # ICANS | CRS
    grade: int
    day: int | None
    system: str | None       # grading-system term id
    evidence: Evidence
    curator: str | None = None   # None: extracted by the annotator


@dataclass(frozen=True)
class OutcomeFact:
    subject: str
    outcome: str
    syndrome: str
    day: int | None
    finding: str | None      # key of the Finding it follows
    evidence: Evidence
    curator: str | None = None   # None: extracted by the annotator


@dataclass(frozen=True)
class CsfFinding:
    subject: str
    day: int | None
    opening_pressure: float | int | None
    lymphocytes: float | int | None
    evidence: Evidence
    curator: str | None = None   # None: extracted by the annotator


@dataclass(frozen=True)
class CitationFact:
    refs: tuple[int, ...]
    evidence: Evidence


@dataclass(frozen=True)
class PaperFacts:
    paper_id: str
    meta: dict
    subjects: tuple[Subject, ...]
    administrations: tuple[Administration, ...]
    findings: tuple[Finding, ...]
    grades: tuple[GradeAssessment, ...]
    outcomes: tuple[OutcomeFact, ...]
    csf: tuple[CsfFinding, ...]
    citations: tuple[CitationFact, ...]
    warnings: tuple[str, ...] = ()     # where the paper's structure was unclear (two patients read as one?)
