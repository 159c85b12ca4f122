"""Who copied from whom: answers that fit another student's numbers and not one's own.

Every student has numbers of their own, so an answer that is right (or wrong in a known
way) for another student's variant, and neither for one's own nor for the homework's
original numbers, points to that student. :func:`find_collusion` takes the class's
answers and variants and returns the pairs of students ranked by that evidence:

- **match**: an answer within the rubric's tolerance of a value of the other student's
  variant (right, or after one or two of the grader's known mistakes:
  :mod:`grader.judgment.mutants`), or of the other student's own submitted answer;
- **not one's own**: an answer that the student's own numbers (or the original numbers)
  explain is no evidence, nor one that fits more than :data:`MAX_SOURCES` variants, nor one
  that would be much the same for anyone (zeros, ŷ = y, θ′ = θ: the grader's trivial answers);
- **chance**: for each answer, the class's *chance match rate* is how often a value of one
  variant (right or after a known mistake) fits another given variant (measured on a sample
  of the class's values, one hit added so that no rate is 0); a pair's evidence is
  the sum of ``−log10(rate)`` over the answers that tie it (its *score*), and the number of
  pairs expected that strong by chance is (ordered pairs compared) × the product of rates;
- **threshold**: a pair is flagged when at least :data:`MIN_ANSWERS` answers tie it and
  fewer than :data:`ALPHA` pairs that strong are expected by chance in the whole class.

Code similarity (:mod:`grader.judgment.code_similarity`) is a second, independent signal.
Nothing here changes a grade, and none of it is meant for students.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import solutions
from grader.judgment.answer_index import (
    EXACT,
    NUMERIC_NAMES,
    SHAPES,
    AnswerIndex,
    FamilyValues,
    family_values,
)
from grader.judgment.checks import all_close, trivial_reason
from grader.judgment.code_similarity import CodeMatch, code_matches
from grader.judgment.misconceptions import BY_TAG, TAG_OF_MUTATION
from grader.judgment.mutants import Mutations
from grader.judgment.rubric import RUBRIC, Rubric
from grader.judgment.values import read_numbers
from solutions.arrays import Array

ALPHA = 0.01
"""Most pairs expected by chance, over the whole class, at a flagged pair's strength."""
MIN_ANSWERS = 2
"""Fewest answers that must tie a pair for it to be flagged."""
MAX_SOURCES = 3
"""An answer that fits more variants than this points to no one."""
MAX_CHANCE_QUERIES = 3_000
"""Most values per answer sampled to measure the chance match rate."""
LISTED_UNFLAGGED = 20
"""Pairs below the thresholds still listed, strongest first, for context."""

QUESTION_OF = {
    quantity.name: question.key for question in RUBRIC.questions for quantity in question.quantities
}


@dataclass(frozen=True)
class Submission:
    """One student's answers (any values; unreadable ones are left out), the code of their
    own cells, and their variant."""

    student: str
    answers: Mapping[str, Any]
    variant: solutions.Dataset
    code: Sequence[str] = ()


@dataclass(frozen=True)
class AnswerMatch:
    """One answer of ``student`` that fits ``source``'s numbers and not the student's own."""

    name: str
    question: str
    student: str
    source: str
    value: Any
    """The student's value (plain numbers)."""
    matched: Any
    """The value it fits, on the source's numbers (plain numbers)."""
    on_numbers: bool
    """Whether it is computed from the source's numbers (right, or with ``mistakes``)."""
    mistakes: tuple[str, ...]
    """The known mistakes (their titles) that give the value on the source's numbers."""
    same_as_answer: bool
    """Whether it is also the source's own submitted answer."""
    exact: bool

    @property
    def explanation(self) -> str:
        """How the value comes about, in words."""
        parts = []
        if self.on_numbers:
            how = "with: " + "; ".join(self.mistakes) if self.mistakes else "right"
            parts.append(f"{self.source}'s numbers, {how}")
        if self.same_as_answer:
            parts.append(f"{self.source}'s submitted answer")
        return " = ".join(parts)


@dataclass(frozen=True)
class Pair:
    """Two students, what ties them and how strongly."""

    students: tuple[str, str]
    matches: tuple[AnswerMatch, ...] = ()
    score: float = 0.0
    """Evidence from the answers: sum of −log10(chance match rate) over the tied answers."""
    expected: float = math.inf
    """Pairs this strong expected by chance in the class (ordered pairs × product of rates)."""
    flagged_answers: bool = False
    code: CodeMatch | None = None
    flagged_code: bool = False

    @property
    def flagged(self) -> bool:
        """Above the report's threshold by either signal."""
        return self.flagged_answers or self.flagged_code

    @property
    def names(self) -> tuple[str, ...]:
        """The answers that tie the pair, in the homework's order, once each."""
        tied = {m.name for m in self.matches}
        return tuple(name for name in NUMERIC_NAMES if name in tied)


@dataclass(frozen=True)
class CollusionReport:
    """The class's pairs (flagged first, by evidence) and how the evidence was weighed."""

    students: int
    variants: int
    comparisons: int
    """Ordered pairs of students with different numbers: the comparisons made."""
    chance: Mapping[str, float]
    """Per answer: how often a plausible value of one variant fits another given variant."""
    threshold: float
    """The smallest answer score flagged (with at least :data:`MIN_ANSWERS` answers)."""
    code_threshold: float
    pairs: tuple[Pair, ...] = field(default=())
    answers_read: int = 0
    code_read: int = 0

    @property
    def flagged(self) -> tuple[Pair, ...]:
        """The pairs above the threshold of either signal."""
        return tuple(pair for pair in self.pairs if pair.flagged)


def plain_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric answers that read as numbers of the right shape, as plain nested lists of
    floats (JSON-safe, for a grading record); the others are left out."""
    plain: dict[str, Any] = {}
    for name, (shape, meaning) in SHAPES.items():
        reading = read_numbers(answers, name, shape, meaning)
        if reading.status == "ok":
            plain[name] = np.asarray(reading.value, dtype=float).tolist()
    return plain


def find_collusion(
    submissions: Sequence[Submission], template: Sequence[str] = (), rubric: Rubric = RUBRIC
) -> CollusionReport:
    """The class's pairs ranked by evidence; ``template``: the release's own code cells."""
    students = [s.student for s in submissions]
    variants, variant_of = _distinct_variants(submissions)
    table = family_values([*variants, solutions.SEED], rubric)
    comparisons = _ordered_pairs(variant_of)
    chance: dict[str, float] = {}
    matches: dict[tuple[str, str], list[AnswerMatch]] = {}
    readers: set[int] = set()
    for name in NUMERIC_NAMES:
        answered = _answered(submissions, name, table[name], variant_of, rubric)
        readers.update(i for i, _ in answered)
        chance[name], found = _answer_matches(
            name, table[name], answered, students, variant_of, rubric.quantity(name).rtol
        )
        for match in found:
            first, second = sorted((match.student, match.source))
            matches.setdefault((first, second), []).append(match)
    code = code_matches({s.student: s.code for s in submissions}, template)
    return CollusionReport(
        students=len(submissions),
        variants=len(variants),
        comparisons=comparisons,
        chance=chance,
        threshold=math.log10(max(comparisons, 1) / ALPHA),
        code_threshold=code.threshold,
        pairs=_pairs(matches, chance, comparisons, code.matches),
        answers_read=len(readers),
        code_read=code.read,
    )


def _answered(
    submissions: Sequence[Submission],
    name: str,
    values: FamilyValues,
    variant_of: Sequence[int],
    rubric: Rubric,
) -> list[tuple[int, Array]]:
    """The students' readable answers ``name`` (flattened), but those that would be much
    the same for anyone (zeros, ŷ = y, θ′ = θ, absurd: :func:`trivial_reason`)."""
    quantity = rubric.quantity(name)
    shape, meaning = SHAPES[name]
    answered = []
    for i, submission in enumerate(submissions):
        reading = read_numbers(submission.answers, name, shape, meaning)
        if reading.status != "ok":
            continue
        variant = submission.variant
        reference = values.values[0, variant_of[i]].reshape(shape)
        if not all_close(reading.value, reference, quantity.rtol, quantity.atol):
            y, theta = np.asarray(variant.y, float), np.asarray(variant.theta, float)
            trivial = trivial_reason(
                name, reading.value, reference, y, theta, rubric.absurd_magnitude, quantity.atol
            )
            if trivial is not None:
                continue
        answered.append((i, np.asarray(reading.value, dtype=float).ravel()))
    return answered


def _answer_matches(
    name: str,
    values: FamilyValues,
    answered: Sequence[tuple[int, Array]],
    students: Sequence[str],
    variant_of: Sequence[int],
    rtol: float,
) -> tuple[float, list[AnswerMatch]]:
    """The chance match rate of answer ``name``, and its answers that fit another student's
    numbers (or submitted answer) and not the student's own."""
    n_families, n_variants, width = values.values.shape
    seed = n_variants - 1  # the homework's original numbers: nobody's, everybody's "own"
    family_rows = values.values.reshape(-1, width)
    family_atol = np.tile(values.atol, n_families)
    submitted = np.array([v for _, v in answered]).reshape(-1, width)
    submitted_atol = values.atol[[variant_of[i] for i, _ in answered]]
    indexed: Array = np.asarray(np.isfinite(family_rows).all(axis=1))
    indexed &= _first_of_each_value(family_rows, n_variants)
    index = AnswerIndex(
        np.concatenate([family_rows[indexed], submitted]),
        np.concatenate([family_atol[indexed], submitted_atol]),
        rtol,
    )
    origin = np.concatenate([np.flatnonzero(indexed), -1 - np.arange(len(answered))])
    chance = _chance_rate(index, origin, family_rows, indexed, n_variants, seed)
    rows, candidates = index.hits(submitted)
    found = []
    for row, owners in _evidence(rows, candidates, origin, answered, variant_of, n_variants, seed):
        student, value = answered[row]
        for owner, fitting in owners:
            candidate, mistakes, same = _explain(fitting, origin, values.families, n_variants)
            matched = index.values[candidate]
            exact = np.all(np.abs(value - matched) <= EXACT * (1 + np.abs(matched)))
            found.append(
                AnswerMatch(
                    name=name,
                    question=QUESTION_OF[name],
                    student=students[student],
                    source=students[owner],
                    value=_shaped(value, name),
                    matched=_shaped(matched, name),
                    on_numbers=mistakes is not None,
                    mistakes=mistakes or (),
                    same_as_answer=same,
                    exact=bool(exact),
                )
            )
    return chance, found


def _first_of_each_value(rows: Array, n_variants: int) -> Array:
    """Which rows (families × variants) are the first family to give their value on their
    variant: the others repeat it and are left out of the index."""
    variant = (np.arange(len(rows)) % n_variants).astype(float)
    keyed = np.concatenate([variant[:, None], np.nan_to_num(rows)], axis=1)
    _, first = np.unique(keyed, axis=0, return_index=True)
    kept = np.zeros(len(rows), dtype=bool)
    kept[first] = True
    return kept


def _ordered_pairs(variant_of: Sequence[int]) -> int:
    counts = np.bincount(np.asarray(variant_of, dtype=np.int64))
    n = len(variant_of)
    return int(n * n - (counts**2).sum())


def _distinct_variants(
    submissions: Sequence[Submission],
) -> tuple[list[solutions.Dataset], list[int]]:
    """The class's distinct variants, and each student's position among them."""
    variants: list[solutions.Dataset] = []
    position: dict[bytes, int] = {}
    variant_of = []
    for submission in submissions:
        v = submission.variant
        key = np.concatenate(
            [np.ravel(np.asarray(a, dtype=float)) for a in (v.X, v.y, v.theta, [v.eta])]
        ).tobytes()
        if key not in position:
            position[key] = len(variants)
            variants.append(v)
        variant_of.append(position[key])
    return variants, variant_of


def _shaped(value: Array, name: str) -> Any:
    shape = SHAPES[name][0]
    result: Any = np.asarray(value, dtype=float).reshape(shape).tolist()
    return result


def _chance_rate(
    index: AnswerIndex, origin: Array, family_rows: Array, finite: Array, n_variants: int, seed: int
) -> float:
    """How often a family value of one class variant fits another given class variant."""
    class_variants = seed  # the seed is the last variant: not one of the class's
    if class_variants < 2:
        return 1.0
    rows = np.flatnonzero(finite & (np.arange(len(family_rows)) % n_variants != seed))
    if len(rows) > MAX_CHANCE_QUERIES:
        rows = np.random.default_rng(0).choice(rows, MAX_CHANCE_QUERIES, replace=False)
    query_variant = rows % n_variants
    found, candidates = index.hits(family_rows[rows])
    owner = origin[candidates]
    is_family = owner >= 0
    hit_variant = owner[is_family] % n_variants
    found = found[is_family]
    other = (hit_variant != query_variant[found]) & (hit_variant != seed)
    distinct = np.unique(found[other] * (n_variants + 1) + hit_variant[other])
    trials = len(rows) * (class_variants - 1)
    return float((len(distinct) + 1) / (trials + 1))


def _evidence(
    rows: Array,
    candidates: Array,
    origin: Array,
    answered: Sequence[tuple[int, Array]],
    variant_of: Sequence[int],
    n_variants: int,
    seed: int,
) -> list[tuple[int, list[tuple[int, list[int]]]]]:
    """For each answer that fits other students' numbers and not its own: the answer's row
    and the (student, candidate) pairs it points to."""
    student_of_row = np.array([i for i, _ in answered], dtype=np.int64)
    variant_array = np.asarray(variant_of, dtype=np.int64)
    owner = origin[candidates]
    family = owner >= 0
    # the variant each hit fits, and for a submitted answer its student
    hit_variant = np.where(family, owner % n_variants, 0)
    hit_student = np.where(family, -1, 0)
    submitted_rows = -1 - owner[~family]
    hit_student[~family] = student_of_row[submitted_rows]
    hit_variant[~family] = variant_array[hit_student[~family]]
    me = student_of_row[rows]
    mine = variant_array[me]
    self_hit = hit_student == me
    own = ~self_hit & ((hit_variant == mine) | (hit_variant == seed))
    explained = np.zeros(len(answered), dtype=bool)
    explained[rows[own]] = True
    keep = ~self_hit & ~explained[rows]
    rows, candidates, hit_variant, hit_student = (
        rows[keep],
        candidates[keep],
        hit_variant[keep],
        hit_student[keep],
    )
    by_variant: dict[int, list[int]] = {}
    for student, v in enumerate(variant_of):
        by_variant.setdefault(v, []).append(student)
    result: dict[int, dict[int, list[int]]] = {}
    sources: dict[int, set[int]] = {}
    for row, candidate, v, s in zip(
        rows.tolist(), candidates.tolist(), hit_variant.tolist(), hit_student.tolist(), strict=True
    ):
        sources.setdefault(row, set()).add(v)
        owners = result.setdefault(row, {})
        for student in [s] if s >= 0 else by_variant.get(v, []):
            owners.setdefault(student, []).append(candidate)
    return [
        (row, sorted(owners.items()))
        for row, owners in sorted(result.items())
        if len(sources[row]) <= MAX_SOURCES
    ]


def _explain(
    candidates: Sequence[int], origin: Array, families: Sequence[Mutations], n_variants: int
) -> tuple[int, tuple[str, ...] | None, bool]:
    """The candidate to show (the family with the fewest mistakes, else the submitted answer),
    its mistakes' titles (None: no value on the source's numbers fits) and whether the source
    submitted the value."""
    fitting = [(len(families[origin[c] // n_variants]), c) for c in candidates if origin[c] >= 0]
    same = any(origin[c] < 0 for c in candidates)
    if not fitting:
        return candidates[0], None, same
    best = min(fitting)[1]
    family = families[origin[best] // n_variants]
    tags = dict.fromkeys(TAG_OF_MUTATION[m] for m in sorted(family))
    return best, tuple(BY_TAG[tag].title for tag in tags), same


def _pairs(
    matches: Mapping[tuple[str, str], list[AnswerMatch]],
    chance: Mapping[str, float],
    comparisons: int,
    code: Mapping[tuple[str, str], CodeMatch],
) -> tuple[Pair, ...]:
    """Every pair with evidence, flagged first, then by answer score and code similarity."""
    pairs: dict[tuple[str, str], Pair] = {}
    for key, found in matches.items():
        ordered = sorted(found, key=lambda m: (NUMERIC_NAMES.index(m.name), m.student != key[0]))
        names = dict.fromkeys(m.name for m in ordered)
        score = sum(-math.log10(chance[n]) for n in names)
        expected = comparisons * 10.0**-score
        flagged = len(names) >= MIN_ANSWERS and expected < ALPHA
        pairs[key] = Pair(key, tuple(ordered), score, expected, flagged)
    for key, similarity in code.items():
        pair = pairs.get(key, Pair(key))
        pairs[key] = replace(pair, code=similarity, flagged_code=similarity.flagged)
    ranked = sorted(
        pairs.values(),
        key=lambda p: (
            not p.flagged,
            -p.score if p.flagged_answers else 0.0,
            -(p.code.similarity if p.code is not None and p.flagged_code else 0.0),
            -p.score,
            -(p.code.similarity if p.code is not None else 0.0),
            p.students,
        ),
    )
    flagged = [p for p in ranked if p.flagged]
    return tuple(flagged + [p for p in ranked if not p.flagged][:LISTED_UNFLAGGED])
