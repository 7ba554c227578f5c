"""Normalization offset map, layout (headings, sections, sentences)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.annotate import annotate_text
from kg.text.layout import analyze, classify_heading
from kg.text.normalize import normalize


def test_dehyphenation_joins_words_but_keeps_compounds():
    n = normalize("methylpredni-\nsolone, steroid-\nrefractory, Solu-\nMedrol, B-\nALL")
    assert n.text == "methylprednisolone, steroid-refractory, Solu-Medrol, B-ALL"


def test_offsets_map_back():
    src = "intrathe-\ncal dexametha-\nsone"
    n = normalize(src)
    i = n.text.index("dexamethasone")
    a, b = n.span(i, i + len("dexamethasone"))
    assert src[a:b] == "dexametha-\nsone"


_CHARS = st.sampled_from(list("abcXYZ -\n\r\t\u2013\u2212\u00a0\ufeff.,()0123456789µ×") + ["-\n", "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, max_size=80).map("".join))
def test_normalized_chars_come_from_the_original(text):
    n = normalize(text)
    assert n.to_original(len(n.text)) == len(text)
    last = -1
    for i, ch in enumerate(n.text):
        o = n.to_original(i)
        # strictly increasing, but for the " | " a tab between table cells becomes (all three map to the tab)
        assert o > last or (o == last and text[o] == "\t" and ch in " |"), "the map must be increasing"
        last = o
        assert text[o] == ch or ch in " -\n'\"" or (text[o] == "\t" and ch in " |"), (i, ch, text[o])
        assert n.to_normalized(o) <= i


def test_tab_separated_rows_read_as_table_rows():
    src = "Table 2. Agents\nStudy\tN\tAgent\nOkafor et al. [3]\t6\tAnakinra SC\nA stray\ttab in prose.\n"
    lay = analyze(src)
    rows = [lay.norm.text[s.start:s.end] for s in lay.sentences if s.is_table_row]
    assert rows == ["Study | N | Agent", "Okafor et al. [3] | 6 | Anakinra SC"]
    assert "A stray tab in prose." in lay.norm.text
    m = next(m for m in annotate_text(src).mentions if m.text == "Anakinra")
    assert src[m.start:m.end] == "Anakinra"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["IT ", "methotrexate ", "12 mg", " (8-9). ", "day +5", "\n", "-\n",
                                 "grade IV ICANS", " D+7 ", "did not respond", "Solu-", "Medrol ", "x\u2013y",
                                 "\r\n", "Case 1\n", "[3,5]", "é", "\u00a0"]), max_size=30).map("".join))
def test_every_mention_slices_its_text(text):
    for m in annotate_text(text).mentions:
        assert text[m.start:m.end] == m.text
        assert m.start < m.end


def test_headings_and_sections():
    text = ("A title line without a period\n\nAbstract\nWe describe two patients.\n\nPatient 1\nA 61-year-old man "
            "was treated.\n\nCase 2:\nA woman.\n\nDiscussion\nStrati et al. reported it (16). Another study (17) did.\n"
            "\nReferences\n1. Someone. A paper.\n")
    layout = analyze(text)
    kinds = [(s.kind, s.case_number) for s in layout.sections]
    assert ("case", 1) in kinds and ("case", 2) in kinds and ("references", None) in kinds
    assert layout.sections[0].kind == "title"
    sents = [layout.text[s.start:s.end] for s in layout.sentences if not s.is_heading]
    assert "Strati et al. reported it (16)." in sents, sents


def test_citation_after_full_stop_joins_previous_sentence():
    layout = analyze("They improved after anakinra. (16) A second study followed.")
    sents = [layout.text[s.start:s.end] for s in layout.sentences]
    assert sents == ["They improved after anakinra. (16)", "A second study followed."]


def test_decimals_and_abbreviations_do_not_split():
    layout = analyze("Fever of 39.4 °C was seen, e.g. in Fig. 2 by Dr. Smith. Then it resolved.")
    assert len(layout.sentences) == 2


def test_classify_heading():
    assert classify_heading("Case 1") == ("case", 1)
    assert classify_heading("Patient II") == ("case", 2)
    assert classify_heading("Case presentation") == ("case", None)
    assert classify_heading("2. Discussion") == ("discussion", None)
    assert classify_heading("Case 1 was a 45-year-old man.") is None


def test_sentences_end_after_a_number_with_unit_but_not_after_initials():
    from kg.text.layout import analyze

    text = ("On day +4 he received dexamethasone 10 mg every 6 h. By day +6 he was obtunded. "
            "Methotrexate 12 mg. Then q6h. Next. See Fig. 2 and J. Smith et al. here. Tocilizumab 8 mg/kg. Done. It had 5 cells/µL. Next day.")
    got = [text[s.start:s.end] for s in analyze(text).sentences]
    assert got == ["On day +4 he received dexamethasone 10 mg every 6 h.", "By day +6 he was obtunded.",
                   "Methotrexate 12 mg.", "Then q6h.", "Next.", "See Fig. 2 and J. Smith et al. here.", "Tocilizumab 8 mg/kg.", "Done.", "It had 5 cells/µL.", "Next day."]
