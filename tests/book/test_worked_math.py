"""The ``{worked-math}`` extension fills the chapters' formulas with the glued numbers."""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from tests.book.modules import load_book_module

worked_math: ModuleType = load_book_module("worked_math", "_ext")


def document(**glued: Any) -> dict[str, Any]:
    """Just what myst-nb's glue lookup reads from a document: the glued text/plain values."""
    data = {key: {"data": {"text/plain": repr(value)}} for key, value in glued.items()}
    client = SimpleNamespace(glue_data=data)
    return {"nb_renderer": SimpleNamespace(renderer=SimpleNamespace(nb_client=client))}


@pytest.mark.parametrize(
    ("value", "spec", "text"),
    [
        (3.0, "", "3"),
        (0.966, "", "0.966"),
        (-0.017, "", "-0.017"),
        (-0.0, "", "0"),
        (2.855647324402, "", "2.855647324402"),
        (0.123456789, ".4g", "0.1235"),
        (-1e-7, ".1f", "0"),
    ],
)
def test_numbers_are_written_briefly(value: float, spec: str, text: str) -> None:
    assert worked_math.number_text(value, spec) == text


def test_placeholders_are_filled() -> None:
    doc = document(w0=1.0, x2_0=-3.0, z2=-1.0, loss=3.25, gap=0.123456)
    latex = r"z = {{w0}} \cdot {{(x2_0)}} = {{z2}}, \; {{ (w0) }}, {{gap:.2g}}, {{(z2:.1f)}}"
    assert worked_math.fill(latex, doc) == r"z = 1 \cdot (-3) = -1, \; 1, 0.12, (-1.0)"


def test_latex_braces_are_left_alone() -> None:
    doc = document(n=2)
    assert worked_math.fill(r"\frac{1}{ {{n}} }\bigl(a\bigr)", doc) == r"\frac{1}{ 2 }\bigl(a\bigr)"


def test_a_missing_key_is_an_error() -> None:
    with pytest.raises(worked_math.FillError, match="nowhere"):
        worked_math.fill("{{nowhere}}", document(w0=1.0))


def test_a_glued_value_that_is_not_a_number_is_an_error() -> None:
    with pytest.raises(worked_math.FillError, match="not a number"):
        worked_math.fill("{{name}}", document(name="alice"))


def test_unbalanced_parentheses_are_an_error() -> None:
    with pytest.raises(worked_math.FillError, match="unbalanced"):
        worked_math.fill("{{(w0}}", document(w0=1.0))
