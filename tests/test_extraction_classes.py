"""Phrasing classes the extraction machinery handles, each in a text written for this test."""
from pathlib import Path

import pytest

from kg.annotate import annotate_text
from kg.facts import extract_facts

DATA = Path(__file__).parent / "data" / "papers"


def _findings(text):
    f = extract_facts(annotate_text(text, "t"))
    return {(x.subject, "+".join(sorted(x.agents)), x.refractory, x.treated, x.responders, x.outcome) for x in f.findings}


@pytest.mark.parametrize("text,want", [
    # a group named by its failure is the next step's group, steroid-refractory
    ("Results\nFourteen patients with ICANS received dexamethasone, and it resolved in 11 of them. The 3 patients who "
     "did not respond were given siltuximab, and two of them improved.",
     {("cohort", "Dexamethasone", False, 14, 11, "resolution"), ("cohort", "Siltuximab", True, 3, 2, "improvement")}),
    # "none of which" fails every step of its sentence
    ("A 50-year-old man had grade 4 ICANS on day 6 after axi-cel. He received dexamethasone 20 mg IV every 6 hours and, "
     "from day 7, methylprednisolone 1 g IV daily, none of which improved his consciousness. Anakinra was started on "
     "day 9 and he recovered by day 14.",
     {("patient", "Dexamethasone", False, 1, 0, "no_response"), ("patient", "Methylprednisolone", True, 1, 0, "no_response"),
      ("patient", "Anakinra", True, 1, 1, "resolution")}),
    # a step told only by its result, and a step named by a pronoun
    ("Two cases of ICANS are described. Patient 1, a 61-year-old man with grade 3 ICANS on day 4, did not improve on "
     "dexamethasone and received anakinra on day 6; his ICANS resolved by day 9. Patient 2, a 47-year-old woman with "
     "grade 2 ICANS, received it on day 5 as first treatment and improved within a day.",
     {("case-1", "Dexamethasone", False, 1, 0, "no_response"), ("case-1", "Anakinra", True, 1, 1, "resolution"),
      ("case-2", "Anakinra", False, 1, 1, "improvement")}),
    # a percentage of a counted group is a count; of an uncounted one it is not
    ("Results\nThirty patients with steroid-refractory ICANS were treated with anakinra. Sixty percent of them improved.",
     {("cohort", "Anakinra", True, 30, 18, "improvement")}),
    # a group named by its failure with a count before it, and a part of it named by what it received
    ("Results\nForty adults with ICANS were given dexamethasone, which worked in 29. Among the 11 non-responders, 5 "
     "went on to receive siltuximab, with improvement in 2.",
     {("cohort", "Dexamethasone", False, 40, 29, "improvement"), ("cohort", "Siltuximab", True, 5, 2, "improvement")}),
    ("Results\nOf 25 patients treated with dexamethasone for ICANS, 16 improved within 3 days. Of the 9 patients whose "
     "ICANS did not improve, 6 were treated with anakinra, with resolution in 4.",
     {("cohort", "Dexamethasone", False, 25, 16, "improvement"), ("cohort", "Anakinra", True, 6, 4, "resolution")}),
    ("Results\nTwelve children received dexamethasone for ICANS and 8 recovered. The 4 non-responders were given "
     "anakinra, and 3 of them recovered.",
     {("cohort", "Dexamethasone", False, 12, 8, "resolution"), ("cohort", "Anakinra", True, 4, 3, "resolution")}),
    # a drug added to one already running is a step of its own; "responded only to a loud voice" is no response
    ("A 66-year-old woman had grade 2 ICANS on day 4 after axi-cel, and dexamethasone 10 mg IV every 6 hours was "
     "begun. The next day she responded only to a loud voice (grade 3 ICANS), and siltuximab 11 mg/kg IV was added "
     "to dexamethasone. She improved on day 7.",
     {("patient", "Dexamethasone", False, 1, 0, "no_response"), ("patient", "Siltuximab", True, 1, 1, "improvement")}),
    ("A 52-year-old man developed grade 3 ICANS on day 6 and received dexamethasone 20 mg IV every 6 hours. On day 8, "
     "in addition to dexamethasone, he was given anakinra 100 mg SC twice daily, and his ICANS resolved by day 11.",
     {("patient", "Anakinra", True, 1, 1, "resolution")}),
    # a steroid started and tapered once ICANS improved is a taper, not a treatment step
    ("A 9-year-old boy had grade 3 ICANS on day 5 after tisa-cel; methylprednisolone 30 mg/kg IV was given on days "
     "5 to 7 and he was fully oriented on day 8. Oral prednisone 1 mg/kg/day was then started and tapered over two "
     "weeks, and his ICANS resolved by day 10.",
     {("patient", "Methylprednisolone", False, 1, 1, "resolution")}),
    # a failure named inside the group does not reach the drug after the result
    ("Discussion\nIn a multicentre series, 9 of 14 patients whose ICANS progressed on dexamethasone improved after "
     "siltuximab [7].",
     {("ref-7", "Siltuximab", True, 14, 9, "improvement")}),
    # a group described by two nouns, which did two things in one sentence
    ("We describe six adult and adolescent patients who had persistent ICANS despite dexamethasone, and received "
     "siltuximab with prompt reversal of their symptoms.",
     {("cohort", "Siltuximab", True, 6, 6, "resolution")}),
    # a taper as the treatment; a partial recovery told as "not completely resolved"
    ("A 70-year-old man developed bilateral facial palsy four weeks after cilta-cel. He was started on a prednisone "
     "taper, and at 2 months his weakness had improved but not completely resolved.",
     {("patient", "Prednisone", False, 1, 1, "improvement")}),
    # a failed class told with "despite extensive ..."; a fatal course
    ("We report a 58-year-old woman with late ICANS after axi-cel. Despite aggressive systemic and intrathecal "
     "immunosuppression, her neurological decline was relentless and ultimately fatal.",
     {("patient", "Immunosuppressant", False, 1, 0, "no_response")}),
    # "the 5 responding patients" names a group; it is not a result
    ("Results\nTocilizumab was given to 10 patients with grade 2 ICANS, and 6 improved within 48 hours. Of the 6 "
     "responding patients, 2 needed a second dose of tocilizumab.",
     {("cohort", "Tocilizumab", False, 10, 6, "improvement")}),
    # two studies in one sentence split at the semicolon; "none of 6" counts six
    ("Discussion\nMendes et al. (2021) [4] treated 10 patients with steroid-refractory ICANS with anakinra and saw "
     "improvement in 7; in a second series [5], siltuximab given after steroid failure was followed by resolution in "
     "3 of 9 patients. Li and Park (2023) [6] gave tocilizumab first for ICANS, and none of 5 responded.",
     {("ref-4", "Anakinra", True, 10, 7, "improvement"), ("ref-5", "Siltuximab", True, 9, 3, "resolution"),
      ("ref-6", "Tocilizumab", False, 5, 0, "no_response")}),
    # the non-responders of a result told again are no second result; a route-only step after steroid failure
    ("Salvage therapy for steroid-refractory ICANS\n\nResults: All 11 patients received siltuximab after "
     "dexamethasone; ICANS improved in 8 of 11. Three patients did not respond: two received intrathecal therapy "
     "with subsequent improvement, and one died.",
     {("cohort", "Siltuximab", True, 11, 8, "improvement"), ("cohort", "", True, 2, 2, "improvement")}),
    # an attempt told in turn that failed as a whole
    ("A 71-year-old man had grade 2 ICANS on day 7 and improved on dexamethasone, but on day 13 he had grade 3 "
     "ICANS. Methylprednisolone 1 g IV daily was initiated, followed by anakinra 100 mg SC, without any clinical "
     "improvement.",
     {("patient", "Methylprednisolone", True, 1, 0, "no_response"), ("patient", "Anakinra", True, 1, 0, "no_response")}),
    ("A 60-year-old woman had grade 3 ICANS on day 6. She received dexamethasone 20 mg IV then siltuximab 11 mg/kg "
     "without improvement and died on day 14.",
     {("patient", "Dexamethasone", False, 1, 0, "no_response"), ("patient", "Siltuximab", True, 1, 0, "no_response")}),
])
def test_phrasing_class(text, want):
    got = _findings(text)
    assert want <= got, f"missing {want - got}; got {got}"
    assert not any("+" in f[1] and "+" not in "".join(w[1] for w in want) for f in got), got   # no merged steps


def test_deadline_day_does_not_date_the_drug():
    f = extract_facts(annotate_text("A 70-year-old woman developed grade 2 ICANS on day 5 after liso-cel. Dexamethasone "
                                    "10 mg IV every 6 hours was given, and she was back to her baseline by day 8.", "t"))
    (dex,) = [a for a in f.administrations if a.agent == "Dexamethasone"]
    assert dex.day == 5


def test_a_table_of_studies_gives_one_finding_per_row_under_its_caption():
    text = ("Management of neurotoxicity after CAR-T cells: what the case series show\n\n"
            "Results\nFour series were found (Table 2).\n\n"
            "Table 2. Agents used after failure of corticosteroids for ICANS\n"
            "Series\tYear\tN\tTreatment\tOutcome\n"
            "Okafor et al. [3]\t2020\t6\tAnakinra 100 mg SC q6h\t4/6 improved\n"
            "Lindqvist et al. [4]\t2021\t3\tSiltuximab 11 mg/kg IV\t0/3 (no response)\n"
            "Haddad et al. [5]\t2023\t5\tIntrathecal methotrexate + hydrocortisone\t5/5 resolved\n\n"
            "Discussion\nThe best results were with intrathecal therapy, which worked in five of five patients [5].\n\n"
            "Table 3. Outcome of dexamethasone as the first treatment\n"
            "Series | N | Treatment | Outcome\n"
            "Baptiste et al. [6] | 20 | Dexamethasone 10 mg IV | 17/20 improved\n")
    got = _findings(text)
    assert {("ref-3", "Anakinra", True, 6, 4, "improvement"), ("ref-4", "Siltuximab", True, 3, 0, "no_response"),
            ("ref-5", "Hydrocortisone+Methotrexate", True, 5, 5, "resolution"),
            ("ref-6", "Dexamethasone", False, 20, 17, "improvement")} <= got, got
    # the discussion tells [5] again: its five patients are counted once
    assert sum(1 for f in got if f[3] == 5) == 1, got


def test_a_patient_table_before_the_cases_gives_their_age_sex_and_product():
    text = ("Three patients with neurotoxicity after CAR-T therapy\n\n"
            "Introduction\nWe treated three adults for ICANS in 2023.\n\n"
            "Table 1. Baseline features\n"
            "Case\tAge (years)\tSex\tProduct\tWorst ICANS\n"
            "1\t47\tM\tliso-cel\tgrade 3\n"
            "2\t66\tF\tcilta-cel\tgrade 2\n"
            "3\t58\tF\taxi-cel\tgrade 4\n\n"
            "Case presentations\n"
            "Case 1 developed grade 3 ICANS on day 5 and received dexamethasone 10 mg IV every 6 hours; it resolved "
            "on day 8.\n\n"
            "Case 2 had grade 2 ICANS on day 6, treated with dexamethasone, and improved the next day.\n\n"
            "Case 3 was given anakinra on day 7 for grade 4 ICANS that persisted despite dexamethasone and recovered "
            "by day 12.\n")
    f = extract_facts(annotate_text(text, "t"))
    got = {(s.key, s.age, s.sex, s.cell_therapy) for s in f.subjects}
    assert got == {("case-1", 47, "male", "LisocabtageneMaraleucel"), ("case-2", 66, "female", "CiltacabtageneAutoleucel"),
                   ("case-3", 58, "female", "AxicabtageneCiloleucel")}, got


def test_a_bare_number_is_no_age_without_an_age_column():
    text = ("Two patients\n\nCase presentations\nCase 1 developed grade 3 ICANS on day 5 after liso-cel and received "
            "dexamethasone.\n\nCase 2 had grade 2 ICANS on day 6 after cilta-cel.\n\n"
            "Table 1. Course\nCase | Day of onset | Worst grade | Product\n1 | 5 | 3 | liso-cel\n2 | 6 | 2 | cilta-cel\n")
    f = extract_facts(annotate_text(text, "t"))
    assert {(s.key, s.age) for s in f.subjects} == {("case-1", None), ("case-2", None)}


def test_a_treatment_cell_lists_steps_in_turn():
    text = ("Two patients with severe ICANS\n\n"
            "Table 1. Summary\n"
            "Patient | Age | Product | Max ICANS | Treatment | Outcome\n"
            "1 | 59 | axi-cel | grade 4 | dexamethasone, methylprednisolone, anakinra | resolved\n"
            "2 | 71 | cilta-cel | grade 3 | dexamethasone | resolved\n\n"
            "Case descriptions\n"
            "Patient 1 developed grade 3 ICANS on day 5 and received dexamethasone 10 mg IV every 6 hours. On day 6 "
            "she reached grade 4 and was given methylprednisolone 1 g IV daily without improvement. Anakinra 100 mg SC "
            "every 6 hours was started on day 8, and ICANS resolved on day 11.\n\n"
            "Patient 2 developed grade 3 ICANS on day 7; dexamethasone 10 mg IV every 6 hours was given and it resolved "
            "on day 9.\n")
    got = _findings(text)
    assert {("case-1", "Dexamethasone", False, 1, 0, "no_response"), ("case-1", "Methylprednisolone", True, 1, 0, "no_response"),
            ("case-1", "Anakinra", True, 1, 1, "resolution"), ("case-2", "Dexamethasone", False, 1, 1, "resolution")} <= got, got
    assert not any(f[0] == "case-1" and "+" in f[1] for f in got), got   # never one step of all three


def test_a_taper_after_improvement_is_no_step():
    got = _findings("A 9-year-old boy had grade 3 ICANS on day 5 after tisa-cel; methylprednisolone 30 mg/kg IV was "
                    "given on days 5 to 7 and he was fully oriented on day 8. Oral prednisone 1 mg/kg/day was then "
                    "started and tapered over two weeks, and his ICANS resolved by day 10.")
    assert [f[1] for f in got] == ["Methylprednisolone"], got


def test_a_closing_paragraph_that_discusses_the_cases_belongs_to_no_case():
    text = ("Anakinra in two patients\n\n"
            "Our first patient, a 61-year-old man, had grade 3 ICANS on day 5 after axi-cel; dexamethasone failed, and "
            "anakinra 100 mg SC every 6 hours from day 7 led to resolution by day 10.\n\n"
            "Our second patient, a 45-year-old woman, had grade 4 ICANS on day 4 after cilta-cel. Dexamethasone and then "
            "anakinra from day 6 did not help, and she died on day 12.\n\n"
            "It is unclear why the outcomes differed. Both received anakinra within 48 hours of steroid failure, but "
            "our second patient had cerebral edema, as in a series where anakinra led to improvement in 2 of 7 "
            "patients with edema (5).\n")
    got = _findings(text)
    assert ("ref-5", "Anakinra", True, 7, 2, "improvement") in {(f[0], f[1], f[2], f[3], f[4], f[5]) for f in got}, got
    assert sum(1 for f in got if f[0] == "case-2" and f[1] == "Anakinra") == 1, got


def test_a_list_of_studies_each_opening_on_its_authors():
    # a table copied from a web page: cells glued, the marker a flattened superscript ("et al12")
    text = ("Table 3. Published reports of anakinra for neurotoxicity\n\n"
            "StudyDesignPatientsDoseOutcome\n"
            "Moreno et al12  Retrospective series 11 adults after axi-cel. 11 treated with anakinra for ICANS after "
            "dexamethasone failure 100 mg SC q6h 7 patients improved.\n"
            "Haddad and Lin13  Case report One child after tisa-cel. Anakinra 10 mg/kg/day IV given for HLH "
            "Improvement in HLH with falling ferritin.\n"
            "Osei et al14  Case series 3 adults with myeloma. 3 treated with anakinra, of whom 2 had resolution of "
            "ICANS within 3 days.\n")
    got = _findings(text)
    assert ("ref-12", "Anakinra", True, 11, 7, "improvement") in got, got
    assert ("ref-14", "Anakinra", False, 3, 2, "resolution") in got, got
    assert not any(f[0] == "ref-13" for f in got), got      # an improvement of HLH is no ICANS outcome


def test_a_flattened_superscript_after_et_al_is_a_citation():
    cites = [m for m in annotate_text("As Moreno et al12 showed, and Osei et al3,4 confirmed.", "t").mentions
             if m.label == "CITATION"]
    assert [m.values for m in cites] == [(("refs", (12,)),), (("refs", (3, 4)),)]
    assert not [m for m in annotate_text("Patients treated by Moreno et al in 2012 improved.", "t").mentions
                if m.label == "CITATION"]


def test_a_group_named_by_its_response_gives_no_second_finding():
    got = _findings("Results\nTocilizumab was given to 10 patients with grade 2 ICANS, and 6 improved within 48 hours. "
                    "Of the 6 responding patients, 2 needed a second dose of tocilizumab.")
    assert len(got) == 1, got


def test_a_fatal_course_makes_the_patient_dead():
    f = extract_facts(annotate_text("We report a 58-year-old woman with late ICANS after axi-cel. Despite aggressive "
                                    "immunosuppression, her neurological decline was relentless and ultimately fatal.", "t"))
    assert [s.died for s in f.subjects] == [True]


def test_the_product_named_as_a_time_reference_was_still_infused_on_day_0():
    f = extract_facts(annotate_text("A 76-year-old woman with myeloma presented 5 weeks after initiation of Carvykti "
                                    "with bilateral facial weakness. She was treated with a steroid taper and improved.", "t"))
    assert [(a.agent, a.day) for a in f.administrations if a.agent == "CiltacabtageneAutoleucel"] == \
        [("CiltacabtageneAutoleucel", 0)]


@pytest.mark.parametrize("text,status", [
    # a scope cut by its word limit inside a list reaches the whole list
    ("If confusion should recur at home, patients were told to take their rescue medications (acetaminophen 650 mg, "
     "lorazepam 1 mg and dexamethasone 10 mg) and call the unit.", "HYPOTHETICAL"),
    ("Because of her frailty she was never treated with tocilizumab, siltuximab, anakinra, ruxolitinib, dasatinib or "
     "cyclophosphamide.", "NEGATED|NOT_GIVEN"),
    ("The patient did not receive tocilizumab, siltuximab or anakinra.", "NEGATED|NOT_GIVEN"),
])
def test_items_of_one_list_share_their_context(text, status):
    drugs = [m for m in annotate_text(text, "t").mentions if m.label in ("DRUG", "PROCEDURE")]
    assert len(drugs) >= 3 and all(set(status.split("|")) & set(m.context) for m in drugs), \
        [(m.text, m.context) for m in drugs]


def test_a_list_does_not_carry_a_context_across_a_new_clause():
    text = "Tocilizumab was not given for ICANS, and anakinra 100 mg, dexamethasone 10 mg and levetiracetam were started."
    ctx = {m.text: m.context for m in annotate_text(text, "t").mentions if m.label == "DRUG"}
    assert "NOT_GIVEN" in ctx["Tocilizumab"] and not ctx["anakinra"] and not ctx["levetiracetam"], ctx
    text = "She did not receive tocilizumab, and anakinra 100 mg was started on day 6."
    ctx = {m.text: m.context for m in annotate_text(text, "t").mentions if m.label == "DRUG"}
    assert "NOT_GIVEN" in ctx["tocilizumab"] and not ctx["anakinra"], ctx
    text = "Because he had worsened on dexamethasone, methylprednisolone 30 mg/kg/day IV was given for 3 days."
    ctx = {m.text: m.context for m in annotate_text(text, "t").mentions if m.label == "DRUG"}
    assert "HISTORICAL" in ctx["dexamethasone"] and not ctx["methylprednisolone"], ctx


def test_a_statement_about_all_the_children_before_the_cases_is_said_of_each():
    text = ("Three children with neurotoxicity\n\nPatients\nAll three children received fludarabine 30 mg/m2 daily "
            "for four days and cyclophosphamide 500 mg/m2 daily for two days, followed by tisagenlecleucel on day 0.\n\n"
            "Child 1, a 6-year-old boy, had grade 2 ICANS on day 5 and received dexamethasone; it resolved by day 7.\n\n"
            "Child 2, a 9-year-old girl, had grade 1 ICANS on day 4 that cleared without treatment by day 5.\n\n"
            "Child 3, a 14-year-old boy, had grade 3 ICANS on day 6 and received dexamethasone and then "
            "methylprednisolone; he recovered by day 12.\n")
    f = extract_facts(annotate_text(text, "t"))
    got = {(a.subject, a.agent, a.day) for a in f.administrations if a.agent in ("Tisagenlecleucel", "Cyclophosphamide")}
    assert got == {(f"case-{n}", agent, day) for n in (1, 2, 3)
                   for agent, day in (("Tisagenlecleucel", 0), ("Cyclophosphamide", None))}, got


def test_a_drug_given_before_each_dose_has_no_single_day():
    f = extract_facts(annotate_text("A 70-year-old man received teclistamab 0.06 mg/kg SC on day 1, 0.3 mg/kg on day 3 "
                                    "and 1.5 mg/kg on day 5. Each dose was preceded by dexamethasone 16 mg and "
                                    "diphenhydramine 50 mg. On day 6 he developed grade 2 ICANS.", "t"))
    assert {(a.agent, a.day) for a in f.administrations if a.agent in ("Dexamethasone", "Diphenhydramine")} == \
        {("Dexamethasone", None), ("Diphenhydramine", None)}


def test_the_response_day_is_the_earliest_dated_response():
    text = ("Two patients\n\nTable 1. Course\nPatient | Age | ICANS treatment | Outcome\n"
            "1 | 60 | dexamethasone, anakinra | resolved D14\n2 | 55 | dexamethasone | resolved D8\n\n"
            "Patient 1 had grade 3 ICANS on D6 despite dexamethasone; anakinra was started on D10, his speech returned "
            "on D11 and ICANS resolved by D14.\n\nPatient 2 had grade 2 ICANS on D5, received dexamethasone and "
            "improved the next day; it resolved by D8.\n")
    f = extract_facts(annotate_text(text, "t"))
    got = {(x.subject, "+".join(x.agents), x.start_day, x.response_day) for x in f.findings}
    assert ("case-1", "Anakinra", 10, 11) in got and ("case-2", "Dexamethasone", 5, 6) in got, got


@pytest.mark.parametrize("text,days", [("ICANS resolved by D8.", [8]), ("Grade 2 on D5. Then D+7.", [5, 7]),
                                       ("A ratio of D8.5 is no day.", [])])
def test_a_short_day_at_the_end_of_a_sentence(text, days):
    assert [m.value("day") for m in annotate_text(text, "t").mentions if m.label == "DAY"] == days


@pytest.mark.parametrize("text,days", [
    ("The cells were infused on hospital day 4. On hospital day 9 she had grade 2 ICANS.", [0, 5]),
    ("On day 3 after infusion (hospital day 7) he had grade 1 ICANS, and on hospital day 9 grade 3.", [3, 5]),
    ("He was admitted on day -6. On hospital day 9 he had grade 2 ICANS.", [-6]),   # infusion day unknown
])
def test_hospital_days_count_from_the_infusion_when_the_text_says_when_it_was(text, days):
    assert [m.value("day") for m in annotate_text(text, "t").mentions if m.label == "DAY"] == days


def test_a_group_size_in_parentheses_counted_again_is_no_citation():
    text = ("Forty patients had steroid-refractory ICANS. Those given siltuximab (16) improved more often than "
            "those given methylprednisolone (24): 10 of 16 versus 8 of 24. Anakinra has been used before (12).")
    cites = [m.value("refs") for m in annotate_text(text, "t").mentions if m.label == "CITATION"]
    assert cites == [(12,)], cites


def test_grades_said_of_several_cases_at_once():
    text = ("Three patients\n\nPatient 1 had grade 3 ICANS on day 5 and received dexamethasone.\n\n"
            "Patient 2 had grade 2 ICANS on day 4.\n\nPatient 3 had grade 4 ICANS on day 6.\n\n"
            "CRS preceded ICANS in every patient and was grade 1 in patients 1 and 3 and grade 2 in patient 2.\n")
    f = extract_facts(annotate_text(text, "t"))
    assert {(g.subject, g.grade) for g in f.grades if g.syndrome == "CRS"} == {("case-1", 1), ("case-3", 1), ("case-2", 2)}


def test_a_small_series_told_patient_by_patient_without_numbers():
    text = ("We describe the course of 2 patients with steroid-refractory ICANS treated with intrathecal therapy.\n"
            "A 64-year-old woman with mantle cell lymphoma received brexu-cel. On day 5 she developed grade 3 ICANS and "
            "received dexamethasone 10 mg every 6 hours without improvement. Intrathecal methotrexate and "
            "hydrocortisone were given on day 7, and she recovered by day 10.\n"
            "A 58-year-old man with myeloma received cilta-cel. On day 8 he had grade 4 ICANS that persisted despite "
            "dexamethasone; intrathecal cytarabine on day 10 was followed by improvement on day 12.\n")
    f = extract_facts(annotate_text(text, "t"))
    assert {(s.key, s.age, s.sex) for s in f.subjects if s.kind == "patient"} == {("case-1", 64, "female"),
                                                                                   ("case-2", 58, "male")}
    got = {(x.subject, "+".join(x.agents), x.refractory, x.outcome) for x in f.findings}
    assert ("case-1", "Hydrocortisone+Methotrexate", True, "resolution") in got, got
    assert ("case-2", "Cytarabine", True, "improvement") in got, got


def test_two_patients_introduced_in_one_paragraph_by_age():
    f = extract_facts(annotate_text((DATA / "two-patients-inline.txt").read_text(encoding="utf-8"), "t"))
    assert {(s.key, s.age, s.sex) for s in f.subjects} == {("case-1", 58, "male"), ("case-2", 66, "female")}


def test_a_failed_class_spelled_out_by_its_drugs():
    got = _findings("A 44-year-old man developed grade 3 ICANS on day 5 after axi-cel. Despite immunosuppression with "
                    "dexamethasone and siltuximab, he became comatose on day 7.")
    assert ("patient", "Dexamethasone+Siltuximab", False, 1, 0, "no_response") in got, got
    assert not any(f[1] == "Immunosuppressant" for f in got), got
