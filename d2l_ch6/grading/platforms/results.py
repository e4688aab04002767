"""Gradescope's and PrairieLearn's results.json for one student under an Assignment.

Gradescope (its autograder specification): top-level ``score``,
``output``, ``visibility``, ``stdout_visibility``, ``execution_time`` and
``tests[]`` of ``name``, ``score``, ``max_score``, ``status``
(``passed``/``failed``), ``output`` and ``visibility`` (``visible``,
``after_due_date``, ``after_published``, ``hidden``).

PrairieLearn (external grading): ``gradable``; when gradable, ``score`` in
[0, 1], ``message``, ``output`` and ``tests[]`` of ``name``,
``description``, ``points``, ``max_points``, ``message``, ``output``; when
not, ``format_errors`` (no attempt is spent). The file must stay under 1 MB.

One test per function the assignment grades, each counted once however many
files define it; a function nobody asked for counts for nothing.
"""
from ..gradebook import feedback_lines

__all__ = ['gradescope', 'prairielearn', 'gradescope_failure', 'prairielearn_failure',
           'EMPTY', 'MAX_TEXT']

MAX_TEXT = 20000   # characters of one test's output (PrairieLearn's whole file must stay under 1 MB)
EMPTY = ('Your submission holds no .py or .ipynb file: upload your notebook or script '
         '(not a folder or an archive of it).')


def _clip(text, limit=MAX_TEXT):
    return text if len(text) <= limit else text[:limit - 40] + '\n... (cut: too long to show)'


def _summary(assignment, student, isolation):
    """The submission-wide message: what could not run, what is missing."""
    lines = []
    if not student.files:
        lines.append(EMPTY)
    for p in student.problems:
        lines.append(f'Could not grade {p}. Fix it and submit again: the file must run from top '
                     f'to bottom on its own within {assignment.timeout:g} s.')
    defined = [f for f in student.functions if f.record is not None]
    if student.files and not student.problems and not defined:
        lines.append('Your submission defines none of the functions this assignment grades ('
                     + ', '.join(assignment.names) + '): give your functions these names.')
    lines.append(f'Score: {student.score:g} of {student.max_score:g}.')
    if isolation:
        lines.append(f'(graded with the d2l-ch6 cases; isolation: {isolation})')
    return '\n'.join(lines)


def gradescope(assignment, student, isolation='', seconds=0.0):
    """Gradescope's results.json (a dict) for one StudentScore."""
    visibility = {t.name: t.visibility for t in assignment.tasks}
    return {'score': student.score,
            'output': _clip(_summary(assignment, student, isolation)),
            'visibility': 'visible',
            'stdout_visibility': 'hidden',
            'execution_time': round(float(seconds), 1),
            'tests': [{'name': f.title, 'score': f.points, 'max_score': f.max_points,
                       'status': 'passed' if f.passed else 'failed',
                       'output': _clip('\n'.join(feedback_lines(assignment, f))),
                       'visibility': visibility[f.name]}
                      for f in student.functions]}


def prairielearn(assignment, student, isolation=''):
    """PrairieLearn's results.json (a dict) for one StudentScore: not gradable when no file ran."""
    if not student.files:
        return {'gradable': False, 'format_errors': [EMPTY]}
    if student.problems and not any(f.record is not None for f in student.functions) and len(
            student.problems) == len(student.files):
        return {'gradable': False,
                'format_errors': [_clip(p, 2000) for p in student.problems]}
    most = student.max_score
    score = student.score / most if most else 0.0
    message = ('All graded functions pass.' if all(f.passed for f in student.functions) else
               f'{sum(f.passed for f in student.functions)} of {len(student.functions)} graded '
               'functions pass.')
    return {'gradable': True, 'score': max(0.0, min(1.0, float(score))), 'message': message,
            'output': _clip(_summary(assignment, student, isolation)),
            'tests': [{'name': f.title, 'description': f'the d2l-ch6 cases of {f.name}',
                       'points': f.points, 'max_points': f.max_points,
                       'message': 'passes' if f.passed else (
                           'not defined' if f.record is None else
                           f'{f.n_passed} of {f.n_required} cases pass'),
                       'output': _clip('\n'.join(feedback_lines(assignment, f)))}
                      for f in student.functions]}


def gradescope_failure(why):
    """A valid Gradescope results.json when grading itself failed: score 0 and what to do."""
    return {'score': 0.0, 'visibility': 'visible', 'stdout_visibility': 'hidden',
            'output': _clip(f'The autograder could not grade this submission ({why}). '
                            'Submit again; if this message comes back, tell your teacher.'),
            'tests': []}


def prairielearn_failure(why):
    """A valid PrairieLearn results.json when grading itself failed (no attempt is spent)."""
    return {'gradable': False,
            'format_errors': [_clip(f'The autograder could not grade this submission ({why}). '
                                    'Submit again; if this message comes back, tell your '
                                    'teacher.', 2000)]}
