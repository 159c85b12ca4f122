"""Reading a student's answer values: any legitimate number is accepted, anything else explained.

Nothing here raises on a student's value: :func:`read_numbers` and
:func:`read_bool` return a :class:`Reading` with either the value or a message
that names the variable and what is wrong with it. Student values are never
echoed in messages (they may be long, hostile, or the right answer).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from solutions.arrays import Array

MAX_VALUES = 1000
MAX_DEPTH = 4

Status = Literal["ok", "missing", "invalid"]


@dataclass(frozen=True)
class Reading:
    """A student's value read as floats (or a bool), or the reason it could not be."""

    status: Status
    value: Any = None
    problem: str = ""


class _UnreadableError(Exception):
    """A value that is not a number; the message says why (without the value)."""


def _describe(value: Any) -> str:
    if isinstance(value, (str, bytes)):
        return f"a string ({type(value).__name__}), not a number"
    if isinstance(value, (bool, np.bool_)):
        return "a bool (True/False), not a number"
    if isinstance(value, complex | np.complexfloating):
        return "a complex number, not a real number"
    return f"a {type(value).__name__}, not a number"


def _nested_floats(value: Any, depth: int, budget: list[int]) -> Any:
    """Plain nested lists of floats from numbers, lists, tuples and arrays."""
    if value is None:
        raise _UnreadableError("holds None where a number should be")
    if isinstance(value, (bool, np.bool_)):
        raise _UnreadableError(f"holds {_describe(value)}")
    if isinstance(value, (numbers.Real, Decimal)):
        try:
            return float(value)
        except (OverflowError, ValueError, TypeError) as error:
            raise _UnreadableError("holds a number too large to be a float") from error
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _nested_floats(value.item(), depth, budget)
        return _nested_floats(value.tolist(), depth, budget)
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise _UnreadableError("is nested too deeply")
        budget[0] -= len(value)
        if budget[0] < 0:
            raise _UnreadableError(f"holds far too many values (more than {MAX_VALUES})")
        return [_nested_floats(item, depth + 1, budget) for item in value]
    if isinstance(value, (str, bytes, complex, np.complexfloating)):
        raise _UnreadableError(f"holds {_describe(value)}")
    if hasattr(value, "__array__"):
        return _nested_floats(np.asarray(value), depth, budget)
    raise _UnreadableError(f"holds {_describe(value)}")


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a single number" if shape == () else f"shape {shape}"


def _index_text(name: str, index: tuple[int, ...]) -> str:
    return name + "".join(f"[{i}]" for i in index)


def read_numbers(answers: Any, name: str, shape: tuple[int, ...], meaning: str) -> Reading:
    """The answer ``name`` as a float array of ``shape`` (a float when ``shape`` is ``()``).

    ``meaning`` says in words what the expected shape holds, for the message.
    Lists, tuples, numpy arrays and scalars, ints, Fractions and Decimals are all
    accepted; so are extra length-1 axes (a column vector for a vector).
    """
    if name not in answers:
        return Reading("missing", problem=f"{name} is missing: no value was given.")
    raw = answers[name]
    if raw is None:
        return Reading("missing", problem=f"{name} is None: no value was computed.")
    try:
        nested = _nested_floats(raw, 0, [MAX_VALUES])
        array = np.array(nested, dtype=float)
    except _UnreadableError as error:
        plain = isinstance(raw, (str, bytes, bool, np.bool_, complex))
        text = f"is {_describe(raw)}" if plain else str(error)
        return Reading("invalid", problem=f"{name} {text}.")
    except (ValueError, TypeError):
        return Reading(
            "invalid", problem=f"{name} has rows of different lengths; expected {meaning}."
        )
    except Exception:  # a value whose own conversion code fails
        return Reading("invalid", problem=f"{name} could not be read as numbers.")
    if array.shape != shape:
        if array.size == math.prod(shape) and array.squeeze().shape == shape:
            array = array.reshape(shape)
        else:
            hint = ""
            if array.ndim == 2 and array.shape[::-1] == shape:
                hint = " It looks transposed."
            return Reading(
                "invalid",
                problem=(
                    f"{name} has {_shape_text(array.shape)}; expected {meaning} "
                    f"({_shape_text(shape)}).{hint}"
                ),
            )
    finite = np.isfinite(array)
    if not finite.all():
        index = tuple(int(i) for i in np.unravel_index(np.argmin(finite), array.shape))
        kind = "NaN (not a number)" if np.isnan(array[index]) else "infinite"
        where = _index_text(name, index)
        return Reading("invalid", problem=f"{where} is {kind}; every value must be a number.")
    value: float | Array = float(array) if shape == () else array
    return Reading("ok", value=value)


def read_bool(answers: Any, name: str) -> Reading:
    """The answer ``name`` as True or False (Python or numpy bool, or a 0-d bool array)."""
    if name not in answers:
        return Reading("missing", problem=f"{name} is missing: no value was given.")
    raw = answers[name]
    if raw is None:
        return Reading("missing", problem=f"{name} is None: no value was computed.")
    if isinstance(raw, np.ndarray) and raw.dtype == bool and raw.size == 1:
        return Reading("ok", value=bool(raw.reshape(())))
    if isinstance(raw, (bool, np.bool_)):
        return Reading("ok", value=bool(raw))
    if isinstance(raw, (str, bytes)):
        what = "a string"
    elif isinstance(raw, (numbers.Number, np.number)):
        what = "a number"
    else:
        what = f"a {type(raw).__name__}"
    return Reading("invalid", problem=f"{name} is {what}; expected True or False.")
