"""The HTML views in real headless Chromium: offline, drawn, no console errors, escaped."""
import json
import os
import re
import shutil
import subprocess

import pytest

from kg.build import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000"]


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium must be installed in CI (apt-get install chromium)")
        pytest.skip("chromium not installed")
    return CHROMIUM


def run_chromium(chromium, url, tmp_path, *extra):
    res = subprocess.run([chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
                         capture_output=True, text=True, timeout=120)
    console_errors = [l for l in res.stderr.splitlines()
                      if "CONSOLE" in l and re.search(r"error|uncaught", l, re.I)]
    return res, console_errors


def test_pages_are_self_contained(built):
    for page in (built / "html").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text, re.I):
            assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", tag, re.I), (page.name, tag)
            for ref in re.findall(r"\b(?:src|href)\s*=\s*\"([^\"]+)\"", tag):
                assert (page.parent / ref).is_file(), (page.name, ref)  # local files that exist


def page_data(page):
    return json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>',
                                page.read_text(encoding="utf-8"), re.S).group(1))


def body_attrs(dom):
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', re.search(r"<body[^>]*>", dom).group(0)))


def test_paper_view_draws_without_overlaps(built, chromium, tmp_path):
    page = built / "html" / "paper-pmid35896259.html"
    data = page_data(page)
    res, errors = run_chromium(chromium, page.as_uri(), tmp_path, "--dump-dom", "--window-size=1400,1000")
    assert res.returncode == 0, res.stderr[-2000:]
    attrs = body_attrs(res.stdout)
    assert int(attrs["data-drawn-nodes"]) == len(data["nodes"]) > 30
    assert attrs["data-overlaps"] == "0"        # no node or label box overlaps another, as Chromium drew them
    assert not errors, errors
    # one grade node per assessment and patient; titles, not bare ids
    grades = [n for n in data["nodes"] if n["kind"] == "grade"]
    assert len(grades) == len({n["id"] for n in grades}) == 10
    paper = next(n for n in data["nodes"] if n["kind"] == "paper")
    assert paper["label"] != "pmid35896259" and "None" not in json.dumps(data)
    shot = tmp_path / "paper.png"
    run_chromium(chromium, page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,800")
    assert shot.exists() and shot.stat().st_size > 10_000


def expected_marks(facts, onto):
    """What the timeline must draw, counted from the facts themselves."""
    own = {s.key: s for s in facts.subjects if s.kind == "patient" and not s.source}
    n = {"product": 0, "drug": 0, "grade": 0, "csf": 0, "outcome": 0, "death": 0}
    for a in facts.administrations:
        if a.subject in own:
            n["product" if onto.terms[a.agent].category == "cell_therapy" else "drug"] += 1
    n["grade"] = sum(1 for g in facts.grades if g.subject in own)
    n["csf"] = sum(1 for c in facts.csf if c.subject in own)
    outs = {(o.subject, o.syndrome, o.outcome, o.day) for o in facts.outcomes if o.subject in own}
    n["death"] = sum(1 for o in outs if o[2] == "death")
    n["death"] += sum(1 for s in own.values() if s.died and not any(o[0] == s.key and o[2] == "death" for o in outs))
    n["outcome"] = sum(1 for o in outs if o[2] != "death")
    return n


def test_timeline_draws_every_mark(built, chromium, tmp_path, repo):
    from kg.curation.paper import machine_facts
    from kg.graph.links import linked_meta
    from kg.ingest.corpus import load_corpus
    from kg.ontology import load_ontology

    onto = load_ontology()
    paper = load_corpus(repo / "corpus")[0]
    facts = machine_facts(paper, linked_meta(paper, {}), repo / "corpus", onto)[1]
    want = expected_marks(facts, onto)
    page = built / "html" / f"paper-{paper.id}.html"
    res, errors = run_chromium(chromium, page.as_uri(), tmp_path, "--dump-dom")
    dom = res.stdout
    timeline = re.search(r'<svg class="timeline".*?</svg>', dom, re.S).group(0)
    got = {k: len(re.findall(rf'<g class="mark[^"]*" data-kind="{k}"', timeline)) for k in want}
    assert got == want and sum(got.values()) > 20
    assert re.search(r'<span id="marks">(\d+)</span>', dom).group(1) == str(sum(want.values()))
    assert not errors, errors


def test_fact_deep_link_opens_its_evidence(built, chromium, tmp_path):
    from kg.views.query import load_query, run_query

    r = run_query(built, load_query("treatment_outcomes"))
    row = dict(zip(r.columns, next(x for x in r.rows if x[2] == "Case 2" and x[5] == "steroid_refractory")))
    page = built / "html" / "paper-pmid35896259.html"
    res, errors = run_chromium(chromium, page.as_uri() + "#fact=" + row["fact"], tmp_path, "--dump-dom")
    assert body_attrs(res.stdout)["data-opened"] == "yes"
    panel = re.search(r'<div id="evidence">(.*?)</aside>', res.stdout, re.S).group(1)
    # a treatment and the sentence that reports what followed it: two pieces of evidence
    assert "treatment - pmid35896259" in panel and "outcome - pmid35896259" in panel
    assert "<mark>methotrexate</mark>" in panel and "resolution of ICANS" in panel
    assert not errors, errors


def test_forest_plot_has_one_point_per_summary_row(built, chromium, tmp_path):
    from kg.views.query import load_query, run_query

    rows = run_query(built, load_query("treatment_summary")).rows
    page = built / "html" / "forest.html"
    res, errors = run_chromium(chromium, page.as_uri() + "#row-0", tmp_path, "--dump-dom")
    svg = re.search(r'<svg class="forest".*?</svg>', res.stdout, re.S).group(0)
    for mark in ("point", "ci", "n"):
        assert len(re.findall(rf'class="{mark}[ "]', svg)) == len(rows) > 5, mark
    assert len(re.findall(r'<a href="#row-\d+"', svg)) == len(rows)
    # a row's evidence: every finding it counts, linked to the fact on its paper's page
    section = re.search(r'<section id="row-0".*?</section>', res.stdout, re.S).group(0)
    counted = section.count(">counted<")
    first = dict(zip(run_query(built, load_query("treatment_summary")).columns, rows[0]))
    assert counted >= int(first["subjects"]) and 'href="paper-pmid35896259.html#fact=https://' in section
    assert not errors, errors


def test_untrusted_text_cannot_run(chromium, tmp_path):
    payload = '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'1\')"><script>document.title="PWNED"</script>'
    corpus = tmp_path / "corpus" / "papers" / "evil"
    corpus.mkdir(parents=True)
    (corpus / "paper.txt").write_text(
        f"Case 1\nA 50-year-old man {payload} developed grade 3 ICANS on day 8 despite dexamethasone. He received "
        f"IT methotrexate 12 mg {payload} on day 9 and his ICANS improved.\n",
        encoding="utf-8")
    (corpus / "meta.json").write_text(json.dumps({"id": "evil", "title": payload}), encoding="utf-8")
    out = tmp_path / "out"
    build(tmp_path / "corpus", out)
    for name in ("paper-evil.html", "forest.html", "corpus.html", "index.html"):
        text = (out / "html" / name).read_text(encoding="utf-8")
        assert "<script>document.title" not in text and "<img src=x" not in text, name
    page = out / "html" / "paper-evil.html"
    data = page_data(page)
    fact = next(iri for iri, f in data["facts"].items() if any("onerror" in e["sentence"] for e in f["evidence"]))
    for target in (page.as_uri() + "#fact=" + fact, (out / "html" / "forest.html").as_uri() + "#row-0"):
        res, errors = run_chromium(chromium, target, tmp_path, "--dump-dom")
        dom = res.stdout
        body = re.search(r"<body[^>]*>", dom).group(0)
        assert "data-pwned" not in body and "<title>PWNED" not in dom
        assert "&lt;img src=x onerror=" in dom  # shown as text


def test_page_and_synthesis_name_curated_facts_as_the_graph_does(tmp_path, corpus_copy):
    """A curated revision of a finding has an IRI of its own (-curated): the page, the timeline and the
    synthesis use the graph's IRIs, so every `fact` of kg query opens on the page."""
    import yaml
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.views.query import load_query, run_query

    assert CliRunner().invoke(cli, ["review", "pmid35896259", "--corpus", str(corpus_copy),
                                    "--curator", "Jane Doe"]).exit_code == 0
    path = corpus_copy / "papers" / "pmid35896259" / "curation.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(e for e in doc["facts"] if e["type"] == "finding" and e["subject"] == "Case 2"
         and e["setting"] == "first_line").update(status="edit", setting="steroid_refractory")
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    build(corpus_copy, out)
    r = run_query(out, load_query("treatment_outcomes"))
    facts = [dict(zip(r.columns, row))["fact"] for row in r.rows]
    assert any(f.endswith("-curated") for f in facts)
    data = page_data(out / "html" / "paper-pmid35896259.html")
    assert set(facts) <= {n["id"] for n in data["nodes"]}
    summary = run_query(out, load_query("treatment_summary"))
    counted = {e[0] for row in summary.rows
               for e in run_query(out, "PREFIX icans: <https://w3id.org/icans-kg/ontology#> SELECT ?f ?s WHERE { "
                                       "?s icans:countedFinding ?f }", {"s": dict(zip(summary.columns, row))["fact"]}).rows}
    assert counted <= set(facts) and any(f.endswith("-curated") for f in counted)
