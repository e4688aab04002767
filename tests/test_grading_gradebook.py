"""Grades: an assignment's points count what was asked, each function once per student, on a
denominator that is the same for every student; the gradebook has one row per student; the class
report's pass rates are over the whole class and its grid fits a laptop screen.

The FileResults here are built by hand from the registry's case titles (no grading runs), so
each test states its own numbers; corr2d has 9 required cases and pool2d 7 (the counts the
grader prints, ``FAIL corr2d (0/9)``), both with advice cases besides.
"""
import csv
import io
import json
import pathlib

import pytest

from d2l_ch6.grading.cases import CASES
from d2l_ch6.grading.cli import FileResult
from d2l_ch6.grading.gradebook import (Assignment, Task, gradebook_csv, group_students, score_class,
                                       score_student)
from d2l_ch6.grading.verdict import CaseResult, CheckResult


def record(name, failing=0, advice='advice'):
    """A graded function's CheckResult as the grader returns it: `failing` required cases fail."""
    cases, n = [], 0
    for c in CASES[name]:
        if c.advice:
            status = advice
        else:
            status = 'fail' if n < failing else 'pass'
            n += 1
        cases.append(CaseResult(c.title, c.kind, status, 'E', 'G',
                                'the kernel is flipped' if status == 'fail' else ''))
    return CheckResult(name, None, cases)


def graded(path, *records):
    return FileResult(path, 'graded', 1.0, '', list(records))


def test_a_function_has_the_same_denominator_for_every_student():
    """An advice case that errors (a timeout makes it an 'error') never enters the count: 0 of 9
    for both students, where the old count gave one of them 0/10."""
    a = Assignment.select(['corr2d'])
    one = score_student(a, 'one', [graded('one.py', record('corr2d', failing=9))])
    two = score_student(a, 'two', [graded('two.py', record('corr2d', failing=9, advice='error'))])
    assert (one.functions[0].n_passed, one.functions[0].n_required) == (0, 9)
    assert (two.functions[0].n_passed, two.functions[0].n_required) == (0, 9)
    ok = score_student(a, 'ok', [graded('ok.py', record('corr2d', advice='error'))])
    assert ok.functions[0].passed and ok.score == 1.0   # advice never costs a point


def test_functions_not_asked_for_count_for_nothing():
    """The gaming submission of the issue: a wrong corr2d beside seven easy right functions."""
    extras = ['pool2d', 'corr2d_multi_in', 'corr2d_multi_in_out', 'corr2d_multi_in_out_1x1',
              'comp_conv2d', 'translate', 'pad_zeros']
    a = Assignment.select(['corr2d'])
    s = score_student(a, 'x', [graded('x.py', record('corr2d', failing=2),
                                      *[record(n) for n in extras])])
    assert (s.score, s.max_score) == (0.0, 1.0)
    assert [f.name for f in s.functions] == ['corr2d']


def test_each_function_counts_once_however_many_files_define_it():
    """Three copies of one right file score 1 of 1, not 3; the best of several files counts."""
    a = Assignment.select(['corr2d'])
    s = score_student(a, 'alice', [graded(f'alice/copy{i}.py', record('corr2d')) for i in range(3)])
    assert (s.score, s.max_score) == (1.0, 1.0)
    assert len(s.functions[0].defined_in) == 3
    mixed = score_student(a, 'bob', [graded('bob/a.py', record('corr2d', failing=1)),
                                     graded('bob/b.py', record('corr2d', failing=3))])
    assert (mixed.functions[0].n_passed, mixed.score) == (8, 0.0)


def test_points_per_function_and_partial_credit():
    """corr2d worth 3 with 6 of its 9 cases passing: 0 points, or 3 * 6/9 = 2 with partial credit;
    pool2d worth 0.5 and right: 0.5."""
    files = [graded('s.py', record('corr2d', failing=3), record('pool2d'))]
    strict = Assignment.select(['corr2d', 'pool2d'], points={'corr2d': 3, 'pool2d': 0.5})
    s = score_student(strict, 's', files)
    assert (s.score, s.max_score) == (0.5, 3.5)
    partial = Assignment.select(['corr2d', 'pool2d'], points={'corr2d': 3, 'pool2d': 0.5},
                                partial_credit=True)
    s = score_student(partial, 's', files)
    assert s.score == pytest.approx(2.5) and s.percent == pytest.approx(100 * 2.5 / 3.5)


def test_a_file_that_could_not_run_scores_nothing_and_says_why():
    a = Assignment.select(['corr2d'])
    s = score_student(a, 'd', [FileResult('d.py', 'timeout', 9.0, 'still running after 8 s')])
    assert s.score == 0.0 and s.problems == ['d.py: timeout (still running after 8 s)']
    assert s.functions[0].record is None


def test_selection_by_name_section_and_exercise():
    assert Assignment.select(['lenet']).names == ['net']  # the package's alias of the book's net
    six_two = Assignment.select(sections=['6.2']).names
    assert len(six_two) == 14 and six_two[:2] == ['corr2d', 'Conv2D']
    a = Assignment.select(['corr2d'], exercises=['6.5.3'], sections=['6.2'])
    assert a.names.count('corr2d') == 1 and a.names[-1] == 'pool_cost'
    assert a.max_points == 15.0
    for kwargs, message in [({'expect': ['corr2']}, "unknown function 'corr2'"),
                            ({'sections': ['6.9']}, "unknown section '6.9'"),
                            ({'exercises': ['6.2.9']}, "unknown exercise '6.2.9'"),
                            ({'expect': ['corr2d'], 'points': {'pool2d': 2}},
                             'points given for pool2d, which the assignment does not grade'),
                            ({'expect': ['corr2d'], 'points': {None: -1}}, 'points of corr2d'),
                            ({'expect': ['corr2d'], 'visibility': {None: 'later'}},
                             'visibility of corr2d must be one of'),
                            ({}, 'at least one graded function')]:
        with pytest.raises(ValueError, match=message):
            Assignment.select(**kwargs)


def test_the_assignment_round_trips_and_a_bad_file_is_refused():
    a = Assignment.select(['corr2d', 'pool2d'], points={'pool2d': 2},
                          visibility={None: 'after_due_date'}, spoilers=False, timeout=30)
    assert Assignment.from_json(a.to_json()) == a
    for text, message in [('[1]', 'list of "tasks"'), ('{"tasks": []}', 'at least one'),
                          ('{"tasks": [{"name": "corr2d"}], "extra": 1}', 'unknown field'),
                          ('{"tasks": [{"name": "corr2d", "points": NaN}]}', 'points of corr2d'),
                          ('{"tasks": [{"name": "corr2d", "run": "rm"}]}', 'a task must be'),
                          ('{"tasks": [{"name": "corr2d"}], "timeout": 0}', 'timeout'),
                          ('not json', 'not JSON')]:
        with pytest.raises(ValueError, match=message):
            Assignment.from_json(text)


def test_a_student_is_a_file_or_a_folder(tmp_path):
    (tmp_path / 'alice').mkdir()
    rs = [graded(str(tmp_path / 'alice' / 'part1.py')), graded(str(tmp_path / 'alice' / 'part2.py')),
          graded(str(tmp_path / 'bob.py')), graded('elsewhere/carol.py')]
    groups = group_students([str(tmp_path), 'elsewhere/carol.py'], rs)
    assert {k: len(v) for k, v in groups.items()} == {
        str(tmp_path / 'alice'): 2, str(tmp_path / 'bob.py'): 1, 'elsewhere/carol.py': 1}
    alone = group_students([str(tmp_path)], rs[:3])  # one folder: students by their names in it
    assert {k: len(v) for k, v in alone.items()} == {'alice': 2, 'bob.py': 1}


def test_the_gradebook_has_one_row_per_student_and_neutral_cells(tmp_path):
    (tmp_path / 'alice').mkdir()
    a = Assignment.select(['corr2d', 'pool2d'], points={'pool2d': 2})
    rs = [graded(str(tmp_path / 'alice' / 'p1.py'), record('corr2d')),
          graded(str(tmp_path / 'alice' / 'p2.py'), record('pool2d')),
          graded(str(tmp_path / '=HYPERLINK(1).py'), record('corr2d', failing=1)),
          FileResult(str(tmp_path / 'dave.py'), 'crashed', 1.0, '-boom')]
    rows = list(csv.DictReader(io.StringIO(gradebook_csv(a, score_class(a, [str(tmp_path)], rs)))))
    by = {r['student'].lstrip("'"): r for r in rows}
    assert len(rows) == 3
    assert (by['alice']['score'], by['alice']['max_score'], by['alice']['percent']) == ('3', '3', '100.0')
    assert by['alice']['files'] == '2' and by['alice']['pool2d'] == '2'
    assert by['dave.py']['score'] == '0' and 'crashed' in by['dave.py']['problems']
    hostile = next(r for r in rows if 'HYPERLINK' in r['student'])
    assert hostile['student'] == "'=HYPERLINK(1).py" and hostile['percent'] == '0.0'


def test_a_case_is_required_unless_it_is_advice():
    """The one rule, on the records themselves: advice never counts, an advice case that errs does."""
    obj = CheckResult('corr2d', None, [CaseResult('a', 'book', 'pass'),
                                       CaseResult('b', 'robust', 'advice', 'E', 'G', 'h'),
                                       CaseResult('c', 'robust', 'error', 'E', 'G', 'h')])
    assert [(x.required, x.advice) for x in obj.results] == [(True, False), (False, True),
                                                             (True, False)]
    assert (obj.n_passed, len(obj.required), obj.passed, obj.advice) == (1, 2, False, [('b', 'h')])
    assert obj.to_dict()['cases'][1] == {'case': 'b', 'source': 'robust', 'status': 'advice',
                                         'expected': 'E', 'got': 'G', 'hint': 'h', 'seconds': 0.0}


def test_no_spoilers_keeps_expected_values_out():
    from d2l_ch6.grading.gradebook import feedback_lines
    a = Assignment.select(['corr2d'], spoilers=False)
    rec = record('corr2d', failing=1)
    rec.results[0].expected = 'array(2, 2): [[19, 25], [37, 43]]'
    s = score_student(a, 's', [graded('s.py', rec)])
    text = '\n'.join(feedback_lines(a, s.functions[0]))
    # the case's expected value is replaced by corr2d's return contract, in words
    assert '19, 25' not in text and 'expected a 2-D array Y of shape' in text
    assert 'the kernel is flipped' in text
    shown = '\n'.join(feedback_lines(Assignment.select(['corr2d']), s.functions[0]))
    assert '19, 25' in shown


# --- the class report ---------------------------------------------------------------------------

def _class_of_6_2(tmp_path):
    names = list(Assignment.select(sections=['6.2']).names)
    rs = [graded(str(tmp_path / f'a_student_with_a_rather_long_name_{i:02d}.py'),
                 *[record(n, failing=int((i + j) % 3 == 0)) for j, n in enumerate(names[: 10 + i])])
          for i in range(4)]
    rs.append(FileResult(str(tmp_path / 'crashed.py'), 'crashed', 2.0, 'ValueError: ' + 'x' * 300))
    return rs


def test_the_class_report_rates_are_over_the_whole_class(tmp_path):
    from d2l_ch6.grading.reports import html_report
    a = Assignment.select(['corr2d', 'pool2d'])
    rs = [graded('a.py', record('corr2d'), record('pool2d')), graded('b.py', record('corr2d')),
          graded('c.py', record('corr2d', failing=2)), FileResult('d.py', 'crashed', 1.0, 'boom')]
    page = html_report(rs, 'test', assignment=a)
    # corr2d: a and b pass of 4 students (c fails, d could not run); 3 of 4 define it
    assert '<td>corr2d</td><td>2 of 4</td>' in page and '<td>3 of 4</td>' in page
    assert '<td>pool2d</td><td>1 of 4</td>' in page and '<td>1 of 4</td><td>1</td>' in page
    assert 'href="#s2-corr2d">7/9</a>' in page and 'id="s2-corr2d"' in page


@pytest.mark.once  # a real browser: the same on every Python
def test_the_6_2_grid_fits_a_laptop_screen(tmp_path):
    """The report of a class graded on section 6.2's 14 functions, in Debian's chromium at 1366 x
    768: nothing scrolls sideways, and each red cell's link leads to its failing cases."""
    from d2l_ch6.grading.reports import html_report
    path = tmp_path / 'report.html'
    path.write_text(html_report(_class_of_6_2(tmp_path), 'test',
                                assignment=Assignment.select(sections=['6.2'])))
    chromium = pathlib.Path('/usr/bin/chromium')
    if not chromium.is_file():
        pytest.skip('Debian\'s chromium is missing (make setup installs it as root)')
    sync_api = pytest.importorskip('playwright.sync_api')
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=['--no-sandbox', '--disable-gpu'])
        page = browser.new_page(viewport={'width': 1366, 'height': 768})
        page.goto(path.resolve().as_uri())
        widths = page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')
        grid = page.evaluate('document.querySelector("table.grid").getBoundingClientRect().right')
        links = page.evaluate('[...document.querySelectorAll("td.fail a")].map(a => '
                              'document.getElementById(a.getAttribute("href").slice(1)) !== null)')
        browser.close()
    assert widths[0] <= widths[1] == 1366, widths
    assert grid <= 1366
    assert links and all(links)
