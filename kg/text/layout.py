"""Paper layout: paragraphs, headings, sections ("Case 1", "Discussion"…) and sentences.

Works on the original text's lines to decide which line breaks are soft (inside a
paragraph, joined by normalization) and which are hard (paragraphs and headings), then
splits sentences in the normalized text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import Normalized, normalize
from .numbers import roman_number, word_number

SECTION_WORDS = {
    "abstract": "abstract", "summary": "abstract",
    "background": "intro", "introduction": "intro", "aim": "intro", "aims": "intro",
    "objective": "intro", "objectives": "intro", "purpose": "intro",
    "methods": "methods", "method": "methods", "materials and methods": "methods",
    "patients and methods": "methods", "study design": "methods",
    "results": "results", "findings": "results",
    "case presentation": "case", "case report": "case", "case description": "case", "presentation": "case",
    "case summary": "case", "case details": "case", "case history and examination": "case",
    "case": "case", "clinical case": "case", "case history": "case",
    "case series": "case", "case reports": "case", "case presentations": "case", "case descriptions": "case",
    "case histories": "case", "cases": "case", "patients": "case", "patient": "case",
    "clinical presentation": "case_part", "patient information": "case_part", "clinical findings": "case_part",
    "timeline": "case_part", "diagnostic assessment": "case_part", "therapeutic intervention": "case_part",
    "therapeutic interventions": "case_part", "follow-up and outcomes": "case_part", "outcome and follow-up": "case_part",
    "clinical course": "case_part", "hospital course": "case_part", "treatment and outcome": "case_part",
    "treatment": "case_part", "outcome": "case_part", "outcomes": "case_part", "follow-up": "case_part",
    "discussion": "discussion", "comment": "discussion",
    "conclusion": "conclusion", "conclusions": "conclusion",
    "references": "references", "bibliography": "references", "literature cited": "references",
    "acknowledgements": "backmatter", "acknowledgments": "backmatter", "funding": "backmatter",
    "conflicts of interest": "backmatter", "conflict of interest": "backmatter",
    "keywords": "backmatter", "key words": "backmatter", "author contributions": "backmatter",
    "learning points": "backmatter", "disclosures": "backmatter",
    "data availability": "backmatter", "ethics statement": "backmatter",
}
_NUMBERED_CASE = re.compile(
    r"^(?:case|patient|pt\.?)\s*(?:no\.?\s*)?#?\s*(\d{1,2}|[ivx]{1,4}|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|(?-i:[A-H]))\b",
    re.I)
_HEADING_PREFIX = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+|[IVX]+\.\s+)")
_INLINE_LABEL = re.compile(
    r"^\s*((?:[A-Z][A-Za-z]+)(?:\s(?:and\s)?[A-Za-z]+)?(?:/[A-Za-z]+)?)\s*(?:[:.]\s*|\s*[-\u2013\u2014]\s+)(?=\S)")
# a section heading glued to the text around it by a PDF extraction: "IntroductionImmune ...",
# "...myeloma.DiscussionBoth patients", "METHODSWe included"
_GLUED_HEADING = re.compile(
    r"(?:(?<=[a-z0-9.)\]%])|^)(?P<h>(?:Introduction|Background|Methods|Materials and Methods|Patients and Methods|Results|"
    r"Discussion|Conclusions?|Case (?:Presentation|Report|Description)s?|Abstract|Summary|Objectives?|Aims?|Purpose|"
    r"Clinical (?:Case|Course)|INTRODUCTION|BACKGROUND|METHODS|RESULTS|DISCUSSION|CONCLUSIONS?|CASE PRESENTATION|"
    r"CASE REPORT|OBJECTIVES?|PURPOSE))(?=[A-Z][a-z])")
# an item of a list: "Day 4: ICE score 6", "- dexamethasone", "2) anakinra"
_LIST_ITEM = re.compile(r"^\s*(?:[-•*–]\s+|\d{1,2}[.)]\s+|[A-Za-z][\w+\- ]{0,20}:\s+)")
# a table row: cells split by pipes or tabs
_TABLE_ROW = re.compile(r"^[^|\t\n]*(?:[|\t][^|\t\n]*){2,}$")
_ABBREV = frozenset("""al e.g i.e eg ie vs dr drs fig figs approx ca no nos mr mrs ms prof st jr ref
refs resp cf viz etc inc ltd co dept univ vol pp ed eds mo yr wk pt pts
sr jan feb mar apr jun jul aug sep sept oct nov dec mg kg""".split())
_UNITS = frozenset("h hr hrs d mg kg g l ml min mcg wk wks mo yr yrs".split())
_AFTER_NUMBER = re.compile(r"\d\s*(?:[A-Za-z]{1,3}/)*[A-Za-z]{1,3}$")
_BOUNDARY = re.compile(r"([.!?])([\"')\]]*)(\s+)(?=[\"'(\[]?[A-Z0-9])")
_LEAD_CITATION = re.compile(r"\s*[(\[]\d{1,3}(?:\s*[-,–]\s*\d{1,3})*[)\]]\.?(?=\s|$)")


@dataclass(frozen=True)
class Section:
    """A run of the paper under one heading (normalized offsets)."""

    kind: str           # front, title, abstract, intro, methods, results, case, discussion, ...
    heading: str        # the heading text as written ("Patient 2"), or ""
    start: int
    end: int
    case_number: int | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence (or heading line) of the normalized text."""

    start: int
    end: int
    section: int        # index into Layout.sections
    paragraph: int      # index of the paragraph (block) it belongs to
    is_heading: bool = False
    is_table_row: bool = False


@dataclass(frozen=True)
class Layout:
    norm: Normalized
    sections: tuple[Section, ...]
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return self.norm.text


def _case_number(token: str) -> int | None:
    if len(token) == 1 and token in "ABCDEFGH":     # "Patient A", "Patient B": lettered cases in order
        return ord(token) - ord("A") + 1
    return word_number(token) or roman_number(token)


# two sentences (or one ended by a glued reference marker, "improved.10"): a paragraph, not a title
_SENTENCES = re.compile(r"[a-z)][.!?](?:\d{1,3}(?:[,–-]\d{1,3})*)?(?:\s+[A-Z]|\s*$)")


def classify_heading(line: str) -> tuple[str, int | None] | None:
    """(kind, case number) if ``line`` is a standalone heading, else None."""
    if len(line) > 80:
        return None
    s = line.strip()
    if not s or len(s) > 60:
        return None
    s = _HEADING_PREFIX.sub("", s).rstrip(":. ").strip()
    m = _NUMBERED_CASE.match(s)
    if m and re.fullmatch(r"\s*(?:[:\-\u2013\u2014(].{0,50})?", s[m.end():]):
        return "case", _case_number(m.group(1))
    kind = SECTION_WORDS.get(s.lower())
    if kind:
        return kind, None
    return None


_UNTITLED = re.compile(r"[A-Z][A-Za-z'’()/-]*(?:\s+[A-Za-z'’()/-]+){0,6}")


def looks_like_heading(line: str, prev: str | None, nxt: str | None) -> bool:
    """A short capitalized line between paragraphs, without final punctuation: a heading the
    section words do not know ("Patients and course", "Treatment and follow-up")."""
    s = line.strip()
    if not s or len(s) > 50 or not _UNTITLED.fullmatch(s) or s.endswith("-"):
        return False
    if prev is not None and prev.strip() and prev.rstrip()[-1:] not in ".!?:)]" and not classify_heading(prev):
        return False
    return nxt is not None and bool(re.match(r"\s*[A-Z0-9(\[\"']", nxt))


def inline_label(paragraph: str) -> tuple[str, int | None, int] | None:
    """(kind, case number, label length) for a paragraph opening with 'Methods:' etc."""
    m = _NUMBERED_CASE.match(paragraph)
    if m:
        rest = paragraph[m.end():]
        lm = re.match(r"\s*[:.\-]\s+", rest)
        if lm:
            return "case", _case_number(m.group(1)), m.end() + lm.end()
    m = _INLINE_LABEL.match(paragraph)
    if m:
        label = m.group(1).split("/")[0].lower()
        kind = SECTION_WORDS.get(label)
        if kind:
            return kind, None, m.end()
    return None


def is_table_row(line: str) -> bool:
    """Whether a line is a row of a flattened table ("1 | 64/M | axi-cel | ...")."""
    return _TABLE_ROW.match(line) is not None


def _glued_blocks(t: str, a: int, b: int) -> list[tuple[int, int]]:
    """A block cut at the section headings glued into it (each heading its own block)."""
    out, pos = [], a
    for m in _GLUED_HEADING.finditer(t, a, b):
        if m.start() > pos:
            out.append((pos, m.start()))
        out.append((m.start(), m.end()))
        pos = m.end()
    if pos < b:
        out.append((pos, b))
    return out


def _soft_breaks(text: str) -> list[int]:
    """Indices of newlines that join lines of one paragraph."""
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    soft: list[int] = []
    prev_body: tuple[int, str] | None = None   # last body line before a break
    pending: list[int] = []                    # newlines since prev_body
    nonblank = [i for i, (_, raw) in enumerate(lines) if raw.strip()]
    neighbours = {i: (lines[a][1] if a is not None else None, lines[b][1] if b is not None else None)
                  for i, a, b in zip(nonblank, [None] + nonblank[:-1], nonblank[1:] + [None])}
    for idx, (start, raw) in enumerate(lines):
        nl_before = start - 1
        blank = not raw.strip()
        heading = not blank and (classify_heading(raw) is not None or _TABLE_ROW.match(raw) is not None
                                 or (idx != nonblank[0] and looks_like_heading(raw, *neighbours[idx])))
        listed = not blank and _LIST_ITEM.match(raw) is not None and prev_body is not None \
            and _LIST_ITEM.match(prev_body[1]) is not None
        if listed:
            prev_body, pending = (start, raw), []   # "Day 4: ..." under "Day 2: ...": one item a line
            continue
        if blank:
            if prev_body is not None and nl_before >= 0:
                pending.append(nl_before)
            continue
        if heading:
            prev_body, pending = None, []
            continue
        if prev_body is not None and nl_before >= 0:
            pending.append(nl_before)
            last = prev_body[1].rstrip()
            first = raw.lstrip()
            if ":" in first[:40] and inline_label(first) is not None \
                    and classify_heading(first.split(":")[0]) is not None:
                pass                      # "Methods: ..." on its own line starts a paragraph
            elif prev_body[0] == lines[nonblank[0]][0] and _title_line(last, first):
                pass                      # a title line, the text starting on the next line
            elif len(pending) == 1:
                soft.extend(pending)
            elif last and last[-1] not in ".!?:" and first[:1].islower():
                soft.extend(pending)  # a PDF page/column break inside a sentence
        prev_body, pending = (start, raw), []
    return soft


_OPEN_END = re.compile(r"(?:[-,;(/&]|\b(?:of|for|after|with|and|or|in|to|the|a|an|by|on|from|following|versus|vs|at|as))$", re.I)


def _title_line(line: str, after: str) -> bool:
    """Whether the first line of a text is its title, ended by a line break and not wrapped."""
    return len(line) < 250 and line[-1:] not in ".!?:" and not _OPEN_END.search(line) and \
        after[:1].isupper() and len(after) > len(line) // 2


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end] (one paragraph)."""
    spans = []
    s = start
    for m in _BOUNDARY.finditer(text, start, end):
        stop = m.end(2)
        word = re.search(r"([A-Za-z.]+)$", text[s:m.start(1)])
        w = word.group(1).lower().rstrip(".") if word else ""
        initial = len(w) == 1 and w.isalpha() and (word.start(1) == 0 or text[s + word.start(1) - 1] in " \t\n(")
        if m.group(1) == "." and (w in _ABBREV or initial) \
                and not (w in _UNITS and _AFTER_NUMBER.search(text, s, m.start(1))):
            continue    # "Fig. 2", "J. Smith"; but "10 mg. Then", "every 6 h. By day 6" end a sentence
        spans.append((s, stop))
        s = m.end(3)
    if s < end:
        spans.append((s, end))
    # a citation marker after the full stop belongs to the sentence before it
    fixed: list[tuple[int, int]] = []
    for a, b in spans:
        m = _LEAD_CITATION.match(text, a, b) if fixed else None
        if m and m.end() < b:
            pa, _ = fixed[-1]
            rest = m.end() + len(text[m.end():b]) - len(text[m.end():b].lstrip())
            fixed[-1] = (pa, m.end())
            if rest < b:
                fixed.append((rest, b))
        else:
            fixed.append((a, b))
    return [(a, b) for a, b in fixed if text[a:b].strip()]


def analyze(text: str) -> Layout:
    """Normalize ``text`` and find its sections and sentences."""
    norm = normalize(text, _soft_breaks(text))
    t = norm.text
    blocks = []
    pos = 0
    for line in t.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            blocks.extend(_glued_blocks(t, pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    sections: list[Section] = []
    sentences: list[Sentence] = []
    cur = ("front", "", 0, None)   # kind, heading, start, case number

    def close(at: int) -> None:
        if at > cur[2] or not sections:
            sections.append(Section(cur[0], cur[1], cur[2], at, cur[3]))

    for bi, (a, b) in enumerate(blocks):
        block = t[a:b]
        head = classify_heading(block)
        if head is None and bi > 0 and looks_like_heading(block, t[slice(*blocks[bi - 1])],
                                                           t[slice(*blocks[bi + 1])] if bi + 1 < len(blocks) else None):
            head = ("body", None)
        if head:
            kind, num = head
            if kind == "case_part":
                if cur[0] == "case":      # a CARE sub-heading inside a case continues it
                    sentences.append(Sentence(a, b, len(sections), bi, True))
                    continue
                kind = "case"
            close(a)
            cur = (kind, block.strip().rstrip(":."), a, num)
            sentences.append(Sentence(a, b, len(sections), bi, True))
            continue
        if bi == 0 and len(block) < 300 and not block.rstrip().endswith(".") and len(blocks) > 1 \
                and not _SENTENCES.search(block):
            cur = ("title", "", a, None)
            sentences.append(Sentence(a, b, len(sections), bi, True))
            close(b)
            cur = ("front", "", b, None)
            continue
        lab = inline_label(block)
        if lab:
            kind = lab[0]
            if kind == "case_part":
                kind = "case" if cur[0] != "case" else None
            if kind == "case" and lab[1] is None and cur[0] in ("front", "abstract"):
                kind = "abstract_case"     # "Case presentation:" inside a structured abstract
            if kind is not None:
                close(a)
                cur = (kind, block[: lab[2]].strip().rstrip(":.-").strip(), a, lab[1])
        if is_table_row(block):
            sentences.append(Sentence(a, b, len(sections), bi, False, True))
            continue
        for k, (sa, sb) in enumerate(split_sentences(t, a, b)):
            lab = inline_label(t[sa:sb]) if k else None
            if lab and lab[0] not in ("case_part",) and not (lab[0] == "case" and lab[1] is not None):
                # "... limited. Results: A 22-year-old male ...": a label inside a paragraph opens a section
                kind = "abstract_case" if lab[0] == "case" and cur[0] in ("front", "abstract", "intro") else lab[0]
                close(sa)
                cur = (kind, t[sa:sa + lab[2]].strip().rstrip(":.-").strip(), sa, None)
            sentences.append(Sentence(sa, sb, len(sections), bi))
    close(len(t))
    # sentences were numbered against the sections list as it grew; fix indices
    fixed = []
    for s in sentences:
        idx = next(i for i, sec in enumerate(sections) if sec.start <= s.start < max(sec.end, sec.start + 1)) \
            if sections else 0
        fixed.append(Sentence(s.start, s.end, idx, s.paragraph, s.is_heading, s.is_table_row))
    return Layout(norm, tuple(sections), tuple(fixed))
