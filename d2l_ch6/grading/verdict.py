"""The verdict: cases judged from plain data, hints, and ``check(fn)`` (the package's addition).

The grader's child process and a student's own ``check(fn)`` both call the
student's code through ``calls.observe``, which returns plain data only; this
module compares that data with the cases' expected values and names the
mistake. ``check(fn)`` runs the calls in a forked child of the student's
process, killed with every process it started when a case's limit or the
budget is past (so a function that ignores SIGALRM is stopped too), and
judges here; without os.fork, both halves run in the student's process.

``check(corr2d)`` takes the book name from the function (``name=`` to
override); ``check(fn, exercise='6.5.5')`` grades an exercise answer. The
cases are those of ``d2l_ch6.grading.cases``, the same that test the package's own
answers. A failing case says what was expected, what came and, where the
output matches a known wrong variant (a flipped kernel, an output one row
short, padding counted per side...), a hint. An exception in the student's
code becomes a failing case that shows the student's own line. The cases
run in the registry's order, under a time budget.
"""
import dataclasses
import html
import json
import logging
import time

import numpy as onp

from .._arguments import check_seconds
from .._bounded import FORKS, Child, ChildEnded
from .calls import OWN_ANSWER, Foreign, decode, describe_error, is_net, observe, withheld
from .cases import (ALIASES, BOOK_TARGETS, CASES, EXERCISES, REGISTRY, TARGETS, _JudgeFailed,  # noqa: F401
                    exercise_of, settle)
from .contracts import describe
from .compare import compare
from .hints import H_BAD_INPUT, H_ENDLESS, H_TIMEOUT, OWN_ANSWER_TEXT, generic_hint

__all__ = ['check', 'CheckResult', 'CaseResult', 'Failure', 'TARGETS', 'BOOK_TARGETS',
           'exercise_of', 'judge_case', 'judge_function', 'assert_case', 'OWN_ANSWER_TEXT']

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 60.0   # seconds for all the cases of one check
CASE_LIMIT = 20.0       # seconds for one case
GRACE = 0.5             # seconds a case's child may answer after its limit before it is killed
USED_WRONG = 'something else: the grader could not use it as that'  # a value the call's use of broke


# --- results ------------------------------------------------------------------------

@dataclasses.dataclass
class Failure:
    """A failing case: what was run, what it should give, what came, and a hint."""
    case: str
    expected: str
    got: str
    hint: str = ''


@dataclasses.dataclass
class CaseResult:
    """One case's outcome; ``status`` is 'pass', 'fail', 'error' (an exception) or 'skipped'."""
    case: str
    source: str
    status: str
    expected: str = ''
    got: str = ''
    hint: str = ''
    seconds: float = 0.0

    @property
    def passed(self):
        return self.status == 'pass'

    @property
    def advice(self):
        """True for a robustness case the function does not meet: advice, never a failure."""
        return self.status == 'advice'

    @property
    def required(self):
        """True for a case that counts towards passing: every case that is not advice."""
        return not self.advice


class CheckResult:
    """The outcome of ``check``: ``.passed``, ``.failures``, a green/red table in a notebook."""

    def __init__(self, name, exercise, results, note=''):
        self.name, self.exercise, self.results, self.note = name, exercise, list(results), note

    @property
    def required(self):
        """The CaseResults that count towards passing (advice never fails a function)."""
        return [r for r in self.results if r.required]

    @property
    def n_passed(self):
        """How many of the required cases pass."""
        return sum(r.passed for r in self.required)

    @property
    def passed(self):
        """True when every required case ran and passed (advice never fails a function)."""
        required = self.required
        return bool(required) and all(r.passed for r in required)

    def __bool__(self):
        return self.passed

    @property
    def failures(self):
        """The failing cases as Failure(case, expected, got, hint)."""
        return [Failure(r.case, r.expected, r.got, r.hint) for r in self.required if not r.passed]

    @property
    def advice(self):
        """Robustness cases the function does not meet: (case, advice), never failures."""
        return [(r.case, r.hint) for r in self.results if r.advice]

    @property
    def what(self):
        """The function's name, with its exercise when it answers one."""
        return f'exercise {self.exercise}: {self.name}' if self.exercise else self.name

    @property
    def title(self):
        more = f'; {len(self.advice)} piece(s) of advice' if self.advice else ''
        return f'check({self.what}): {self.n_passed} of {len(self.required)} cases pass{more}'

    def to_dict(self):
        """The result as JSON-ready data (the reports' boundary): name, exercise, passed, note, cases."""
        return {'name': self.name, 'exercise': self.exercise, 'passed': self.passed,
                'note': self.note, 'cases': [dataclasses.asdict(r) for r in self.results]}

    def __repr__(self):
        lines = [self.title + ('' if not self.note else f' ({self.note})')]
        hints, shown = {}, set()
        for r in self.results:
            mark = 'ok  ' if r.passed else r.status.upper()[:4].ljust(4)
            lines.append(f'  {mark} [{r.source}] {r.case}')
            if r.advice:
                lines.append(f'         advice:   {r.hint}')
            elif not r.passed:
                message = (r.status, '' if r.status == 'error' else r.expected, r.got)
                if message in shown:  # each message once: the later cases say so
                    lines.append('         (the same as above)')
                else:
                    shown.add(message)
                    lines.append(f'         expected: {r.expected}')
                    lines.append(f'         got:      {r.got}')
                if r.hint:
                    hints[r.hint] = hints.get(r.hint, 0) + 1
        for hint, n in hints.items():  # each hint once, with the number of cases it explains
            lines.append(f'  hint ({n} case{"s" if n > 1 else ""}): {hint}')
        return '\n'.join(lines)

    def _repr_html_(self):
        colour = '#2e7d32' if self.passed else '#c62828'
        rows, shown = [], set()
        for r in self.results:
            bg = '#e8f5e9' if r.passed else '#fff8e1' if r.advice else '#ffebee'
            mark = '&#10004;' if r.passed else '&#9888;' if r.advice else '&#10008;'
            message = (r.status, '' if r.status == 'error' else r.expected, r.got, r.hint)
            detail = '' if r.passed else f'<b>advice:</b> {html.escape(r.hint)}' if r.advice else (
                'the same as above' if message in shown else
                f'expected {html.escape(r.expected)}<br>got {html.escape(r.got)}'
                + (f'<br><b>hint:</b> {html.escape(r.hint)}' if r.hint else ''))
            shown.add(message)
            rows.append(f'<tr style="background:{bg}"><td>{mark}</td><td>{html.escape(r.source)}</td>'
                        f'<td>{html.escape(r.case)}</td><td>{detail}</td></tr>')
        note = f'<br><i>{html.escape(self.note)}</i>' if self.note else ''
        return (f'<div><b style="color:{colour}">{html.escape(self.title)}</b>{note}'
                '<table style="font-size:90%"><tr><th></th><th>kind</th><th>case</th>'
                f'<th>details</th></tr>{"".join(rows)}</table></div>')


# --- judging one case -------------------------------------------------------------------------


def _summary(value, limit=160):
    """A short text for an expected or received value."""
    if isinstance(value, BaseException):
        return describe_error(value)
    if isinstance(value, str):  # a property judge's words
        return value if len(value) <= limit else value[:limit - 3] + '...'
    if isinstance(value, Foreign):
        return f'{value!r} (not plain data: an array, number, string, tuple, list or dict)'
    if isinstance(value, onp.ndarray):
        dtype = getattr(value, 'orig_dtype', None) or value.dtype
        value = onp.asarray(value)
        text = onp.array2string(onp.round(value.astype('float64'), 4) if value.dtype.kind == 'f'
                                else value, separator=', ', threshold=20, edgeitems=2,
                                max_line_width=1000).replace('\n', '')
        text = f'array{value.shape} {dtype}: {text}'
    elif isinstance(value, dict):
        text = '{' + ', '.join(f'{k!r}: {_summary(v, 60)}' for k, v in value.items()) + '}'
    elif isinstance(value, (tuple, list)) and any(isinstance(v, onp.ndarray) for v in value):
        text = '(' + ', '.join(_summary(v, 60) for v in value) + ')'
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _hint(target, case, args, got, want, error, alts):
    for text, detect in REGISTRY[target].hints:
        try:
            if getattr(detect, 'uses_alts', False):
                hit = detect(case, args, case.kwargs, got, want, error, alts)
            else:
                hit = detect(case, args, case.kwargs, got, want, error)
        except Exception:  # a detector must never break a check
            hit = False
        if hit:
            return text
    return generic_hint(case, args, got, want, error)


def _without_values(why):
    """A comparison's reason without the expected value it names ('[\'add\']: expected 0, got 72')."""
    path, sep, _ = why.partition(': expected ')
    if sep and ' shape ' not in why:
        return f'{path}: wrong value'
    return why


def _contract_hint(target, case, args, observation):
    """The hint for a value that breaks the contract (a 3-D array where a 2-D one was due), or ''."""
    try:
        got, want, alts, error = settle(case, args, observation)
        if error is not None or isinstance(want, _JudgeFailed):
            return ''
        return _hint(target, case, args, got, case.want(args) if want is None else want, None, alts)
    except Exception:  # a value the detectors cannot read has no hint
        return ''


def judge_case(target, case, args, observation, seconds=0.0, spoilers=True):
    """Return the CaseResult of one case from what the call gave (plain data); runs in the grader.

    A value that breaks the function's return contract fails with the contract in words; with
    spoilers False, the expected text is the contract, never the expected value.
    """
    contract = REGISTRY[target].returns
    if case.call is None and not case.raises and isinstance(observation, dict) and 'value' in observation:
        try:
            raw = decode(observation['value'])
        except (ValueError, TypeError, KeyError, RecursionError):
            raw = None  # settle() below says the result could not be read
        else:
            if contract.mismatch(raw):
                return CaseResult(case.title, case.kind, 'fail', contract.text, describe(raw),
                                  _contract_hint(target, case, args, observation), seconds)
    try:
        got, want, alts, error = settle(case, args, observation)
    except (ValueError, TypeError, KeyError) as e:  # a damaged or forged observation
        return CaseResult(case.title, case.kind, 'error', '(see the case)',
                          f'the call\'s result could not be read ({e})', '', seconds)
    if case.raises:
        names = tuple(t.__name__ for t in case.raises)
        expected = f'raises {" or ".join(names)}'
        if error is not None and error.is_a(*names):
            return CaseResult(case.title, case.kind, 'pass', expected, describe_error(error),
                              seconds=seconds)
        got_text = _summary(error) if error is not None else f'no error; returned {_summary(got)}'
        if case.advice and not (error is not None and (error.is_a('CaseTimeout')
                                                        or error.message == OWN_ANSWER)):
            return CaseResult(case.title, case.kind, 'advice', expected, got_text,
                              H_BAD_INPUT, seconds)
        return CaseResult(case.title, case.kind, 'error' if error else 'fail', expected, got_text,
                          generic_hint(case, args, got, None, error), seconds)
    if isinstance(want, _JudgeFailed):  # what came is not what the call should give
        return CaseResult(case.title, case.kind, 'fail', contract.text, describe(got), '', seconds)
    if want is None and case.judge is None:
        try:
            want = case.want(args)
        except Exception:  # an expected value that needs what the call built
            want = None
    expected_text = contract.text if not spoilers else _summary(want) if want is not None else contract.text
    if error is not None:
        hint = _hint(target, case, args, got, want, error, alts)
        if (case.call is not None and not error.where and not hint
                and not error.is_a('Refused')):  # what fn gave broke the call's use of it
            return CaseResult(case.title, case.kind, 'fail', contract.text, USED_WRONG, '', seconds)
        return CaseResult(case.title, case.kind, 'error', expected_text, _summary(error), hint, seconds)
    if isinstance(got, Foreign):
        return CaseResult(case.title, case.kind, 'fail', contract.text, describe(got), '', seconds)
    why = compare(got, want, case.rtol, case.atol)
    if why is None:
        return CaseResult(case.title, case.kind, 'pass', expected_text, _summary(got),
                          seconds=seconds)
    got_text = got if isinstance(want, str) and isinstance(got, str) else (  # a property, in words
        f'{_summary(got)} ({_without_values(why)})')
    return CaseResult(case.title, case.kind, 'fail', expected_text, got_text,
                      _hint(target, case, args, got, want, None, alts), seconds)


def _endless_loops(results):
    """One case stopped at the time limit while others ran: name an endless loop, not slowness."""
    ran = [r for r in results if r.status in ('pass', 'fail') or (r.status == 'error' and r.hint != H_TIMEOUT)]
    if ran and max(r.seconds for r in ran) < 1.0:
        for r in results:
            if r.status == 'error' and r.hint == H_TIMEOUT:
                r.hint = H_ENDLESS
    return results


def _target(fn, name, exercise):
    """Resolve which cases grade fn: by exercise number, by name, or by the function's name."""
    fname = name or getattr(fn, '__name__', None)
    if exercise is not None:
        exercise = str(exercise)
        if exercise not in EXERCISES:
            raise ValueError(f'exercise must be one of {", ".join(EXERCISES)} (the computable '
                             f'exercises), got {exercise!r}')
        names = EXERCISES[exercise]
        return (fname if fname in names else names[0]), exercise
    if fname is None:
        raise TypeError(f'fn has no __name__ ({type(fn).__name__}): pass name=, one of '
                        f'{", ".join(BOOK_TARGETS)}, or exercise=')
    fname = ALIASES.get(fname, fname)
    if fname not in CASES:
        raise ValueError(f'name must be a book helper ({", ".join(BOOK_TARGETS)}) or an exercise '
                         f'function ({", ".join(n for ns in EXERCISES.values() for n in ns)}); '
                         f'got {fname!r}: pass name= or exercise=')
    return fname, exercise_of(fname)


def _is_package_object(obj):
    module = getattr(obj, '__module__', '') or ''
    return module == 'd2l_ch6' or module.startswith('d2l_ch6.')


def check(fn, name=None, exercise=None, budget=DEFAULT_BUDGET, case_limit=CASE_LIMIT, spoilers=True):
    """Run the package's cases on a student's function and return a CheckResult (the package's addition).

    fn: the student's function (or class, for Conv2D; or network or function
    returning one, for the LeNet ``net``). name: the book name, when fn's own
    name differs. exercise: '6.x.y' for an exercise answer (``name`` picks
    among an exercise's functions; default the first). budget: seconds for
    all cases, in the registry's order; case_limit: seconds for one case.
    spoilers: False to show what each case expects in words (the return
    contract), never its expected value. While it runs, the package's own
    implementation of that function raises, so a function that only calls
    it is told so. The calls run in a forked child killed at the limits
    (where os.fork exists): fn's side effects stay there.
    """
    if fn is None or not (callable(fn) or is_net(fn)):
        raise TypeError(f'fn must be a function, class or network, got {type(fn).__name__}')
    for arg, value in (('budget', budget), ('case_limit', case_limit)):
        check_seconds(arg, value)
    if name is None and is_net(fn) and exercise is None:  # the book's network, by its entry
        name = next(t for t, g in REGISTRY.items() if g.provides == 'network' and g.exercise is None)
    target, number = _target(fn, name, exercise)
    own = _is_package_object(fn)  # the package checking itself: nothing to withhold
    results, note = [], ''
    observe_cases = _observe_forked if FORKS else _observe_here
    for case, args, observation, seconds in observe_cases(fn, target, own, budget, case_limit):
        if observation is None:
            results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)',
                                      '(not run)', f'time budget of {budget:.0f} s spent: '
                                      + H_TIMEOUT))
            note = f'time budget of {budget:.0f} s spent'
            continue
        results.append(judge_case(target, case, args, observation, seconds, spoilers))
    return CheckResult(target, number, _endless_loops(results), note)


# --- running the cases: in a child killed at the limit, or here where there is no fork -----------

def _observe_here(fn, target, own, budget, case_limit):
    """Yield (case, args, observation, seconds) per case, None past the budget; in this process.

    The time limits are SIGALRM's: a function that ignores it runs on.
    """
    start = time.perf_counter()
    for case in CASES[target]:
        left = budget - (time.perf_counter() - start)
        if left <= 0:
            yield case, None, None, 0.0
            continue
        t0 = time.perf_counter()
        args = case.inputs()
        with withheld([] if own else REGISTRY[target].withheld_answers()):
            observation = observe(fn, case.call, args, case.kwargs, min(case_limit, left))
        observation = json.loads(json.dumps(observation))  # exactly what crosses from a child
        yield case, args, observation, time.perf_counter() - t0


def _observe_cases(send, fn, target, own, first, start, budget, case_limit):
    """The child's side: observe the cases from index first on and send each as plain data."""
    for case in CASES[target][first:]:
        left = budget - (time.perf_counter() - start)  # the parent's clock: the same start
        if left <= 0:
            send(['spent'])
            return
        t0 = time.perf_counter()
        args = case.inputs()
        with withheld([] if own else REGISTRY[target].withheld_answers()):
            observation = observe(fn, case.call, args, case.kwargs, min(case_limit, left))
        send(['observed', observation, time.perf_counter() - t0])


def _stopped(type_name, message):
    """The observation of a case whose child process was killed or ended without an answer."""
    return {'error': {'type': type_name, 'mro': [type_name, 'BaseException', 'object'],
                      'message': message, 'where': ''}}


def _lost(error, limit):
    """The observation of a case whose child was killed at its limit, ended, or sent no JSON."""
    if isinstance(error, TimeoutError):
        return _stopped('CaseTimeout', f'stopped after {limit:.0f} s (its process did not stop at '
                        'the time limit and was killed)')
    if isinstance(error, ChildEnded):
        return _stopped('ProcessEnded', 'the process running the case ended without an answer '
                        '(os._exit, a crash or a signal)')
    return _stopped('ValueError', f'the case\'s answer could not be read ({error})')


def _observe_forked(fn, target, own, budget, case_limit):
    """Yield (case, args, observation, seconds) per case, None past the budget; in forked children.

    A child runs the cases in order under the same SIGALRM limits as here; one
    that has not answered GRACE seconds after its case's limit (or the budget)
    is killed with every process it started, that case is a CaseTimeout, and a
    new child runs the next cases. Only plain data comes back.
    """
    cases, start, child, spent = CASES[target], time.perf_counter(), None, False
    try:
        for i, case in enumerate(cases):
            t0 = time.perf_counter()
            left = budget - (t0 - start)
            if left <= 0 or spent:
                yield case, None, None, 0.0
                continue
            limit = min(case_limit, left)
            if child is None:
                child = Child(lambda send, i=i: _observe_cases(send, fn, target, own, i, start,
                                                               budget, case_limit))
            try:
                message = child.receive(time.monotonic() + limit + GRACE)
            except (TimeoutError, ChildEnded, ValueError) as e:
                observation = _lost(e, limit)
                child.close()
                child = None
                yield case, case.inputs(), observation, time.perf_counter() - t0
                continue
            if message == ['spent']:
                spent = True  # by the child's clock, which started the case before this one read it
                yield case, None, None, 0.0
                continue
            if not (type(message) is list and len(message) == 3 and message[0] == 'observed'
                    and type(message[1]) is dict and type(message[2]) is float):
                message = ['observed', _lost(ValueError('not an observation'), limit), 0.0]
            yield case, case.inputs(), message[1], message[2]
    finally:
        if child is not None:
            child.close()


def _target_of(case):
    """The registry name whose cases hold this very case."""
    for target, cases in CASES.items():
        if any(c is case for c in cases):
            return target
    raise ValueError(f'the case {case.title!r} is not one of the registry\'s')


def assert_case(case, fn):
    """Raise AssertionError unless fn passes the case as the grader judges it (the package's tests).

    The same call (``calls.observe``), the same trip through JSON as from a
    grading child, and the same judge (``judge_case``) as a student's file gets.
    """
    args = case.inputs()
    observation = json.loads(json.dumps(observe(fn, case.call, args, case.kwargs)))
    result = judge_case(_target_of(case), case, args, observation)
    if result.status != 'pass':
        raise AssertionError(f'{case.title}: {result.status}: expected {result.expected}; '
                             f'got {result.got}' + (f' ({result.hint})' if result.hint else ''))


def judge_function(target, observations, seconds=None, spoilers=True):
    """The CheckResult of target from a child's observations (one per case, in order).

    spoilers: False to state what each case expects in words, never its expected value.
    """
    results = []
    for case, obs in zip(CASES[target], observations):
        if obs is None:
            results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)', '(not run)',
                                      'time budget spent: ' + H_TIMEOUT))
            continue
        secs = obs.get('seconds', 0.0) if isinstance(obs, dict) else 0.0
        secs = float(secs) if type(secs) in (int, float) and 0 <= secs < 1e6 else 0.0
        results.append(judge_case(target, case, case.inputs(), obs, secs, spoilers))
    for case in CASES[target][len(observations):]:
        results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)', '(not run)',
                                  'time budget spent: ' + H_TIMEOUT))
    return CheckResult(target, exercise_of(target), _endless_loops(results))


def grade_namespace(namespace):
    """Check every book helper and exercise function found in namespace, in this process."""
    from .worker import find_targets
    return [check(obj, name=target, exercise=exercise_of(target))
            for target, obj in find_targets(namespace).items()]
