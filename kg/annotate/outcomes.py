"""Outcome mentions with ConText-style context: negation, hypothetical, non-toxicity responses.

The trigger grammar (stems, modifiers, negated phrases) and the context windows live here
because they are rules, not vocabulary; the codes they emit are the ``icans:code`` values of
the ontology's outcome terms, checked once when the pipeline is built (``check_codes``).
"""
from __future__ import annotations

import bisect
import re
from ..errors import OntologyError
from ..ontology import Ontology
from ..text.clauses import clause_before

# Phrases that state no benefit: matched before the single triggers they contain.
_NEGATED = re.compile(
    r"\b(?:did\s+not|didn't|failed\s+to|does\s+not|was\s+not\s+able\s+to)\s+(?:respond|improve|benefit|help)\b"
    r"|\b(?:without|no|lack\s+of|absence\s+of)\s+(?:(?:any|further|significant|clinical|neurological|neurologic|meaningful|apparent|obvious)\s+)*"
    r"(?:improvement|benefit|benefits|response|resolution)\b"
    r"|\bnon-?responders?\b(?!\s+to\b)|\bunresponsive\b(?!\s+to\b)|\bnot\s+respond(?:ed|ing)?\b"
    r"|\bno\s+(?:clinical\s+|neurological\s+)?(?:improvement|benefit|response)\b"
    r"|\b(?:ineffective|unsuccessful|not\s+effective|of\s+no\s+(?:clinical\s+)?benefit)\b"
    r"|\b(?:none|neither(?:\s+(?:patient|case|one))?|no\s+(?:patients?|one|cases?))\s+(?:of\s+(?:them|these|those|the\s+\w+(?:\s+\w+)?)\s+)?"
    r"(?:had\s+(?:an?\s+)?)?(?:responded|improved|benefit(?:t?ed)|recovered|response|improvement)\b", re.I)

_STEMS = {
    "improvement": r"improv(?:ed|ement|ements|ing)",
    "resolution": r"resol(?:ved|ution)|recover(?:ed|y)|normali[sz]ed|complete\s+(?:response|resolution|recovery)"
                  r"|returned\s+to\s+(?:(?:his|her|their|neurologic(?:al)?|the)\s+)*(?:baseline|normal)"
                  r"|back\s+to\s+(?:baseline|normal)",
    "response": r"respon(?:ded|se|ses)|(?:clinical\s+)?benefits?",
    "death": r"died|passed\s+away|expired|succumbed|(?<=his\s)death|(?<=her\s)death|(?<=patient's\s)death"
             r"|death(?=\s+on\s+(?:day|D\s?\+))",
}
_TRIGGER = re.compile(
    r"\b(?:(?:prompt|rapid|rapidly|quick|significant|marked|dramatic|gradual|sustained|durable|slow|partial|"
    r"neurological|neurologic|clinical|initially|eventually|further|subsequent|steady|substantial|and|"
    r"significantly|markedly|dramatically|full)\s+)*"
    rf"(?P<core>{'|'.join(f'(?P<{k}>{v})' for k, v in _STEMS.items())})\b"
    r"(?:\s+(?:of\s+(?:the\s+)?(?:ICANS|CRS|symptoms|neurotoxicity|neurological\s+symptoms|encephalopathy|"
    r"mental\s+status|consciousness)|well))?", re.I)

# cheap pre-filter: sentences without any of these words cannot hold an outcome
_ANY_CUE = re.compile(r"improv|resol|recover|normali|respon|benefit|effective|unsuccessful|died|passed\s+away|expired|succumbed|baseline|"
                      r"unresponsive|complete|normal|death")   # searched in the lowercased text
_HYPOTHETICAL = re.compile(
    r"\b(?:can|could|may|might|would|should|will|help|helps|potential|potentially|expected|if|whether|"
    r"aim|aimed|goal|hope|predict|predicts|predicted|possible|likely|faster|earlier|to\s+achieve|"
    r"in\s+order\s+to)\b[^.;]{0,40}$", re.I)
_DEFINITION_AFTER = re.compile(r"^\s*(?:was|were|is|are)\s+(?:defined|assessed|evaluated|graded|measured)|^\s*criteria|^\s*rates?\b", re.I)
_NON_TOXICITY = re.compile(
    r"\b(?:disease|tumou?r|metabolic|radiologic(?:al)?|radiographic|oncologic(?:al)?|objective|overall|"
    r"lymphoma|leukemia|leukaemia|myeloma|MRD|PET|CR|PR|best|immune|inflammatory|cytokine|antibody|antigen|"
    r"host|count|counts|hematologic|haematologic|neutrophil|platelet|marrow|blood|renal|kidney|liver|hepatic|"
    r"cardiac|pulmonary|respiratory|hypoxia|oxygenation|risk|survival|remission)\s+(?:\w+\s+)?$", re.I)
_METRIC_BEFORE = re.compile(r"\b(?:time|times|rate|rates|duration|criteria|definition|assessment|evaluation|"
                            r"likelihood|probability|predictors?)\s+(?:of\s+|to\s+|for\s+)(?:\w+\s+)?$", re.I)
_SURVIVAL_AFTER = re.compile(r"^\s*(?:overall\s+|progression[- ]free\s+)?(?:survival|outcomes?|rates?)\b", re.I)
_IMAGING = re.compile(r"\b(?:MRI|CT|PET|imaging|scan|radiolog\w*|enhancement|lesions?|hyperintensit\w*|areas\s+involved)\b")
CRS_CONTEXT = re.compile(r"\b(?:CRS|cytokine release|fever|fevers|febrile|hypotension|hypoxia|vasopressors?)\b", re.I)


CODES = ("improvement", "resolution", "no_response", "death")


def check_codes(onto: Ontology) -> None:
    """Fail early if the ontology lacks an outcome code these rules emit."""
    known = {t.code for t in onto.terms.values() if t.category == "outcome"}
    missing = [c for c in CODES if c not in known]
    if missing:
        raise OntologyError(f"ontology/icans.ttl has no outcome term with icans:code {missing[0]!r}")


def syndrome_of(text: str, sent_start: int, start: int, end: int) -> str:
    """'CRS' when the outcome's clause is about CRS, else 'ICANS'."""
    clause = clause_before(text, sent_start, start) + text[start:end]
    return "CRS" if CRS_CONTEXT.search(clause) else "ICANS"


def find_outcomes(text: str, sentences: list[tuple[int, int]]):
    """Outcome candidates ``(start, end, 'OUTCOME', values, extra)`` in normalized text."""
    out = []
    hits = [m.start() for m in _ANY_CUE.finditer(text.lower())]
    for s0, s1 in sentences:
        i = bisect.bisect_left(hits, s0)
        if i == len(hits) or hits[i] >= s1:
            continue
        sent = text[s0:s1]
        taken: list[tuple[int, int]] = []
        for m in _NEGATED.finditer(sent):
            a, b = s0 + m.start(), s0 + m.end()
            if _HYPOTHETICAL.search(clause_before(text, s0, a)):
                continue
            taken.append((a, b))
            out.append((a, b, "OUTCOME", (("outcome", "no_response"),),
                        (("syndrome", syndrome_of(text, s0, a, b)),)))
        for m in _TRIGGER.finditer(sent):
            a, b = s0 + m.start(), s0 + m.end()
            ca, cb = s0 + m.start("core"), s0 + m.end("core")
            if any(x < cb and ca < y for x, y in taken):
                continue
            before = clause_before(text, s0, ca)
            if _HYPOTHETICAL.search(before) or _NON_TOXICITY.search(text[max(s0, a - 40):ca]) \
                    or _METRIC_BEFORE.search(text[max(s0, a - 40):ca]):
                continue
            after = text[cb:s1]
            if _DEFINITION_AFTER.match(after) or _SURVIVAL_AFTER.match(after):
                continue
            kind = next(k for k in _STEMS if m.group(k))
            core = m.group("core").lower()
            if kind == "improvement" and _IMAGING.search(before):
                continue
            if kind == "response":
                code = "improvement"
            elif kind == "resolution":
                code = "resolution"
                if core.startswith("complete") and re.search(r"metabolic|remission", after[:20], re.I):
                    continue
            else:
                code = kind
            # "complete response" is a resolution; leading "and"s are not part of the span
            lead = re.match(r"(?:and\s+)+", text[a:cb], re.I)
            if lead:
                a += lead.end()
            out.append((a, b, "OUTCOME", (("outcome", code),),
                        (("syndrome", syndrome_of(text, s0, a, b)),)))
    return out
