"""Cue files: rule inventories kept as data (YAML beside the code), loaded and checked once.

A cue file is a YAML mapping with a ``rules`` list. Every rule names its ``category``,
its ``triggers`` (phrases, or regular expressions when ``regex: true``) and carries
``examples``: texts in which a bracketed ``[target]`` must (``positive``) or must not
(``negative``) be affected. The examples run as tests (tests/test_rules.py), so each
inventory documents and checks itself.

Phrases are matched case-insensitively on word boundaries, with any run of spaces in
the phrase matching any whitespace and a hyphen matching a hyphen, space or nothing.
Regular-expression triggers are bounded the same way (not inside a longer word) unless
the rule says ``bounded: false``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import OntologyError

RULES_PACKAGE = "kg.annotate.rules"


@dataclass(frozen=True)
class Examples:
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueRule:
    """One entry of a cue file: triggers sharing a category and the settings of their use."""

    file: str
    index: int
    category: str
    triggers: tuple[str, ...]
    pattern: re.Pattern
    settings: dict
    examples: Examples

    def get(self, key: str, default=None):
        return self.settings.get(key, default)


def phrase_regex(phrase: str) -> str:
    """A phrase as a regular expression: flexible whitespace and hyphens, word boundaries."""
    parts = []
    for word in re.split(r"\s+", phrase.strip()):
        pieces = [re.escape(p) for p in word.split("-")]
        parts.append(r"[-\s]?".join(pieces))
    body = r"\s+".join(parts)
    lead = r"\b" if re.match(r"\w", phrase.strip()) else ""
    tail = r"\b" if re.search(r"\w$", phrase.strip()) else ""
    return lead + body + tail


def _compile(file: str, i: int, triggers, is_regex: bool, bounded: bool) -> re.Pattern:
    alts = []
    for t in triggers:
        if not isinstance(t, str) or not t.strip():
            raise OntologyError(f"{file}: rule {i + 1}: every trigger must be a non-empty string, got {t!r}")
        alts.append(f"(?:{t})" if is_regex else phrase_regex(t))
    # longest first, so "did not respond" wins over "not"
    alts.sort(key=len, reverse=True)
    body = "|".join(alts)
    if is_regex and bounded:
        # a regex trigger is a whole word or phrase ("can" is not inside "ICANS"); the bounds are
        # written once around the alternation, so the engine tests them once a position
        body = rf"(?<![\w-])(?:{body})(?![\w])"
    try:
        return re.compile(body, re.I)
    except re.error as e:
        raise OntologyError(f"{file}: rule {i + 1}: bad trigger pattern ({e}); fix the YAML") from None


@lru_cache(maxsize=1)
def _strict_loader():
    """A safe YAML loader that refuses a key given twice in one mapping (a silent overwrite)."""
    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Strict


@lru_cache(maxsize=None)
def load_cue_file(name: str, package: str = RULES_PACKAGE, placeholders: tuple[tuple[str, str], ...] = (),
                  required: tuple[str, ...] = ("category", "triggers")) -> tuple[CueRule, ...]:
    """The rules of cue file ``NAME.yaml`` in ``package`` (cached).

    ``placeholders`` are (name, regex) pairs: ``{NAME}`` in a regex trigger becomes ``regex``
    (a vocabulary generated from the ontology, such as every corticosteroid name).
    """
    import yaml

    try:
        text = resources.files(package).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OntologyError(f"no cue file {name}.yaml in {package}; reinstall icans-kg") from None
    file = f"{package.replace('.', '/')}/{name}.yaml"
    try:
        data = yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as e:
        raise OntologyError(f"{file}: not valid YAML ({e}); fix the file") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise OntologyError(f"{file}: expected a mapping with a 'rules' list")
    rules = []
    for i, r in enumerate(data["rules"]):
        if not isinstance(r, dict):
            raise OntologyError(f"{file}: rule {i + 1} is not a mapping")
        missing = [k for k in required if k not in r]
        if missing:
            raise OntologyError(f"{file}: rule {i + 1} lacks {', '.join(missing)}")
        triggers = tuple(r["triggers"])
        for key, value in placeholders:
            triggers = tuple(t.replace("{" + key + "}", value) if isinstance(t, str) else t for t in triggers)
        ex = r.get("examples") or {}
        examples = Examples(tuple(ex.get("positive") or ()), tuple(ex.get("negative") or ()))
        settings = {k: v for k, v in r.items() if k not in ("triggers", "examples")}
        rules.append(CueRule(file, i, str(r.get("category", "")), triggers,
                             _compile(file, i, triggers, bool(r.get("regex")), r.get("bounded", True)), settings, examples))
    return tuple(rules)


@lru_cache(maxsize=None)
def cue_pattern(name: str, category: str, package: str = RULES_PACKAGE,
                placeholders: tuple[tuple[str, str], ...] = ()) -> re.Pattern:
    """One regular expression for every trigger of ``category`` in cue file ``name``."""
    rules = [r for r in load_cue_file(name, package, placeholders) if r.category == category]
    if not rules:
        raise OntologyError(f"{package}/{name}.yaml has no rule of category {category!r}")
    return re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules), re.I)
