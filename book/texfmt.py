"""Numbers as short text, for the labels of the figures.

Exact values (``fractions.Fraction``) print as their exact decimal when they
have one (13/4 → 3.25); anything else prints with up to ``digits`` significant
digits.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def has_finite_decimal(value: Fraction) -> bool:
    """True if the fraction's denominator has no prime factor but 2 and 5."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def dec(value: Any, digits: int = 6) -> str:
    """A number as a short decimal: exact when it can be, else ``digits`` significant."""
    if isinstance(value, Fraction) and has_finite_decimal(value):
        sign = "-" if value < 0 else ""
        value = abs(value)
        whole, rest = divmod(value.numerator, value.denominator)
        places = ""
        while rest:
            rest *= 10
            digit, rest = divmod(rest, value.denominator)
            places += str(digit)
        return f"{sign}{whole}" + (f".{places}" if places else "")
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text
