"""Lead keys: a pattern tried only where its first words start finds exactly what a full scan finds."""
import re

import pytest

from kg.annotate import outcomes, patterns
from kg.annotate.cuefile import load_cue_file
from kg.annotate.leadkeys import DIGIT, PREFIX, KeyIndex, keyed_finditer, lead_keys
from tests import phrasing

from .benchmarks.synth import corpus


def _texts():
    texts = [c["text"] for c in phrasing.load_cases()]
    for _, t in corpus(40, seed=3):
        texts.append(t)
    # edge cases: glued units, hyphens, digits inside words, punctuation-led triggers, non-ASCII
    texts += ["10mg dexamethasone; D+5, D5-D7, POD3, C1D8 and day(POD) 3.", "non-responders (non responder) nonresponse",
              "Anakinra 100mg/d×3d was given q6h, b.i.d. and 2×10^6 cells/kg.", "İstanbul Ærø naïve café—ICANS→resolved"]
    return texts


TEXTS = _texts()


def _patterns():
    found = []
    for mod in (patterns, outcomes):
        for name, value in sorted(vars(mod).items()):
            if isinstance(value, re.Pattern):
                found.append(pytest.param(value, id=f"{mod.__name__.rsplit('.', 1)[1]}.{name}"))
    for name in ("context", "outcomes"):
        for r in load_cue_file(name):
            found.append(pytest.param(r.pattern, id=f"{name}:{r.index + 1}:{r.category}"))
    return found


@pytest.mark.parametrize("pattern", _patterns())
def test_keyed_scan_finds_what_a_full_scan_finds(pattern):
    for text in TEXTS:
        want = [(m.start(), m.end()) for m in pattern.finditer(text)]
        got = [(m.start(), m.end()) for m in keyed_finditer(pattern, text)]
        assert got == want, f"{pattern.pattern[:80]!r} on {text[:60]!r}"


def test_keys_of_simple_patterns():
    assert lead_keys(r"\bdespite\b") == {"desp"}
    assert lead_keys(r"\b(?:was|were)\s+given") == {"was", "were"}
    assert lead_keys(r"(?<![\w-])respon\w*") == {"resp"}
    assert lead_keys(r"\b\d+\s*mg") == {DIGIT}
    assert lead_keys(r"[;:]") == {";", ":"}
    assert lead_keys(r"respon\w*") is None          # could start inside "unresponsive"
    assert lead_keys(r"(?<![a-z])mg") is None       # "10mg": not a word start
    assert lead_keys(r"\s+later") is None
    assert lead_keys(r"\b\w+ly") is None
    assert lead_keys(r"\bno\b") == {"no"}                # the word "no" itself
    assert lead_keys(r"\bno") == {"no" + PREFIX}          # any word that begins with "no"


def test_index_holds_every_prefix():
    ix = KeyIndex("Non-responders got 10mg")
    assert ix.positions(["n" + PREFIX]) == [0] and ix.positions(["non"]) == [0]
    assert ix.positions(["resp"]) == [4] and ix.positions(["res" + PREFIX]) == [4] and ix.positions(["res"]) == []
    assert ix.by_key["-"] == [3]
    assert ix.by_key[DIGIT] == [19]
