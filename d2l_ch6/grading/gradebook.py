"""Grades: what an assignment grades and for how many points, each student's score, the gradebook (the package's addition).

- ``Assignment``: the graded functions (chosen by name, section or
  exercise), points per function (default 1, however many cases it has),
  visibility per function on Gradescope (``visible``, ``after_due_date``,
  ``after_published``, ``hidden``), whether students see expected values
  (``spoilers``) and whether a function earns part of its points
  (``partial_credit``); saved as JSON inside the platform bundles;
- ``group_students``: a student is a file, or a folder of files;
- ``score_student``: one student's ``FunctionScore`` per graded function,
  each counted once however many files define it (the best one counts), on
  the same denominator for every student (its required cases; advice never
  counts); functions nobody asked for count for nothing;
- ``function_lines`` and ``feedback_lines``: what a student or teacher reads
  about one graded function (its failing cases, hints and advice);
- ``gradebook_csv``: one row per student, score, maximum and percentage
  (``neutral`` cells, as in ``d2l-ch6 check --report``).
"""
import collections
import csv
import dataclasses
import io
import json
import math
import os
import pathlib

__all__ = ['VISIBILITIES', 'Task', 'Assignment', 'group_students',
           'FunctionScore', 'StudentScore', 'score_student', 'score_class', 'gradebook_csv',
           'add_assignment_arguments', 'assignment_from_args', 'function_lines', 'feedback_lines',
           'neutral']

VISIBILITIES = ('visible', 'after_due_date', 'after_published', 'hidden')
DEFAULT_TIMEOUT = 120.0   # seconds for one submitted file on a platform


@dataclasses.dataclass
class Task:
    """One graded function: its registry name, its points, when Gradescope shows it."""
    name: str
    points: float = 1.0
    visibility: str = 'visible'


@dataclasses.dataclass
class Assignment:
    """What is graded and how: the tasks, spoilers, partial credit, the time allowed per file."""
    tasks: list
    spoilers: bool = True
    partial_credit: bool = False
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self):
        from .cases import REGISTRY
        if not self.tasks:
            raise ValueError('an assignment needs at least one graded function')
        seen = set()
        for t in self.tasks:
            if t.name not in REGISTRY:
                raise ValueError(f'unknown graded function {t.name!r}; graded are '
                                 f'{", ".join(REGISTRY)}')
            if t.name in seen:
                raise ValueError(f'{t.name} is graded twice')
            seen.add(t.name)
            if (isinstance(t.points, bool) or not isinstance(t.points, (int, float))
                    or not math.isfinite(t.points) or t.points < 0):
                raise ValueError(f'points of {t.name} must be a number >= 0, got {t.points!r}')
            if t.visibility not in VISIBILITIES:
                raise ValueError(f'visibility of {t.name} must be one of {", ".join(VISIBILITIES)}, '
                                 f'got {t.visibility!r}')
        if (isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float))
                or not math.isfinite(self.timeout) or self.timeout <= 0):
            raise ValueError(f'timeout must be a positive number of seconds, got {self.timeout!r}')

    @property
    def names(self):
        return [t.name for t in self.tasks]

    @property
    def max_points(self):
        return float(sum(t.points for t in self.tasks))

    @classmethod
    def select(cls, expect=None, sections=None, exercises=None, points=None, visibility=None,
               **options):
        """Build an assignment from names (as --expect has them), sections and exercises.

        points, visibility: {name: value}, the key None for every other function.
        """
        from .cases import ALIASES, EXERCISES, REGISTRY, SECTIONS
        names = []
        for n in expect or ():
            name = ALIASES.get(n, n)
            if name not in REGISTRY:
                raise ValueError(f'unknown function {n!r}; graded are {", ".join(REGISTRY)}')
            names.append(name)
        for s in sections or ():
            if s not in SECTIONS:
                raise ValueError(f'unknown section {s!r}; sections are {", ".join(SECTIONS)}')
            names += list(SECTIONS[s])
        for e in exercises or ():
            if e not in EXERCISES:
                raise ValueError(f'unknown exercise {e!r}; the computable exercises are '
                                 f'{", ".join(EXERCISES)}')
            names += EXERCISES[e]
        names = list(dict.fromkeys(names))
        points, visibility = dict(points or {}), dict(visibility or {})
        for what, given in (('points', points), ('visibility', visibility)):
            stray = [k for k in given if k is not None and ALIASES.get(k, k) not in names]
            if stray:
                raise ValueError(f'{what} given for {", ".join(stray)}, which the assignment does '
                                 f'not grade ({", ".join(names) or "nothing"})')
        points = {ALIASES.get(k, k): v for k, v in points.items()}
        visibility = {ALIASES.get(k, k): v for k, v in visibility.items()}
        tasks = [Task(n, points.get(n, points.get(None, 1.0)),
                      visibility.get(n, visibility.get(None, 'visible'))) for n in names]
        return cls(tasks, **options)

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        """Read an assignment written by to_json; raise ValueError saying what is wrong."""
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ValueError(f'the assignment is not JSON ({e})') from None
        if not isinstance(data, dict) or not isinstance(data.get('tasks'), list):
            raise ValueError('the assignment must be an object with a list of "tasks"')
        fields = {f.name for f in dataclasses.fields(cls)} - {'tasks'}
        unknown = set(data) - fields - {'tasks'}
        if unknown:
            raise ValueError(f'unknown field(s) in the assignment: {", ".join(sorted(unknown))}')
        tasks = []
        for t in data['tasks']:
            if not isinstance(t, dict) or not isinstance(t.get('name'), str) or set(t) - {
                    'name', 'points', 'visibility'}:
                raise ValueError(f'a task must be {{"name", "points", "visibility"}}, got {t!r:.80}')
            tasks.append(Task(**t))
        return cls(tasks, **{k: data[k] for k in fields if k in data})

    @classmethod
    def load(cls, path):
        return cls.from_json(pathlib.Path(path).read_text(encoding='utf-8'))


def _pairs(text, what, convert):
    """Parse 'VALUE' or 'NAME=VALUE,...' into {name or None: value}."""
    out = {}
    for item in (text or '').split(','):
        if not item.strip():
            continue
        name, _, value = item.rpartition('=')
        try:
            out[name.strip() or None] = convert(value.strip())
        except ValueError:
            raise ValueError(f'{what}: cannot read {value.strip()!r} in {item.strip()!r}') from None
    return out


def _visibility(value):
    if value not in VISIBILITIES:
        raise ValueError(value)
    return value


def _names(text):
    return [n.strip() for n in (text or '').split(',') if n.strip()]


def add_assignment_arguments(p, expect=True):
    """Add the options that say what is graded and for how many points."""
    if expect:
        p.add_argument('--expect', metavar='NAMES', default=None,
                       help='comma-separated functions to grade (default: none)')
    p.add_argument('--section', metavar='SECTIONS', default=None,
                   help='grade every function of these sections, e.g. 6.2,6.3 (default: none)')
    p.add_argument('--exercise', metavar='EXERCISES', default=None,
                   help='grade the functions of these exercises, e.g. 6.2.1 (default: none)')
    p.add_argument('--points', metavar='SPEC', default=None,
                   help='points per function: a number for all, or NAME=N,... (default: 1 each)')
    p.add_argument('--visibility', metavar='SPEC', default=None,
                   help=f'when Gradescope shows each test: one of {", ".join(VISIBILITIES)} for '
                   'all, or NAME=WHEN,... (default: visible)')
    p.add_argument('--no-spoilers', action='store_true',
                   help='keep expected values out of what students see (default: shown)')
    p.add_argument('--partial-credit', action='store_true',
                   help='a function earns its points times the share of its cases that pass '
                   '(default: all of its points when every case passes, else none)')
    p.add_argument('--config', metavar='JSON', default=None,
                   help='read the assignment from this file (as the bundles carry it) instead')


def assignment_from_args(args, timeout=None):
    """The Assignment the options describe, or None when they choose no function."""
    if getattr(args, 'config', None):
        try:
            return Assignment.load(args.config)
        except OSError as e:
            raise ValueError(f'--config: cannot read {args.config} ({e.strerror})') from None
    expect, sections, exercises = (_names(getattr(args, k, None))
                                   for k in ('expect', 'section', 'exercise'))
    if not (expect or sections or exercises):
        if args.points or args.visibility or args.no_spoilers or args.partial_credit:
            raise ValueError('--points, --visibility, --no-spoilers and --partial-credit need '
                             'what is graded: --expect, --section or --exercise')
        return None
    options = {} if timeout is None else {'timeout': timeout}
    return Assignment.select(expect, sections, exercises,
                             _pairs(args.points, '--points', float),
                             _pairs(args.visibility, '--visibility', _visibility),
                             spoilers=not args.no_spoilers, partial_credit=args.partial_credit,
                             **options)


# --- students -----------------------------------------------------------------------------

def group_students(paths, results):
    """{student: [FileResult]}: a file given or found at a folder's top is a student, a folder below it is one.

    paths: what was given to grade; results: the FileResults (``path`` as grading found it).
    A student under the one folder given is named by its name there ('alice', 'bob.py').
    """
    roots = [pathlib.Path(p) for p in paths]
    folders = [r for r in roots if r.is_dir()]
    groups = collections.OrderedDict()
    for r in results:
        path = pathlib.Path(r.path)
        student = r.path
        for root in folders:
            try:
                rel = path.relative_to(root)
            except ValueError:
                continue
            if rel.parts:
                student = rel.parts[0] if len(roots) == 1 else str(root / rel.parts[0])
                break
        groups.setdefault(student, []).append(r)
    return groups


@dataclasses.dataclass
class FunctionScore:
    """One graded function for one student: points earned of its maximum, and why."""
    name: str
    exercise: str
    points: float
    max_points: float
    passed: bool
    n_passed: int
    n_required: int
    defined_in: list
    record: object = None   # the counted verdict.CheckResult (the best one), None when no file defines it

    @property
    def title(self):
        return f'exercise {self.exercise}: {self.name}' if self.exercise else self.name


@dataclasses.dataclass
class StudentScore:
    """A student's functions, the files that could not run, the total."""
    student: str
    files: list
    functions: list
    problems: list

    @property
    def score(self):
        return float(sum(f.points for f in self.functions))

    @property
    def max_score(self):
        return float(sum(f.max_points for f in self.functions))

    @property
    def percent(self):
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def _required_passing(name, record):
    """(passing, required): the required cases of name (the registry's, whoever ran) and how many passed."""
    from .cases import CASES
    cases = CASES[name]
    required = [i for i, c in enumerate(cases) if not c.advice]
    got = record.results if record is not None else []
    if len(got) == len(cases):   # one result per case, in the registry's order
        status = {i: got[i].status for i in required}
    else:                        # matched by title when a record is shorter or longer
        by_title = {x.case: x.status for x in got}
        status = {i: by_title.get(cases[i].title) for i in required}
    return sum(s == 'pass' for s in status.values()), len(required)


def score_student(assignment, student, results):
    """Return the StudentScore of one student's FileResults under assignment."""
    found = collections.defaultdict(list)
    for r in results:
        if r.status != 'graded':
            continue
        for c in r.results:
            found[c.name].append((r.path, c))
    functions = []
    for task in assignment.tasks:
        from .cases import exercise_of
        best, best_n, n_req = None, -1, _required_passing(task.name, None)[1]
        for _, c in found.get(task.name, []):
            n, _ = _required_passing(task.name, c)
            if n > best_n:
                best, best_n = c, n
        n_ok = max(best_n, 0)
        passed = n_req > 0 and n_ok == n_req
        earned = task.points if passed else (
            task.points * n_ok / n_req if assignment.partial_credit and n_req else 0.0)
        functions.append(FunctionScore(task.name, exercise_of(task.name), round(float(earned), 4),
                                       float(task.points), passed, n_ok, n_req,
                                       [p for p, _ in found.get(task.name, [])], best))
    problems = [f'{r.path}: {r.status}' + (f' ({r.message})' if r.message else '')
                for r in results if r.status != 'graded']
    return StudentScore(student, [r.path for r in results], functions, problems)


def score_class(assignment, paths, results):
    """Every student's StudentScore, by name."""
    return [score_student(assignment, s, rs)
            for s, rs in sorted(group_students(paths, results).items())]


def function_lines(c, spoilers=True):
    """One function's detail lines (c a CheckResult): each failing case, each hint once, then the advice.

    A case whose message (what was expected, what came) repeats another's to
    the letter (a missing import, a stub, a value of the wrong kind) is one
    line with the count of cases it stands for; each hint is one line with
    the count of cases it explains. spoilers: False to state what a case
    expects in words (the function's return contract), never its value.
    """
    failing = [x for x in c.required if not x.passed]
    contract = _contract(c.name) if not spoilers else None

    def expected(x):
        if contract is None or x.expected.startswith('raises ') or x.status == 'skipped':
            return x.expected
        return contract

    def key(x):  # an error is the same whatever the case expected
        return (x.status, '' if x.status == 'error' else expected(x), x.got)

    messages = collections.Counter(key(x) for x in failing)
    lines, shown = [], set()
    for x in failing:
        if key(x) in shown:
            continue
        shown.add(key(x))
        more = messages[key(x)] - 1
        same = 'the same error' if x.status == 'error' else 'the same'
        lines.append(f"{x.case}: expected {expected(x)}; got {x.got}"
                     + (f" ({same} in {more} more case{'s' if more > 1 else ''})" if more else ''))
    hints = collections.Counter(x.hint for x in failing if x.hint)
    for hint, n in hints.items():
        lines.append(f"hint ({n} case{'s' if n > 1 else ''}): {hint}")
    for case, advice in c.advice:
        lines.append(f"advice ({case}): {advice}")
    return lines


def _contract(name):
    """What the graded function name returns, in words; a generic phrase for an unknown name."""
    from .cases import ALIASES, REGISTRY
    graded = REGISTRY.get(ALIASES.get(name, name))
    return graded.returns.text if graded is not None else 'the right value (not shown)'


def feedback_lines(assignment, f):
    """What a student reads about one function: its failing cases and hints, or why it is missing."""
    if f.record is None:
        return [f'{f.name} is not defined in your submission: define a function (or class) '
                f'named {f.name}' + (f' for exercise {f.exercise}' if f.exercise else '') + '.']
    record = f.record
    lines = [] if f.passed else [f'{f.n_passed} of {f.n_required} cases pass.']
    if len(f.defined_in) > 1:
        lines.append(f'defined in {len(f.defined_in)} files; the best one counts '
                     f'({", ".join(os.path.basename(p) for p in f.defined_in)})')
    return lines + function_lines(record, spoilers=assignment.spoilers)


def gradebook_csv(assignment, students):
    """One row per student: files, score, maximum, percentage, then each function's points."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(['student', 'files', 'score', 'max_score', 'percent']
                    + assignment.names + ['problems'])
    for s in students:
        writer.writerow([neutral(s.student), len(s.files), f'{s.score:g}', f'{s.max_score:g}',
                         f'{s.percent:.1f}'] + [f'{f.points:g}' for f in s.functions]
                        + [neutral('; '.join(s.problems))])
    return out.getvalue()


def neutral(cell):
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a quote."""
    if isinstance(cell, str) and cell[:1] in ('=', '+', '-', '@', '\t', '\r'):
        return "'" + cell
    return cell
