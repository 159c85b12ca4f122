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

ANSWER_CELLS = {
    "answer_q1": ("y_hat",),
    "answer_q2": ("loss",),
    "answer_q4": ("grad_per_sample", "grad"),
    "answer_q5": ("theta_new",),
    "answer_q6": ("loss_new", "loss_decreased"),
}
"""The notebook's answer cells (nbgrader grade_id) and the variables each one sets."""

STUDENT_ID_NAME = "STUDENT_ID"
"""The variable where the student types the ID whose numbers they worked on."""
