"""Regular-expression families for doses, days, grades, citations, ages and CSF values.

Each ``find_*`` function scans normalized text and returns candidates
``Candidate`` records; the pipeline turns them into mentions.
"""
from __future__ import annotations

import re

from .leadkeys import keyed_finditer
from .model import Candidate
from ..text.numbers import CARDINALS, NUMBER_RE, ORDINAL_RE, ordinal_number, roman_number, to_number, word_number

_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

_CELL_DOSE = re.compile(
    rf"(?<![\w.])(?:({_NUM})\s*(?:[x×*]|\\times)\s*)?10\s*(?:\^|\*\*)?\s*\(?([0-9⁰¹²³⁴⁵⁶⁷⁸⁹]{{1,2}})\)?\s*"
    r"(?:(?:total|viable|CAR[+]?(?:[\s-]*T)?(?:[\s-]*positive)?)\s*)*cells?\s*/\s*kg\b", re.I)
_MILLION_DOSE = re.compile(rf"(?<![\w.])({_NUM})\s*(million|billion)\s+(?:CAR[\s-]*T\s+)?cells?\s*/\s*kg\b", re.I)
_MASS_DOSE = re.compile(
    rf"(?<![\w.,])(?:({_NUM})\s*(?:-|–|to)\s*)?({_NUM})\s*(mg|g|mcg|µg|μg|ug|milligrams?|grams?|micrograms?)"
    r"(?:\s*/\s*(kg|m2|m²|m\^2|sqm|day|d|dose))?(?:\s*/\s*(?:day|d|dose|h|hr))?(?![\w/])")
_UNIT = {"mg": "mg", "milligram": "mg", "milligrams": "mg", "g": "g", "gram": "g", "grams": "g",
         "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg"}

_DAY_WORDS = "|".join(w for w, n in CARDINALS.items() if n <= 20)
_DAY = re.compile(
    rf"\b[Dd]ay\s*(?:\((?:POD|D|PID)\)\s*)?([+-]?)\s*(\d{{1,3}}|(?:{_DAY_WORDS})\b)\b(?!\s*(?:-|to)\s*\d)"
    r"(\s*(?:post[- ]?(?:infusion|CAR[- ]?T(?:[- ]?cell)?(?:\s+infusion)?|transplant(?:ation)?)"
    r"|after\s+(?:the\s+)?(?:CAR[- ]?T[- ]?(?:cell\s+)?)?infusion))?")
_DAY_D = re.compile(r"(?<![\w/])(?P<a>D\s?(?P<sign>[+-])\s?(?P<n1>\d{1,3}))\b"
                    r"|(?<![\w/+.-])(?P<b>D(?P<n2>\d{1,3}))(?![\w+/-]|\.\d)"
                    r"|(?<![\w/])(?P<c>POD\s?(?P<n3>\d{1,3}))\b"
                    r"|(?<![\w/])C1\s?(?P<d>D(?P<n4>\d{1,2}))\b"
                    r"|(?<![\w/+.-])(?P<e>D(?P<n5>\d{1,3}))\s?[-–~]\s?D\d{1,3}\b")     # "D6-D8": from its first day
# "days +6 and +7", "on days 3, 5 and 7": every day of the list
_DAY_LIST = re.compile(r"\b[Dd]ays\s*(?P<first>[+-]?\s?\d{1,3})(?P<rest>(?:\s*(?:,|and|&)\s*(?:and\s+)?[+-]?\s?\d{1,3}\b)+)")
_DAY_ITEM = re.compile(r"[+-]?\s?\d{1,3}\b")
_INFUSION = r"(?:the\s+)?(?:CAR[- ]?T(?:[- ]?cells?)?(?:\s+(?:cell\s+)?(?:infusion|therapy))?|cell\s+infusion|infusion)"
# "the 7th day", "on the third day after infusion", "Five days post-CAR T-cell infusion"
_ORDINAL_DAY = re.compile(rf"\bthe\s+(?P<ord>{ORDINAL_RE})\s+day\b(?P<anchor>\s+(?:after|post|following)[- ]?{_INFUSION})?", re.I)
# "on the day of her tisagenlecleucel infusion": day 0
_INFUSION_DAY = re.compile(r"\b(?:the\s+)?day\s+of\s+(?:the\s+|her\s+|his\s+|their\s+)?(?:[\w-]+\s+){0,3}?infusion\b", re.I)
_DAYS_AFTER = re.compile(rf"\b(?P<n>\d{{1,3}}|a|one|{'|'.join(w for w, n in CARDINALS.items() if 1 <= n <= 30)})\s+(?P<unit>days?|weeks?)\s+"
                         rf"(?:after|post|following)[- ]?{_INFUSION}", re.I)

_ROMAN_RE = r"(?:III|II|IV|V|I)"
_SYN = r"(ICANS|CRS|CRES|IEC-HS|neurotoxicity|cytokine release syndrome|immune effector cell-associated neurotoxicity syndrome)"
_GRADE_NUM = rf"([1-5]|{_ROMAN_RE})(?!\d|\.\d|[ABab]\b)"   # "grade 3A" grades follicular lymphoma
# with a syndrome next to it, a grade may be written as a word: "grade four ICANS"
_GRADE_NUM_W = rf"([1-5]|{_ROMAN_RE}|(?i:one|two|three|four|five)\b)(?!\d|\.\d)"
_GRADE_A = re.compile(rf"\b(?:[Gg]rade|[Gg]r\.?|G(?=[1-5]\b))\s*{_GRADE_NUM_W}(?!\s*(?:-|–|to|or)\s*(?:[1-5]|{_ROMAN_RE})\b)\s*\(?\s*{_SYN}\b")
_GRADE_B = re.compile(rf"\b{_SYN}\s*,?\s*\(?(?:[Gg]rade|[Gg]r\.?)\s*{_GRADE_NUM_W}(?!\s*(?:-|–|to)\s*[1-5])")
_GRADE_BARE = re.compile(rf"\b[Gg](?<![≥>≤<=] [Gg])(?<![≥>≤<=][Gg])rade\s*{_GRADE_NUM}(?!\s*(?:-|–|to)\s*(?:[1-5]|{_ROMAN_RE})\b)(?!\s*(?:or|and) (?:higher|greater|above|more|worse))(?!\s*\+)")
_SYN_CODE = {"icans": "ICANS", "cres": "ICANS", "neurotoxicity": "ICANS",
             "immune effector cell-associated neurotoxicity syndrome": "ICANS",
             "crs": "CRS", "cytokine release syndrome": "CRS", "iec-hs": "IEC-HS"}

_CITE = re.compile(r"([(\[])\s*(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\s*([)\]])")
_NUM_BEFORE = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?\s*(?:%|[A-Za-zµ/]{1,12})?\s*$")
_NUMBER_JUST_BEFORE = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?\s*%?\s*$")
# superscript numbers flattened into the text: "grading,1 corticosteroids", "et al.7 described",
# "dose.5 In", "anakinra^12"; "ref. 16"
_GLUED = re.compile(r"(?<=[A-Za-z)\]]{2})(?P<punct>[.,;:]|\^)(?P<body>\d{1,3}(?:\s?[,–-]\s?\d{1,3})*)(?=\s|$|[)\]]|[.,;:](?:\s|$))")
# "Strati et al15": a superscript flattened onto "et al" with no point (copied tables)
_ETAL_GLUED = re.compile(r"\bet\s+al(?P<body>\d{1,3}(?:[,–-]\d{1,3})*)(?=\s|$|[.,;:)\]])")
_SUPERSCRIPT = re.compile(r"(?<=[A-Za-z.,;:)])(?P<body>[¹²³⁴⁵⁶⁷⁸⁹⁰]+(?:[,–-][¹²³⁴⁵⁶⁷⁸⁹⁰]+)*)")
_REF_WORD = re.compile(r"\b(?:refs?|references?)\.?\s+(?P<body>\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\b", re.I)

_AGE = re.compile(r"\b(\d{1,3})[- ](?:years?|yrs?|y)[- ]old\b|\baged?\s*:?\s+(\d{1,3})\b"
                  r"|\b(\d{1,3})\s*(?:years?|yrs?)(?=\s*,\s*(?:male|female|man|woman|M|F)\b)", re.I)
# "61/F", "57 M", "F/61" in a table or a list of cases
_AGE_SEX = re.compile(r"(?:(?<=[|(])\s*|(?<![\w/.]))(?:(?P<a>\d{2}|(?<=[|(]\s)\d|(?<=[|(])\d)\s?/\s?(?P<s>[MF])"
                      r"|(?P<s2>[MF])\s?/\s?(?P<a2>\d{1,2}))(?![\w/])")
_SEX = re.compile(r"\b(man|male|boy|gentleman|woman|female|girl|lady)\b", re.I)
_FEMALE = {"woman", "female", "girl", "lady"}

_OPENING = re.compile(
    r"opening pressure\b[^.;\d]{0,25}?(\d+(?:\.\d+)?)\s*(cm\s*(?:of\s*)?(?:H2O|H₂O|water)(?:\s*\(H2O\))?|cmH2O|cm\s*H2O|mm\s*Hg|mmHg)?", re.I)
_LYMPHS = re.compile(r"(?<![\w.%])(\d+(?:\.\d+)?)\s*(?:lymphocytes|lymphs)\b(?!\s*%)|\blymphocytes?\s*(?:of|:|were|was|count(?: of)?)\s*(\d+(?:\.\d+)?)(?!\s*%)", re.I)

_N = rf"(?:{NUMBER_RE}|a|an)"
_REL = re.compile(
    rf"\b(?:(?P<days>{_N})\s+days?\s+later|(?:the\s+)?(?P<next>next|following)\s+(?:day|morning)"
    rf"|within\s+(?P<hw>{_N})\s+(?:hours|h|hrs)\b|within\s+(?P<dw>{_N})\s+days?\b"
    rf"|(?:the\s+)?(?P<same>same)\s+(?:day|evening|afternoon)|(?P<hl>{_N})\s+(?:hours|h|hrs)\s+later"
    rf"|(?P<wl>{_N})\s+weeks?\s+later)", re.I)


def near(pattern: re.Pattern, anchor: re.Pattern, t: str, before: int = 40, after: int = 60):
    """The matches of ``pattern`` in ``t`` found around the hits of a cheap ``anchor`` (words every
    match contains), left to right, without overlaps: a pattern that opens with a number or an
    alternation is then not tried at every character of a paper."""
    end = 0
    for a in anchor.finditer(t):
        if a.start() < end:
            continue
        for m in pattern.finditer(t, max(end, a.start() - before), min(len(t), a.end() + after)):
            if m.start() <= a.start() and m.end() >= a.end():
                end = m.end()
                yield m
                break
            if m.start() > a.start():
                break


def find_doses(t: str):
    out = []
    taken = []
    cells = "cell" in t or "Cell" in t or "CELL" in t
    for m in (keyed_finditer(_CELL_DOSE, t) if cells else ()):
        base = to_number(m.group(1)) if m.group(1) else 1
        exp = int(m.group(2).translate(_SUPER))
        value = to_number(str(round(base * 10 ** exp, 6)))
        out.append(Candidate(m.start(), m.end(), "DOSE", (("value", value), ("unit", "cells/kg")), ()))
        taken.append((m.start(), m.end()))
    for m in (keyed_finditer(_MILLION_DOSE, t) if cells and "illion" in t else ()):
        mult = 10 ** 6 if m.group(2).lower() == "million" else 10 ** 9
        out.append(Candidate(m.start(), m.end(), "DOSE", (("value", to_number(str(to_number(m.group(1)) * mult))), ("unit", "cells/kg")), ()))
        taken.append((m.start(), m.end()))
    for m in keyed_finditer(_MASS_DOSE, t):
        if any(a <= m.start() < b for a, b in taken):
            continue
        unit = _UNIT[m.group(3).lower() if m.group(3) not in ("µg", "μg") else m.group(3)]
        per = (m.group(4) or "").lower()
        if per == "kg":
            unit += "/kg"
        elif per in ("m2", "m²", "m^2", "sqm"):
            unit += "/m2"
        low, high = (to_number(m.group(1)), to_number(m.group(2))) if m.group(1) else (to_number(m.group(2)), None)
        if high is not None and not low < high:
            low, high = high, None      # "10-10 mg": not a range
        extra = (("value_max", high),) if high is not None else ()
        # a range keeps its lower bound as the value and its upper bound apart ("8-10 mg/kg/day")
        out.append(Candidate(m.start(), m.end(), "DOSE", (("value", low), ("unit", unit)), extra))
    return out


_NOT_INFUSION_DAY = re.compile(r"\b(?:hospital|admission|illness|post-?operative|cycle|study|treatment|steroid|ICU)\s*$", re.I)


_A_AGE_SEX = re.compile(r"\d\s?/\s?[MF]\b|\b[MF]\s?/\s?\d")


_HOSPITAL_INFUSION = re.compile(
    r"\b(?:infused|infusion\s+(?:was\s+(?:given|performed)|took\s+place))\s+(?:[\w-]+\s+){0,3}?on\s+hospital\s+day\s*(?P<a>\d{1,3})\b"
    r"|\bon\s+hospital\s+day\s*(?P<b>\d{1,3})\b,?\s+(?:[\w-]+\s+){0,5}?(?:were|was)\s+infused\b"
    # "day 9 after infusion (hospital day 12)": the infusion was on hospital day 3
    r"|\bday\s*(?P<post>\d{1,3})\s+(?:after|post)[- ]?(?:the\s+)?(?:CAR[- ]?T[- ]?(?:cell\s+)?)?infusion\s*"
    r"\(\s*hospital\s+day\s*(?P<hd>\d{1,3})\s*\)", re.I)


def hospital_day_of_infusion(t: str) -> int | None:
    """The hospital day the cells were infused on, when the text says it once ("infused on hospital day 6"):
    "hospital day 10" is then day 4 after infusion."""
    found = {int(m.group("a") or m.group("b")) if m.group("hd") is None else int(m.group("hd")) - int(m.group("post"))
             for m in _HOSPITAL_INFUSION.finditer(t)} if "hospital" in t.lower() else set()
    return found.pop() if len(found) == 1 else None


def find_days(t: str):
    out = []
    listed = []
    infused = hospital_day_of_infusion(t)
    for m in keyed_finditer(_DAY_LIST, t):
        items = [m.group("first")] + [x.group() for x in _DAY_ITEM.finditer(m.group("rest"))]
        spans = [(m.start(), m.start("first") + len(m.group("first")))]
        for x in _DAY_ITEM.finditer(t, m.start("rest"), m.end("rest")):
            spans.append((x.start(), x.end()))
        for (a, b), item in zip(spans, items):
            out.append(Candidate(a, b, "DAY", (("day", int(item.replace(" ", ""))),), ()))
        listed.append((m.start(), m.end()))
    for m in keyed_finditer(_ORDINAL_DAY, t):
        out.append(Candidate(m.start(), m.end(), "DAY", (("day", ordinal_number(m.group("ord"))),), ()))
    for m in keyed_finditer(_INFUSION_DAY, t):
        out.append(Candidate(m.start(), m.end(), "DAY", (("day", 0),), ()))
    for m in keyed_finditer(_DAYS_AFTER, t):
        n = 1 if m.group("n").lower() == "a" else word_number(m.group("n"), allow_one_words=True)
        if n is not None and m.group("unit").lower().startswith("week"):
            n *= 7
        if n is not None:
            out.append(Candidate(m.start(), m.end(), "DAY", (("day", n),), ()))
    for m in keyed_finditer(_DAY, t):
        if any(a <= m.start() < b for a, b in listed):
            continue
        hospital = re.search(r"\bhospital\s*$", t[max(0, m.start() - 16):m.start()], re.I) is not None
        if _NOT_INFUSION_DAY.search(t, max(0, m.start() - 16), m.start()) and (infused is None or not hospital):
            continue  # "hospital day 9" counts from admission, not from the infusion (unless the text says which it was)
        n = word_number(m.group(2))
        if n is None:
            continue
        v = n * (-1 if m.group(1) == "-" else 1)
        if hospital:
            if re.search(r"\(\s*hospital\s*$", t[max(0, m.start() - 16):m.start()], re.I):
                continue    # "day 9 after infusion (hospital day 12)": the same day, told twice
            v -= infused
        out.append(Candidate(m.start(), m.end(), "DAY", (("day", v),), ()))
    for m in keyed_finditer(_DAY_D, t):
        key = next(k for k in "abcde" if m.group(k))
        if key == "a":
            v = int(m.group("n1")) * (-1 if m.group("sign") == "-" else 1)
        else:
            v = int(m.group("n2") or m.group("n3") or m.group("n4") or m.group("n5"))
        if key == "b" and re.search(r"(?:vitamin|IgG?|type|stage|phase|CD|HLA)\s*$", t[max(0, m.start() - 10):m.start()], re.I):
            continue
        out.append(Candidate(m.start(key), m.end(key), "DAY", (("day", v),), ()))
    return out


def _grade_value(s: str) -> int:
    return word_number(s) or roman_number(s)


_GRADE_CUE = re.compile(r"[Gg]r(?:ade|\.)|G[1-5]")


def find_grades(t: str):
    out = []
    spans = []
    if not _GRADE_CUE.search(t):
        return out
    for rx, gi, si in ((_GRADE_A, 1, 2), (_GRADE_B, 2, 1)):
        for m in keyed_finditer(rx, t):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            syn = _SYN_CODE[m.group(si).lower()]
            if syn not in ("ICANS", "CRS"):
                continue
            e = m.end()
            spans.append((m.start(), e))
            out.append(Candidate(m.start(), e, "GRADE", (("syndrome", syn), ("grade", _grade_value(m.group(gi)))), ()))
    for m in keyed_finditer(_GRADE_BARE, t):
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue
        before = t[max(0, m.start() - 12):m.start()].lower()
        if re.search(r"(high|low|higher|lower|stage|maximum|max)[- ]?$", before.strip()) or \
                re.search(r"[≥>≤<]=?\s*$", before):
            continue
        out.append(Candidate(m.start(), m.end(), "GRADE", (("syndrome", None), ("grade", _grade_value(m.group(1)))),
                    (("bare", True),)))
    return out


def _expand_refs(body: str) -> list[int] | None:
    refs: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body.strip()):
        if not part:
            return None
        r = re.split(r"\s*[-–]\s*", part)
        if len(r) == 1:
            refs.append(int(r[0]))
        elif len(r) == 2:
            a, b = int(r[0]), int(r[1])
            if not a < b or b - a > 50:
                return None
            refs.extend(range(a, b + 1))
        else:
            return None
    return sorted(set(refs))


def find_citations(t: str, ref_count: int | None = None):
    """In-text reference markers; ``ref_count`` (the length of the reference list, when known)
    bounds the numbers that can be references."""
    out = []
    max_seen = 0
    limit = ref_count or 999
    for m in keyed_finditer(_GLUED, t):
        refs = _expand_refs(m.group("body").replace(" ", ""))
        if not refs or refs[0] == 0 or refs[-1] > (ref_count or 150):
            continue
        if m.group("punct") in ".:" and re.match(r"\s*\d", t[m.end():m.end() + 3]):
            continue       # "1.5 2": a decimal list
        if m.group("punct") == "." and re.search(r"\b(?:Fig|Figure|Table|No|Vol|p|pp|grade|stage|day|version|v)$",
                                                   t[max(0, m.start() - 8):m.start()], re.I):
            continue
        if ref_count is None and m.group("punct") != "^" and not re.search(r"\bet\s+al$|[a-z]{3}$", t[max(0, m.start() - 6):m.start()]):
            continue
        out.append(Candidate(m.start("body"), m.end("body"), "CITATION", (("refs", tuple(refs)),), ()))
    for m in (_ETAL_GLUED.finditer(t) if "et al" in t else ()):
        refs = _expand_refs(m.group("body"))
        if refs and refs[0] > 0 and refs[-1] <= limit:
            out.append(Candidate(m.start("body"), m.end("body"), "CITATION", (("refs", tuple(refs)),), ()))
    for m in (_SUPERSCRIPT.finditer(t) if any(c in t for c in "¹²³⁴⁵⁶⁷⁸⁹⁰") else ()):
        refs = _expand_refs(m.group("body").translate(_SUPER))
        if refs and refs[0] > 0 and refs[-1] <= limit:
            out.append(Candidate(m.start("body"), m.end("body"), "CITATION", (("refs", tuple(refs)),), ()))
    for m in keyed_finditer(_REF_WORD, t):
        refs = _expand_refs(m.group("body"))
        if refs and refs[0] > 0 and refs[-1] <= limit:
            out.append(Candidate(m.start(), m.end(), "CITATION", (("refs", tuple(refs)),), ()))
    for m in keyed_finditer(_CITE, t):
        if (m.group(1) == "(") != (m.group(3) == ")"):
            continue
        refs = _expand_refs(m.group(2))
        if not refs or refs[0] == 0 or refs[-1] > 999:
            continue
        square = m.group(1) == "["
        lone = len(refs) == 1
        if refs[-1] > limit:
            continue                # beyond the reference list: a count
        if not square:
            before = t[max(0, m.start() - 40):m.start()]
            listed = ref_count is not None and "," in m.group(2) and "-" not in m.group(2) and "–" not in m.group(2)
            if _NUMBER_JUST_BEFORE.search(before) or (not lone and not listed and _NUM_BEFORE.search(before)):
                continue            # "50 days (23-62)", "7 (1-16)": a range or count; "5 patients (12)" is a citation
            after = t[m.end():m.end() + 12]
            if lone and re.match(r"\s+(?:or|patients?|cases?|of\s+\d)\b", after):
                continue            # "did not receive IT chemotherapy (7) or ..."
            if lone and refs[0] > max_seen + 25 and max_seen and ref_count is None:
                continue            # far beyond the references cited so far: a count
            if lone and ref_count is None:
                stop = t.find(". ", m.end())
                rest = t[m.end():stop if stop >= 0 else len(t)]
                if re.search(rf"(?:\bof|/)\s*{refs[0]}\b", rest):
                    continue        # "anakinra (18) ...: 14 of 18": the size of a group, counted again after it
        max_seen = max(max_seen, refs[-1])
        out.append(Candidate(m.start(), m.end(), "CITATION", (("refs", tuple(refs)),), ()))
    return out


def find_people(t: str):
    out = []
    for m in keyed_finditer(_AGE, t):
        out.append(Candidate(m.start(), m.end(), "AGE", (("age", int(m.group(1) or m.group(2) or m.group(3))),), ()))
    for m in near(_AGE_SEX, _A_AGE_SEX, t, 4, 4):
        age, sex = m.group("a") or m.group("a2"), m.group("s") or m.group("s2")
        a, b = (m.span("a"), m.span("s")) if m.group("a") else (m.span("a2"), m.span("s2"))
        out.append(Candidate(a[0], a[1], "AGE", (("age", int(age)),), ()))
        out.append(Candidate(b[0], b[1], "SEX", (("sex", "female" if sex == "F" else "male"),), ()))
    for m in keyed_finditer(_SEX, t):
        sex = "female" if m.group(1).lower() in _FEMALE else "male"
        out.append(Candidate(m.start(), m.end(), "SEX", (("sex", sex),), ()))
    return out


def find_measurements(t: str):
    out = []
    low = t.lower()
    for m in (_OPENING.finditer(t) if "opening pressure" in low else ()):
        unit = (m.group(2) or "cmH2O").lower()
        if "hg" in unit:
            continue
        out.append(Candidate(m.start(), m.end(), "MEASUREMENT",
                    (("measure", "opening_pressure"), ("value", to_number(m.group(1))), ("unit", "cmH2O")), ()))
    for m in (keyed_finditer(_LYMPHS, t) if "lymph" in low else ()):
        v = m.group(1) or m.group(2)
        out.append(Candidate(m.start(), m.end(), "MEASUREMENT",
                    (("measure", "csf_lymphocytes"), ("value", to_number(v)), ("unit", "cells/uL")), ()))
    return out


_REL_CUE = re.compile(r"later|next|following|within|same")  # over lowercased text


def find_relative_days(t: str):
    out = []
    if not _REL_CUE.search(t.lower()):
        return out
    for m in keyed_finditer(_REL, t):
        def n(key: str) -> int | None:
            w = m.group(key).lower()
            return 1 if w in ("a", "an") else word_number(w, allow_one_words=True)
        if m.group("days"):
            off = n("days")
        elif m.group("next"):
            off = 1
        elif m.group("hw") or m.group("hl"):
            h = n("hw" if m.group("hw") else "hl")
            off = h // 24 if h is not None else None    # "36 hours later" from a morning: the next day
        elif m.group("dw"):
            off = n("dw")
        elif m.group("wl"):
            off = 7 * n("wl") if n("wl") is not None else None
        else:
            off = 0
        if off is None:
            continue
        out.append(Candidate(m.start(), m.end(), "RELATIVE_DAY", (("offset", off),), ()))
    return out


_EVERY = re.compile(rf"\bevery\s+(?P<n>\d{{1,2}}|{'|'.join(w for w, n in CARDINALS.items() if 1 <= n <= 24)})\s*(?:-\s*\d+\s*)?(?:hours?|hrs?|h)\b"
                    r"|\bq\.?\s?(?P<q>\d{1,2})\s?(?:h|hr|hrs|hours?)\b|\b(?P<word>BID|b\.i\.d\.|TID|t\.i\.d\.|QID|QD|q\.?d\.?|twice\s+(?:a\s+)?daily|"
                    r"twice\s+a\s+day|three\s+times\s+(?:a\s+)?da(?:il)?y|four\s+times\s+(?:a\s+)?da(?:il)?y|once\s+(?:a\s+)?da(?:il)?y|once\s+weekly|weekly|"
                    r"daily|per\s+day|a\s+day|every\s+day|single\s+dose|once)\b|(?<=\d)/\s?(?P<perday>day|d)\b"
                    r"|(?<=\d\s)/\s?(?P<perday2>day|d)\b", re.I)
_WORD_FREQ = {"bid": "q12h", "b.i.d.": "q12h", "twice daily": "q12h", "twice a daily": "q12h", "twice a day": "q12h",
              "tid": "q8h", "t.i.d.": "q8h", "qid": "q6h", "qd": "daily", "q.d.": "daily", "qd.": "daily",
              "once daily": "daily", "once a day": "daily", "daily": "daily", "per day": "daily", "a day": "daily",
              "every day": "daily", "weekly": "weekly", "once weekly": "weekly", "single dose": "once", "once": "once"}
_DURATION = re.compile(rf"\bfor\s+(?:a\s+total\s+of\s+)?(?P<n>\d{{1,2}}|{'|'.join(w for w, n in CARDINALS.items() if 1 <= n <= 30)})\s+"
                       r"(?:(?:consecutive|more|further)\s+)?(?P<unit>days?|doses?|weeks?)\b"
                       r"|(?:(?<![\w])[x×]|(?<=/d)×)\s?(?P<times>\d{1,2})(?:\s*(?P<unit2>days?|doses?|d))?(?![\w.^(])", re.I)


def find_schedules(t: str):
    """How often and how long a dose was given: FREQUENCY ("q6h", "daily") and DURATION ("3 days")."""
    out = []
    for m in keyed_finditer(_EVERY, t):
        if m.group("n"):
            freq = f"q{word_number(m.group('n'))}h"
        elif m.group("q"):
            freq = f"q{int(m.group('q'))}h"
        elif m.group("perday") or m.group("perday2"):
            freq = "daily"
        else:
            key = re.sub(r"\s+", " ", m.group("word").lower())
            freq = "q8h" if key.startswith("three times") else "q6h" if key.startswith("four times") else _WORD_FREQ.get(key, key)
        out.append(Candidate(m.start(), m.end(), "FREQUENCY", (("frequency", freq),), ()))
    for m in keyed_finditer(_DURATION, t):
        if m.group("n"):
            n, unit = word_number(m.group("n")), m.group("unit").lower().rstrip("s")
        else:
            n, unit = int(m.group("times")), (m.group("unit2") or "dose").lower().rstrip("s")
            unit = "day" if unit == "d" else unit
        if n:
            out.append(Candidate(m.start(), m.end(), "DURATION", (("duration", f"{n} {unit}{'s' if n != 1 else ''}"),), ()))
    return out


def reference_count(text: str, start: int, end: int) -> int | None:
    """The highest number of a numbered reference list in text[start:end], if any."""
    nums = [int(m.group(1)) for m in re.finditer(r"(?m)^\s*\[?(\d{1,3})[.)\]]\s", text[start:end])]
    return max(nums) if len(nums) >= 2 else None


FINDERS = (find_doses, find_days, find_grades, find_citations, find_people,
           find_measurements, find_relative_days, find_schedules)
