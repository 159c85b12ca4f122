"""The collusion report's evidence: planted copying found and ranked first, honest work not."""

from __future__ import annotations

import csv
import io
import math
import random

import numpy as np
import pytest

from grader.judgment.collusion import MIN_ANSWERS, Submission, find_collusion, plain_answers
from grader.judgment.collusion_page import collusion_csv, render_collusion_html
from grader.judgment.misconceptions import BY_TAG
from solutions.variant import make_variant
from tests.grader.judgment.planted_class import (
    TEMPLATE,
    PlantedClass,
    honest_code,
    planted_class,
    shared_code,
)
from tests.grader.judgment.students import MISTAKES, reference


@pytest.fixture(scope="module")
def planted() -> PlantedClass:
    return planted_class(honest_right=40, honest_wrong=40)


def test_planted_pairs_rank_first_and_honest_students_stay_below(planted: PlantedClass) -> None:
    report = find_collusion(planted.submissions, TEMPLATE)
    assert report.students == 86
    planted_pairs = {planted.copied_right, planted.copied_mistake, planted.shared_code}
    assert {pair.students for pair in report.pairs[:3]} == planted_pairs
    assert {pair.students for pair in report.flagged} == planted_pairs
    by_students = {pair.students: pair for pair in report.pairs}
    for copied in (planted.copied_right, planted.copied_mistake):
        pair = by_students[copied]
        assert pair.flagged_answers and len(pair.names) >= 4
        assert pair.expected < 1e-6
        assert pair.score > report.threshold
    code_pair = by_students[planted.shared_code]
    assert code_pair.flagged_code and not code_pair.flagged_answers
    assert code_pair.code is not None and code_pair.code.similarity > 0.8
    honest = [p for p in report.pairs if p.students not in planted_pairs]
    assert honest, "chance matches among honest students are listed, below the threshold"
    assert all(not p.flagged for p in honest)


def test_the_copied_answers_point_to_the_right_student_and_numbers(planted: PlantedClass) -> None:
    report = find_collusion(planted.submissions, TEMPLATE)
    pairs = {pair.students: pair for pair in report.pairs}
    right = pairs[planted.copied_right]
    a_answers = reference(*make_variant("amy"))
    theta_new = [m for m in right.matches if m.name == "theta_new"]
    assert [(m.student, m.source) for m in theta_new] == [("ben", "amy")]
    assert theta_new[0].on_numbers and theta_new[0].mistakes == ()
    assert theta_new[0].explanation.startswith("amy's numbers, right")
    assert theta_new[0].exact
    assert np.allclose(theta_new[0].value, a_answers["theta_new"])
    assert np.allclose(theta_new[0].matched, a_answers["theta_new"])
    mistake = pairs[planted.copied_mistake]
    assert {(m.student, m.source) for m in mistake.matches} == {("dan", "cleo")}
    title = BY_TAG["no_relu"].title
    assert all(m.mistakes == (title,) and title in m.explanation for m in mistake.matches)
    assert "grad_per_sample" in mistake.names


def test_answers_right_on_ones_own_numbers_tie_no_one() -> None:
    students = [f"s{n}" for n in range(30)]
    submissions = [
        Submission(s, reference(*make_variant(s)), make_variant(s)) for s in students
    ] + [
        Submission(f"m{n}", MISTAKES["no_relu"][0](*make_variant(f"m{n}")), make_variant(f"m{n}"))
        for n in range(10)
    ]
    report = find_collusion(submissions)
    assert report.flagged == ()
    assert all(len(p.names) < MIN_ANSWERS for p in report.pairs)


def test_a_copy_of_an_unexplained_wrong_answer_still_ties_the_pair() -> None:
    """B copies A's answers, and A's slips fit no one's numbers: B's equal A's submission."""
    a, b = make_variant("ann"), make_variant("bob")
    wrong = reference(*a)
    wrong["grad_per_sample"] = np.array(wrong["grad_per_sample"]) + 0.7
    wrong["grad"] = np.array(wrong["grad"]) - 0.3
    others = [
        Submission(f"s{n}", reference(*make_variant(f"s{n}")), make_variant(f"s{n}"))
        for n in range(20)
    ]
    report = find_collusion([Submission("ann", wrong, a), Submission("bob", wrong, b), *others])
    top = report.pairs[0]
    assert top.students == ("ann", "bob") and top.flagged_answers
    explained = {m.name: m for m in top.matches if m.student == "bob"}
    assert explained["grad_per_sample"].explanation == "ann's submitted answer"
    assert not explained["grad_per_sample"].on_numbers
    assert explained["theta_new"].explanation == "ann's numbers, right = ann's submitted answer"


def test_code_similarity_leaves_out_the_release_template() -> None:
    """Two honest students who alone kept the release's long optional starter cell: tied
    only when the template is not given."""
    rng = random.Random(3)
    starter = (
        "import matplotlib.pyplot as plt\n"
        "def plot_losses(etas, losses, title='loss after one step'):\n"
        "    figure, axes = plt.subplots(figsize=(5, 3))\n"
        "    axes.semilogx(etas, losses, marker='o')\n"
        "    axes.set_xlabel('learning rate')\n"
        "    axes.set_ylabel('loss')\n"
        "    axes.axhline(losses[0], linestyle=':', color='gray')\n"
        "    axes.set_title(title)\n"
        "    for eta_value, loss_value in zip(etas, losses):\n"
        "        if loss_value > 2 * losses[0]:\n"
        "            axes.annotate('diverges', (eta_value, loss_value))\n"
        "    figure.tight_layout()\n"
        "    return figure\n"
        "candidate_etas = [10.0 ** k for k in range(-4, 1)]\n"
    )
    template = [*TEMPLATE, starter]
    names = ["kim", "lee", *(f"s{n}" for n in range(30))]
    submissions = [
        Submission(
            name,
            {},
            make_variant(name),
            [starter, *honest_code(rng)] if name in ("kim", "lee") else honest_code(rng),
        )
        for name in names
    ]
    assert find_collusion(submissions, template).flagged == ()
    assert [p.students for p in find_collusion(submissions).flagged] == [("kim", "lee")]
    copied = [
        Submission(s.student, {}, s.variant, shared_code(rng)) if s.student in ("kim", "lee") else s
        for s in submissions
    ]
    assert [p.students for p in find_collusion(copied, template).flagged] == [("kim", "lee")]


def test_bad_answers_and_code_are_left_out_not_fatal() -> None:
    bad = [
        {"y_hat": "four", "loss": float("nan"), "grad": [1, 2], "theta_new": None},
        {"grad_per_sample": [[1, 2, 3]], "loss_new": object(), "loss": True},
        {},
    ]
    code = [["def broken(:\n  'unterminated"], ["\x00\x01 %%%"], []]
    submissions = [
        Submission(f"x{n}", answers, make_variant(f"x{n}"), cells)
        for n, (answers, cells) in enumerate(zip(bad, code, strict=True))
    ]
    report = find_collusion(submissions, TEMPLATE)
    assert report.students == 3 and report.pairs == ()
    assert plain_answers(bad[0]) == {}


def test_plain_answers_keep_readable_numbers_only() -> None:
    answers = reference(*make_variant("ann"))
    plain = plain_answers({**answers, "loss": "high"})
    assert set(plain) == {"y_hat", "grad_per_sample", "grad", "theta_new", "loss_new"}
    assert plain["grad_per_sample"] == np.asarray(answers["grad_per_sample"]).tolist()


def test_chance_rates_are_measured_on_the_class(planted: PlantedClass) -> None:
    report = find_collusion(planted.submissions, TEMPLATE)
    assert set(report.chance) == {
        "y_hat",
        "loss",
        "grad_per_sample",
        "grad",
        "theta_new",
        "loss_new",
    }
    assert all(0 < rate < 1 for rate in report.chance.values())
    # a pair of small integers collides far more often than ten numbers with decimals
    assert report.chance["y_hat"] > 100 * report.chance["grad_per_sample"]
    assert report.threshold == pytest.approx(math.log10(report.comparisons / 0.01))


def test_page_and_table_escape_and_list_the_pairs(planted: PlantedClass) -> None:
    renamed = [
        Submission("<b>x</b>" if s.student == "ben" else s.student, s.answers, s.variant, s.code)
        for s in planted.submissions
    ]
    report = find_collusion(renamed, TEMPLATE)
    codes = {s.student: list(s.code) for s in renamed}
    html = render_collusion_html(report, codes)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "eve" in html and "fay" in html and "no ReLU" in html.replace("No ReLU", "no ReLU")
    rows = list(csv.DictReader(io.StringIO(collusion_csv(report))))
    assert len(rows) == len(report.pairs)
    assert {(r["student_a"], r["student_b"]) for r in rows[:3]} == {
        ("<b>x</b>", "amy"),
        ("cleo", "dan"),
        ("eve", "fay"),
    }
    assert rows[0]["flagged"] in ("answers", "code", "answers and code")
    assert all(r["flagged"] == "" for r in rows[3:])


def test_the_same_placeholders_tie_no_one() -> None:
    """Zeros, the targets as predictions, θ′ = θ: the same for anyone, evidence of nothing."""

    def placeholders(student: str) -> dict[str, object]:
        v = make_variant(student)
        return {
            "y_hat": np.asarray(v.y),
            "loss": 0.0,
            "grad_per_sample": np.zeros((2, 5)),
            "grad": np.zeros(5),
            "theta_new": np.zeros(5),
            "loss_new": 0.0,
        }

    honest = [f"s{n}" for n in range(10)]
    submissions = [
        Submission("kit", placeholders("kit"), make_variant("kit")),
        Submission("lou", placeholders("lou"), make_variant("lou")),
        *(Submission(s, reference(*make_variant(s)), make_variant(s)) for s in honest),
    ]
    assert find_collusion(submissions).pairs == ()


def test_a_class_of_none_or_one_compares_nothing() -> None:
    assert find_collusion([]).pairs == ()
    alone = find_collusion(
        [Submission("ann", reference(*make_variant("ann")), make_variant("ann"))]
    )
    assert alone.pairs == () and alone.comparisons == 0
    assert set(alone.chance.values()) == {1.0}


def test_a_pair_tied_by_code_alone_has_no_chance_figure(planted: PlantedClass) -> None:
    report = find_collusion(planted.submissions, TEMPLATE)
    rows = {
        (r["student_a"], r["student_b"]): r
        for r in csv.DictReader(io.StringIO(collusion_csv(report)))
    }
    code_only = rows[planted.shared_code]
    assert code_only["answers"] == "" and code_only["expected_by_chance"] == ""
    assert float(code_only["code_similarity"]) > 0.8
    assert float(rows[planted.copied_right]["expected_by_chance"]) < 1e-6


def test_answers_typed_in_as_numbers_are_no_shared_code() -> None:
    """Two students alone in typing their (own, right) answers as numbers: alike, but not
    by copying."""
    from grader.judgment.rubric import ANSWER_CELLS

    def typed(student: str) -> list[str]:
        answers = reference(*make_variant(student))
        cells = []
        for names in ANSWER_CELLS.values():
            lines = []
            for name in names:
                value = answers[name]
                literal = np.asarray(value).tolist() if not isinstance(value, bool) else value
                form = "np.array({})" if isinstance(literal, list) else "{}"
                lines.append(f"{name} = {form.format(literal)}")
            cells.append("\n".join(lines))
        return [TEMPLATE[0], TEMPLATE[1], *cells]

    rng = random.Random(7)
    submissions = [
        Submission(s, reference(*make_variant(s)), make_variant(s), code)
        for s, code in [
            ("kim", typed("kim")),
            ("lee", typed("lee")),
            *((f"s{n}", honest_code(rng, by_hand=False)) for n in range(30)),
        ]
    ]
    assert find_collusion(submissions, TEMPLATE).flagged == ()
