"""Incremental and parallel builds give exactly what a full build gives."""
import shutil

from kg.build import build
from kg.ingest.corpus import add_paper
from kg.views.query import load_query, query_names, run_query
from kg.views.results import format_result

from .benchmarks.synth import corpus as synth_corpus


def files(out):
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and "store" not in p.relative_to(out).parts}


def answers(out):
    return {n: format_result(run_query(out, load_query(n)), "csv") for n in query_names() if n != "evidence"}


def make_corpus(root, n, seed=3):
    for pid, text in synth_corpus(n, seed=seed):
        (root / "papers" / pid).mkdir(parents=True)
        (root / "papers" / pid / "paper.txt").write_text(text, encoding="utf-8")
    return root


def test_adding_one_paper_annotates_only_it(tmp_path, corpus_copy):
    corpus = make_corpus(corpus_copy, 6)
    out = tmp_path / "out"
    first = build(corpus, out, jobs=1)
    assert len(first.annotated) == 7
    again = build(corpus, out, jobs=1)
    assert again.annotated == ()
    new = tmp_path / "new.txt"
    new.write_text("Case 1\nA 40-year-old man received IT methotrexate 12 mg on day 9 and improved on day 10.\n")
    add_paper(corpus, new, "zz-new")
    inc = build(corpus, out, jobs=1)
    assert inc.annotated == ("zz-new",)
    full = tmp_path / "full"
    build(corpus, full, jobs=1, full=True)
    assert files(out) == files(full)
    assert answers(out) == answers(full)


def test_removed_and_changed_papers(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 5)
    out = tmp_path / "out"
    build(corpus, out, jobs=1)
    victim = sorted((corpus / "papers").iterdir())[0]
    shutil.rmtree(victim)
    changed = sorted((corpus / "papers").iterdir())[0] / "paper.txt"
    changed.write_text(changed.read_text() + "\nThe patient died on day 40.\n")
    r = build(corpus, out, jobs=1)
    assert r.annotated == (changed.parent.name,)
    full = tmp_path / "full"
    build(corpus, full, jobs=1, full=True)
    assert files(out) == files(full) and answers(out) == answers(full)
    assert victim.name not in answers(out)["citations"]


def test_parallel_build_equals_serial(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 12)
    a, b = tmp_path / "a", tmp_path / "b"
    build(corpus, a, jobs=1)
    build(corpus, b, jobs=2)
    assert files(a) == files(b) and answers(a) == answers(b)
