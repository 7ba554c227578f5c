"""The Wilson score interval of a proportion, and fractions written with three decimals."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

Z95 = 1.959963984540054   # the 97.5th percentile of the standard normal distribution


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` out of ``n`` (95 % by default).

    Example: ``wilson(81, 263)`` is about ``(0.2553, 0.3662)`` (Newcombe 1998, Table I).
    """
    if n <= 0:
        raise ValueError("a proportion needs n >= 1")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, {n}], not {successes}")
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # the bounds are exactly 0 and 1 at the ends (rounding would leave 1e-17 otherwise)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def fraction3(x: float) -> str:
    """A fraction with three decimals, half rounded up: ``fraction3(2 / 3) == "0.667"``."""
    return str(Decimal(repr(x)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def percent(x: float) -> str:
    """A fraction as a whole percentage, from its three-decimal form, half rounded up: ``percent(0.2366) == "24%"``."""
    value = (Decimal(fraction3(x)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{value}%"
