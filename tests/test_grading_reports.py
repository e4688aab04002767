"""The teacher's reports: the class page in chromium, Gradescope's and PrairieLearn's results.json,
the CSV and JSON written as files finish, one hint per function with its count.
"""
import csv
import json
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from grading_class import RIGHT_CORR2D, RIGHT_POOL, WRONG  # noqa: E402

from d2l_ch6.__main__ import main  # noqa: E402


@pytest.fixture(scope='module')
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp('klass')
    folder = root / 'submissions'
    folder.mkdir()
    (folder / 'alice.py').write_text(RIGHT_CORR2D[0] + RIGHT_POOL)
    (folder / 'bob.py').write_text(WRONG['flipped'] + WRONG['mode_ignored'])
    (folder / 'carol.py').write_text(WRONG['flipped'])
    (folder / 'dave.py').write_text('import math\nmath.sqrt(-1)\n')
    out = root / 'out'
    out.mkdir()
    code = main(['check', str(folder), '--jobs', '2', '--timeout', '120', '--html',
                 str(out / 'report.html'), '--report', str(out / 'grades.csv'),
                 '--json', str(out / 'grades.json')])
    assert code == 2
    return folder, out


def test_csv_and_json_hold_every_file(klass):
    folder, out = klass
    rows = list(csv.DictReader((out / 'grades.csv').open()))
    assert sorted({pathlib.Path(r['file']).name for r in rows}) == ['alice.py', 'bob.py',
                                                                     'carol.py', 'dave.py']
    data = json.loads((out / 'grades.json').read_text())
    assert len(data['files']) == 4 and 'isolation' in data


def test_each_hint_once_per_function_with_its_count(klass, capsys):
    folder, _ = klass
    main(['check', str(folder / 'carol.py'), '--timeout', '120'])
    text = capsys.readouterr().out
    assert text.count('the kernel is flipped') == 1
    assert re_count(r'hint \(\d+ cases\): the kernel is flipped', text) == 1


def test_an_error_every_case_repeats_is_one_line_and_the_import_hint(tmp_path, capsys):
    """The book's corr2d typed in without the book's imports, as a student forgets them: the
    NameError is printed once, with the count of cases it stands for, and the hint names the
    import; in Gradescope's output too."""
    from grading_sources import BOOK_LISTINGS
    (tmp_path / 'forgot.py').write_text(BOOK_LISTINGS['corr2d'])
    main(['check', str(tmp_path / 'forgot.py'), '--timeout', '120'])
    text = capsys.readouterr().out
    (n,) = map(int, re.findall(r'FAIL corr2d \(0/(\d+)\)', text))
    assert text.count("NameError: name 'np' is not defined") == 1
    assert f'(the same error in {n - 1} more cases)' in text
    assert (f'hint ({n} cases): np is not defined: import it as the book does, with '
            '`from mxnet import np, npx`, above your function') in text
    results = tmp_path / 'results.json'
    main(['check', str(tmp_path / 'forgot.py'), '--format', 'gradescope', '--results',
          str(results), '--timeout', '120'])
    (test,) = json.loads(results.read_text())['tests']
    assert test['output'].count("name 'np' is not defined") == 1
    assert 'from mxnet import np, npx' in test['output']


def test_messages_repeated_to_the_letter_are_folded():
    """Same status, expected and got: one line with a count; a fail never folds into an error."""
    from d2l_ch6.grading.reports import function_lines
    from d2l_ch6.grading.verdict import CaseResult, CheckResult

    def case(title, status, got, hint='', expected='E'):
        return CaseResult(title, 'book', status, expected, got, hint)
    lines = function_lines(CheckResult('corr2d', None, [
        case('z', 'fail', 'KeyError: 1'),
        case('a', 'error', 'KeyError: 1', 'h'), case('b', 'error', 'KeyError: 2', 'h'),
        case('c', 'fail', 'array 1'), case('d', 'fail', 'array 1'), case('e', 'pass', 'ok'),
        case('c2', 'fail', 'array 1', expected='F'),
        case('f', 'error', 'KeyError: 1', 'h'), case('g', 'advice', 'x', 'raise')]))
    assert lines == ['z: expected E; got KeyError: 1',
                     'a: expected E; got KeyError: 1 (the same error in 1 more case)',
                     'b: expected E; got KeyError: 2',
                     'c: expected E; got array 1 (the same in 1 more case)',
                     'c2: expected F; got array 1', 'hint (3 cases): h', 'advice (g): raise']


def test_pool_cost_of_the_wrong_kind_is_one_line_in_words():
    """A list where a dict is due: one line for the 12 cases, the contract in words, no internal
    error text, no expected dict."""
    from d2l_ch6.grading.reports import function_lines
    from d2l_ch6.grading.verdict import check

    def pool_cost(c, h, w, p_h, p_w, pad_h=0, pad_w=0, s_h=1, s_w=1, mode='max'):
        return [0, 0, 0]
    lines = function_lines(check(pool_cost))
    assert lines == ["pool_cost(2, 4, 5, 2, 2, 0, 0, 1, 1), mode='max': expected a dict with keys "
                     "'compare', 'add', 'div'; got a list of 3 ints (the same in 11 more cases)"]


def test_pool_cost_that_ignores_the_mode_is_told_so():
    """Counting comparisons whatever the mode: every avg case fails with the mode hint, and only those."""
    from d2l_ch6.grading.hints import H_MODE
    from d2l_ch6.grading.verdict import check

    def pool_cost(c, h, w, p_h, p_w, pad_h=0, pad_w=0, s_h=1, s_w=1, mode='max'):
        h_o, w_o = (h + 2 * pad_h - p_h) // s_h + 1, (w + 2 * pad_w - p_w) // s_w + 1
        return {'compare': c * h_o * w_o * (p_h * p_w - 1), 'add': 0, 'div': 0}
    result = check(pool_cost)
    hinted = [r.case for r in result.results if r.hint == H_MODE]
    assert [r.case for r in result.results if r.passed] == [
        r.case for r in result.results if "mode='max'" in r.case]
    assert hinted == [r.case for r in result.results if "mode='avg'" in r.case] and len(hinted) == 6


def test_no_spoilers_states_the_contract_not_the_value():
    from d2l_ch6.grading.reports import function_lines
    from d2l_ch6.grading.verdict import check

    def receptive_field(num_layers, k):
        return num_layers * k
    result = check(receptive_field)
    shown = '\n'.join(function_lines(result))
    assert 'expected 7;' in shown and 'wrong value' in shown
    hidden = '\n'.join(function_lines(result, spoilers=False))
    assert 'expected an int: how many inputs one output sees; got 9 (value: wrong value)' in hidden
    assert not any(f'expected {v}' in hidden for v in (7, 5, 1))
    assert "each layer adds k - 1 inputs" in hidden  # hints are kept


def re_count(pattern, text):
    return len(re.findall(pattern, text))


@pytest.mark.once  # a real browser: the same on every Python
def test_the_class_report_in_chromium(klass, tmp_path):
    folder, out = klass
    page_html = (out / 'report.html').read_text()
    for text in ('Pass rate per function', 'Most common mistakes', 'Students and functions',
                 'Files that could not run', 'the kernel is flipped', 'dave.py',
                 'ValueError: math domain error'):
        assert text in page_html
    chromium = pathlib.Path('/usr/bin/chromium')
    if not chromium.is_file():
        pytest.skip('Debian\'s chromium is missing (make setup installs it as root)')
    sync_api = pytest.importorskip('playwright.sync_api')
    errors, shot = [], out / 'report.png'
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=['--no-sandbox', '--disable-gpu'])
        page = browser.new_page(viewport={'width': 1200, 'height': 900})
        page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.on('request', lambda r: not r.url.startswith('file:') and errors.append(r.url))
        page.goto((out / 'report.html').resolve().as_uri())
        cells = page.locator('td.fail').count(), page.locator('td.pass').count()
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert errors == []
    assert cells == (3, 2)  # bob's two functions and carol's corr2d fail; alice's two pass
    assert shot.stat().st_size > 10_000


def _types(obj, spec):
    for key, kinds in spec.items():
        assert key in obj, key
        assert isinstance(obj[key], kinds), (key, obj[key])


def test_gradescope_results(klass, tmp_path):
    folder, _ = klass
    results = tmp_path / 'results.json'
    main(['check', str(folder / 'bob.py'), '--format', 'gradescope', '--results', str(results),
          '--expect', 'corr2d,pool2d,corr2d_multi_in', '--timeout', '120'])
    data = json.loads(results.read_text())
    # Gradescope's autograder specification: score, output, visibility, tests[] of name,
    # score, max_score, output, visibility ('hidden', 'after_due_date', 'after_published',
    # 'visible')
    _types(data, {'score': (int, float), 'output': str, 'visibility': str, 'tests': list})
    assert data['visibility'] in ('hidden', 'after_due_date', 'after_published', 'visible')
    assert [t['name'] for t in data['tests']] == ['corr2d', 'pool2d', 'corr2d_multi_in']
    for t in data['tests']:
        _types(t, {'name': str, 'score': (int, float), 'max_score': (int, float), 'output': str,
                   'visibility': str})
        assert 0 <= t['score'] <= t['max_score']
    assert data['score'] == sum(t['score'] for t in data['tests'])
    assert data['tests'][2]['score'] == 0 and 'not defined' in data['tests'][2]['output']
    assert 'the kernel is flipped' in data['tests'][0]['output']


def test_prairielearn_results(klass, tmp_path):
    folder, _ = klass
    results = tmp_path / 'results.json'
    main(['check', str(folder / 'alice.py'), '--format', 'prairielearn', '--results',
          str(results), '--timeout', '120'])
    data = json.loads(results.read_text())
    # PrairieLearn's external grading results: score in [0, 1], gradable, tests[] of name,
    # points, max_points (and message, output)
    _types(data, {'gradable': bool, 'score': float, 'tests': list, 'message': str})
    assert data['gradable'] is True and data['score'] == 1.0
    for t in data['tests']:
        _types(t, {'name': str, 'points': (int, float), 'max_points': (int, float),
                   'message': str, 'output': str})
        assert t['points'] == t['max_points']
    main(['check', str(folder / 'dave.py'), '--format', 'prairielearn', '--results',
          str(results), '--timeout', '120'])
    data = json.loads(results.read_text())
    assert data['gradable'] is False and 'math domain error' in data['format_errors'][0]
    assert 'score' not in data
