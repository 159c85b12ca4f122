"""The contract between a student's notebook and the grader: the answer variables."""

ANSWER_NAMES = (
    "y_hat",
    "loss",
    "grad_per_sample",
    "grad",
    "theta_new",
    "loss_new",
    "loss_decreased",
)
"""The answer variables, in the order the homework computes them (each from the ones before)."""

STUDENT_ID_NAME = "STUDENT_ID"
"""The variable where the student types the ID whose numbers they worked on."""
