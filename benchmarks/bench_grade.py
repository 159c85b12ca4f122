"""Time one ``grader.grade`` call: ``python benchmarks/bench_grade.py``.

Prints the median time per call (of 200) for each example answer set and for a
worst case where no computation explains any answer (so every candidate mistake
is tried).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

import solutions as s
from grader import grade
from grader.judgment.examples.generate import EXAMPLES


def per_call_ms(answers: dict[str, Any], variant: Any, repeats: int = 200) -> float:
    """Median wall time of one grade() call, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        grade(answers, *variant)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    for student, description, variant, make, _ in EXAMPLES:
        ms = per_call_ms(make(variant), variant)
        print(f"grade(): {ms:5.2f} ms per call, example {student}: {description}")
    rng = np.random.default_rng(0)
    worst = {
        "y_hat": rng.normal(size=2) + 10,
        "loss": 123.0,
        "grad_per_sample": rng.normal(size=(2, 5)) + 10,
        "grad": rng.normal(size=5) + 10,
        "theta_new": rng.normal(size=5) + 10,
        "loss_new": 456.0,
        "loss_decreased": False,
    }
    seed = (s.SEED.X, s.SEED.y, s.SEED.theta, s.SEED.eta)
    print(f"grade(): {per_call_ms(worst, seed):5.2f} ms per call, nothing explained (worst case)")


if __name__ == "__main__":
    main()
