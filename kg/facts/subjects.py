"""Who each passage is about: the paper's own patients, its own series, or a cited study.

- Cases by heading ("Case 1", "Patient 2", "Case presentation"), by a marker at the start
  of a paragraph, sentence or clause ("Patient A, a 62-year-old man ...; Patient B ...",
  "Our second case is ...", "In patient 3, ...", "(case 2)"), or by the rows of a table
  ("3 | 70/M | liso-cel | ..."). Lettered, Roman and ordinal cases become "Case N".
  "Both patients" and "Patients 1 and 2" speak of several cases at once.
- Outside cases, the text leading up to a citation marker is a cited study.
- A paper reporting its own series ("we reviewed 40 adults", "(N = 124)") is its cohort;
  a paper about one unnamed patient ("A 57-year-old woman ...") is "patient".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.layout import Sentence, inline_label
from ..text.numbers import ordinal_number, roman_number, word_number
from .cues import own_series, subject_cue
from .view import PaperView

_NO_FACTS = ("title", "references", "backmatter")
_NOT_CASE_TEXT = ("intro", "discussion", "conclusion", "methods")
_ID = r"(?:\d{1,2}|[A-H]\b|(?:I|II|III|IV|V|VI)\b|one|two|three|four|five|six)"
# a case named at the start of a paragraph, sentence or clause
_WHO = r"(?:patient|case|pt\.?|child|subject|participant|infant)"
_MARK = re.compile(
    rf"\s*(?:(?:in|for|at\s+presentation,?)\s+)?(?:(?:our|the)\s+)?{_WHO}\s*(?:no\.?\s*|#\s*)?(?P<id>{_ID})"
    rf"(?![-./]\d|\s*(?:mg|g|days?|weeks?|months?|years?|%)\b)"
    rf"|\s*(?:(?:the|our)\s+)?(?P<ord>first|second|third|fourth|fifth|sixth)\s+(?:{_WHO}|man|woman|boy|girl|adult)\b"
    r"|\s*(?:the|our)\s+(?P<ord2>second|third|fourth|fifth|sixth)(?=\s*,)", re.I)
# several cases at once: "Patients 1 and 2", "Both patients", "both of them", "In both cases"
_PLURAL = re.compile(
    rf"\s*(?:(?:in|of)\s+)?(?:patients|cases|pts\.?|children|subjects)\s+(?P<ids>{_ID}(?:\s*(?:,|and|&)\s*{_ID})+)"
    r"|\s*(?:(?:in|of)\s+)?both\b(?:\s+(?:patients|cases|of\s+them))?|\s*(?:in\s+)?all\s+(?:\w+\s+)?"
    rf"(?:{subject_cue('PEOPLE').pattern})\b", re.I)
# cases named with a description set off by commas: "Patient A, a 66-year-old man, and Patient B, a ..."
_APPOSED_MARK = re.compile(rf"\b{_WHO}\s*(?P<id>{_ID})\s*,\s*(?:a|an)\s+\d", re.I)
# a case named after a person: "a 69-year-old man (case 1)"
_PAREN_MARK = re.compile(rf"\((?:case|patient|pt\.?)\s*(?P<id>{_ID})\)", re.I)
_TABLE_ID = re.compile(rf"\s*(?:(?:patient|case|pt\.?)\s*)?(?P<id>\d{{1,2}}|[A-H])\s*[|\t]", re.I)
_NARRATIVE = re.compile(r"\b(?:he|she|his|her|him)\b|\bday\s*\+?\d|\bD\+?\d", re.I)
_CLAUSE = re.compile(r";\s*")
_ANY_CASE = re.compile(rf"\b(?:patients?|cases?|pts?\.?|child(?:ren)?|subjects?)\s+(?P<ids>{_ID}(?:\s*(?:,|and|&)\s*{_ID})*)", re.I)


def _several(text: str, lo: int, hi: int) -> set[int]:
    """Every case number a sentence names anywhere."""
    found = set()
    for m in _ANY_CASE.finditer(text, lo, hi):
        for x in re.split(r"\s*(?:,|and|&)\s*", m.group("ids")):
            n = case_number(x)
            if n:
                found.add(n)
    return found


# "grade 1 in patients 1 and 5 and grade 2 in patients 3 and 4": a grade for each case named after it
_GRADE_FOR = re.compile(rf"\bgrade\s+(?P<g>[1-4]|I{{1,3}}|IV)\s+in\s+(?:patients?|cases?|pts?\.?|child(?:ren)?)\s+"
                        rf"(?P<ids>{_ID}(?:\s*(?:,|and|&)\s*{_ID})*)", re.I)


def grades_by_case(text: str, lo: int, hi: int) -> list[tuple[int, int, int, int]]:
    """(case number, grade, start, end) for each "grade N in patients X and Y" of text[lo:hi]."""
    out = []
    for m in _GRADE_FOR.finditer(text, lo, hi):
        grade = case_number(m.group("g"))
        for x in re.split(r"\s*(?:,|and|&)\s*", m.group("ids")):
            n = case_number(x)
            if n and grade:
                out.append((n, grade, m.start(), m.end()))
    return out


@dataclass
class Scope:
    key: str
    label: str
    kind: str                     # patient | cohort
    mode: str                     # case | cited | own_cohort
    source: tuple[int, ...] = ()
    pieces: list[tuple[Sentence, int, int]] = field(default_factory=list)
    citation: object = None       # the CITATION mention of a cited scope


def case_number(token: str) -> int | None:
    """'2' -> 2, 'B' -> 2 (lettered cases in order), 'III' -> 3, 'two' -> 2, 'second' -> 2."""
    t = token.strip()
    if len(t) == 1 and t.upper() in "ABCDEFGH" and not t.isdigit():
        if t.upper() == "I":
            return 1
        return ord(t.upper()) - ord("A") + 1
    return word_number(t) or roman_number(t) or ordinal_number(t)


def _case_label(n: int) -> tuple[str, str]:
    return f"case-{n}", f"Case {n}"


def _heading_cases(view: PaperView) -> dict[int, Scope]:
    secs = view.layout.sections
    case_idx = [i for i, s in enumerate(secs) if s.kind == "case"]
    numbered = [i for i in case_idx if secs[i].case_number is not None]
    chosen = numbered or case_idx
    scopes: dict[int, Scope] = {}
    for k, i in enumerate(chosen, 1):
        if numbered:
            key, label = _case_label(secs[i].case_number)
        elif len(chosen) == 1:
            key, label = "patient", "patient"
        else:
            key, label = _case_label(k)
        scopes[i] = Scope(key, label, "patient", "case")
    return scopes


def _marks_at(text: str, pos: int, end: int) -> list[int] | None:
    """Case numbers named at ``pos`` (a paragraph, sentence or clause start), else None."""
    lab = inline_label(text[pos:end])
    if lab is not None and lab[0] != "case" or (lab is not None and lab[1] is None):
        pos += lab[2]      # "Case Presentation: Case 1 involved ...": past the section label
    m = _PLURAL.match(text, pos, end)
    if m:
        if m.group("ids"):
            return sorted({n for x in re.split(r"\s*(?:,|and|&)\s*", m.group("ids")) if (n := case_number(x))})
        return [0]   # all cases
    m = _MARK.match(text, pos, end)
    if m:
        n = case_number(m.group("id") or m.group("ord") or m.group("ord2"))
        return [n] if n else None
    return None


class _CaseWalker:
    """Cases told without headings: markers switch the subject of what follows."""

    def __init__(self, view: PaperView):
        self.view = view
        self.scopes: dict[int, Scope] = {}
        self.current: list[int] = []

    def scope(self, n: int) -> Scope:
        if n not in self.scopes:
            key, label = _case_label(n)
            self.scopes[n] = Scope(key, label, "patient", "case")
        return self.scopes[n]

    def assign(self, sent: Sentence, lo: int, hi: int, cases: list[int]) -> None:
        targets = sorted(self.scopes) if cases == [0] else cases
        for n in targets:
            self.scope(n).pieces.append((sent, lo, hi))

    def walk(self, sections: set[int], table_sections: set[int] = frozenset()) -> dict[int, Scope]:
        """Cases in the text of ``sections``, and in the numbered rows of tables in ``table_sections``
        ("Table 1. Patient characteristics" in the introduction, "Pt 2 | 63 | M | ...")."""
        view, text = self.view, self.view.text
        by_par: dict[int, list[Sentence]] = {}
        for s in view.sentences:
            if s.section in sections or (s.section in table_sections and self._table_row(s)):
                by_par.setdefault(s.paragraph, []).append(s)
        before: list[Sentence] = []
        for _, sents in sorted(by_par.items()):
            marks = [self._table_row(s) or _marks_at(text, s.start, s.end) for s in sents]
            if not any(marks) and self.current:
                lo, hi = sents[0].start, sents[-1].end
                if view.mentions_in(lo, hi, "CITATION") or not _NARRATIVE.search(text, lo, hi):
                    self.current = []      # a paragraph about something else ends the case
            elif self.scopes and not marks[0] and any(marks[1:]) and \
                    view.mentions_in(sents[0].start, sents[-1].end, "CITATION"):
                # after the cases, a paragraph that opens on something else and cites the literature discusses
                # them ("Why it helped one patient and not the other is uncertain. Both received it ... (3)")
                self.current = []
                continue
            for s, mk in zip(sents, marks):
                paren = list(_PAREN_MARK.finditer(text, s.start, s.end)) if not mk else []
                if len(paren) >= 2:
                    self._paren_cases(s, paren)   # "a 69-year-old man (case 1) and a 67-year-old woman (case 2)"
                    continue
                inline = list(_APPOSED_MARK.finditer(text, s.start, s.end))
                if len(inline) >= 2 and len({case_number(m.group("id")) for m in inline}) >= 2:
                    self._apposed_cases(s, inline)   # "Patient A, a 66-year-old man, and Patient B, a 52-year-old woman, ..."
                    continue
                if len(paren) == 1 and paren[0].start() - s.start < 80 and case_number(paren[0].group("id")):
                    mk = [case_number(paren[0].group("id"))]   # "A 76-year-old man (case 1) developed ..."
                if mk == [0]:
                    if self.scopes and self.current:   # "Both received ..." inside the cases' text
                        self._clauses(s, sorted(self.scopes))
                    elif not self.scopes:
                        before.append(s)   # "All three patients below had ICANS ...": said of the cases to come
                    continue
                if mk:
                    self.current = mk
                elif len(_several(text, s.start, s.end)) >= 2:
                    continue               # "grade 1 in patients 1 and 5 and grade 2 in patients 3 and 4"
                elif self.current and view.mentions_in(s.start, s.end, "CITATION"):
                    self.current = []      # "Our experience mirrors a series (3)": back to the literature
                    continue
                if self.current:
                    self._clauses(s, self.current)
        if len(self.scopes) >= 2:
            for sc in self.scopes.values():
                sc.pieces = [(s, s.start, s.end) for s in before] + sc.pieces
        return self.scopes

    def _paren_cases(self, s: Sentence, marks) -> None:
        """Each case takes the words before its parenthesized marker; what follows is said of them all."""
        text = self.view.text
        cases = [case_number(m.group("id")) for m in marks]
        prev = s.start
        for m, n in zip(marks, cases):
            start = max(prev, text.rfind(",", prev, m.start()) + 1, text.rfind(" and ", prev, m.start()) + 4)
            if n:
                self.assign(s, start, m.end(), [n])
            prev = m.end()
        if prev < s.end:
            self.assign(s, prev, s.end, [n for n in cases if n])
        self.current = [n for n in cases if n]

    def _apposed_cases(self, s: Sentence, marks) -> None:
        """Each case takes its marker and the description set off by commas after it; the rest of the
        sentence ("both received ...") is said of them all."""
        text = self.view.text
        cases = [n for n in (case_number(m.group("id")) for m in marks) if n]
        end = s.start
        for m in marks:
            n = case_number(m.group("id"))
            stop = text.find(",", m.end(), s.end)
            end = stop if stop >= 0 else s.end
            if n:
                self.assign(s, m.start(), end, [n])
        if end < s.end:
            self.assign(s, end, s.end, cases)
        self.current = cases

    def _table_row(self, s: Sentence) -> list[int] | None:
        if not s.is_table_row:
            return None
        m = _TABLE_ID.match(self.view.text, s.start, s.end)
        n = case_number(m.group("id")) if m else None
        return [n] if n else None

    def _clauses(self, s: Sentence, cases: list[int]) -> None:
        """A sentence whose ';'-clauses open with other cases is split between them."""
        text = self.view.text
        cuts = [m.end() for m in _CLAUSE.finditer(text, s.start, s.end)]
        bounds = [s.start] + cuts + [s.end]
        current = cases
        for a, b in zip(bounds, bounds[1:]):
            marks = _marks_at(text, a, b) if a != s.start else None
            if marks is not None and marks != [0]:
                current = marks
                self.current = marks
            if current:
                self.assign(s, a, b, current)


def _cited_scopes(view: PaperView, allowed_sections: set[int]) -> list[Scope]:
    """Citation-anchored spans: from the sentence that introduces a study to its marker."""
    text = view.text
    by_par: dict[int, list[Sentence]] = {}
    for s in view.sentences:
        if s.section in allowed_sections:
            by_par.setdefault(s.paragraph, []).append(s)
    study, own, count = subject_cue("STUDY"), subject_cue("OWN"), _count_group()
    comparison = subject_cue("COMPARISON")
    scopes: list[Scope] = []
    seen: dict[str, int] = {}
    for _, sents in sorted(by_par.items()):
        lo_par, hi_par = sents[0].start, sents[-1].end
        prev_end = lo_par
        rows = _leading_markers(view, sents)
        if len(rows) >= 2:
            # a list of studies, each opening on its authors and marker ("Strati et al15  Case series ..."): each
            # study's text runs from its authors to the next study's
            for (c, a), (_, nxt) in zip(rows, rows[1:] + [(None, hi_par)]):
                sc = Scope(_cited_key(seen, tuple(c.value("refs"))), "cohort", "cohort", "cited",
                           tuple(c.value("refs")), citation=c)
                sc.pieces = [(s, max(s.start, a), min(s.end, nxt)) for s in sents if max(s.start, a) < min(s.end, nxt)]
                scopes.append(sc)
            continue
        for c in view.mentions_in(lo_par, hi_par, "CITATION"):
            cands = [s for s in sents if s.end > prev_end and s.start <= c.nstart]
            if not cands:
                continue
            start = None
            # a sentence that names a study and its result is self-contained ("A larger registry reported a
            # similar resolution rate (6)"); else the study begins at the first sentence naming or counting one
            last = cands[-1]
            a, b = max(last.start, prev_end), min(last.end, c.nstart)
            if study.search(text, a, b) and (count.search(text, a, b) or view.mentions_in(a, b, "OUTCOME")) and \
                    not own.match(text, a) and not re.match(rf"\s*(?:{own.pattern})\b", text[a:b], re.I):
                start = a
            for s in cands if start is None else ():
                a = max(s.start, prev_end)
                b = min(s.end, c.nstart)
                if own.match(text, a) or re.match(rf"\s*(?:{own.pattern})\b", text[a:b], re.I):
                    continue
                if study.search(text, a, b) or count.search(text, a, b):
                    start = a
                    break
            if start is None:
                start = max(cands[-1].start, prev_end)
            comp = [m.end() for m in comparison.finditer(text, start, c.nstart)]
            if comp:
                start = comp[-1]
            refs = tuple(c.value("refs"))
            sc = Scope(_cited_key(seen, refs), "cohort", "cohort", "cited", refs, citation=c)
            end = _trailing_clause_end(view, c, hi_par)
            if end == c.nend:
                end = _marker_mid_clause_end(view, c, hi_par)
            row = view.sentence_at(c.nstart)
            if row is not None and row.is_table_row and len(view.mentions_in(row.start, row.end, "CITATION")) == 1:
                start, end = row.start, row.end   # a row of a table of studies: its cells speak of the cited study
            for s in sents:
                a, b = max(s.start, start), min(s.end, end)
                if a < b:
                    sc.pieces.append((s, a, b))
            scopes.append(sc)
            prev_end = end
    return scopes


def _cited_key(seen: dict[str, int], refs: tuple[int, ...]) -> str:
    """"ref-4", then "ref-4-2" for the second study text citing [4]."""
    key = "ref-" + "-".join(map(str, refs))
    seen[key] = seen.get(key, 0) + 1
    return key + (f"-{seen[key]}" if seen[key] > 1 else "")


_LEAD_AUTHOR = re.compile(r"(?:^|(?<=\s))[A-Z][\w'-]+(?:[- ][A-Z][\w'-]+)?\s+(?:et\s+al\.?|(?:and|&)\s+[A-Z][\w'-]+)\s*$")


def _leading_markers(view: PaperView, sents: list[Sentence]) -> list[tuple]:
    """Markers that open a study's text ("Strati et al15  Case series of 8 adults ..."), with where each opens:
    the authors start a sentence or follow the previous marker with nothing between."""
    text, out, prev = view.text, [], None
    for c in view.mentions_in(sents[0].start, sents[-1].end, "CITATION"):
        sent = next((s for s in sents if s.start <= c.nstart < s.end), None)
        lo = max(sent.start, prev.nend) if sent is not None and prev is not None else (sent.start if sent else c.nstart)
        m = _LEAD_AUTHOR.search(text, lo, c.nstart)
        if m is not None and not text[lo:m.start()].strip() and c.nend < (sent.end if sent else c.nend) - 1:
            out.append((c, m.start()))
        prev = c
    return out


_TRAILING = re.compile(r"\s*,\s*(?:(?:all|none|both|each|neither|most|\w+)\s+of\s+(?:whom|which|them)|who|which|with)\b", re.I)
_TRAILING_END = re.compile(r",\s*(?:and|but|whereas|while)\b|;|\.(?:\s|$)")


def _trailing_clause_end(view: PaperView, c, hi: int) -> int:
    """Where a cited study's text ends: at its marker, or after a relative clause that follows the
    marker and still speaks of the study ("in 5 patients (12), all of whom improved within 4 days, and ...")."""
    text = view.text
    m = _TRAILING.match(text, c.nend, hi)
    if not m:
        return c.nend
    sent = view.sentence_at(c.nstart)
    limit = min(hi, sent.end if sent else hi)
    nxt = next((x.nstart for x in view.mentions_in(m.end(), limit, "CITATION")), limit)
    stop = _TRAILING_END.search(text, m.end(), nxt)
    return stop.start() if stop else nxt


def _marker_mid_clause_end(view: PaperView, c, hi: int) -> int:
    """A marker inside its clause ("Nakamura et al.7 described ...", "anakinra^10 at 8 mg/kg/day was given
    to 9 patients, of whom 6 improved"): the study's text goes on to the end of the sentence."""
    text = view.text
    nxt = text[c.nend:c.nend + 4]
    sent = view.sentence_at(c.nstart)
    # "In the patient described by Kim et al. (6), anakinra led to ...": the marker ends an opening phrase
    clause_lo = max(sent.start, text.rfind(";", sent.start, c.nstart) + 1) if sent is not None else c.nstart
    opening = re.match(r"\s*,\s*[a-z]", nxt) is not None and sent is not None and \
        not view.mentions_in(clause_lo, c.nstart, "OUTCOME")
    if not re.match(r"\s*[a-z]", nxt) and not opening:
        return c.nend          # at a clause or sentence end: the usual case
    if sent is None:
        return c.nend
    limit = min(hi, sent.end)
    semi = text.find(";", c.nend, limit)
    if opening or (semi >= 0 and view.mentions_in(semi, limit, "CITATION")):
        # "...; our patient, by contrast, did not benefit", "Lee et al. [3] treated 12 ...; in another cohort [4], ..."
        limit = semi if semi >= 0 else limit
    if view.mentions_in(c.nend, limit, "CITATION") or not view.mentions_in(c.nend, limit, "OUTCOME"):
        return c.nend
    return limit


def _fraction() -> re.Pattern:
    from .counts import FRACTION
    return FRACTION


def _count_group() -> re.Pattern:
    from .counts import GROUP
    return GROUP


_CASE_OPENER = re.compile(r"\s*(?:(?:A|An)\s+\d{1,3}[- ](?:year|yr)[- ]old|(?:Our|The)\s+(?:first|second|third|fourth|next|other)"
                          r"\s+(?:patient|case))\b")
_SMALL = 6


def _unnumbered_cases(view: PaperView, own: Scope) -> list[Scope]:
    """A small series told patient by patient without numbers ("We describe 2 patients ... A 71-year-old man
    received ..."): each paragraph opening on a new patient starts a case, numbered in order; what comes before
    the first stays the series'. Moves those pieces from ``own`` to the cases."""
    text, secs = view.text, view.layout.sections
    size = None
    for s, a, b in own.pieces:
        m = own_series().search(text, a, b)
        if m:
            n = next((c.n for c in _counts(text, m.start(), m.end()) if c.kind in ("group", "eq") and c.n), None)
            size = n if size is None else size
    if size is None or not 2 <= size <= _SMALL:
        return []
    cases: list[Scope] = []
    keep, current, par = [], None, None
    for piece in own.pieces:
        s, a, b = piece
        if secs[s.section].kind in ("discussion", "conclusion"):
            current = None
        elif a == s.start and _CASE_OPENER.match(text, a) and len(cases) < size:
            key, label = _case_label(len(cases) + 1)
            current = Scope(key, label, "patient", "case")
            cases.append(current)
        par = s.paragraph
        (current.pieces if current is not None else keep).append(piece)
    if not cases:
        return []
    # the series keeps what is said of it as a whole only if that tells a treatment or a result
    told = any(view.mentions_in(a, b, "DRUG", "DRUG_CLASS", "REGIMEN", "OUTCOME") for _, a, b in keep)
    own.pieces = keep if told else []
    return cases


def _counts(text: str, lo: int, hi: int):
    from .counts import counts_in
    return counts_in(text, lo, hi)


def _subtract(pieces, holes):
    out = []
    for s, a, b in pieces:
        segs = [(a, b)]
        for ha, hb in holes:
            nxt = []
            for x, y in segs:
                if hb <= x or ha >= y:
                    nxt.append((x, y))
                    continue
                if x < ha:
                    nxt.append((x, ha))
                if hb < y:
                    nxt.append((hb, y))
            segs = nxt
        out.extend((s, x, y) for x, y in segs if y - x > 3)
    return out


_OTHERS_PATIENT = re.compile(r"\b(?:patient|case|man|woman|child|boy|girl)\s+(?:\w+\s+){0,2}?(?:described|reported|treated)\s+by\b"
                             r"|\bet\s+al\b", re.I)


def text_of(view: PaperView, piece) -> str:
    return view.text[piece[1]:piece[2]]


def _starts_with(cue: re.Pattern, text: str, lo: int, hi: int) -> bool:
    """Whether a sentence opens with ``cue`` (after a section label such as "Methods:")."""
    lab = inline_label(text[lo:hi])
    return cue.match(text, lo + (lab[2] if lab else 0), hi) is not None or \
        cue.match(text, lo + len(text[lo:hi]) - len(text[lo:hi].lstrip()), hi) is not None


def assign_scopes(view: PaperView) -> list[Scope]:
    """Every subject scope of the paper, own subjects first, then cited studies."""
    secs = view.layout.sections
    fact_secs = {i for i, s in enumerate(secs) if s.kind not in _NO_FACTS}
    headed = _heading_cases(view)
    if headed:
        for s in view.sentences:
            if s.section in headed:
                headed[s.section].pieces.append((s, s.start, s.end))
        cases = [sc for sc in headed.values() if sc.pieces]
        # markers inside a single "Case presentation" section split it into cases
        if len(cases) == 1 and cases[0].key == "patient":
            inner = _CaseWalker(view).walk(set(headed), fact_secs)
            if len(inner) >= 2:
                cases = [sc for _, sc in sorted(inner.items()) if sc.pieces]
        case_secs = {i for i, s in enumerate(secs) if s.kind in ("case", "abstract_case")}
        # inside the case text, only a patient named as someone else's is a cited study
        # ("A comparable patient described by Okafor et al. (5) ... recovered after anakinra")
        told = [c for c in _cited_scopes(view, case_secs)
                if len(c.pieces) == 1 and _OTHERS_PATIENT.search(text_of(view, c.pieces[0]))]
        holes = [(a, b) for c in told for _, a, b in c.pieces]
        for sc in cases:
            sc.pieces = _subtract(sc.pieces, holes)
        taken = {(s.start, a) for sc in cases for s, a, _ in sc.pieces}
        cited = [c for c in _cited_scopes(view, fact_secs - case_secs)
                 if not any((s.start, a) in taken for s, a, _ in c.pieces)]
        return cases + told + cited
    case_text = {i for i, s in enumerate(secs) if i in fact_secs and s.kind not in _NOT_CASE_TEXT}
    walked = _CaseWalker(view).walk(case_text, fact_secs)
    if len(walked) >= 2:
        cases = [sc for _, sc in sorted(walked.items()) if sc.pieces]
        taken = {(s.start, a) for sc in cases for s, a, _ in sc.pieces}
        cited = [c for c in _cited_scopes(view, fact_secs) if not any((s.start, a) in taken for s, a, _ in c.pieces)]
        return cases + cited
    cited = _cited_scopes(view, fact_secs)
    holes = [(p[1], p[2]) for sc in cited for p in sc.pieces]
    own_sents = [(s, s.start, s.end) for s in view.sentences if s.section in fact_secs]
    text = view.text
    kinds = {sec.kind for sec in secs}
    series = own_series()
    intro_kinds = ("abstract", "methods", "results", "front", "abstract_case")
    own_cohort = any(series.search(text, s.start, s.end) and not view.mentions_in(s.start, s.end, "CITATION")
                     for s, _, _ in own_sents if secs[s.section].kind in intro_kinds) or {"methods", "results"} <= kinds
    single, single_start = subject_cue("SINGLE_CASE"), subject_cue("SINGLE_CASE_START")
    titles = [s for s in view.layout.sentences if secs[s.section].kind == "title"]
    one_patient = any(single.search(text, s.start, s.end) or _starts_with(single_start, text, s.start, s.end)
                      for s, _, _ in own_sents if secs[s.section].kind not in ("discussion", "conclusion")) or \
        any(single.search(text, s.start, s.end) for s in titles)
    explicit_series = any(series.search(text, s.start, s.end) and not view.mentions_in(s.start, s.end, "CITATION")
                          for s, _, _ in own_sents if secs[s.section].kind in intro_kinds)
    abstract_case = [i for i, sec in enumerate(secs) if sec.kind == "abstract_case"]
    if own_cohort and not (one_patient and (abstract_case or not explicit_series)):
        own = Scope("cohort", "cohort", "cohort", "own_cohort")
        own.pieces = _subtract(own_sents, holes)
        cases = _unnumbered_cases(view, own)
        return ([own] if own.pieces else []) + cases + cited
    if one_patient or abstract_case:
        body = [(s, a, b) for s, a, b in own_sents if secs[s.section].kind not in ("discussion", "conclusion", "intro")] \
            or [(s, a, b) for s, a, b in own_sents if secs[s.section].kind not in ("discussion", "conclusion")]
        own = Scope("patient", "patient", "patient", "case")
        own.pieces = _subtract(body, holes)
        return ([own] if own.pieces else []) + cited
    # no introduction at all ("Results. Twenty-nine patients received siltuximab ..."): a group treated
    # in the paper's own words, with no citation on it, is the paper's own series
    group, fraction = _count_group(), _fraction()
    told = [(s, a, b) for s, a, b in _subtract(own_sents, holes)
            if secs[s.section].kind not in ("intro", "discussion", "conclusion")]
    uncited = [(s, a, b) for s, a, b in told if not view.mentions_in(s.start, s.end, "CITATION")]
    treated = any(view.mentions_in(a, b, "DRUG", "DRUG_CLASS", "REGIMEN", "CELL_THERAPY") for _, a, b in uncited)
    if any((group.search(text, a, b) and treated or fraction.search(text, a, b) and view.mentions_in(a, b, "OUTCOME"))
           for s, a, b in uncited):
        own = Scope("cohort", "cohort", "cohort", "own_cohort")
        own.pieces = _subtract(own_sents, holes)
        return [own] + cited
    # nor a patient introduced: a course told day by day ("grade 2 ICANS appeared on day 4 and
    # dexamethasone was begun") is one patient's
    if any(_NARRATIVE.search(text, a, b) and view.mentions_in(a, b, "DAY") and view.mentions_in(a, b, "DRUG", "GRADE")
           and not view.mentions_in(s.start, s.end, "CITATION") for s, a, b in told):
        own = Scope("patient", "patient", "patient", "case")
        own.pieces = [p for p in told]
        return [own] + cited
    return cited
