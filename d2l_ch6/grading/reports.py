"""What a teacher reads after grading: a class report in HTML, and platform results (the package's addition).

- ``html_report``: one self-contained page (no script, no network): pass rate
  per function over the whole class (a student who does not define a
  function does not pass it; how many define it is said), the most common
  mistakes (the hints, counted), a student x function grid on each
  function's fixed denominator whose failing cells link to their failing
  cases, the files that could not run and why, and the seconds each took;
- ``gradescope``: Gradescope's ``results.json`` (``score``, ``output``,
  ``tests[]`` with ``name``, ``score``, ``max_score``, ``output``,
  ``visibility``), as its autograder specification documents it;
- ``prairielearn``: PrairieLearn's external grading ``results.json``
  (``gradable``, ``score`` in 0..1, ``message``, ``tests[]`` with ``name``,
  ``points``, ``max_points``, ``message``, ``output``; ``format_errors`` when
  nothing could run), as its external grading documentation describes it.

A platform grades one submission per run: the files given are that student's.
Each graded function is one test worth its points (``gradebook.Assignment``:
by default the functions of ``expect``, else those the files define, 1 point
each), counted once however many files define it.
"""
import collections
import html

from .gradebook import Assignment, StudentScore, function_lines, group_students, score_student

__all__ = ['html_report', 'gradescope', 'prairielearn', 'function_lines']


def _assignment(results, expect=(), assignment=None):
    """The Assignment to score with: the one given, else the names expected, else those defined."""
    if assignment is not None:
        return assignment
    names = list(expect) or list(dict.fromkeys(c.name for r in results for c in r.results))
    return Assignment.select(names) if names else None


def _student(results, assignment):
    if assignment is None:
        return StudentScore('submission', [r.path for r in results], [],
                            [f'{r.path}: {r.status}' + (f' ({r.message})' if r.message else '')
                             for r in results if not r.ran])
    return score_student(assignment, 'submission', results)


def gradescope(results, isolation, expect=(), assignment=None):
    """Gradescope's results.json for one student's files (platforms.results.gradescope)."""
    from .platforms import results as R
    assignment = _assignment(results, expect, assignment)
    student = _student(results, assignment)
    if assignment is None:  # nothing asked for, nothing defined
        return {'score': 0.0, 'visibility': 'visible', 'stdout_visibility': 'hidden', 'tests': [],
                'output': '\n'.join(student.problems or ['No graded function was found.'])}
    return R.gradescope(assignment, student, isolation, sum(r.seconds for r in results))


def prairielearn(results, isolation, expect=(), assignment=None):
    """PrairieLearn's results.json for one student's files (platforms.results.prairielearn)."""
    from .platforms import results as R
    assignment = _assignment(results, expect, assignment)
    student = _student(results, assignment)
    if assignment is None:
        if student.problems:
            return {'gradable': False, 'format_errors': student.problems}
        return {'gradable': True, 'score': 0.0, 'message': 'No graded function was found.',
                'output': f'isolation: {isolation}', 'tests': []}
    return R.prairielearn(assignment, student, isolation)


_STYLE = '''
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:100%}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f3f3f3} .pass{background:#e8f5e9;color:#1b5e20} .fail{background:#ffebee;color:#b71c1c}
.none{color:#999} .bar{position:absolute;left:0;top:0;height:10px;background:#43a047}
.barbg{position:relative;display:inline-block;width:120px;height:10px;background:#eee;vertical-align:middle}
.small{color:#555;font-size:90%} td.wrap{overflow-wrap:anywhere;max-width:40em}
table.grid{font-size:12px} table.grid td,table.grid th{padding:2px 4px;text-align:center}
table.grid th.fn{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;
  vertical-align:bottom;max-height:14em;overflow:hidden;text-overflow:ellipsis}
table.grid td.who{text-align:left;max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
table.grid a{color:inherit} pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2em 0 .8em 1em}
'''


def _class_scores(results, assignment=None, paths=None):
    """(assignment, [(student, FileResults, StudentScore)]): the class grouped into students."""
    if assignment is None:
        names = list(dict.fromkeys(c.name for r in results for c in r.results))
        assignment = Assignment.select(names) if names else None
    groups = group_students(paths or [r.path for r in results], results)
    if assignment is None:
        return None, [(s, rs, None) for s, rs in groups.items()]
    return assignment, [(s, rs, score_student(assignment, s, rs)) for s, rs in groups.items()]


def html_report(results, isolation, title='d2l-ch6 check: class report', assignment=None,
                paths=None):
    """One self-contained HTML page about a class's FileResults (students grouped from paths)."""
    e = html.escape
    assignment, students = _class_scores(results, assignment, paths)
    functions = assignment.names if assignment else []
    n = len(students)
    mistakes = collections.Counter()
    for s, rs, _ in students:
        seen = set()
        for r in rs:
            for c in r.results:
                seen.update((c.name, x.hint) for x in c.required if not x.passed and x.hint)
        mistakes.update(seen)
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
           f'<style>{_STYLE}</style></head><body><h1>{e(title)}</h1>',
           f'<p class="small">{n} student(s), {len(results)} file(s), '
           f'{sum(r.ran for r in results)} graded, '
           f'{sum(1 for *_, sc in students if sc and all(f.passed for f in sc.functions))} '
           f'passing everything. Isolation: {e(isolation)}.</p>',
           '<h2>Pass rate per function</h2><p class="small">Over the whole class: a student '
           'who does not define a function, or whose file could not run, does not pass it.</p>'
           '<table><tr><th>function</th><th>passing</th><th></th><th>defined by</th>'
           '<th>points</th></tr>']
    for i, f in enumerate(functions):
        ok = sum(sc.functions[i].passed for *_, sc in students)
        defined = sum(bool(sc.functions[i].defined_in) for *_, sc in students)
        pct = 100 * ok / n if n else 0
        out.append(f'<tr><td>{e(f)}</td><td>{ok} of {n}</td><td><span class="barbg">'
                   f'<span class="bar" style="width:{pct * 1.2:.0f}px"></span></span> '
                   f'{pct:.0f}%</td><td>{defined} of {n}</td>'
                   f'<td>{assignment.tasks[i].points:g}</td></tr>')
    out.append('</table><h2>Most common mistakes</h2>')
    if mistakes:
        out.append('<table><tr><th>students</th><th>function</th><th>hint</th></tr>')
        for (f, hint), k in mistakes.most_common(15):
            out.append(f'<tr><td>{k}</td><td>{e(f)}</td><td class="wrap">{e(hint)}</td></tr>')
        out.append('</table>')
    else:
        out.append('<p>None: every graded function passes.</p>')
    out.append('<h2>Students and functions</h2><p class="small">Cases passed of each '
               'function\'s required cases (the same for every student); a red cell links to '
               'its failing cases.</p><table class="grid"><tr><th>student</th>'
               + ''.join(f'<th class="fn" title="{e(f)}">{e(f)}</th>' for f in functions)
               + '<th>score</th><th>s</th></tr>')
    details = []
    for k, (s, rs, sc) in enumerate(students):
        row = [f'<tr><td class="who" title="{e(s)}">{e(s)}</td>']
        for f in (sc.functions if sc else []):
            if not f.defined_in:
                row.append('<td class="none" title="not defined">&ndash;</td>')
                continue
            anchor = f's{k}-{f.name}'
            text = f'{f.n_passed}/{f.n_required}'
            if f.passed:
                row.append(f'<td class="pass">{text}</td>')
            else:
                row.append(f'<td class="fail"><a href="#{e(anchor)}">{text}</a></td>')
                details.append(f'<h3 id="{e(anchor)}">{e(s)}: {e(f.title)} '
                               f'({f.n_passed} of {f.n_required})</h3><pre>'
                               + e('\n'.join(function_lines(f.record))) + '</pre>')
        score = f'{sc.score:g}/{sc.max_score:g}' if sc else ''
        row.append(f'<td>{score}</td><td>{sum(r.seconds for r in rs):.0f}</td></tr>')
        out.append(''.join(row))
    out.append('</table><h2>Failing cases</h2>')
    out.extend(details or ['<p>None.</p>'])
    out.append('<h2>Files that could not run</h2>')
    bad = [r for r in results if not r.ran]
    if bad:
        out.append('<table><tr><th>file</th><th>status</th><th>why</th><th>seconds</th></tr>')
        for r in bad:
            out.append(f'<tr><td class="wrap">{e(r.path)}</td><td>{e(r.status)}</td>'
                       f'<td class="wrap">{e(r.message)}</td><td>{r.seconds:.1f}</td></tr>')
        out.append('</table>')
    else:
        out.append('<p>None.</p>')
    out.append('</body></html>')
    return '\n'.join(out)
