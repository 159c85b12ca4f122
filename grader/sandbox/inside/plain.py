"""Values of the student's variables as JSON-safe plain data."""

from __future__ import annotations

import math
import sys
from typing import Any

MAX_LEAVES = 10_000
MAX_DEPTH = 16
MAX_STRING = 10_000
MAX_INT_BITS = 256


class UnsupportedValueError(Exception):
    """A value that cannot travel as plain data; the message says why."""


def to_plain(value: Any) -> Any:
    """``value`` as JSON-safe data; non-finite floats become ``{"$float": "nan"}`` etc.

    Raises :class:`UnsupportedValueError` for anything that is not a bool, int, float, str,
    None, a numpy scalar or array of those, or a list or tuple of those.
    """
    budget = [MAX_LEAVES]
    return _plain(value, 0, budget)


def _plain(value: Any, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedValueError(f"nested deeper than {MAX_DEPTH} levels")
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray | numpy.generic):
        if value.dtype.kind not in "biuf" and value.dtype.kind != "O":
            raise UnsupportedValueError(
                f"unsupported type {type(value).__name__} of dtype {value.dtype}"
            )
        if value.size > MAX_LEAVES:
            raise UnsupportedValueError(f"too large: {value.size} elements (at most {MAX_LEAVES})")
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1, budget) for item in value]
    budget[0] -= 1
    if budget[0] < 0:
        raise UnsupportedValueError(f"too large: more than {MAX_LEAVES} numbers")
    if value is None or isinstance(value, bool):
        return None if value is None else bool(value)
    if isinstance(value, int):
        integer = int(value)
        if integer.bit_length() > MAX_INT_BITS:
            raise UnsupportedValueError(f"int wider than {MAX_INT_BITS} bits")
        return integer
    if isinstance(value, float):
        number = float(value)
        if math.isnan(number):
            return {"$float": "nan"}
        if math.isinf(number):
            return {"$float": "inf" if number > 0 else "-inf"}
        return number
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise UnsupportedValueError(f"str longer than {MAX_STRING} characters")
        return str(value)
    raise UnsupportedValueError(f"unsupported type {type(value).__name__}")


def snapshot(namespace: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Each name as ``{"value": v}``, ``{"missing": true}`` or ``{"unsupported": why}``."""
    answers: dict[str, Any] = {}
    for name in names:
        if name not in namespace:
            answers[name] = {"missing": True}
            continue
        try:
            answers[name] = {"value": to_plain(namespace[name])}
        except UnsupportedValueError as problem:
            answers[name] = {"unsupported": str(problem)[:200]}
        except Exception as problem:
            answers[name] = {"unsupported": f"cannot be read: {type(problem).__name__}"}
    return answers
