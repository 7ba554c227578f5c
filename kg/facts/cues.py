"""Context cues over normalized text: refractory statements, non-administrations, counts."""
from __future__ import annotations

import re
from functools import lru_cache

from ..annotate.lexicon import label_variants
from ..ontology import Ontology
from ..text.numbers import NUMBER_RE, word_number

_PEOPLE = r"(?:patients?|children|child|adults?|cases?|subjects?|individuals?|recipients?|pts)"

_REFRACTORY_TEMPLATE = (
    r"\b(?:{S})(?:\s*/\s*[\w-]+)*[- ]?(?:refractory|resistant)\b"
    r"|\brefractory\s+(?:to\s+)?(?:high[- ]dose\s+)?(?:systemic\s+)?(?:{S})\b"
    r"|\b(?:after|despite)\s+(?:failing|failure\s+of)\s+(?:\w+\s+){{0,2}}(?:{S})"
    r"|\bnon-?responders?\s+to\s+(?:\w+\s+){{0,2}}(?:{S})"
    r"|\b(?:persist\w*|progress\w*|worsen\w*|recurr\w*)\s+(?:\w+\s+){{0,4}}?(?:despite|after)\s+(?:\w+\s+){{0,6}}?(?:{S})"
    r"|\bdespite\s+(?:\w+\s+){{0,3}}(?:{S})"
    r"|\b(?:given|due\s+to|for|with)\s+(?:concerns?\s+for\s+)?(?:steroid[- ])?refractory\s+(?:ICANS|neurotoxicity)"
    r"|\brefractory\s+(?:ICANS|neurotoxicity)\b")


@lru_cache(maxsize=4)
def refractory_re(onto: Ontology) -> re.Pattern:
    """Statements that ICANS persisted despite corticosteroids, with every corticosteroid the ontology
    knows (class labels, INNs, brands, abbreviations) in place of {S}: "despite Decadron", "steroid-refractory"."""
    words = set()
    for t in onto.terms.values():
        if onto.is_a(t.id, "Corticosteroid"):
            for label in t.labels + t.abbreviations:
                for form in label_variants(label):
                    words.add(re.escape(form).replace(r"\ ", r"\s+"))
    alternation = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(_REFRACTORY_TEMPLATE.format(S=alternation), re.I)


# a drug mention preceded/followed by these is not a new administration
_NOT_GIVEN_BEFORE = re.compile(
    r"(?:\bdespite|\bfailing|\bfailed|\bfailure\s+of|\brefractory\s+to|\bresistant\s+to|\btapered\s+(?:on|off)?|"
    r"\btaper(?:ing)?\s+(?:of|on)|\bweaned\s+(?:off|from)?|\bdiscontinu\w+|\bstopp\w+|\bwithout|\bprior|\bprevious\w*|"
    r"\bafter\s+(?:at\s+least\s+)?(?:\d+|\w+)\s+(?:hours|days|doses|weeks)\s+of|\b(?:\d+|\w+)\s+(?:hours|days|weeks)\s+of|"
    r"\bfrom)\s+(?:[\w-]+\s*(?:/|,|and|or)\s*)*(?:(?:high|low|pulse|systemic|intravenous|IV|oral)[- ](?:dose\s+)?)*$", re.I)
# "responded promptly to anakinra": the drug given before, named again (with a dose it is the administration:
# "did not respond to methylprednisolone 1 g daily")
_RESPONSE_TO = re.compile(r"\b(?:respon\w*|benefit\w*)\s+(?:\w+\s+){0,2}?(?:to|from)\s+$", re.I)
_DOSE_NEXT = re.compile(r"^\s*\(?\s*\d")
_NOT_GIVEN_AFTER = re.compile(
    r"^(?:\s*/\s*[\w-]+)*(?:[- ]?(?:refractory|resistant|dependent)\b"
    r"|\s+(?:was|were|had\s+been|has\s+been)\s+(?:then\s+)?(?:tapered|stopped|discontinued|held|weaned|changed|switched|"
    r"withdrawn|continued|maintained|replaced))", re.I)
PREPOSED_EARLIER = re.compile(r"^\s*(?:following|after|before|prior\s+to)\b[^,]*$", re.I)
REPEAT_DAY = re.compile(r"\b(?:repeated|again|re-?dosed|second\s+dose)\s+(?:on\s+)?$", re.I)
LYMPHODEPLETION = re.compile(r"\blymphodeplet\w*|\bconditioning\b|\bbridging\b", re.I)
COMPARISON = re.compile(r"\b(?:consistent\s+with|in\s+line\s+with|similar\s+to|in\s+agreement\s+with|"
                        r"as\s+(?:previously\s+)?(?:reported|described|shown|suggested)|supported\s+by|"
                        r"in\s+contrast\s+to|unlike)\b", re.I)
STUDY_CUE = re.compile(r"\b(?:series|study|studies|report|reports|analysis|analy[sz]ed|experience|cohort|trial|"
                       r"review|reviewed|registry|investigators|et\s+al)\b", re.I)
OWN_CUE = re.compile(r"^\s*(?:our|we|in\s+our|here|this\s+(?:case|patient|report))\b", re.I)

COUNT_OF = re.compile(rf"\b(?P<n>{NUMBER_RE})\s+(?:{_PEOPLE}\s+)?(?:out\s+)?of\s+(?:the\s+)?(?:total\s+of\s+)?(?P<m>{NUMBER_RE})\b", re.I)
COUNT_GROUP = re.compile(
    rf"\b(?P<n>{NUMBER_RE})\s*(?:\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*)?(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\b"
    rf"|\b(?:series|analysis|cohort|total|group|study)\s+of\s+(?P<s>{NUMBER_RE})\b"
    rf"|\(\s*n\s*=\s*(?P<eq>\d+)\s*\)", re.I)
# "Of 18 evaluable patients, 13 (72%) achieved ..." -> (n=13, m=18)
OF_LEADING = re.compile(rf"\b(?:of|among)\s+(?:the\s+|these\s+)?(?P<m>{NUMBER_RE})\s+(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\s*,\s*"
                        rf"(?P<n>{NUMBER_RE})\b(?!\s*(?:days?|hours?|weeks?|mg|%))", re.I)
# "60% (6/10)", "(6/10)": a responder fraction in parentheses (not "ICE 4/10")
FRACTION = re.compile(r"\(\s*(?P<n>\d+)\s*/\s*(?P<m>\d+)\s*\)")
SUBSET = re.compile(rf"\bout\s+of\s+(?:the\s+)?(?:total\s+of\s+)?{NUMBER_RE}\s+(?:[\w-]+\s+){{0,3}}?{_PEOPLE}[^,;]*,\s*(?P<n>{NUMBER_RE})\s+(?:were|had|received|was)\b", re.I)
ALL_OF = re.compile(rf"\b(?:all\s+(?:(?P<n>{NUMBER_RE})\b|these\b|of\s+them\b|{_PEOPLE}\b)?|both\b|each\s+of\s+them\b)", re.I)
RESPONDER_COUNT = re.compile(
    rf"\b(?P<n>{NUMBER_RE})\s*(?:\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*)?(?:{_PEOPLE}\s+)?(?:\w+\s+){{0,2}}?"
    r"(?:improved|responded|recovered|resolved|benefited|benefitted|achieved|had\s+(?:a\s+)?(?:response|improvement|resolution))\b", re.I)
VAGUE = re.compile(r"\b(?:most|majority|many|some|several|few)\b", re.I)


def number(s: str) -> int | None:
    return word_number(s)


def not_given(text: str, clause_start: int, start: int, end: int, sent_end: int) -> bool:
    """Whether the drug mention at [start, end) refers to a drug not (newly) given here."""
    before = text[max(clause_start, start - 60):start]
    after = text[end:min(sent_end, end + 60)]
    return bool(_NOT_GIVEN_BEFORE.search(before) or _NOT_GIVEN_AFTER.match(after)
                or (_RESPONSE_TO.search(before) and not _DOSE_NEXT.match(after)))


def refractory_span(onto: Ontology, text: str, start: int, end: int) -> bool:
    """Whether a position lies inside a refractory phrase ('steroid-refractory', 'despite steroids')."""
    for m in refractory_re(onto).finditer(text, max(0, start - 80), min(len(text), end + 40)):
        if m.start() <= start and end <= m.end():
            return True
    return False
