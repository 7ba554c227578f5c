"""Streamed exports and corpus views equal what networkx makes of the whole projection."""
import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from kg.build import build
from kg.curation.paper import machine_facts
from kg.graph.links import linked_meta
from kg.ingest.corpus import load_corpus
from kg.ontology import load_ontology
from kg.views import html as site
from kg.synthesis.records import paper_record
from kg.synthesis.run import Synthesis
from kg.views.forest import overview_rows
from kg.views.projection import project, with_display_title

DATA = Path(__file__).resolve().parent / "data" / "papers"


@pytest.fixture(scope="module")
def three(tmp_path_factory, repo):
    """The seed paper and two test papers: shared agent/outcome/grade nodes across papers."""
    base = tmp_path_factory.mktemp("three")
    corpus = base / "corpus"
    shutil.copytree(repo / "corpus", corpus)
    for name in ("ordinal-series", "cohort-results"):
        d = corpus / "papers" / name
        d.mkdir()
        shutil.copy(DATA / f"{name}.txt", d / "paper.txt")
    build(corpus, base / "out")
    onto = load_ontology()
    papers = load_corpus(corpus)
    facts = [with_display_title(machine_facts(p, linked_meta(p, {}), corpus, onto)[1], p.text) for p in papers]
    return base / "out", project(facts, onto), facts, onto


def edge_multiset(g):
    return sorted((u, v, json.dumps(d, sort_keys=True)) for u, v, d in g.edges(data=True))


def node_map(g):
    return {n: dict(d) for n, d in g.nodes(data=True)}


def test_graphml_export_is_the_whole_projection(three):
    out, whole, _, _ = three
    g = nx.read_graphml(out / "graph.graphml")     # no options: parallel edges make it a multigraph
    assert isinstance(g, nx.MultiDiGraph) and g.number_of_nodes() == whole.number_of_nodes() > 30
    assert node_map(g) == node_map(whole)
    assert edge_multiset(g) == edge_multiset(whole)


def test_node_link_export_is_the_whole_projection(three):
    out, whole, _, _ = three
    g = nx.node_link_graph(json.loads((out / "graph.json").read_text(encoding="utf-8")))   # networkx 3.6 defaults
    assert isinstance(g, nx.MultiDiGraph)
    assert node_map(g) == node_map(whole)
    assert edge_multiset(g) == edge_multiset(whole)
    assert sorted(g.edges(keys=True)) == sorted(whole.edges(keys=True))


def test_graphml_edge_ids_are_unique_and_igraph_reads_it(three):
    import xml.etree.ElementTree as ET

    import igraph

    out, whole, _, _ = three
    ids = [e.get("id") for e in ET.parse(out / "graph.graphml").getroot().iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(ids) == whole.number_of_edges() == len(set(ids))
    g = igraph.Graph.Read_GraphML(str(out / "graph.graphml"))
    assert g.is_directed() and (g.vcount(), g.ecount()) == (whole.number_of_nodes(), whole.number_of_edges())
    assert sorted(g.vs["label"]) == sorted(d["label"] for _, d in whole.nodes(data=True))


def page_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', text, re.S).group(1))


def synthesis_of(facts, onto, tmp_path):
    syn = Synthesis()
    for f in facts:
        syn.add(paper_record(f, onto).to_json())
    return syn.finish(tmp_path, onto)


def test_corpus_overview_counts_patients_not_findings(three, tmp_path):
    out, _, facts, onto = three
    rows = {(r["agents"], r["setting"]): r for r in overview_rows(synthesis_of(facts, onto, tmp_path))}
    own, cited = {}, {}
    for f in facts:
        kinds = {s.key: s for s in f.subjects}
        for x in f.findings:
            key = ("+".join(sorted(onto.terms[a].label.lower() for a in x.agents)) or f"{x.route} (no drug named)",
                   x.setting)
            s = kinds[x.subject]
            if s.kind == "patient" and not s.source:
                own.setdefault(key, set()).add((f.paper_id, s.key))
            elif s.source:
                cited.setdefault(key, []).append(x.treated or 0)
    assert {k: r["n_patients"] for k, r in rows.items() if r["n_patients"]} == {k: len(v) for k, v in own.items()}
    assert {k: r["cited"][1] for k, r in rows.items() if r["cited"][0]} == {k: sum(v) for k, v in cited.items()}
    # a patient with two first-line steps counts once in "patients", never once per finding
    assert sum(r["n_patients"] for r in rows.values()) < sum(len(f.findings) for f in facts)
    page = (out / "html" / "corpus.html").read_text(encoding="utf-8")
    assert "the papers' own patients" in page and "cited studies" in page and "never findings" in page


def test_big_treatment_view_becomes_an_aggregate_with_a_full_table(three, tmp_path, monkeypatch):
    _, whole, facts, onto = three
    summaries = [(f.paper_id, json.loads(json.dumps(site.paper_summary(project([f], onto), f.paper_id))))
                 for f in facts]

    synthesized = synthesis_of(facts, onto, tmp_path)

    def write(folder):
        b = site.SiteBuilder()
        for pid, summary in summaries:
            b.add(pid, summary)
        b.write(folder, synthesized)

    agent = max((n for n, d in whole.nodes(data=True) if d["type"] == "drug"), key=whole.in_degree)
    name = f"treatment-{agent.split(':', 1)[1]}.html"
    write(tmp_path / "detail")
    detail = page_data(tmp_path / "detail" / name)
    subjects = set(whole.predecessors(agent))
    assert subjects <= {n["id"] for n in detail["nodes"]}       # small: every treated subject is drawn
    monkeypatch.setattr(site, "MAX_DETAIL", 5)
    write(tmp_path / "agg")
    agg = page_data(tmp_path / "agg" / name)
    kinds = {n["kind"] for n in agg["nodes"]}
    assert kinds <= {"drug", "outcome", "paper"} and len(agg["nodes"]) < len(detail["nodes"])
    treated = sum(int(e["label"].split()[0]) for e in agg["edges"] if e["label"].endswith("treated"))
    assert treated == len(subjects)
    table = (tmp_path / "agg" / name).read_text(encoding="utf-8")
    papers_with_agent = {n.split("/")[0].split(":", 1)[1] for n in subjects}
    assert all(f'href="paper-{pid}.html"' in table for pid in papers_with_agent)


def test_papers_are_named_by_title_never_by_a_bare_id():
    from kg.views.projection import display_title, title_from_text

    assert title_from_text("\n  Siltuximab after failure of corticosteroids in grade III ICANS\n\nA 54-year-old") == \
        "Siltuximab after failure of corticosteroids in grade III ICANS"
    for text in ("Abstract. Background/Aim: Chimeric antigen receptor", "Case 1\nA 50-year-old man",
                 "We describe two patients who developed ICANS after CAR T cells.", ""):
        assert title_from_text(text) == ""
    assert display_title({"title": "", "pmid": "35896259", "year": 2022}, "pmid35896259") == "PMID 35896259, 2022"
    assert display_title({"title": "A title"}, "x") == "A title"
