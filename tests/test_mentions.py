"""The annotator on small texts, one pattern family at a time (positives and negatives)."""

import pytest
import yaml

from kg.annotate import annotate_text
from kg.annotate.model import CONTRACT_LABELS

from .conftest import DATA

CASES = yaml.safe_load((DATA / "mention_cases.yaml").read_text(encoding="utf-8"))


def _find(mentions, label, surface):
    return [m for m in mentions if m.label == label and m.text == surface]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_mention_case(case):
    ann = annotate_text(case["text"])
    for label, surface, values in case.get("expect", []):
        found = _find(ann.mentions, label, surface)
        assert found, f"{label} {surface!r} not found in {[(m.label, m.text) for m in ann.mentions]}"
        got = found[0].to_json()
        for k, v in values.items():
            assert got[k] == v, f"{label} {surface!r}: {k}={got[k]!r}, expected {v!r}"
    for label, surface in case.get("absent", []):
        assert not _find(ann.mentions, label, surface), f"{label} {surface!r} should not be a mention"


def test_offsets_slice_the_original_text():
    text = "Solu-\r\nMedrol 1\u202fg IV on day\u2009+5\ufeff; intrathe-\ncal MTX (8\u20139)."
    ann = annotate_text(text)
    assert {m.label for m in ann.mentions} >= {"DRUG", "DOSE", "ROUTE", "DAY", "CITATION"}
    for m in ann.mentions:
        assert text[m.start:m.end] == m.text


def test_json_contract_shape():
    ann = annotate_text("IT methotrexate 12 mg (4).", "p1")
    data = ann.to_json(set(CONTRACT_LABELS))
    assert set(data) == {"paper", "text_sha256", "mentions"}
    assert [m["start"] for m in data["mentions"]] == sorted(m["start"] for m in data["mentions"])
    assert data["mentions"][0] == {"label": "ROUTE", "start": 0, "end": 2, "text": "IT", "route": "intrathecal"}


def test_it_in_an_all_caps_title_is_not_a_route():
    text = "INTRATHECAL CHEMOTHERAPY FOR ICANS: IT WORKS\n\nIt was given as IT MTX; it helped."
    routes = [m for m in annotate_text(text).mentions if m.label == "ROUTE" and m.text == "IT"]
    assert [text[m.start - 6:m.end] for m in routes] == ["en as IT"]


def test_tokenizer_has_no_english_special_cases():
    """No emoticons or contractions: '8)' splits, and the tokenizer cache stays on for the whole Doc."""
    from kg.annotate.pipeline import get_nlp

    tok = get_nlp().tokenizer
    assert [t.text for t in tok("(day 8) e.g. don't")] == ["(", "day", "8", ")", "e.g", ".", "don't"]
