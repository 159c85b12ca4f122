"""Code similarity's tokens and fingerprints: renaming, signs, f-strings, broken code."""

from __future__ import annotations

from grader.judgment.code_similarity import code_matches, fingerprints, tokens

ORIGINAL = (
    "def forward(params, inputs):\n"
    "    pre = params[0] * inputs[:, 0] + params[1] * inputs[:, 1] + params[2]\n"
    "    return pre, params[3] * np.clip(pre, 0, None) + params[4]\n"
    "label = f'loss {loss:.3f} after {steps} steps'\n"
    "scale = -2.5 * (y_hat - y).sum()  # by hand\n"
)
RENAMED = (
    "def f(p, x):\n"
    "    a = p[0] * x[:, 0] + p[1] * x[:, 1] + p[2]  # the hidden input\n"
    "\n"
    "    return a, p[3] * np.clip(a, 0, None) + p[4]\n"
    'label = f"loss {value:.4f} after {n!r} steps and {extra}"\n'
    "scale = 7 * (prediction - target).sum()\n"
)


def words(source: str) -> list[str]:
    return [word for word, _ in tokens(source)]


def test_renamed_variables_comments_and_typed_numbers_change_no_token() -> None:
    assert words(ORIGINAL) == words(RENAMED)
    assert words("x = np.clip(a, 0)")[3:5] == [".", "clip"]  # attribute names stay
    assert words("x = [-1.5, +2]") == words("y = [3, 4.25]")
    assert words("x = a - 2") != words("x = a 2")  # a binary minus stays


def test_broken_code_gives_the_tokens_before_the_fault() -> None:
    assert words("a = (1,\n")[:3] == ["V", "=", "("]
    assert fingerprints(["def broken(:\n  'unterminated"]) == {}


def test_renamed_code_is_found_where_it_is() -> None:
    found = code_matches({"ann": [ORIGINAL], "bob": [RENAMED], "cy": ["z = 1\n" * 3]})
    match = found.matches[("ann", "bob")]
    assert match.similarity == 1.0 and match.flagged
    assert match.lines == {
        "ann": tuple((1, n) for n in range(1, 6)),
        "bob": tuple((1, n) for n in range(1, 7)),
    }
    assert [key for key in found.matches if "cy" in key] == []
