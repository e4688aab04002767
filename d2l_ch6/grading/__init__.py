"""Grading: the students' self-check and the teacher's grader (the package's addition).

- ``cases``: the one registry of graded functions (``REGISTRY``, by section
  in ``SECTIONS``): each one's section, exercise, cases and hints; the
  package's own tests run the same cases;
- ``inputs``: the cases' inputs as data; ``references``: the expected values'
  plain-numpy references; ``hints``: the detectors of known mistakes;
  ``compare``: a value against the expected one, with tolerances;
- ``calls``: what runs beside the student's code (inputs, calls, plain data);
- ``verdict``: cases judged from plain data, ``check(fn)``;
- ``cli``: ``d2l-ch6 check``'s command line and reports; ``parent``: the
  grading process (one child per file); ``worker``: the child;
  ``sandbox`` and ``confine.sh``: how the child is confined; ``runtime``:
  the package as the child sees it, every answer withheld;
- ``student``: ``d2l-ch6 exercises``.
"""
import os

__all__ = ['check']

CHILD_ENV = 'D2L_CH6_GRADING_CHILD'
NOT_RUN = 'check() does not run while a teacher grades this file: the grader runs the cases itself'


class NotRun:
    """The empty CheckResult that check() returns inside the grader: no case ran, and why (``note``)."""

    def __init__(self, name, exercise):
        self.name, self.exercise, self.results, self.note = name, exercise, [], NOT_RUN
        self.passed, self.failures, self.advice = False, [], []
        self.title = f'check({name}): not run'

    def __bool__(self):
        return False

    def to_dict(self):
        return {'name': self.name, 'exercise': self.exercise, 'passed': False, 'note': self.note,
                'cases': []}

    def __repr__(self):
        return f'{self.title} ({self.note})'


def check(fn, name=None, exercise=None, budget=60.0, case_limit=20.0, spoilers=True):
    """Run the package's cases on your function and return a CheckResult (the package's addition).

    fn: your function (or class, for Conv2D; or network or function returning
    one, for the LeNet ``net``). name: the book name, when fn's own name
    differs. exercise: '6.x.y' for an exercise answer. budget: seconds for all
    cases; case_limit: seconds for one case. spoilers: False to see what
    each case expects in words, never its expected value. The cases run in
    a separate process, stopped at the time limits whatever your function
    does (where os.fork exists). Inside the teacher's grader it runs
    nothing and returns an empty result saying so (the grader runs the
    cases itself, outside your code).
    """
    if os.environ.get(CHILD_ENV) == '1':
        return NotRun(name or getattr(fn, '__name__', type(fn).__name__), exercise)
    from .verdict import check as _check
    return _check(fn, name=name, exercise=exercise, budget=budget, case_limit=case_limit,
                  spoilers=spoilers)
