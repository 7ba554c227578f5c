"""Every rule file carries its own positive and negative examples; each runs here through the whole annotator."""
import re

import pytest

from kg.annotate import annotate_text
from kg.annotate.cuefile import load_cue_file
from kg.facts.cues import PACKAGE, course_rules
from kg.ontology import load_ontology

_TARGET = re.compile(r"\[([^\]]+)\]")


def _cases(name):
    for rule in load_cue_file(name):
        for kind in ("positive", "negative"):
            for text in getattr(rule.examples, kind):
                yield pytest.param(rule, kind, text, id=f"{name}:{rule.index + 1}:{rule.category}:{kind}:{text[:40]}")


def _split(example: str):
    m = _TARGET.search(example)
    assert m, f"example without a [target]: {example!r}"
    text = example[:m.start()] + m.group(1) + example[m.end():]
    assert not _TARGET.search(text), f"one [target] per example: {example!r}"
    return text, m.start(), m.start() + len(m.group(1))


def _overlapping(mentions, a, b):
    return [m for m in mentions if m.start < b and a < m.end]


@pytest.mark.parametrize("rule,kind,example", list(_cases("context")))
def test_context_examples(rule, kind, example):
    text, a, b = _split(example)
    ann = annotate_text(text)
    targets = [m for m in _overlapping(ann.mentions + ann.dropped, a, b)
               if not rule.get("targets") or m.label in rule.get("targets")]
    if kind == "positive":
        assert targets, f"no mention of {rule.get('targets')} at {text[a:b]!r} in {text!r}"
        assert any(rule.category in m.context for m in targets), \
            f"{rule.category} does not reach {text[a:b]!r}: {[(m.label, m.context) for m in targets]}"
    else:
        assert not any(rule.category in m.context for m in targets), \
            f"{rule.category} wrongly reaches {text[a:b]!r} in {text!r}"


@pytest.mark.parametrize("rule,kind,example", list(_cases("outcomes")))
def test_outcome_examples(rule, kind, example):
    text, a, b = _split(example)
    found = [m for m in _overlapping(annotate_text(text).mentions, a, b) if m.label == "OUTCOME"]
    codes = [m.value("outcome") for m in found]
    if kind == "positive":
        assert rule.category in codes, f"expected {rule.category} at {text[a:b]!r} in {text!r}, got {codes}"
    elif rule.category == "pseudo":
        assert not found, f"{text[a:b]!r} is no outcome, got {codes}"
    else:
        assert rule.category not in codes, f"{text[a:b]!r} in {text!r} should not be {rule.category}"


def test_every_rule_has_examples():
    for name in ("context", "outcomes"):
        for rule in load_cue_file(name):
            if rule.get("direction") in ("terminate", "pseudo") or rule.category.startswith("modifier"):
                continue
            assert rule.examples.positive or rule.examples.negative, f"{rule.file}: rule {rule.index + 1} has no examples"


def _facts_cases():
    rules = list(course_rules(load_ontology())) + list(load_cue_file("subjects", PACKAGE))
    for rule in rules:
        for kind in ("positive", "negative"):
            for text in getattr(rule.examples, kind):
                yield pytest.param(rule, kind, text, id=f"{rule.file}:{rule.index + 1}:{rule.category}:{kind}:{text[:40]}")


@pytest.mark.parametrize("rule,kind,example", list(_facts_cases()))
def test_fact_cue_examples(rule, kind, example):
    """kg/facts/rules/*.yaml: a positive [text] is matched by a trigger of its rule, a negative is not."""
    text, a, b = _split(example)
    hits = [m for m in rule.pattern.finditer(text) if m.start() < b and a < m.end()]
    if kind == "positive":
        assert hits, f"no {rule.category} trigger at {text[a:b]!r} in {text!r}"
    else:
        assert not hits, f"{rule.category} trigger wrongly at {text[a:b]!r}: {[h.group() for h in hits]}"


def test_readme_counts_the_rule_files():
    """The README's table of cue files states how many rules and example sentences each has."""
    from pathlib import Path
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    files = {"kg/annotate/rules/context.yaml": load_cue_file("context"),
             "kg/annotate/rules/outcomes.yaml": load_cue_file("outcomes"),
             "kg/facts/rules/course.yaml": load_cue_file("course", PACKAGE),
             "kg/facts/rules/subjects.yaml": load_cue_file("subjects", PACKAGE)}
    for path, rules in files.items():
        examples = sum(len(r.examples.positive) + len(r.examples.negative) for r in rules)
        row = re.search(rf"\| `{re.escape(path)}` \|[^\n]*\| (\d+) \| (\d+) \|", readme)
        assert row, f"README has no row for {path}"
        assert (int(row.group(1)), int(row.group(2))) == (len(rules), examples), \
            f"{path}: README says {row.group(1)} rules / {row.group(2)} examples, the file has {len(rules)} / {examples}"
