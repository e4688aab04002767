"""What a teacher reads after grading: a class report in HTML, and platform results (the package's addition).

- ``html_report``: one self-contained page (no script, no network): pass rate
  per function, the most common mistakes across the class (the hints,
  counted), a student x function grid, the files that could not run and why,
  and the seconds each file took;
- ``gradescope``: Gradescope's ``results.json`` (``score``, ``output``,
  ``tests[]`` with ``name``, ``score``, ``max_score``, ``output``,
  ``visibility``), as its autograder specification documents it;
- ``prairielearn``: PrairieLearn's external grading ``results.json``
  (``gradable``, ``score`` in 0..1, ``message``, ``tests[]`` with ``name``,
  ``points``, ``max_points``, ``message``, ``output``; ``format_errors`` when
  nothing could run), as its external grading documentation describes it.

A platform grades one submission per run: the files given are that student's.
Each graded function is one test worth its required cases; with ``expect``,
a function the submission does not define is a test worth nothing.
"""
import collections
import html

__all__ = ['html_report', 'gradescope', 'prairielearn', 'function_lines']


def _required(cases):
    return [x for x in cases if x['status'] != 'advice']


def function_lines(c, spoilers=True):
    """One function's detail lines: each failing case, each hint once, then the advice.

    A case whose message (what was expected, what came) repeats another's to
    the letter (a missing import, a stub, a value of the wrong kind) is one
    line with the count of cases it stands for; each hint is one line with
    the count of cases it explains. spoilers: False to state what a case
    expects in words (the function's return contract), never its value.
    """
    failing = [x for x in c['cases'] if x['status'] not in ('pass', 'advice')]
    contract = _contract(c.get('name')) if not spoilers else None

    def expected(x):
        if contract is None or x['expected'].startswith('raises ') or x['status'] == 'skipped':
            return x['expected']
        return contract

    def key(x):  # an error is the same whatever the case expected
        return (x['status'], '' if x['status'] == 'error' else expected(x), x['got'])

    messages = collections.Counter(key(x) for x in failing)
    lines, shown = [], set()
    for x in failing:
        if key(x) in shown:
            continue
        shown.add(key(x))
        more = messages[key(x)] - 1
        same = 'the same error' if x['status'] == 'error' else 'the same'
        lines.append(f"{x['case']}: expected {expected(x)}; got {x['got']}"
                     + (f" ({same} in {more} more case{'s' if more > 1 else ''})" if more else ''))
    hints = collections.Counter(x['hint'] for x in failing if x['hint'])
    for hint, n in hints.items():
        lines.append(f"hint ({n} case{'s' if n > 1 else ''}): {hint}")
    for x in c['cases']:
        if x['status'] == 'advice':
            lines.append(f"advice ({x['case']}): {x['hint']}")
    return lines


def _contract(name):
    """What the graded function name returns, in words; a generic phrase for an unknown name."""
    from .cases import ALIASES, REGISTRY
    graded = REGISTRY.get(ALIASES.get(name, name))
    return graded.returns.text if graded is not None else 'the right value (not shown)'


def _tests(results, expect=()):
    """[(name, points, max_points, output, passed)] for every function of these FileResults."""
    tests, seen = [], set()
    for r in results:
        for c in r.results:
            req = _required(c['cases'])
            points = sum(x['status'] == 'pass' for x in req)
            what = f"exercise {c['exercise']}: {c['name']}" if c['exercise'] else c['name']
            tests.append((what, points, len(req), '\n'.join(function_lines(c)), c['passed']))
            seen.add(c['name'])
    for name in expect:
        if name not in seen:
            from .cases import CASES
            n = len([c for c in CASES[name] if not c.advice])
            tests.append((name, 0, n, f'{name} is not defined in the submission', False))
    return tests


def _not_run(results):
    return [f'{r.path}: {r.status} ({r.message})' for r in results if not r.ran]


def gradescope(results, isolation, expect=()):
    """Gradescope's results.json for one student's files."""
    tests = _tests(results, expect)
    output = [f'Graded with the d2l-ch6 cases; isolation: {isolation}.'] + _not_run(results)
    return {'score': float(sum(t[1] for t in tests)),
            'output': '\n'.join(output),
            'visibility': 'visible',
            'stdout_visibility': 'hidden',
            'execution_time': round(sum(r.seconds for r in results), 1),
            'tests': [{'name': name, 'score': float(points), 'max_score': float(most),
                       'status': 'passed' if ok else 'failed', 'output': out,
                       'visibility': 'visible'}
                      for name, points, most, out, ok in tests]}


def prairielearn(results, isolation, expect=()):
    """PrairieLearn's results.json for one student's files."""
    tests = _tests(results, expect)
    problems = _not_run(results)
    if results and not any(r.ran for r in results):
        return {'gradable': False, 'format_errors': problems or ['nothing could run']}
    most = sum(t[2] for t in tests)
    score = sum(t[1] for t in tests) / most if most else 0.0
    message = 'All functions pass.' if tests and all(t[4] for t in tests) else (
        'Some functions do not pass yet.' if tests else 'No graded function was found.')
    return {'gradable': True, 'score': max(0.0, min(1.0, float(score))), 'message': message,
            'output': '\n'.join([f'isolation: {isolation}'] + problems),
            'tests': [{'name': name, 'description': f'the d2l-ch6 cases of {name}',
                       'points': float(points), 'max_points': float(most),
                       'message': 'passes' if ok else 'does not pass yet', 'output': out}
                      for name, points, most, out, ok in tests]}


_STYLE = '''
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f3f3f3} .pass{background:#e8f5e9;color:#1b5e20} .fail{background:#ffebee;color:#b71c1c}
.none{color:#999} .bar{position:absolute;left:0;top:0;height:10px;background:#43a047}
.barbg{position:relative;display:inline-block;width:120px;height:10px;background:#eee;vertical-align:middle}
.small{color:#555;font-size:90%}
'''


def html_report(results, isolation, title='d2l-ch6 check: class report'):
    """One self-contained HTML page about a class's FileResults."""
    e = html.escape
    functions = []
    for r in results:
        for c in r.results:
            if c['name'] not in functions:
                functions.append(c['name'])
    rate = {f: [0, 0] for f in functions}
    mistakes = collections.Counter()
    who = collections.defaultdict(set)
    for r in results:
        for c in r.results:
            rate[c['name']][1] += 1
            rate[c['name']][0] += bool(c['passed'])
            for hint in {x['hint'] for x in c['cases'] if x['status'] not in ('pass', 'advice')
                         and x['hint']}:
                mistakes[(c['name'], hint)] += 1
                who[(c['name'], hint)].add(r.path)
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
           f'<style>{_STYLE}</style></head><body><h1>{e(title)}</h1>',
           f'<p class="small">{len(results)} file(s), {sum(r.ran for r in results)} graded, '
           f'{sum(r.passed for r in results)} passing everything. Isolation: {e(isolation)}.</p>',
           '<h2>Pass rate per function</h2><table><tr><th>function</th><th>passing</th>'
           '<th></th></tr>']
    for f in functions:
        ok, n = rate[f]
        pct = 100 * ok / n if n else 0
        out.append(f'<tr><td>{e(f)}</td><td>{ok} of {n}</td><td><span class="barbg">'
                   f'<span class="bar" style="width:{pct * 1.2:.0f}px"></span></span> '
                   f'{pct:.0f}%</td></tr>')
    out.append('</table><h2>Most common mistakes</h2>')
    if mistakes:
        out.append('<table><tr><th>students</th><th>function</th><th>hint</th></tr>')
        for (f, hint), n in mistakes.most_common(15):
            out.append(f'<tr><td>{n}</td><td>{e(f)}</td><td>{e(hint)}</td></tr>')
        out.append('</table>')
    else:
        out.append('<p>None: every graded function passes.</p>')
    out.append('<h2>Students and functions</h2><table><tr><th>file</th>'
               + ''.join(f'<th>{e(f)}</th>' for f in functions) + '<th>seconds</th></tr>')
    for r in results:
        cells = {c['name']: c for c in r.results}
        row = [f'<tr><td>{e(r.path)}</td>']
        for f in functions:
            c = cells.get(f)
            if c is None:
                row.append('<td class="none">&ndash;</td>')
            else:
                req = _required(c['cases'])
                n_ok = sum(x['status'] == 'pass' for x in req)
                cls = 'pass' if c['passed'] else 'fail'
                row.append(f'<td class="{cls}">{n_ok}/{len(req)}</td>')
        row.append(f'<td>{r.seconds:.1f}</td></tr>')
        out.append(''.join(row))
    out.append('</table><h2>Files that could not run</h2>')
    bad = [r for r in results if not r.ran]
    if bad:
        out.append('<table><tr><th>file</th><th>status</th><th>why</th><th>seconds</th></tr>')
        for r in bad:
            out.append(f'<tr><td>{e(r.path)}</td><td>{e(r.status)}</td><td>{e(r.message)}</td>'
                       f'<td>{r.seconds:.1f}</td></tr>')
        out.append('</table>')
    else:
        out.append('<p>None.</p>')
    out.append('</body></html>')
    return '\n'.join(out)
