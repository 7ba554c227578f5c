"""The facts stage's cue inventories (kg/facts/rules/*.yaml), compiled once with the ontology's vocabulary."""
from __future__ import annotations

import re
from functools import lru_cache

from ..annotate.cuefile import cue_pattern, load_cue_file
from ..annotate.lexicon import label_variants
from ..ontology import Ontology
from ..text.numbers import NUMBER_RE

PACKAGE = "kg.facts.rules"


@lru_cache(maxsize=4)
def steroid_names(onto: Ontology) -> str:
    """A regex alternation of every corticosteroid name the ontology knows (labels, brands, abbreviations)."""
    words = set()
    for t in onto.terms.values():
        if onto.is_a(t.id, "Corticosteroid"):
            for label in t.labels + t.abbreviations:
                for form in label_variants(label):
                    words.add(re.escape(form).replace(r"\ ", r"\s+"))
    return "|".join(sorted(words, key=len, reverse=True))


def course_rules(onto: Ontology):
    """The rules of course.yaml with {S} filled in (for the examples test)."""
    return load_cue_file("course", PACKAGE, (("S", steroid_names(onto)),))


@lru_cache(maxsize=16)
def course(onto: Ontology, category: str) -> re.Pattern:
    """PERSIST, NEURO, REFRACTORY, FIRST_LINE or SEQUENCE cues of course.yaml."""
    return cue_pattern("course", category, PACKAGE, (("S", steroid_names(onto)),))


@lru_cache(maxsize=16)
def subject_cue(category: str) -> re.Pattern:
    """PEOPLE, OWN_SERIES, OWN_PASSIVE, SINGLE_CASE, STUDY, COMPARISON or OWN cues of subjects.yaml."""
    return cue_pattern("subjects", category, PACKAGE)


@lru_cache(maxsize=1)
def people() -> str:
    """The PEOPLE nouns as a regex fragment ("patients|children|...")."""
    return subject_cue("PEOPLE").pattern


@lru_cache(maxsize=1)
def own_series() -> re.Pattern:
    """The paper introducing its own series: "we reviewed 40 adults", "Fifty-four patients were evaluated"."""
    p = people()
    return re.compile(
        rf"(?:{subject_cue('OWN_SERIES').pattern})[^.;]{{0,80}}?\b{NUMBER_RE}\s+(?:[\w-]+\s+){{0,3}}?(?:{p})"
        rf"|\b{NUMBER_RE}\s+(?:[\w-]+\s+){{0,3}}?(?:{p})[^.;]{{0,160}}?(?:{subject_cue('OWN_PASSIVE').pattern})"
        r"|(?-i:\(\s*N\s*=\s*\d+\s*\))", re.I)
