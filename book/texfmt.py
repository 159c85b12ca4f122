"""Numbers and vectors as short text and LaTeX, for gluing into the chapters.

Exact values (``fractions.Fraction``) print as their exact decimal when they
have one (13/4 → 3.25); anything else prints with up to ``digits`` significant
digits.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from IPython.display import Latex, Markdown


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


def paren(value: Any) -> str:
    """A number for use inside a formula: negative ones in parentheses."""
    text = dec(value)
    return f"({text})" if text.startswith("-") else text


def vec(values: Iterable[Any], digits: int = 6) -> str:
    """A vector as a LaTeX tuple ``(a, b, c)``."""
    return r"\left(" + ", ".join(dec(v, digits) for v in values) + r"\right)"


def plain(value: Any) -> float:
    """A value as a plain Python float, so ``{glue:text}`` can format it."""
    return float(value)


def display_math(latex: str) -> Latex:
    """A display-math block for ``{glue:math}``."""
    return Latex(f"$$\n{latex}\n$$")


def markdown(text: str) -> Markdown:
    """MyST Markdown for ``{glue:md}`key:myst``` (tables, prose with formulas)."""
    return Markdown(text)


def math(latex: str) -> Markdown:
    """Inline math for ``{glue:md}`key:myst```: numbers glued inside a formula."""
    return Markdown(f"${latex}$")
