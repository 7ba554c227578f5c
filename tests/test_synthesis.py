"""Synthesis across papers: Wilson intervals, duplicate reports linked and counted once, curator decisions, ASTCT."""
import json
import shutil

import pytest
from click.testing import CliRunner

from kg.annotate import annotate_text
from kg.build import build
from kg.cli import cli
from kg.errors import CorpusError
from kg.facts import extract_facts
from kg.synthesis.astct import check_paper, findings_in
from kg.synthesis.wilson import fraction3, wilson
from kg.views.query import load_query, run_query

from .conftest import DATA

SYNTH = DATA / "synthesis"


# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 1998;17:857-872, Table I, method 3 (score method without continuity correction)
NEWCOMBE = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
            (29, 29, 0.8830, 1.0)]


@pytest.mark.parametrize("r,n,low,high", NEWCOMBE)
def test_wilson_interval_matches_newcombe(r, n, low, high):
    lo, hi = wilson(r, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_edges_and_errors():
    assert wilson(0, 1)[0] == 0.0 and wilson(1, 1)[1] == 1.0
    lo, hi = wilson(5, 10)
    assert lo < 0.5 < hi and abs((0.5 - lo) - (hi - 0.5)) < 1e-12     # symmetric around one half
    assert wilson(1, 100)[0] > 0
    for bad in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError):
            wilson(*bad)
    assert [fraction3(x) for x in (2 / 3, 0.0005, 1.0, 0.0, 0.1235)] == ["0.667", "0.001", "1.000", "0.000", "0.124"]


def rows(out, name):
    r = run_query(out, load_query(name))
    return [dict(zip(r.columns, row)) for row in r.rows]


def make_corpus(base, links_yaml=None):
    corpus = base / "corpus"
    shutil.copytree(SYNTH, corpus / "papers")
    if links_yaml is not None:
        (corpus / "links.yaml").write_text(links_yaml, encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    base = tmp_path_factory.mktemp("synth")
    corpus = make_corpus(base)
    build(corpus, base / "out")
    return corpus, base / "out"


def summary_row(out, agents, setting):
    return next(r for r in rows(out, "treatment_summary") if (r["agents"], r["setting"]) == (agents, setting))


def test_duplicate_reports_are_linked_with_their_evidence(synth):
    _, out = synth
    links = {(l["paper"], l["subject"], l["other_paper"], l["other_subject"]): l for l in rows(out, "duplicate_links")}
    # the conference abstract and the full case report of one patient, and the series retelling that case
    abstract = links[("abstract-2021", "patient", "case-report-2022", "patient")]
    assert abstract["kind"] == "same_patient" and abstract["status"] == "proposed"
    for why in ("age 58", "female", "axicabtagene ciloleucel", "anakinra on day 7", "anakinra 100 mg",
                "ICANS grade 4 on day 7", "shared authors: haddad, lindqvist, okafor"):
        assert why in abstract["evidence"].split("; ")
    series = links[("case-report-2022", "patient", "series-2023", "Case 1")]
    assert "series-2023 cites case-report-2022" in series["evidence"] and "CSF opening pressure 28, lymphocytes 15" in series["evidence"]
    # the series' Case 2 is also a 58-year-old woman, but with another product and course: no link
    assert not any("Case 2" in (l[1], l[3]) for l in links)
    # a cited study that is in the corpus by PMID; one study cited by two papers
    assert links[("review-2024", "cohort", "cohort-2020", "")]["kind"] == "cited_paper"
    strati = links[("case-report-2022", "cohort", "series-2023", "cohort")]
    assert strati["kind"] == "same_study" and "reference DOI 10.1182/bloodadvances.2020002328" in strati["evidence"]


def naive(out, agents, setting):
    """The sum over treatment_outcomes rows with counts, every report counted."""
    treated = responders = 0
    for r in rows(out, "treatment_outcomes"):
        if (r["agents"], r["setting"]) == (agents, setting) and r["treated"] and r["responders"]:
            treated += int(r["treated"])
            responders += int(r["responders"])
    return responders, treated


def test_each_patient_is_counted_once(synth):
    _, out = synth
    row = summary_row(out, "anakinra", "steroid_refractory")
    # the woman is told three times (abstract, case report, series Case 1) and a cited one-patient cohort
    # of the series is that case report; cohort-2020's 12 patients are told again by the review
    assert naive(out, "anakinra", "steroid_refractory") == (1 + 1 + 1 + 1 + 0 + 1 + 8 + 8, 1 + 1 + 1 + 1 + 1 + 1 + 12 + 12)
    assert (row["responders"], row["treated"]) == ("10", "15")     # the woman, Case 2, Case 3, cohort-2020
    assert (row["subjects"], row["papers"]) == ("4", "5")
    assert (row["response_rate"], row["ci_low"], row["ci_high"]) == ("0.667", "0.417", "0.848")
    lo, hi = wilson(10, 15)
    assert (fraction3(lo), fraction3(hi)) == (row["ci_low"], row["ci_high"])
    strati = summary_row(out, "anakinra", "first_line")     # one study quoted by two papers
    assert (strati["responders"], strati["treated"], strati["papers"]) == ("4", "6", "2")


def test_summary_columns_follow_the_contract(synth):
    _, out = synth
    r = run_query(out, load_query("treatment_summary"))
    assert r.columns[:9] == ("agents", "setting", "papers", "subjects", "treated", "responders", "response_rate",
                             "ci_low", "ci_high")
    for row in (dict(zip(r.columns, x)) for x in r.rows):
        assert all(len(row[c].split(".")[1]) == 3 for c in ("response_rate", "ci_low", "ci_high"))
        assert float(row["ci_low"]) <= float(row["response_rate"]) <= float(row["ci_high"])
    data = json.loads(CliRunner().invoke(cli, ["query", "treatment_summary", "--out", str(out), "--format", "json"]).output)
    assert isinstance(data[0]["response_rate"], float) and isinstance(data[0]["treated"], int)


def test_a_curator_rejects_and_adds_links(tmp_path, synth):
    corpus, out = synth
    r = CliRunner().invoke(cli, ["links", "--corpus", str(corpus), "--out", str(out)])
    assert r.exit_code == 0 and r.output.startswith(f"wrote 6 links to {corpus / 'links.yaml'} (6 proposed,")
    text = (corpus / "links.yaml").read_text(encoding="utf-8")
    # kg links again, before any build: the curator's decision in the file stays
    entry = "- a: review-2024/ref-1\n  b: cohort-2020\n  kind: cited_paper\n  status: "
    (corpus / "links.yaml").write_text(text.replace(entry + "proposed", entry + "rejected"), encoding="utf-8")
    r = CliRunner().invoke(cli, ["links", "--corpus", str(corpus), "--out", str(out)])
    assert "(5 proposed, 0 confirmed, 1 rejected)" in r.output
    assert entry + "rejected" in (corpus / "links.yaml").read_text(encoding="utf-8")
    (corpus / "links.yaml").unlink()
    # the abstract's patient is not the case report's: she counts as a patient of her own (a responder)
    rejected = text
    for other in ("case-report-2022/patient", "series-2023/case-1"):
        entry = f"- a: abstract-2021/patient\n  b: {other}\n  kind: same_patient\n  status: "
        assert entry + "proposed" in rejected
        rejected = rejected.replace(entry + "proposed", entry + "rejected")
    build(make_corpus(tmp_path / "r", rejected), tmp_path / "r" / "out")
    links = {(l["paper"], l["subject"], l["other_paper"], l["other_subject"]): l for l in rows(tmp_path / "r" / "out", "duplicate_links")}
    assert links[("abstract-2021", "patient", "case-report-2022", "patient")]["status"] == "rejected"
    row = summary_row(tmp_path / "r" / "out", "anakinra", "steroid_refractory")
    assert (row["responders"], row["treated"], row["subjects"]) == ("11", "16", "5")
    # a link kg did not propose, and one that names a paper no longer in the corpus
    added = text + ("- a: series-2023/case-2\n  b: series-2023/case-3\n  status: confirmed\n  note: a test\n"
                    "- a: gone-paper/case-1\n  b: series-2023/case-3\n  status: confirmed\n")
    report = build(make_corpus(tmp_path / "a", added), tmp_path / "a" / "out")
    assert any("gone-paper/case-1" in w and "links.yaml:" in w for w in report.warnings)
    links = {(l["paper"], l["subject"], l["other_paper"], l["other_subject"]): l for l in rows(tmp_path / "a" / "out", "duplicate_links")}
    new = links[("series-2023", "Case 2", "series-2023", "Case 3")]
    assert new["status"] == "confirmed" and new["evidence"] == "confirmed by a curator"
    # Case 2 and Case 3 now count once (as Case 2, the report with more details): 9 of 14 in 3 subjects
    row = summary_row(tmp_path / "a" / "out", "anakinra", "steroid_refractory")
    assert (row["responders"], row["treated"], row["subjects"]) == ("9", "14", "3")


def test_bad_links_file_names_its_line(tmp_path):
    corpus = make_corpus(tmp_path, "links:\n- a: x/case-1\n  b: y/case-2\n  status: maybe\n")
    with pytest.raises(CorpusError, match=r"links\.yaml:2: status 'maybe'; use proposed, confirmed or rejected"):
        build(corpus, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_astct_recomputes_grades_and_flags_disagreements():
    ann = annotate_text((DATA / "astct-grades.txt").read_text(encoding="utf-8"), "astct")
    checks = {c.subject.rsplit("/", 1)[1]: c for c in check_paper(ann, extract_facts(ann))}
    got = {k: (c.reported, c.recomputed, c.consistent, tuple(d for d, _, _ in c.findings)) for k, c in checks.items()}
    assert got == {
        "case-1": (2, 2, True, ("ICE score",)),                        # ICE 4 -> 2; "negative for seizure" is no seizure
        "case-2": (2, 3, False, ("ICE score",)),                       # ICE 2 -> 3, reported 2
        "case-3": (3, 4, False, ("seizure",)),                         # status epilepticus -> 4, reported 3
        "case-4": (4, 4, True, ("consciousness", "cerebral edema")),   # tactile only -> 3, diffuse edema -> 4
    }
    c = checks["case-2"]
    assert ann.text[c.start:c.end] == c.quote and c.quote.startswith("ICE score fell to 2")


@pytest.mark.parametrize("text,expected", [
    ("EEG was negative for seizure activity.", []),
    ("levetiracetam was given for seizure prophylaxis", []),
    ("no evidence of cerebral edema", []),
    ("anti-seizure medication was continued", []),
    ("he was unresponsive to dexamethasone", []),
    ("She had a generalized tonic-clonic seizure.", [("seizure", 3)]),
    ("ICE score of 8/10", [("ICE score", 1)]),
    ("ICE score 10", [("ICE score", 0)]),
    ("awakens only to voice", [("consciousness", 2)]),
    ("left hemiparesis", [("motor", 4)]),
    ("papilledema on fundoscopy", [("cerebral edema", 4)]),
    ("focal edema on MRI", [("cerebral edema", 3)]),
])
def test_astct_findings(text, expected):
    assert [(d, g) for _, _, d, g in findings_in(text, 0, len(text))] == expected


def test_report_reads_like_a_table(synth):
    _, out = synth
    r = CliRunner().invoke(cli, ["report", "--out", str(out)])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    i = lines.index("Steroid-refractory ICANS (given after corticosteroids failed)")
    assert lines[i + 1].split() == ["treatment", "papers", "subjects", "responded", "rate", "95%", "CI"]
    assert lines[i + 3].split() == ["anakinra", "5", "4", "10/15", "67%", "42%-85%"]
    assert "Duplicate reports: 6 links, counted once; review them with `kg links`" in lines
    assert "ASTCT check: 3 reported ICANS grades recomputed from the findings stated beside them, 0 disagree" in lines
    r = CliRunner().invoke(cli, ["report", "--out", str(out.parent / "nothing")])
    assert r.exit_code == 1 and "no built graph here" in r.output


def test_synthesis_does_not_depend_on_the_hash_seed(tmp_path):
    """Links, summaries and checks are written byte for byte the same by processes with other hash seeds."""
    import os
    import subprocess
    import sys

    corpus = make_corpus(tmp_path)
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        subprocess.run([sys.executable, "-m", "kg", "build", "--corpus", str(corpus), "--out", str(out)],
                       check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED=seed))
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in (outs[0] / "synthesis").rglob("*") if p.is_file())
    files += sorted(p.relative_to(outs[0]) for p in (outs[0] / "html").glob("*.html"))
    assert len(files) > 5
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    assert b"samePatientAs" in (outs[0] / "synthesis" / "graph.nq").read_bytes()


QUESTIONS_WITH_FACTS = ["refractory_responders", "administrations", "grade_course", "time_to_response", "cited_studies",
                        "patients", "csf_findings", "treatment_outcomes", "treatment_summary", "duplicate_links",
                        "astct_checks"]


@pytest.mark.parametrize("name", QUESTIONS_WITH_FACTS)
def test_every_row_can_be_explained(synth, name):
    _, out = synth
    r = run_query(out, load_query(name))
    assert r.columns[-1] == "fact" and r.rows, name
    for i, row in enumerate(r.rows):
        assert r.kind(i, len(row) - 1) == "iri"
        ev = run_query(out, load_query("evidence"), {"fact": row[-1]})
        assert ev.rows and all(e[6] for e in ev.rows), (name, row[-1])   # at least one sentence each


def test_standard_doses_and_demographics_never_link_patients_whose_courses_disagree():
    from kg.synthesis.duplicates import find_links
    from kg.synthesis.records import PaperRecord, SubjectRecord

    standard = ("dose|Dexamethasone|10|mg", "dose|Tocilizumab|8|mg/kg", "dose|Methotrexate|12|mg",
                "dose|Hydrocortisone|50|mg")
    course = ("adm|Tocilizumab|2", "adm|Dexamethasone|3", "grade|ICANS|3|3", "grade|CRS|2|2")

    def paper(name, tokens):
        iri = f"https://w3id.org/icans-kg/id/paper/{name}"
        s = SubjectRecord(f"{iri}/subject/patient", "patient", "patient", "patient", age=60, sex="male",
                          cell_therapy="AxicabtageneCiloleucel", diagnosis="DiffuseLargeBCellLymphoma", tokens=tokens)
        return PaperRecord(name, iri, subjects=(s,))

    a = paper("a", standard + course)
    b = paper("b", standard + ("adm|Tocilizumab|2", "adm|Dexamethasone|4", "grade|ICANS|3|4", "grade|CRS|2|2"))
    c = paper("c", standard[:2] + course)                       # the same patient, told with fewer doses
    d = paper("d", standard + course[:2] + ("grade|ICANS|4|3",))  # another grade on the same day
    e = paper("e", standard)                                     # nothing dated in common
    links = {(l.a.split("/")[-3], l.b.split("/")[-3]) for l in find_links([a, b, c, d, e])}
    assert links == {("a", "c")}


def test_incremental_synthesis_equals_a_full_one(tmp_path):
    """A build that adds papers compares only pairs with a new paper, and ends where a full build ends."""
    corpus = make_corpus(tmp_path)
    held = tmp_path / "held"
    held.mkdir()
    for name in ("abstract-2021", "series-2023"):
        shutil.move(str(corpus / "papers" / name), str(held / name))
    out = tmp_path / "out"
    build(corpus, out)
    assert not [l for l in rows(out, "duplicate_links") if l["kind"] == "same_patient"]   # one report of her yet
    for name in ("abstract-2021", "series-2023"):
        shutil.move(str(held / name), str(corpus / "papers" / name))
    r = build(corpus, out)
    assert sorted(r.annotated) == ["abstract-2021", "series-2023"]
    full = tmp_path / "full"
    build(corpus, full, full=True)
    for name in ("graph.nq", "links.json", "proposed-links.json"):
        assert (out / "synthesis" / name).read_bytes() == (full / "synthesis" / name).read_bytes(), name
    assert len(rows(out, "duplicate_links")) == 6
    # a changed paper's links are compared anew: the case report now says the patient is 59
    text = (corpus / "papers" / "case-report-2022" / "paper.txt").read_text(encoding="utf-8")
    (corpus / "papers" / "case-report-2022" / "paper.txt").write_text(text.replace("58-year-old", "64-year-old"),
                                                                       encoding="utf-8")
    build(corpus, out)
    build(corpus, full, full=True)
    assert (out / "synthesis" / "graph.nq").read_bytes() == (full / "synthesis" / "graph.nq").read_bytes()
    pairs = {(l["paper"], l["other_paper"]) for l in rows(out, "duplicate_links") if l["kind"] == "same_patient"}
    assert pairs == {("abstract-2021", "series-2023")}


def test_report_and_links_stay_light_and_fail_cleanly(synth, tmp_path):
    from .test_architecture import HEAVY, _imported

    _, out = synth
    loaded = _imported(["-m", "kg", "report", "--out", str(out)], tmp_path)
    assert "pyoxigraph" in loaded and not set(HEAVY) & loaded, set(HEAVY) & loaded
    r = CliRunner().invoke(cli, ["links", "--corpus", str(tmp_path / "c"), "--out", str(tmp_path / "nothing")])
    assert r.exit_code == 1 and r.output == (f"Error: {tmp_path / 'nothing' / 'synthesis' / 'links.json'}: no links "
                                             f"of a build here; run `kg build --out {tmp_path / 'nothing'}` first\n")


def test_a_bombed_links_file_is_refused_unexpanded(tmp_path):
    from kg.synthesis.decisions import load_decisions

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8)) + "links: []\n"
    (corpus / "links.yaml").write_text(bomb, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"links\.yaml:\d+:\d+: malformed links file \(refused"):
        load_decisions(corpus)
