"""Grading: the students' self-check and the teacher's grader (the package's addition).

- ``cases``: the one registry of graded functions and their cases (by section);
  the package's own tests run the same cases;
- ``check``: ``check(fn)``, a student's self-check in their own process;
- ``cli``: ``d2l-ch6 check``, the teacher's grader over a class's files;
- ``student``: ``d2l-ch6 exercises``, the student notebooks.
"""
from .check import check  # noqa: F401

__all__ = ['check']
