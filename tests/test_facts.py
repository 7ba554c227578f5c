"""Fact extraction on small papers written for these tests (not the evaluation set)."""
import pytest

from kg.annotate import annotate_text
from kg.facts import extract_facts
from kg.ontology import load_ontology

from .conftest import DATA


def facts_of(name):
    text = (DATA / "papers" / name).read_text(encoding="utf-8")
    return extract_facts(annotate_text(text, name))


def label(tid):
    return load_ontology().terms[tid].label.lower()


def admin_rows(f):
    return {(a.subject, label(a.agent), a.dose_value, a.dose_unit, a.route, a.day) for a in f.administrations}


def finding_rows(f):
    return {(x.subject, "+".join(sorted(label(a) for a in x.agents)), x.route, x.refractory, x.treated,
             x.responders, x.outcome) for x in f.findings}


@pytest.fixture(scope="module")
def series():
    return facts_of("series-inline-labels.txt")


@pytest.fixture(scope="module")
def single():
    return facts_of("single-case-no-headings.txt")


@pytest.fixture(scope="module")
def cohort():
    return facts_of("cohort-results.txt")


def test_inline_patient_labels_become_cases(series):
    subjects = {s.key: s for s in series.subjects}
    assert subjects["case-1"].label == "Case 1" and subjects["case-2"].label == "Case 2"
    assert (subjects["case-1"].age, subjects["case-1"].sex) == (47, "male")
    assert label(subjects["case-1"].diagnosis) == "primary mediastinal b-cell lymphoma"
    assert label(subjects["case-2"].cell_therapy) == "ciltacabtagene autoleucel"
    # died is known only when the text says it: Case 1 is neither said to die nor to be alive
    assert subjects["case-2"].died is True and subjects["case-1"].died is None


def test_regimen_route_reaches_every_component(series):
    rows = admin_rows(series)
    for drug, dose in (("methotrexate", 15), ("cytarabine", 40), ("hydrocortisone", 50)):
        assert ("case-1", drug, dose, "mg", "intrathecal", 7) in rows


def test_refractory_responder_and_non_responder(series):
    rows = finding_rows(series)
    assert ("case-1", "cytarabine+hydrocortisone+methotrexate", "intrathecal", True, 1, 1, "resolution") in rows
    assert ("case-2", "ruxolitinib", "oral", True, 1, 0, "no_response") in rows
    ttr = {x.subject: (x.start_day, x.response_day, x.days_to_response) for x in series.findings if x.responders}
    assert ttr["case-1"] == (7, 9, 2)


def test_cited_study_counts_and_negated_benefit(series):
    rows = finding_rows(series)
    assert ("ref-4", "hydrocortisone+methotrexate", "intrathecal", True, 12, 10, "improvement") in rows
    assert ("ref-5", "siltuximab", None, True, None, None, "no_response") in rows


def test_single_case_without_headings(single):
    assert [s.label for s in single.subjects] == ["patient"]
    s = single.subjects[0]
    assert (s.age, s.sex, label(s.diagnosis), label(s.cell_therapy)) == (
        54, "female", "mantle cell lymphoma", "brexucabtagene autoleucel")
    rows = admin_rows(single)
    assert ("patient", "tocilizumab", 8, "mg/kg", "intravenous", 3) in rows
    assert ("patient", "siltuximab", 11, "mg/kg", "intravenous", 9) in rows
    assert ("patient", "brexucabtagene autoleucel", None, None, None, 0) in rows
    lymphodepletion = [r for r in rows if r[1] in ("fludarabine", "cyclophosphamide")]
    assert all(r[5] is None for r in lymphodepletion)
    grades = {(g.syndrome, g.grade, g.day) for g in single.grades}
    assert {("CRS", 2, 3), ("ICANS", 2, 6), ("ICANS", 3, 7)} <= grades
    assert [(c.day, c.opening_pressure, c.lymphocytes) for c in single.csf] == [(8, 24, 5)]
    refractory = [x for x in single.findings if x.refractory and x.responders]
    assert [("+".join(label(a) for a in x.agents), x.outcome) for x in refractory] == [("siltuximab", "resolution")]


def test_own_cohort(cohort):
    assert [(s.label, s.source, s.size) for s in cohort.subjects] == [("cohort", (), 21)]
    assert finding_rows(cohort) == {("cohort", "anakinra", "subcutaneous", True, 21, 15, "improvement")}
    assert ("cohort", "anakinra", 200, "mg", "intravenous", None) in admin_rows(cohort)


def test_every_fact_has_evidence_inside_the_text(series):
    text = (DATA / "papers" / "series-inline-labels.txt").read_text(encoding="utf-8")
    for group in (series.subjects, series.administrations, series.findings, series.grades, series.outcomes):
        for fact in group:
            ev = fact.evidence
            assert text[ev.start:ev.end] == ev.quote
            assert text[ev.sent_start:ev.sent_end] == ev.sentence
            assert ev.sent_start <= ev.start <= ev.end <= max(ev.sent_end, ev.end)


def test_care_report_subsections_and_pdf_breaks():
    f = facts_of("care-report-pdf.txt")
    assert [s.label for s in f.subjects if not s.source] == ["patient"]
    s = f.subjects[0]
    assert (s.age, s.sex, label(s.diagnosis)) == (38, "female", "b-cell acute lymphoblastic leukemia")
    rows = admin_rows(f)
    assert ("patient", "hydrocortisone", 50, "mg", "intrathecal", 10) in rows
    assert ("patient", "cytarabine", 30, "mg", "intrathecal", 10) in rows
    assert ("patient", "dexamethasone", 10, "mg", "intravenous", 6) in rows
    assert {("CRS", 1, 3), ("ICANS", 2, 6), ("ICANS", 4, 8)} <= {(g.syndrome, g.grade, g.day) for g in f.grades}
    own = [x for x in f.findings if x.subject == "patient" and x.responders]
    assert [(x.refractory, x.outcome, x.start_day, x.response_day, x.days_to_response) for x in own] == [
        (True, "resolution", 10, 13, 3)]
    cited = {x.subject: x for x in f.findings if x.subject.startswith("ref-")}
    assert (cited["ref-4"].treated, cited["ref-4"].responders, cited["ref-4"].refractory) == (9, 7, True)
    assert "ref-2-3" not in cited  # "non-responders to systemic steroids" is context, not an outcome


def test_case_series_without_headings():
    f = facts_of("ordinal-series.txt")
    subjects = {s.label: s for s in f.subjects if not s.source}
    assert set(subjects) == {"Case 1", "Case 2"}
    assert (subjects["Case 1"].age, subjects["Case 1"].sex) == (52, "male")
    assert (subjects["Case 2"].age, label(subjects["Case 2"].cell_therapy)) == (64, "brexucabtagene autoleucel")
    rows = admin_rows(f)
    assert ("case-1", "dasatinib", 100, "mg", "oral", 6) in rows      # "hospital day 9" is not a day after infusion
    assert ("case-2", "anakinra", 100, "mg", "subcutaneous", 7) in rows
    days = {x.subject: (x.start_day, x.response_day, x.days_to_response) for x in f.findings if x.responders}
    assert days == {"case-1": (6, 8, 2), "case-2": (7, 9, 2)}
    responders = {(x.subject, "+".join(label(a) for a in x.agents)) for x in f.findings if x.refractory and x.responders}
    assert responders == {("case-1", "dasatinib"), ("case-2", "anakinra")}


def test_cohort_with_leading_denominator():
    f = facts_of("cohort-of-leading.txt")
    assert finding_rows(f) == {("cohort", "cytarabine+hydrocortisone+methotrexate", "intrathecal", True, 18, 13,
                                "resolution")}
    assert ("cohort", "methotrexate", 15, "mg", "intrathecal", None) in admin_rows(f)
    assert not [s for s in f.subjects if s.source]  # "[1,2]" introduces no finding (no outcome)


def test_refractory_cue_knows_brand_names_from_the_ontology():
    text = ("Case presentation\nA 60-year-old man received Yescarta. On day 5 he had grade 3 ICANS. "
            "The encephalopathy persisted despite Decadron, so siltuximab 11 mg/kg IV was given on day 7. "
            "He improved on day 8.\n")
    f = extract_facts(annotate_text(text, "brand"))
    rows = {("+".join(label(a) for a in x.agents), x.refractory, x.responders) for x in f.findings}
    assert ("siltuximab", True, 1) in rows


def test_cohort_arms_each_get_their_own_treatment_and_counts():
    """A cohort abstract with several arms: agents and counts per clause, a non-responding arm,
    and a route that modifies another noun ("IT chemotherapy") does not attach to the drug before it."""
    f = facts_of("cohort-arms.txt")
    rows = finding_rows(f)
    assert ("cohort", "anakinra", None, True, 15, 11, "improvement") in rows
    assert ("cohort", "siltuximab", None, True, 6, 0, "no_response") in rows
    assert ("cohort", "cytarabine+hydrocortisone+methotrexate", "intrathecal", True, 9, 8, "resolution") in rows
    assert not [r for r in rows if r[-1] == "death"]          # a death without a named drug is no treatment finding
    assert all(a.route is None for a in f.administrations if label(a.agent) == "anakinra")


def test_cited_non_response_counts_zero_responders():
    text = ("Discussion\nSeveral groups reported second-line options. Intrathecal chemotherapy was ineffective "
            "in two patients [4,5]. Siltuximab helped one patient (6).\n")
    f = extract_facts(annotate_text(text, "cited-nonresponse"))
    rows = {(x.subject, "+".join(sorted(label(a) for a in x.agents)), x.route, x.treated, x.responders, x.outcome)
            for x in f.findings}
    assert any(r[1:] == ("chemotherapy", "intrathecal", 2, 0, "no_response") for r in rows), rows


def test_lettered_patients_and_a_day_after_a_drug_list():
    text = ("CASE REPORTS\n\nPatient A: A 38-year-old man received Tecartus. CRS began on day 3 and was treated "
            "with tocilizumab 8 mg/kg. On day 6 he had ICANS grade 3 and received dexamethasone 10 mg IV. Because "
            "ICANS worsened on day 7 despite dexamethasone, he was given intrathecal methotrexate 12 mg, cytarabine "
            "50 mg and hydrocortisone 50 mg on day 8. He improved on day 10.\n\n"
            "Patient B: A 62-year-old woman received Tecartus and had grade III ICANS on day 5.\n")
    f = extract_facts(annotate_text(text, "lettered"))
    assert [s.label for s in f.subjects] == ["Case 1", "Case 2"]
    days = {label(a.agent): a.day for a in f.administrations if a.subject == f.subjects[0].key}
    assert days["tocilizumab"] == 3          # "8 mg/kg. On day 6" ends the sentence
    assert days["methotrexate"] == days["cytarabine"] == days["hydrocortisone"] == 8
    assert ("Case 1", "cytarabine+hydrocortisone+methotrexate", "intrathecal", True, 1, 1, "improvement") in \
        {(s.label, *r[1:]) for s in f.subjects for r in finding_rows(f) if r[0] == s.key}


def test_cohort_fraction_counts_and_non_responders_as_a_group():
    text = ("Siltuximab for ICANS refractory to steroids\n\nAbstract\nEight adults (n = 8) with ICANS that worsened "
            "despite methylprednisolone were reviewed. All were given siltuximab 11 mg/kg. Improvement occurred in "
            "62% (5/8). Non-responders (n = 3) were given ruxolitinib; 1 of them improved.\n")
    rows = finding_rows(extract_facts(annotate_text(text, "fraction")))
    assert ("cohort", "siltuximab", None, True, 8, 5, "improvement") in rows
    assert ("cohort", "ruxolitinib", None, True, 3, 1, "improvement") in rows
    assert not [r for r in rows if r[-1] == "no_response"]   # "Non-responders (n = 3)" names a group


def test_responding_to_a_drug_is_not_a_new_administration_unless_dosed():
    text = ("Case description\nA 59-year-old woman received cilta-cel. On day 5 she had grade 3 ICANS that did not "
            "respond to methylprednisolone 1 g daily. Anakinra 100 mg SC was started on day 6. She responded "
            "promptly to anakinra, with full recovery by day 9.\n")
    f = extract_facts(annotate_text(text, "respond-to"))
    rows = {(label(a.agent), a.dose_value, a.day) for a in f.administrations}
    assert ("methylprednisolone", 1, 5) in rows
    assert [r for r in rows if r[0] == "anakinra"] == [("anakinra", 100, 6)]


def test_cited_subset_and_responders_of_them():
    text = ("Discussion\nOut of 20 reported patients, 12 received intrathecal therapy and 10 of them improved [8].\n")
    f = extract_facts(annotate_text(text, "subset"))
    assert [(x.route, x.treated, x.responders, x.outcome) for x in f.findings] == [("intrathecal", 12, 10, "improvement")]


def test_two_patients_read_as_one_are_named_not_merged_silently():
    text = ("Neurotoxicity after CAR T cells: a letter\n\nA 60-year-old man developed grade 3 ICANS on day 5 and "
            "received dexamethasone. A 45-year-old woman with lymphoma developed grade 2 ICANS on day 4 and "
            "improved on dexamethasone.")
    facts = extract_facts(annotate_text(text, "two"))
    patients = [s for s in facts.subjects if s.kind == "patient"]
    # either the two are told apart, or the build says where it could not
    assert len(patients) == 2 or any("ages 45, 60" in w and "line 3" in w for w in facts.warnings), facts.warnings
    one = extract_facts(annotate_text("A 60-year-old man developed grade 3 ICANS on day 5 after axi-cel and "
                                      "received dexamethasone; he improved by day 7.", "one"))
    assert one.warnings == ()
