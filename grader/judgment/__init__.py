"""The judgment: what one student's answers are worth, and why.

Pure computation on plain values: no notebook, no file but the pages it is asked to
write, no student code. :func:`grading.grade` reads each answer (:mod:`.values`),
compares it with :mod:`solutions` (:mod:`.checks`) and explains a wrong one by a
known mistake (:mod:`.mutants`, :mod:`.misconceptions`), following :mod:`.rubric`;
the :class:`report.Report` it gives becomes a feedback page or a class summary
(:mod:`.pages`, :mod:`.summary`). ``python -m grader report`` (:mod:`.cli`) does
all of it for answer sets in JSON files. It imports nothing of the other layers.
"""
