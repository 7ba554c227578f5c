"""Groups of patients: what the paper's own series, or a cited study, reports per treatment.

Reading a series' sentences in order keeps track of its groups: the whole series ("(N =
124)", "Among 13 patients"), subgroups introduced with a count and a treatment ("Forty-two
patients had steroid-refractory ICANS and received anakinra", "The remaining 9 ..."), and
named arms ("... (IT arm) or methylprednisolone ... (MP arm)"). A sentence that reports an
ICANS outcome with a count becomes a finding of the group it speaks of: its own drugs and
count ("improvement in 8 of 20"), else the group just introduced ("Of these, 31 (74%) were
responders"), else the group whose size is the denominator ("9 of 13" in a series of 13).
The complement of a finding ("11 were non-responders") adds nothing. Every finding needs
a number treated; responders are counted, all ("all 9 of them"), none, or, for a benefit
stated without a count, unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..ontology import Ontology
from ..text.numbers import NUMBER_RE
from .administrations import Given, givens_in
from .counts import Count, counts_in
from .cues import course
from .records import Administration, Finding, GradeAssessment, Subject
from .subjects import Scope
from .tables import table_caption
from .view import PaperView
from ..text.clauses import result_clause

_POSITIVE = ("improvement", "resolution")
_ARM = re.compile(r"\(\s*(?P<name>[\w-]+(?:\s[\w-]+)?)\s+(?:arm|group|cohort)\s*\)", re.I)
_ARM_REF = r"\b(?:in\s+|of\s+)?(?:the\s+)?{name}\s+(?:arm|group|cohort)\b"
_GIVEN_VERB = re.compile(r"\b(?:were|was)\s+(?:then\s+)?(?:given|treated|started|escalated\s+to|switched\s+to|changed\s+to)|\breceived?\b|\bunderwent\b|\bwent\s+on\b", re.I)
_LEAD_VERB = re.compile(r"\s*(?:patients?\s+)?(?:(?:were|was)\s+(?:then\s+|subsequently\s+|later\s+)?(?:given|treated)|"
                        r"(?:then\s+|subsequently\s+|later\s+)?(?:received|underwent|went\s+on))\b", re.I)
_SAME_SUBJECT = re.compile(r"\s*,?\s*(?:and|but)\s+(?:then\s+|subsequently\s+|later\s+|all\s+)?"
                           r"(?:received|were\s+(?:given|treated)|underwent)\b", re.I)
_COMPARATIVE = re.compile(r"\b(?:than|compared|versus|vs\.?|faster|slower|earlier|associated\s+with)\b", re.I)
_VAGUE = re.compile(r"\b(?:most|majority|many|some|several|few|minority|half|often|usually|frequently|generally|typically|commonly)\b", re.I)
_ROUTE_CLASS = re.compile(r"\s*(?:chemotherapy|therapy|therapies|treatment|regimen|injections?)\b", re.I)


@dataclass
class Group:
    size: int | None
    agents: tuple[str, ...] = ()
    route: str | None = None
    refractory: bool | None = None
    pos: int = 0
    findings: list[Finding] = field(default_factory=list)


_AFTER = re.compile(r"\bafter\s+(?:(?:initial|first-line|prior|standard|high-dose|systemic)\s+)?$", re.I)


def treatment_of(view: PaperView, onto: Ontology, givens: list[Given], lo: int, hi: int) -> tuple[tuple[str, ...], str | None]:
    """(agents, route) named in [lo, hi): ICANS-directed drugs given or referenced, else a drug class,
    else an intrathecal treatment named by its route only ("intrathecal therapy" -> chemotherapy)."""
    drugs, routes = [], []
    for g in givens:
        t = onto.terms[g.agent]
        if lo <= g.start < hi and g.status in ("given", "referenced") and t.directed and not t.supportive \
                and g.label == "DRUG":
            if drugs and _AFTER.search(view.text, max(lo, g.start - 30), g.start):
                continue        # "received siltuximab after dexamethasone": the drug before it, not with it
            drugs.append(g.agent)
            if g.route:
                routes.append(g.route)
    classes = []
    for m in view.mentions_in(lo, hi, "DRUG_CLASS", "REGIMEN"):
        t = onto.terms[m.term]
        if m.has("NEGATED", "NOT_GIVEN", "HYPOTHETICAL", "GENERIC", "HISTORICAL"):
            continue
        if m.label == "REGIMEN":
            drugs.extend(t.components)
            if t.default_route:
                routes.append(onto.terms[t.default_route].code)
        elif t.directed and not t.supportive:
            classes.append(m.term)
    for m in view.mentions_in(lo, hi, "ROUTE"):
        if m.has("NEGATED", "NOT_GIVEN", "HYPOTHETICAL", "GENERIC"):
            continue
        routes.append(m.value("route"))
    agents = tuple(sorted(set(drugs))) or tuple(sorted(set(_most_specific(onto, classes))))
    return agents, (routes[0] if routes else None)


def route_only(view: PaperView, lo: int, hi: int) -> str | None:
    """"intrathecal therapy" with no drug named: a treatment known by its route alone."""
    for m in view.mentions_in(lo, hi, "ROUTE"):
        if not m.has("NEGATED", "NOT_GIVEN", "HYPOTHETICAL", "GENERIC") and _ROUTE_CLASS.match(view.text, m.nend):
            return m.value("route")
    return None


def _most_specific(onto: Ontology, classes):
    return [c for c in classes if not any(o != c and onto.is_a(o, c) for o in classes)]


class _Reader:
    """Reads one series or cited study sentence by sentence, keeping its groups."""

    def __init__(self, view: PaperView, onto: Ontology, scope: Scope, refractory_scope: bool):
        self.view, self.onto, self.scope = view, onto, scope
        self.text = view.text
        self.refractory_re = course(onto, "REFRACTORY")
        self.first_line_re = course(onto, "FIRST_LINE")
        self.refractory_scope = refractory_scope
        self.groups: list[Group] = []
        self.root: Group | None = None
        self.current: Group | None = None
        self.arms: dict[str, Group] = {}
        self.main: tuple[tuple[str, ...], str | None] | None = None
        self.findings: list[Finding] = []
        self.first_line_agents: set[str] = set()     # the corticosteroid that failed, or was called first-line

    def group_of_size(self, n: int | None) -> Group | None:
        if n is None:
            return None
        return next((g for g in reversed(self.groups) if g.size == n), None)

    def read(self, sent, lo: int, hi: int, givens: list[Given]) -> None:
        text = self.text
        # "given to ten patients whose ICANS had not improved on dexamethasone": the setting, not a result,
        # and the steroid named in it is not the treatment the result is about
        defining = [(m.start(), m.end()) for m in self.refractory_re.finditer(text, lo, hi)]
        givens = [g for g in givens if g.status == "given" or not any(a <= g.start < b for a, b in defining)]
        for m in list(self.refractory_re.finditer(text, lo, hi)) + list(self.first_line_re.finditer(text, lo, hi)):
            a, b = (m.start(), m.end()) if m.re is self.refractory_re else view_clause(self.view, sent, m.start())
            for d in self.view.mentions_in(a, b, "DRUG"):
                if self.onto.is_a(d.term, "Corticosteroid"):
                    self.first_line_agents.add(d.term)
        self._arms(lo, hi, givens)
        marks = [(m.nstart, m.nend) for m in self.view.mentions_in(lo, hi, "CITATION")]
        counts = [c for c in counts_in(text, lo, hi) if not any(a <= c.start < b for a, b in marks)]   # "et al.7 treated"
        agents, route = treatment_of(self.view, self.onto, givens, lo, hi)
        if self.main is None and agents and any(g.dose_value is not None for g in givens if g.agent in agents):
            self.main = (agents, route)
        if self.root is None:
            size = next((c.n for c in counts if c.kind in ("eq", "group", "fraction", "all") and c.n), None)
            if size is not None:
                total = next((c.of for c in counts if c.kind == "fraction"), None)
                self.root = Group(total or size, pos=lo)
                self.groups.append(self.root)
                self.current = self.root
        # "The 2 patients who did not improve ... were given anakinra": a group named by its failure
        named = [m for m in self.view.mentions_in(lo, hi, "OUTCOME")
                 if m.value("outcome") == "no_response" and (_WHO_FAILED.search(text, max(lo, m.nstart - 16), m.nstart)
                                                             or _group_name(text, m))]
        outs = [m for m in self.view.mentions_in(lo, hi, "OUTCOME")
                if m.value("syndrome") == "ICANS" and m.value("outcome") != "death" and not _group_name(text, m)
                and not any(a <= m.nstart < b for a, b in defining) and m not in named]
        sentence_refractory = bool(self.refractory_re.search(text, lo, hi)) or bool(named)
        if self.scope.mode == "cited" and _CONTINUES.match(text, lo, hi):
            # "after steroid failure it helped 6 of 11 [11] and 1 of 1 [12]": one setting for both
            sentence_refractory = sentence_refractory or bool(self.refractory_re.search(text, sent.start, lo))
        if not outs:
            self._define(lo, hi, counts, agents, route, sentence_refractory)
            return
        for part_lo, part_hi, out, part_counts in self._frames(lo, hi, outs, counts):
            if out is None:
                agents, route = treatment_of(self.view, self.onto, givens, part_lo, part_hi)
                self._define(part_lo, part_hi, part_counts, agents, route,
                             bool(self.refractory_re.search(text, part_lo, part_hi)))
                continue
            self._finding(sent, lo, hi, part_lo, part_hi, out, part_counts, givens, sentence_refractory)

    def _arms(self, lo: int, hi: int, givens: list[Given]) -> None:
        """'... IT methotrexate, cytarabine and dexamethasone (IT arm) or methylprednisolone (MP arm)'."""
        start = lo
        for m in _ARM.finditer(self.text, lo, hi):
            cuts = [x.end() for x in re.finditer(r"\bor\b|;|\beither\b", self.text[start:m.start()])]
            seg_lo = start + cuts[-1] if cuts else start
            agents, route = treatment_of(self.view, self.onto, givens, seg_lo, m.start())
            if agents:
                self.arms[m.group("name").lower()] = Group(None, agents, route, None, m.start())
            start = m.end()
        for name, arm in self.arms.items():
            for m in re.finditer(r"(?P<n>\d+)\s+(?:patients\s+)?in\s+the\s+" + re.escape(name) + r"\s+(?:arm|group|cohort)",
                                 self.text[lo:hi], re.I):
                arm.size = int(m.group("n"))

    def _arm_at(self, lo: int, hi: int) -> Group | None:
        for name, arm in self.arms.items():
            if re.search(_ARM_REF.format(name=re.escape(name)), self.text[lo:hi], re.I):
                return arm
        return None

    def _define(self, lo: int, hi: int, counts: list[Count], agents, route, refractory: bool) -> None:
        """A sentence without an outcome may introduce a subgroup: a count with a treatment or a setting."""
        group_counts = [c for c in counts if c.kind in ("group", "eq", "subset", "percent", "fraction") and c.n or
                        c.kind == "all" and c.n and agents]     # "and all 12 received dexamethasone"
        if not group_counts and agents:
            # "ICANS occurred in 21, all of whom received dexamethasone"
            group_counts = [c for c in counts if c.kind == "in" and c.n]
        if not group_counts:
            return
        c = group_counts[0]
        if c.kind == "fraction" and not (agents or refractory):
            return              # "ICANS occurred in 55 of 180": a rate, not a group given something
        if c.kind != "eq" and self.root is not None and c.n == self.root.size and not agents:
            if refractory:
                self.root.refractory = True    # "seven patients ... developed steroid-refractory ICANS": the series'
            return
        rest = re.search(r"\bremaining\b|\bother\b", self.text[lo:hi], re.I)
        if rest and not refractory and self.current is not None and self.current.refractory:
            refractory = True   # "The remaining 5" of a steroid-refractory group
        if agents or refractory or rest:
            g = Group(c.n, agents, route, True if refractory else None, lo)
            self.groups.append(g)
            self.current = g

    def _frames(self, lo: int, hi: int, outs, counts: list[Count]):
        """(start, end, outcome, counts) of each result of a sentence.

        A sentence is cut into result clauses ("18 did not respond, and 11 of these went on to
        receive anakinra, with improvement in 6"); a clause with several responder counts is cut
        between them ("in 24 of 29 in the IT arm and in 27 of 45 in the MP arm"). The outcome of
        a frame is the first one said in it, else the sentence's first.
        """
        text = self.text
        cuts = [lo]
        pos = lo
        while pos < hi:
            a, b = result_clause(text, lo, hi, pos)
            if b >= hi:
                break
            cuts.append(b)
            pos = b + 1
        cuts.append(hi)
        clauses = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        for ca, cb in clauses:
            own = [o for o in outs if ca <= o.nstart < cb]
            if not own:
                yield ca, cb, None, [c for c in counts if ca <= c.start < cb]
                continue
            start = ca if (ca, cb) != clauses[0] else lo
            fracs = [c for c in counts if c.kind in ("fraction", "percent") and c.n is not None and ca <= c.start < cb]
            if len(fracs) >= 2:
                bounds = [start]
                for f, g in zip(fracs, fracs[1:]):
                    joins = list(re.finditer(r"\band\b|,|;|\bwhereas\b|\bwhile\b|\bvs\.?|\bversus\b", text[f.end:g.start]))
                    bounds.append(f.end + joins[-1].start() if joins else g.start)
                bounds.append(cb)
                for a, b in zip(bounds, bounds[1:]):
                    mine = [o for o in outs if a <= o.nstart < b]
                    yield a, b, (mine[0] if mine else own[0]), [c for c in counts if a <= c.start < b]
                continue
            yield start, cb, own[0], [c for c in counts if start <= c.start < cb]

    def _finding(self, sent, lo, hi, a, b, out, counts: list[Count], givens, sentence_refractory) -> None:
        text = self.text
        code = out.value("outcome")
        ca, cb = result_clause(text, a, b, out.nstart)
        vague = _VAGUE.search(text, ca, cb) is not None and \
            not any(c.kind in ("fraction", "percent", "subset") for c in counts)   # "improvement was seen in most"
        if self.scope.mode != "cited" and self.view.section(sent).kind in ("discussion", "conclusion"):
            return                  # the series' results are reported once, not in their discussion
        agents, route = treatment_of(self.view, self.onto, givens, ca, cb)
        if not agents:
            agents, route = treatment_of(self.view, self.onto, givens, a, b)
        by_route = route_only(self.view, ca, cb) if not agents else None   # "two received intrathecal therapy"
        if not agents and by_route is None and a > lo and self.current is not None and self.current.agents \
                and self.current.pos >= lo:
            agents, route = self.current.agents, self.current.route   # "8 received anakinra, and 6 of these improved"
        if not agents and by_route is None and a > lo:
            agents, route = treatment_of(self.view, self.onto, givens, lo, b)
        if not agents:
            route = by_route
        if not agents and self.scope.mode == "cited":
            pronoun = _PRONOUN.search(text, a, b)
            if pronoun is not None:
                agents = _antecedent(self.view, self.onto, sent, pronoun.start())
            elif _CONTINUES.match(text, a, b):
                agents = _antecedent(self.view, self.onto, sent, a)  # "... [11] and by complete resolution in ..."
        arm = self._arm_at(a, b)
        group = self.current
        denominators = [c.total for c in counts if c.kind == "fraction"]
        by_size = self.group_of_size(denominators[0]) if denominators else None
        subset_group = None
        # "11 of these went on to receive anakinra, with improvement in 6", "Fifteen patients were given
        # Kineret, of whom 11 (73%) improved", "six received Sylvant and none of them responded":
        # a subgroup named with its treatment, then its result
        lead = next((c for c in counts if c.kind in ("subset", "group", "eq") and c.n
                     or c.kind == "fraction" and _LEAD_VERB.match(text, c.end)), None)   # "Of the 6 ..., 2 received X"
        result = next((c for c in counts if lead is not None and c.start > lead.end
                       and c.kind in ("in", "percent", "subset", "all", "none", "group")), None)
        if agents and lead is not None and result is not None and lead.start < out.nstart \
                and _GIVEN_VERB.search(text, lead.end, result.start) and (result.n is None or result.n <= lead.n):
            parent = self.current.refractory if lead.kind == "subset" and self.current is not None else None
            subset_group = Group(lead.n, agents, route, parent, a)   # "Eight of these ...": their setting too
        if arm is not None:
            agents, route = agents or arm.agents, route or arm.route
            group = arm
        elif subset_group is not None:
            group = subset_group
        elif by_size is not None:
            group = by_size
        if not agents and route is None:
            if group is not None and group.agents:
                agents, route = group.agents, route or group.route
            elif self.main is not None and code in _POSITIVE and (group is None or group is self.root):
                agents, route = self.main
        if not agents and route != "intrathecal":
            return                  # "intrathecal therapy" alone is a treatment; nothing else without agents
        if not counts and self.scope.mode != "cited" and a > lo and _SAME_SUBJECT.match(text, a, b) and \
                not self.view.mentions_in(lo, a, "OUTCOME"):
            counts = [c for c in counts_in(text, lo, a) if c.kind in ("group", "eq", "fraction", "percent")][:1]
            # "five patients who had ..., and received X with reversal of ICANS": the sentence's group did both
        if not counts and self.scope.mode != "cited":
            return              # a series' result without a count ("median time to improvement") restates one
        if subset_group is not None:
            after = result
            treated = lead.n
            responders = 0 if code not in _POSITIVE or (after is not None and after.kind == "none") else \
                (treated if after is None or after.kind == "all" else after.n)
        else:
            treated, responders = self._counts(counts, out, group, code)
        if vague:
            if self.scope.mode != "cited" and (self.root is None or self.root.findings or group is None or group.findings):
                return              # a series restating its result vaguely
            responders = None
            if not any(c.n for c in counts):
                treated = None      # "NEs were often resolved with dexamethasone": no number at all
        if treated is None and vague and self.scope.mode != "cited":
            pass                    # a series' uncounted result is still a result
        elif treated is None and any(c.kind in ("share", "share_of") for c in counts) and self.scope.mode != "cited" \
                and not _COMPARATIVE.search(text, ca, cb):
            pass                    # "improvement was observed in 65%" of a subgroup never counted
        elif treated is None and (self.scope.mode != "cited" or _COMPARATIVE.search(text, ca, cb)):
            return              # no count and no study size; a comparison ("faster recovery than") is no result
        refractory = sentence_refractory or self.refractory_re.search(text, a, b) is not None
        if not refractory and group is not None and group.refractory:
            refractory = True
        if not refractory and self.refractory_scope and not (self.first_line_re.search(text, lo, hi)):
            # in a series of steroid-refractory ICANS every treatment but the failing steroid is second-line
            refractory = not agents or not set(agents) <= self.first_line_agents   # a route alone is no steroid
        if self.first_line_re.search(text, a, b):
            refractory = False
        owner = group if group is not None else self.root
        key = (agents, refractory)
        if code not in _POSITIVE and owner is not None and any((f.agents, f.refractory) == key for f in owner.findings):
            return              # "11 (26%) were non-responders" after "31 (74%) were responders"
        if any((f.agents, f.refractory, f.treated) == key + (treated,) for f in self.findings):
            return
        if code not in _POSITIVE and any(f.agents == agents and f.refractory == refractory and f.treated and
                                         f.responders is not None and c.n == f.treated - f.responders
                                         for f in self.findings for c in counts if c.n):
            return              # "Four patients did not respond" after "9 of 13 improved": the same result
        f = Finding(f"{self.scope.key}-t{len(self.findings) + 1}", self.scope.key, agents, route, refractory, treated,
                    responders, code, None, None, None, self.view.evidence(a, b),
                    outcome_evidence=self.view.evidence(out.nstart, out.nend))
        self.findings.append(f)
        if owner is not None:
            owner.findings.append(f)
        if subset_group is not None:
            subset_group.refractory = refractory
            self.groups.append(subset_group)
            self.current = subset_group    # "The remaining 5 ..." and "Of these ..." go on from it

    def _counts(self, counts: list[Count], out, group: Group | None, code: str) -> tuple[int | None, int | None]:
        """(treated, responders) of one result."""
        size = group.size if group is not None else (self.root.size if self.root is not None else None)
        responders = treated = None
        frac = next((c for c in counts if c.kind == "fraction"), None)
        then = next((c for c in counts if c.kind in ("all", "subset", "none") and frac is not None and c.start > frac.end
                     and _GIVEN_VERB.search(self.text, frac.end, c.start)), None)
        if frac is not None and then is not None:
            # "Out of 15 patients, 7 were given IT therapy, all these recovered": 7 treated, all responded
            treated = frac.n
            responders = 0 if then.kind == "none" else (then.n if then.kind == "subset" else treated)
        elif frac is not None:
            responders, treated = frac.n, frac.of
        elif any(c.kind == "share_of" for c in counts) and size is not None and \
                not any(c.kind in ("percent", "in", "subset") for c in counts):
            # "Seventy percent of them improved" after "Forty patients were treated": 28 of 40
            share = next(c for c in counts if c.kind == "share_of")
            treated, responders = size, round(share.pct * size / 100)
        elif any(c.kind in ("share", "share_of") for c in counts) and not any(c.kind in ("percent", "in", "subset") for c in counts):
            # "60% had improvement": responders unknown in number; treated only if a count is written here
            alls = next((c for c in counts if c.kind in ("all", "group", "eq") and c.n), None)
            treated = alls.n if alls is not None else None
            responders = None
        else:
            after = [c for c in counts if c.kind in ("percent", "in", "subset", "group", "eq") and c.n is not None]
            before_out = [c for c in after if c.start < out.nstart]
            pick = next((c for c in after if c.kind in ("percent", "in", "subset")), None) or \
                (before_out[-1] if before_out else (after[0] if after else None))
            alls = next((c for c in counts if c.kind == "all"), None)
            nones = next((c for c in counts if c.kind == "none"), None)
            if alls is not None:
                treated = alls.n or (pick.n if pick is not None else size)
                responders = treated if code in _POSITIVE else 0
            elif nones is not None:
                treated = pick.n if pick is not None else size
                responders = 0
            elif pick is not None:
                between = self.text[pick.end:out.nstart]
                if pick.kind == "group" and pick.start < out.nstart and (size is None or pick.n != size) \
                        and between.strip() and not re.search(r"\b(?:of\s+(?:them|these|whom)|in)\b", between):
                    # "two received intrathecal therapy with subsequent improvement": the group itself
                    treated = pick.n
                    responders = pick.n if code in _POSITIVE else 0
                else:
                    responders = pick.n
                    treated = size
                    if pick.total is not None and (treated is None or abs(pick.total - treated) > max(1, treated // 20)):
                        treated = self.group_of_size(pick.total).size if self.group_of_size(pick.total) else \
                            (treated if treated is not None and treated >= pick.n else pick.total)
            else:
                treated = size
        if treated is None:
            return None, None
        if code not in _POSITIVE:
            responders = 0
        if responders is not None and responders > treated:
            responders = None
        return treated, responders


def view_clause(view: PaperView, sent, pos: int) -> tuple[int, int]:
    return result_clause(view.text, sent.start, sent.end, pos)


_GROUP_NAME = re.compile(r"\s*(?:\(\s*n\s*=\s*\d+\s*\)\s*)?(?:were|was)\s+(?:then\s+|subsequently\s+)?(?:given|treated|switched|started)|"
                         r"\s*(?:\(\s*n\s*=\s*\d+\s*\)\s*)?(?:received|underwent)\b", re.I)


_WHO_FAILED = re.compile(r"\b(?:who|whose\s+\w+|that)\s+(?:had\s+|have\s+|has\s+)?$", re.I)


_COUNTED_BEFORE = re.compile(rf"\b(?:of|among|in|for|the|these|those|remaining)\s+(?:the\s+|these\s+|those\s+)?(?:remaining\s+)?"
                             rf"(?:{NUMBER_RE})\s+(?:[\w-]+\s+)?$", re.I)


def _group_name(text: str, m) -> bool:
    """"Non-responders (n = 3) were given ruxolitinib", "Of the 6 non-responders, 2 ...": a group named by its
    result, not a result."""
    return bool(re.fullmatch(r"(?i)(?:non-?)?respond(?:ers?|ing)", m.text.strip())) and (
        bool(_GROUP_NAME.match(text, m.nend)) or bool(_COUNTED_BEFORE.search(text, max(0, m.nstart - 40), m.nstart)))


def _with_route(f: Finding, admins: list[Administration]) -> Finding:
    """A finding without a route takes the one route its agents were given by in the same series."""
    if f.route is not None:
        return f
    routes = {a.route for a in admins if a.agent in f.agents and a.route}
    return replace(f, route=routes.pop()) if len(routes) == 1 else f


_PRONOUN = re.compile(r"\b(?:[Ii]t|[Tt]his\s+(?:drug|agent|treatment)|[Tt]he\s+(?:drug|agent))\b")
_CONTINUES = re.compile(r"\s*(?:[,;]\s*)?(?:and|but|whereas|while)\b")


def _antecedent(view: PaperView, onto: Ontology, sent, pos: int) -> tuple[str, ...]:
    """What "it" stands for: the last ICANS-directed drug named before ``pos`` in the paragraph."""
    par = [s for s in view.sentences if s.paragraph == sent.paragraph and s.start <= pos]
    if not par:
        return ()
    drugs = [m.term for m in view.mentions_in(par[0].start, pos, "DRUG")
             if onto.terms[m.term].directed and not onto.terms[m.term].supportive
             and not m.has("NEGATED", "NOT_GIVEN", "HYPOTHETICAL", "HISTORICAL")]
    return (drugs[-1],) if drugs else ()


def extract_group(view: PaperView, scope: Scope, onto: Ontology):
    """Subject, administrations, findings and grades of one series or cited study."""
    text = view.text
    refractory_re = course(onto, "REFRACTORY")
    secs = view.layout.sections
    defining = ("title", "methods", "abstract", "front")
    if scope.mode == "cited":
        # a row of a table of studies is said under its caption ("Table 2. Second-line agents for steroid-refractory ICANS")
        caption = table_caption(view, scope.pieces[0][0]) if scope.pieces else None
        refractory_scope = caption is not None and refractory_re.search(text, *caption) is not None
    else:
        # the series is steroid-refractory if its title says so or the sentence introducing it does
        # ("40 adults with steroid-refractory ICANS"), not when a later subgroup is ("the other 4 ... after steroid failure")
        intro = []
        for s, a, b in scope.pieces:
            if secs[s.section].kind in defining:
                intro.append((a, b))
                if counts_in(text, a, b):
                    break          # the sentences up to the one that counts the series
        refractory_scope = any(refractory_re.search(text, a, b) for a, b in intro) or \
            any(refractory_re.search(text, s.start, s.end) for s in view.layout.sentences if secs[s.section].kind == "title")
    reader = _Reader(view, onto, scope, refractory_scope)

    admins, grades = [], []
    seen_grades = set()
    for s, a, b in scope.pieces:
        givens = givens_in(view, s, a, b)
        for g in givens:
            if g.administered:
                admins.append(Administration(scope.key, g.agent, g.dose_value, g.dose_unit, g.route,
                                             0 if g.label == "CELL_THERAPY" and scope.mode != "cited" else None,
                                             view.evidence(g.start, g.end), dose_max=g.dose_max,
                                             frequency=g.frequency, duration=g.duration))
        if scope.mode != "cited":
            for m in view.mentions_in(a, b, "GRADE"):
                k = (m.value("syndrome"), m.value("grade"))
                if k not in seen_grades and not m.has("NEGATED", "HYPOTHETICAL", "GENERIC"):
                    seen_grades.add(k)
                    grades.append(GradeAssessment(scope.key, k[0], k[1], None, None, view.evidence(m.nstart, m.nend)))
        reader.read(s, a, b, givens)
    findings = [_with_route(f, admins) for f in reader.findings]
    if scope.mode == "cited" and not findings:
        return None, [], [], []
    lo, hi = scope.pieces[0][1], scope.pieces[-1][2]
    size = reader.root.size if reader.root is not None else None
    if scope.mode == "cited":
        subject = Subject(scope.key, "cohort", "cohort", scope.source, view.evidence(lo, hi),
                          size=findings[0].treated if findings else size)
    else:
        cts = [m.term for _, a, b in scope.pieces for m in view.mentions_in(a, b, "CELL_THERAPY")]
        subject = Subject(scope.key, "cohort", "cohort", (), view.evidence(lo, min(hi, lo + 200)),
                          cell_therapy=cts[0] if len(set(cts)) == 1 else None, size=size)
    return subject, admins, findings, grades
