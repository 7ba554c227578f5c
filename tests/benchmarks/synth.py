"""Synthetic case-report-like papers for benchmarks only (never shipped as corpus).

Reproducible from a seed; mixes the pattern variety of real papers: headings or inline
labels, brand names and abbreviations, Roman grades, D+N days, bracket or parenthesis
citations, PDF line breaks with hyphenation, cohorts and non-responders.
"""
from __future__ import annotations

import random
import textwrap

DRUGS = [("dexamethasone", "Decadron"), ("methylprednisolone", "Solu-Medrol"), ("tocilizumab", "Actemra"),
         ("anakinra", "Kineret"), ("siltuximab", "Sylvant"), ("ruxolitinib", "Jakafi")]
PRODUCTS = ["axicabtagene ciloleucel (Yescarta)", "tisa-cel", "Breyanzi", "cilta-cel", "brexucabtagene autoleucel"]
DIAG = ["diffuse large B-cell lymphoma", "B-ALL", "multiple myeloma", "mantle cell lymphoma", "follicular lymphoma"]
ROMAN = ["I", "II", "III", "IV"]
PROSE = [
    "Chimeric antigen receptor T-cell therapy has changed the outlook of patients with relapsed or refractory B-cell malignancies.",
    "Its toxicities include cytokine release syndrome and a neurotoxicity whose mechanisms remain incompletely understood.",
    "Endothelial activation and disruption of the blood-brain barrier are thought to allow cytokines and immune cells into the central nervous system.",
    "Clinical features range from mild word-finding difficulty and tremor to seizures, obtundation and cerebral edema.",
    "Management is supportive in mild cases, while corticosteroids are recommended for higher grades by consensus guidelines.",
    "The optimal second-line approach for patients who do not improve with corticosteroids has not been defined in prospective studies.",
    "Several groups have explored cytokine blockade, intrathecal chemotherapy and kinase inhibitors in this setting.",
    "Prolonged exposure to high-dose steroids may impair the expansion and persistence of the infused cells.",
    "Infections remain a major cause of non-relapse mortality in the months after infusion.",
    "Larger prospective series are needed to define which patients benefit from each intervention and at what time.",
    "Electroencephalography and magnetic resonance imaging are frequently performed to exclude alternative diagnoses.",
    "The immune effector cell encephalopathy score allows bedside assessment of attention, writing and orientation.",
]


def _day(r: random.Random, d: int) -> str:
    return r.choice([f"day {d}", f"day +{d}", f"D+{d}"])


def _grade(r: random.Random, syn: str, g: int) -> str:
    return r.choice([f"grade {g} {syn}", f"{syn} grade {g}", f"grade {ROMAN[g - 1]} {syn}"])


def _cite(r: random.Random, n: int, square: bool) -> str:
    return f"[{n}]" if square else f"({n})"


def case(r: random.Random, k: int, square: bool) -> str:
    drug, brand = r.choice(DRUGS)
    d0 = r.randint(1, 4)
    d1 = d0 + r.randint(1, 3)
    d2 = d1 + r.randint(1, 3)
    lines = [
        f"Patient {k}" if r.random() < 0.5 else f"Case {k}",
        f"A {r.randint(18, 80)}-year-old {r.choice(['man', 'woman'])} with relapsed {r.choice(DIAG)} "
        f"received {r.choice(PRODUCTS)} at 2 × 10^6 cells/kg.",
        f"On {_day(r, d0)} {_grade(r, 'CRS', r.randint(1, 3))} developed and {r.choice(['tocilizumab', 'Actemra'])} "
        f"8 mg/kg IV was given.",
        f"On {_day(r, d1)} {_grade(r, 'ICANS', r.randint(2, 3))} occurred and dexamethasone 10 mg IV every 6 hours was started.",
        f"Despite dexamethasone, {_grade(r, 'ICANS', 4)} followed on {_day(r, d2)}.",
        f"{brand} {r.choice([100, 200, 400])} mg {r.choice(['SC', 'IV'])} was added on {_day(r, d2)}"
        f"{' without improvement' if r.random() < 0.3 else ''}.",
        f"Intrathecal methotrexate 12 mg and hydrocortisone 50 mg were given on {_day(r, d2 + 1)}.",
        f"Her mental status improved on {_day(r, d2 + 2)} and ICANS resolved by {_day(r, d2 + 5)}.",
        f"A lumbar puncture showed an opening pressure of {r.randint(10, 35)} cm H2O and {r.randint(1, 90)} lymphocytes.",
    ]
    return "\n".join([lines[0]] + [textwrap.fill(" ".join(lines[1:]), 62, break_long_words=True)])


def paper(seed: int) -> str:
    r = random.Random(seed)
    square = r.random() < 0.5
    n_cases = r.randint(1, 3)
    intro = " ".join(r.choice(PROSE) for _ in range(r.randint(6, 12)))
    discussion = " ".join(r.choice(PROSE) for _ in range(r.randint(10, 18)))
    parts = [f"Treatment of steroid-refractory ICANS: report {seed}", "",
             "Abstract", textwrap.fill(
                 f"We describe {n_cases} patient{'s' if n_cases > 1 else ''} with steroid-refractory ICANS "
                 f"after CAR T-cell therapy {_cite(r, 1, square)}.", 62), ""]
    parts += ["Introduction", textwrap.fill(intro, 62), ""]
    for k in range(1, n_cases + 1):
        parts += [case(r, k, square), ""]
    parts += ["Discussion", textwrap.fill(discussion, 62), "", textwrap.fill(
        f"In a series of {r.randint(5, 30)} patients with steroid-refractory ICANS, {r.randint(2, 5)} of "
        f"{r.randint(5, 6)} responded to anakinra {_cite(r, 2, square)}. Intrathecal chemotherapy did not "
        f"benefit two patients {_cite(r, 3, square)}, whereas siltuximab can help in faster resolution "
        f"{_cite(r, 4, square)}.", 62)]
    return "\n".join(parts) + "\n"


def corpus(n: int, seed: int = 0):
    """``n`` papers as (id, text), reproducible from ``seed``."""
    for i in range(n):
        yield f"synth-{seed}-{i:05d}", paper(seed * 1_000_003 + i)
