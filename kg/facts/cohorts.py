"""Group-level findings: what a cited study, or the paper's own series, reports.

A finding needs an outcome; its agents come from the sentence that states the outcome
(drugs first, else a drug class), else from the text before it in the same span. The
counts come from "four out of six", "in five (71%) patients", "all these", "both",
"Out of 15 patients ..., 7 were ...", "series of 14 patients".
"""
from __future__ import annotations

import re

from ..ontology import Ontology
from ..text.clauses import semicolon_parts
from .cues import (ALL_OF, COUNT_GROUP, COUNT_OF, FRACTION, OF_LEADING, RESPONDER_COUNT, SUBSET, VAGUE, refractory_re,
                   not_given, number,
                   refractory_span)
from .givens import givens_in
from .model import Administration, Finding, GradeAssessment, Subject
from .scopes import Scope
from .view import PaperView

_POSITIVE = ("improvement", "resolution")


def _agents_in(view: PaperView, onto: Ontology, pieces) -> tuple[tuple[str, ...], str | None]:
    """(agents, route) named in ``pieces``: specific drugs first, else drug classes."""
    drugs, classes, routes = [], [], []
    for s, a, b in pieces:
        for g in givens_in(view, s, a, b, with_days=False):
            if g.label == "DRUG" and not onto.terms[g.agent].supportive:
                drugs.append(g.agent)
                if g.route:
                    routes.append(g.route)
        for m in view.mentions_in(a, b, "DRUG_CLASS", "REGIMEN"):
            if refractory_span(onto, view.text, m.nstart, m.nend) or onto.terms[m.term].supportive:
                continue
            if not_given(view.text, s.start, m.nstart, m.nend, s.end):
                continue
            if m.label == "REGIMEN":
                drugs.extend(onto.terms[m.term].components)
            else:
                classes.append(m.term)
        for m in view.mentions_in(a, b, "ROUTE"):
            routes.append(m.value("route"))
    agents = tuple(sorted(set(drugs))) or tuple(sorted(set(_most_specific(onto, classes))))
    return agents, (routes[0] if routes else None)


def _most_specific(onto: Ontology, classes):
    return [c for c in classes if not any(o != c and onto.is_a(o, c) for o in classes)]


def _counts(view: PaperView, pieces, outcome_piece) -> tuple[int | None, int | None]:
    text = view.text
    treated = responders = None
    treated_pos = None
    for _, a, b in pieces:
        m = SUBSET.search(text, a, b)
        if m:
            treated, treated_pos = number(m.group("n")), m.start("n")
            break
    oa, ob = outcome_piece[1], outcome_piece[2]
    m = COUNT_OF.search(text, oa, ob) or OF_LEADING.search(text, oa, ob) or FRACTION.search(text, oa, ob)
    if m and m.start("n") == treated_pos:
        m = None    # "Out of 20 patients, 12 received X": 12 is the treated subset, not the responders
    if m:
        n, tot = number(m.group("n")), number(m.group("m"))
        if n is not None and tot is not None and n <= tot:
            responders = n
            if treated is None:
                treated = tot
    if treated is None:
        for _, a, b in pieces:
            m = COUNT_OF.search(text, a, b)
            g = COUNT_GROUP.search(text, a, b)
            if m and (not g or m.start() <= g.start()):
                treated, treated_pos = number(m.group("m")), m.start()
                break
            if g:
                treated = number(g.group("n") or g.group("s") or g.group("eq"))
                treated_pos = g.start()
                break
    if responders is None:
        m = RESPONDER_COUNT.search(text, oa, ob)
        if m and m.start() != treated_pos and not ALL_OF.match(text, max(oa, m.start() - 4), m.start()):
            responders = number(m.group("n"))
    if responders is None:
        m = ALL_OF.search(text, oa, ob)
        if m and not VAGUE.search(text, oa, ob):
            responders = number(m.group("n")) if m.group("n") else treated
        elif not VAGUE.search(text, oa, ob):
            for g in COUNT_GROUP.finditer(text, oa, ob):
                if g.start() != treated_pos:
                    responders = number(g.group("n") or g.group("s") or g.group("eq"))
                    break
    if responders is not None and treated is not None and responders > treated:
        responders = None
    return treated, responders


def extract_cited(view: PaperView, scope: Scope, onto: Ontology):
    """Subject, administrations and finding of one cited-study span."""
    outcomes = [m for _, a, b in scope.pieces for m in view.mentions_in(a, b, "OUTCOME")]
    primary = next((o for o in outcomes if o.value("outcome") in _POSITIVE), None) or \
        next(iter(outcomes), None)
    lo, hi = scope.pieces[0][1], scope.pieces[-1][2]
    evidence = view.evidence(lo, hi)
    if primary is None:
        return None, [], None
    opiece = next(p for p in scope.pieces if p[1] <= primary.nstart < p[2])
    agents, route = _agents_in(view, onto, [opiece])
    if not agents:
        before = [p for p in scope.pieces if p[2] <= opiece[1]] + [(opiece[0], opiece[1], primary.nstart)]
        agents, route2 = _agents_in(view, onto, before)
        route = route or route2
    if route is None:
        route = _agents_in(view, onto, scope.pieces)[1]
    treated, responders = _counts(view, scope.pieces, opiece)
    if primary.value("outcome") == "no_response" and responders is None and treated is not None:
        responders = 0      # "ineffective in two patients": none of the treated responded
    refractory = any(refractory_re(onto).search(view.text, a, b) for _, a, b in scope.pieces)
    subject = Subject(scope.key, "cohort", "cohort", scope.source, evidence, size=treated)
    admins = []
    for s, a, b in scope.pieces:
        for g in givens_in(view, s, a, b, with_days=False):
            if g.label in ("DRUG", "CELL_THERAPY"):
                admins.append(Administration(scope.key, g.agent, g.dose_value, g.dose_unit, g.route, None,
                                             view.evidence(g.start, g.end)))
    finding = Finding(f"{scope.key}-t1", scope.key, agents, route, refractory, treated, responders,
                      primary.value("outcome"), None, None, None, view.evidence(primary.nstart, primary.nend))
    return subject, admins, finding


def extract_own_cohort(view: PaperView, scope: Scope, onto: Ontology):
    """The paper's own series: its treatment, administrations, grades and counted findings."""
    text = view.text
    admins, grades = [], []
    main = None
    for s, a, b in scope.pieces:
        gs = [g for g in givens_in(view, s, a, b, with_days=False)]
        for g in gs:
            admins.append(Administration(scope.key, g.agent, g.dose_value, g.dose_unit, g.route, None,
                                         view.evidence(g.start, g.end)))
        drugs = [g for g in gs if g.label == "DRUG" and not onto.terms[g.agent].supportive]
        if drugs and (main is None or (main[2] is False and any(g.dose_value is not None for g in drugs))):
            main = (tuple(sorted({g.agent for g in drugs})), next((g.route for g in drugs if g.route), None),
                    any(g.dose_value is not None for g in drugs))
        seen = set()
        for m in view.mentions_in(a, b, "GRADE"):
            k = (m.value("syndrome"), m.value("grade"))
            if k not in {(x.syndrome, x.grade) for x in grades} and k not in seen:
                seen.add(k)
                grades.append(GradeAssessment(scope.key, k[0], k[1], None, None, view.evidence(m.nstart, m.nend)))
    findings = []
    size = None
    for s, a, b in scope.pieces:
        g = COUNT_GROUP.search(text, a, b)
        if g and size is None and view.section(s).kind in ("methods", "results", "abstract", "front", "intro"):
            size = number(g.group("n") or g.group("s") or g.group("eq"))
    for s, a, b in scope.pieces:
        earlier: list[tuple] = []     # clauses of this sentence before the current one
        for ca, cb in semicolon_parts(text, a, b):
            f = _arm_finding(view, onto, s, (ca, cb), earlier, main, len(findings) + 1, scope.key)
            earlier.append((s, ca, cb))
            if f is not None:
                findings.append(f)
    if findings and not any(f.refractory for f in findings):
        whole = any(refractory_re(onto).search(text, a, b) for s, a, b in scope.pieces
                    if view.section(s).kind in ("title", "methods", "abstract", "front"))
        if whole:   # a series defined as steroid-refractory, with no refractory subgroup named: every arm is
            findings = [Finding(f.key, f.subject, f.agents, f.route, True, f.treated, f.responders,
                                f.outcome, None, None, None, f.evidence) for f in findings]
    lo, hi = scope.pieces[0][1], scope.pieces[-1][2]
    cts = [m.term for _, a, b in scope.pieces for m in view.mentions_in(a, b, "CELL_THERAPY")]
    subject = Subject(scope.key, "cohort", "cohort", (), view.evidence(lo, min(hi, lo + 200)),
                      cell_therapy=cts[0] if len(set(cts)) == 1 else None, size=size)
    return subject, admins, findings, grades


def _arm_finding(view: PaperView, onto: Ontology, s, clause, earlier, main, k: int, key: str) -> Finding | None:
    """A counted outcome of one arm of the series: "Twelve patients received anakinra, of whom 7
    improved", "6 of 8 had resolution", "5 received siltuximab and none responded".

    Agents are the drugs of the clause, else of the sentence's earlier clauses, else (for a
    benefit) the series' main treatment; a death or non-response needs its drugs named.
    """
    text = view.text
    ca, cb = clause
    outs = view.mentions_in(ca, cb, "OUTCOME")
    out = next((o for o in outs if o.value("outcome") in _POSITIVE), None) or \
        next((o for o in outs if o.value("outcome") == "no_response"
              and not re.fullmatch(r"(?i)non-?responders?", text[o.nstart:o.nend])), None)  # a group, not a result
    if out is None:
        return None
    piece = (s, ca, cb)
    agents, route = _agents_in(view, onto, [piece])
    for prev in reversed(earlier):
        if agents:
            break
        agents, route = _agents_in(view, onto, [prev])
    if not agents:
        if main is None or out.value("outcome") not in _POSITIVE:
            return None
        agents, route = main[0], main[1]
    treated, responders = _counts(view, [piece], piece)
    if treated is None:
        for prev in reversed(earlier):
            treated, _ = _counts(view, [prev], prev)
            if treated is not None:
                break
    if treated is None or (responders is None and out.value("outcome") in _POSITIVE and not ALL_OF.search(text, ca, cb)):
        return None
    if responders is not None and responders > treated:
        return None
    if responders is None:     # "all improved" / a non-response without a count
        responders = treated if out.value("outcome") in _POSITIVE else 0
    return Finding(f"cohort-t{k}", key, agents, route, bool(refractory_re(onto).search(text, ca, cb)), treated,
                   responders, out.value("outcome"), None, None, None,
                   view.evidence(ca, cb))

