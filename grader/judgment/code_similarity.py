"""Code similarity of the students' own cells: tokenised k-grams, winnowed.

Each student's cells are read with Python's :mod:`tokenize`; names become one token
(renaming variables changes nothing; keywords and attribute names stay), numbers another
(a sign typed before a number is part of it), strings a third, and comments and blank
lines go. Every ``K`` consecutive tokens are hashed and the hashes winnowed (in each
window of ``WINDOW`` hashes the smallest is kept: Schleimer, Wilkerson and Aiken, 2003),
so that any shared run of ``K + WINDOW − 1`` tokens is found. Fingerprints of the
release's own code (the template) are removed, and so are those that more than a few
students share (:func:`common_limit`): a way of writing a step that many found on their
own ties no one. A pair's *similarity* is the share of the smaller submission's
fingerprints (the template's left out, and answers typed in as numbers, which anyone may
write alike) that the other one has too and few others have;
students are found through an index of fingerprints, never by comparing every pair.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import math
import tokenize
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from grader.judgment.answer_index import SHAPES
from grader.judgment.rubric import ANSWER_CELLS
from solutions.arrays import Array

K = 12
"""Tokens per hashed k-gram."""
WINDOW = 4
"""Hashes per winnowing window."""
THRESHOLD = 0.5
"""Least similarity flagged."""
MIN_SHARED = 8
"""Fewest shared fingerprints flagged (a few shared lines are not enough)."""
MAX_CODE_CHARS = 100_000
"""Longest code read per student."""

Span = tuple[int, int, int]
"""Where a fingerprint is: (cell, first line, last line), lines counted from 1."""


@dataclass(frozen=True)
class CodeMatch:
    """Two students' shared code: how much, and where in each one's cells."""

    similarity: float
    shared: int
    lines: Mapping[str, tuple[tuple[int, int], ...]]
    """Per student, the (cell, line) pairs of the shared code, in order."""
    flagged: bool


@dataclass(frozen=True)
class CodeComparison:
    """The pairs that share code, the threshold, and how many students had code to compare."""

    matches: Mapping[tuple[str, str], CodeMatch]
    threshold: float
    read: int


def common_limit(students: int) -> int:
    """Most students a fingerprint may belong to and still tie anyone: 5% of the class,
    at least 3 and at most 10 (as MOSS ignores passages found in many programs)."""
    return max(3, min(10, math.ceil(0.05 * students)))


UNARY_AFTER = frozenset(["", "(", "[", "{", ",", "=", ":", ";", "return", "+", "-", "*", "/"])
"""Tokens after which a sign belongs to the number that follows it."""


@lru_cache(maxsize=512)  # cells many students keep as they are are read once
def tokens(source: str) -> tuple[tuple[str, int], ...]:
    """Normalised tokens of Python code and their line numbers: a signed number typed in
    is one token, whatever its sign (what cannot be read is skipped: a syntax error ends the
    cell's tokens, nothing else)."""
    words: list[tuple[str, int]] = []
    for word, line in _words(source):
        signed = len(words) >= 1 and words[-1][0] in ("-", "+")
        if word == "N" and signed and (words[-2][0] if len(words) > 1 else "") in UNARY_AFTER:
            words.pop()
        words.append((word, line))
    return tuple(words)


def _words(source: str) -> Iterator[tuple[str, int]]:
    """The tokens, normalised; an f-string is one string token on every Python (3.12 and
    later split it into parts)."""
    previous = ""
    inside_fstring = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text = token.type, token.string
            name = tokenize.tok_name.get(kind, "")
            if name in ("FSTRING_START", "FSTRING_END"):
                inside_fstring += 1 if name == "FSTRING_START" else -1
                if name == "FSTRING_START" and inside_fstring == 1:
                    yield "S", token.start[0]
                continue
            structure = kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
            if inside_fstring or (not text.strip() and not structure):
                continue  # inside an f-string, or blank (NL, ENDMARKER, a stray space)
            if kind in (tokenize.COMMENT, tokenize.ENCODING):
                continue
            if kind == tokenize.NAME:
                word = text if keyword.iskeyword(text) or previous == "." else "V"
            elif kind == tokenize.NUMBER:
                word = "N"
            elif kind == tokenize.STRING:
                word = "S"
            elif kind == tokenize.NEWLINE:
                word = ";"
            elif kind == tokenize.INDENT:
                word = "{"
            elif kind == tokenize.DEDENT:
                word = "}"
            else:
                word = text
            previous = text
            yield word, token.start[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return


def _word_id(word: str, cache: dict[str, int] = {}) -> int:  # noqa: B006 (a cache)
    """A stable 64-bit number for a token (the same on every run and machine)."""
    if word not in cache:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        cache[word] = int.from_bytes(digest, "big")
    return cache[word]


NO_HASH = np.uint64(2**64 - 1)
"""The hash of a k-gram that runs across two cells: never chosen."""
_POWERS = np.array([pow(1_000_003, K - 1 - j, 2**64) for j in range(K)], dtype=np.uint64)


def _gram_hashes(ids: Array) -> Array:
    """A hash of every ``K`` consecutive token ids (a polynomial, mixed; wraps at 2**64)."""
    windows = np.lib.stride_tricks.sliding_window_view(ids, K)
    with np.errstate(over="ignore"):
        value = (windows * _POWERS).sum(axis=1, dtype=np.uint64)
        value ^= value >> np.uint64(31)
        value *= np.uint64(0x9E3779B97F4A7C15)
        value ^= value >> np.uint64(29)
    result: Array = value
    return result


def fingerprints(cells: Sequence[str]) -> dict[int, Span]:
    """The winnowed hashes of ``cells``, with where each one is. The cells are winnowed as one
    text, but no k-gram runs from one cell into the next."""
    budget = MAX_CODE_CHARS
    words: list[tuple[str, int]] = []
    cell_of: list[int] = []
    for cell_number, source in enumerate(cells, start=1):
        source = source[: max(budget, 0)]
        budget -= len(source)
        found = tokens(source)
        words.extend(found)
        cell_of.extend([cell_number] * len(found))
    if len(words) < K:
        return {}
    ids = np.array([_word_id(word) for word, _ in words], dtype=np.uint64)
    lines = np.array([line for _, line in words])
    cell = np.array(cell_of)
    hashes = _gram_hashes(ids)
    hashes[cell[: len(hashes)] != cell[K - 1 :]] = NO_HASH
    if len(hashes) < WINDOW:
        chosen = np.array([int(np.argmin(hashes))])
    else:
        windows = np.lib.stride_tricks.sliding_window_view(hashes, WINDOW)
        chosen = np.unique(np.arange(len(windows)) + windows.argmin(axis=1))
    chosen = chosen[hashes[chosen] != NO_HASH]
    result: dict[int, Span] = {}
    for digest, first, last, number in zip(
        hashes[chosen].tolist(),
        lines[chosen].tolist(),
        lines[chosen + K - 1].tolist(),
        cell[chosen].tolist(),
        strict=True,
    ):
        result.setdefault(digest, (number, first, last))
    return result


def typed_answers() -> list[str]:
    """The answer cells with every answer typed in as numbers (as a list or a numpy array,
    all in one cell or a statement a cell): the same code for anyone who answers by hand."""
    cells = []
    for names in ANSWER_CELLS.values():
        for form in ("np.array({})", "{}"):
            statements = [f"{name} = {_typed(name, form)}" for name in names]
            cells.append("\n".join(statements))
            cells.extend(statements)
    return cells


def _typed(name: str, form: str) -> str:
    if name == "loss_decreased":
        return "True"
    shape = SHAPES[name][0]
    if not shape:
        return "0.0"
    literal = str(np.zeros(shape).tolist())
    return form.format(literal)


def code_matches(
    codes: Mapping[str, Sequence[str]], template: Sequence[str] = ()
) -> CodeComparison:
    """The pairs of students whose own code shares fingerprints that few others have."""
    boilerplate = set(fingerprints([*template, *typed_answers()]))
    prints = {
        student: {h: span for h, span in fingerprints(cells).items() if h not in boilerplate}
        for student, cells in codes.items()
    }
    prints = {student: found for student, found in prints.items() if found}
    owners: dict[int, list[str]] = {}
    for student, found in prints.items():
        for digest in found:
            owners.setdefault(digest, []).append(student)
    limit = common_limit(len(codes))
    common = {digest for digest, students in owners.items() if len(students) > limit}
    shared: Counter[tuple[str, str]] = Counter()
    for students in owners.values():
        if 1 < len(students) <= limit:
            ordered = sorted(students)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    shared[(a, b)] += 1
    own = {student: len(found) for student, found in prints.items()}
    matches = {}
    for (a, b), count in shared.items():
        similarity = count / max(min(own[a], own[b]), 1)
        flagged = similarity >= THRESHOLD and count >= MIN_SHARED
        both = (prints[a].keys() & prints[b].keys()) - common
        lines = {student: _lines(prints[student], both) for student in (a, b)}
        matches[(a, b)] = CodeMatch(round(similarity, 6), count, lines, flagged)
    return CodeComparison(matches, THRESHOLD, len(prints))


def _lines(found: Mapping[int, Span], digests: set[int]) -> tuple[tuple[int, int], ...]:
    lines = {
        (cell, line)
        for digest in digests
        for cell, first, last in [found[digest]]
        for line in range(first, last + 1)
    }
    return tuple(sorted(lines))
