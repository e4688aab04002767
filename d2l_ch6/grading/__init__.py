"""Grading: the students' self-check and the teacher's grader (the package's addition).

- ``cases``: the one registry of graded functions (``REGISTRY``, by section
  in ``SECTIONS``): each one's section, exercise, cases and hints; the
  package's own tests run the same cases;
- ``inputs``: the cases' inputs as data; ``references``: the expected values'
  plain-numpy references; ``hints``: the detectors of known mistakes;
  ``compare``: a value against the expected one, with tolerances;
- ``calls``: what runs beside the student's code (inputs, calls, plain data);
- ``verdict``: cases judged from plain data, ``check(fn)``;
- ``worker``: the grader's child process; ``sandbox``: how it is confined;
- ``cli``: ``d2l-ch6 check``; ``student``: ``d2l-ch6 exercises``.
"""
import os

__all__ = ['check']

CHILD_ENV = 'D2L_CH6_GRADING_CHILD'


def check(fn, name=None, exercise=None, budget=60.0, case_limit=20.0, spoilers=True):
    """Run the package's cases on your function and return a CheckResult (the package's addition).

    fn: your function (or class, for Conv2D; or network or function returning
    one, for the LeNet ``net``). name: the book name, when fn's own name
    differs. exercise: '6.x.y' for an exercise answer. budget: seconds for all
    cases; case_limit: seconds for one case. spoilers: False to see what
    each case expects in words, never its expected value. Inside the teacher's grader it
    does nothing (the grader runs the cases itself, outside your code).
    """
    if os.environ.get(CHILD_ENV) == '1':
        return 'check() does not run while a teacher grades this file'
    from .verdict import check as _check
    return _check(fn, name=name, exercise=exercise, budget=budget, case_limit=case_limit,
                  spoilers=spoilers)
