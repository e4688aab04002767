"""Tests for d2l_ch6.check, `d2l-ch6 check` and `d2l-ch6 exercises` (students check their own answers).

Our implementations pass every check; a catalogue of wrong implementations,
written as a student would, fails with the hint for its mistake; the command
line grades files in subprocesses (exit codes, a teacher's report over a
folder with a right, a wrong, a crashing and a never-ending submission); the
student notebooks run red unchanged and green with our answers filled in.
"""
import csv
import json
import pathlib
import re

import nbformat
import pytest
from mxnet import np
from mxnet.gluon import nn

import d2l_ch6
from d2l_ch6 import check
from d2l_ch6 import check as check_fn
from d2l_ch6.grading.cases import CASES, EXERCISES
from d2l_ch6.grading.verdict import TARGETS, CheckResult, grade_namespace
from d2l_ch6.grading.cli import exit_code, grade_files, report_rows
from d2l_ch6.grading.student import CHECK_TAG, STUB_TAG, signature, signature_table, write_exercises
from d2l_ch6.lenet import lenet
from d2l_ch6.publishing.runner import run_notebook


def ours(name):
    return lenet if name == 'net' else getattr(d2l_ch6, name)


def test_check_is_the_function():
    assert check is check_fn and callable(check)


@pytest.mark.parametrize('name', TARGETS)
def test_our_implementations_pass_every_check(name):
    result = check(ours(name), name=name)
    assert isinstance(result, CheckResult)
    assert result.passed, repr(result)
    assert result.failures == []
    assert len(result.results) == len(CASES[name])


@pytest.mark.parametrize('number', list(EXERCISES))
def test_every_exercise_checks_by_number(number):
    """check(fn, exercise=...) takes the exercise's first function unless fn's name picks another."""
    first = EXERCISES[number][0]
    result = check(ours(first), exercise=number)
    assert result.passed and result.exercise == number and result.name == first
    for name in EXERCISES[number][1:]:
        assert check(ours(name), exercise=number).name == name


def test_names_come_from_the_function_class_or_net():
    """check(Conv2D) grades the class as Conv2D (not as a net); a network object is a LeNet."""
    assert check(d2l_ch6.Conv2D).name == 'Conv2D' and check(d2l_ch6.Conv2D).passed
    assert check(lenet()).name == 'net' and check(lenet).name == 'net'
    results = grade_namespace({'Conv2D': d2l_ch6.Conv2D, 'net': lenet()})
    assert [r.name for r in results] == ['net']  # the package's Conv2D is not the student's


def test_bad_arguments_to_check():
    with pytest.raises(ValueError, match="exercise must be one of .*got '6.9.9'"):
        check(d2l_ch6.corr2d, exercise='6.9.9')
    with pytest.raises(ValueError, match="name must be a book helper .*got 'my_conv'"):
        check(lambda X, K: X, name='my_conv')

    def my_conv(X, K):
        return X
    with pytest.raises(ValueError, match="got 'my_conv': pass name= or exercise="):
        check(my_conv)
    with pytest.raises(TypeError, match='fn must be a function, class or network, got int'):
        check(3)
    with pytest.raises(ValueError, match='budget must be a positive number of seconds, got 0'):
        check(d2l_ch6.corr2d, budget=0)
    with pytest.raises(TypeError, match="case_limit must be a positive number of seconds, got str '5'"):
        check(d2l_ch6.corr2d, case_limit='5')
    with pytest.raises(ValueError, match='timeout must be a positive number of seconds, got -1'):
        grade_files([], timeout=-1)
    with pytest.raises(ValueError, match='timeout must be a positive number of seconds, got inf'):
        grade_files([], timeout=float('inf'))


# --- a catalogue of wrong implementations, one per hint at least ----------------------------------

def corr2d_flipped(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * np.flip(K, (0, 1))).sum()
    return Y


def corr2d_square(X, K):
    h = K.shape[0]
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - h + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + h] * K).sum()
    return Y


def corr2d_short(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h, X.shape[1] - w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_int(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_crash(X, K):
    return X.no_such_method(K)  # the student's own line


def pool2d_mode_ignored(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i: i + p_h, j: j + p_w].max()
    return Y


def pool2d_avg_sum(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i: i + p_h, j: j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.sum()
    return Y


def corr2d_multi_in_unsummed(X, K):
    return np.stack([d2l_ch6.corr2d(x, k) for x, k in zip(X, K)])


def corr2d_multi_in_out_last_axis(X, K):
    return np.stack([d2l_ch6.corr2d_multi_in(X, k) for k in K], axis=-1)


def pad_zeros_per_side(X, p_h, p_w):
    return np.pad(X, ((p_h, p_h), (p_w, p_w)), mode='constant')


def conv_output_shape_no_stride(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    return n_h - k_h + p_h + 1, n_w - k_w + p_w + 1


def conv2d_matmul_no_padding(X, K, padding=0, strides=1):
    """im2col and one matrix product, written out; the padding argument is never used."""
    s_h, s_w = strides if isinstance(strides, tuple) else (strides, strides)
    B, c_i, h, w = X.shape
    c_o, _, k_h, k_w = K.shape
    h_o, w_o = (h - k_h) // s_h + 1, (w - k_w) // s_w + 1
    cols = np.stack([X[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].reshape(B, -1)
                     for i in range(h_o) for j in range(w_o)], axis=2)  # (B, c_i k_h k_w, h_o w_o)
    Y = np.matmul(K.reshape(c_o, -1), cols)
    return Y.reshape(B, c_o, h_o, w_o)


def corr1d_inplace(x, k):
    y = np.zeros(x.shape[0] - k.shape[0] + 1)
    for i in range(y.shape[0]):
        y[i] = (x[i:i + k.shape[0]] * k).sum()
    return y


def evaluate_batch_mean(net, data_iter, ctx=None):
    accs = [float((net(X).argmax(axis=1).astype('int32') == y.astype('int32')).mean())
            for X, y in data_iter]
    return sum(accs) / len(accs)


def lenet_max_pooling():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, 5, padding=2, activation='sigmoid'), nn.MaxPool2D(2, 2),
            nn.Conv2D(16, 5, activation='sigmoid'), nn.MaxPool2D(2, 2),
            nn.Dense(120, activation='sigmoid'), nn.Dense(84, activation='sigmoid'), nn.Dense(10))
    return net


def lenet_relu():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, 5, padding=2, activation='relu'), nn.AvgPool2D(2, 2),
            nn.Conv2D(16, 5, activation='relu'), nn.AvgPool2D(2, 2),
            nn.Dense(120, activation='relu'), nn.Dense(84, activation='relu'), nn.Dense(10))
    return net


def conv1d_strided_no_stride(x, k, stride=1, padding=0):
    """Zero-pad, then slide the kernel one step at a time: the stride is never used."""
    x = np.concatenate([np.zeros(padding), x, np.zeros(padding)])
    n = len(x) - len(k) + 1
    return np.stack([(x[i:i + len(k)] * k).sum() for i in range(n)])


def conv_cost_per_side(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1, c_i=1, c_o=1):
    """Counts with the padding doubled, as if p_h were per side."""
    h = (n_h - k_h + 2 * p_h + s_h) // s_h
    w = (n_w - k_w + 2 * p_w + s_w) // s_w
    return h * w * k_h * k_w * c_i * c_o


def avg_pool_as_sum(channels, pool_size, strides=None, padding=0, ctx=None):
    """A convolution with ones from channel i to channel i: the window's sum, not its mean."""
    p_h, p_w = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    conv = nn.Conv2D(channels, kernel_size=(p_h, p_w), strides=strides or (p_h, p_w),
                     padding=padding, in_channels=channels, use_bias=False)
    conv.initialize()
    W = np.zeros((channels, channels, p_h, p_w))
    for i in range(channels):
        W[i, i] = 1
    conv.weight.set_data(W)
    return conv


def max_pool_padding_wins(X, pool_size, strides=None, padding=0):
    a, b = padding if isinstance(padding, tuple) else (padding, padding)
    return nn.MaxPool2D(pool_size, strides)(np.pad(X, ((0, 0), (0, 0), (a, a), (b, b))))


def evaluate_count(net, data_iter, ctx=None):
    return sum(float((net(X).argmax(axis=1).astype('int32') == y.astype('int32')).sum())
               for X, y in data_iter)


def comp_conv2d_keeps_axes(conv2d, X):
    conv2d.initialize()
    return conv2d(X.reshape((1, 1) + X.shape))


def lenet_no_padding():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, 5, activation='sigmoid'), nn.AvgPool2D(2, 2),
            nn.Conv2D(16, 5, activation='sigmoid'), nn.AvgPool2D(2, 2),
            nn.Dense(120, activation='sigmoid'), nn.Dense(84, activation='sigmoid'), nn.Dense(10))
    return net


def stub(X, K):
    raise NotImplementedError


WRONG = [  # (implementation, name, the hint's words)
    (corr2d_flipped, 'corr2d', 'kernel is flipped'),
    (corr2d_square, 'corr2d', 'non-square window'),
    (corr2d_short, 'corr2d', 'off by one'),
    (corr2d_int, 'corr2d', 'integer dtype'),
    (stub, 'corr2d', 'not implemented yet'),
    (pool2d_mode_ignored, 'pool2d', 'mode is ignored'),
    (pool2d_avg_sum, 'pool2d', 'average is computed as a sum'),
    (corr2d_multi_in_unsummed, 'corr2d_multi_in', 'channels are not summed'),
    (corr2d_multi_in_out_last_axis, 'corr2d_multi_in_out', 'stacked on the wrong axis'),
    (pad_zeros_per_side, 'pad_zeros', 'per-side and total padding'),
    (conv_output_shape_no_stride, 'conv_output_shape', 'stride is ignored'),
    (conv2d_matmul_no_padding, 'conv2d_matmul', 'padding is ignored'),
    (corr1d_inplace, 'corr1d', 'in-place writes'),
    (conv1d_strided_no_stride, 'conv1d_strided', 'stride is ignored'),
    (conv_cost_per_side, 'conv_cost', 'per-side and total padding'),
    (avg_pool_as_sum, 'avg_pool_as_conv', 'average is computed as a sum'),
    (max_pool_padding_wins, 'max_pool_from_conv_relu', 'zero padding wins the max'),
    (evaluate_count, 'evaluate_accuracy_gpu', 'number of right predictions'),
    (comp_conv2d_keeps_axes, 'comp_conv2d', 'remove the batch and channel axes'),
    (evaluate_batch_mean, 'evaluate_accuracy_gpu', "mean of the batches' accuracies"),
    (lenet_max_pooling, 'net', 'pooling mode is wrong'),
    (lenet_relu, 'net', 'activation is wrong'),
    (lenet_no_padding, 'net', 'padding=2'),
]


@pytest.mark.parametrize('fn, name, hint', WRONG, ids=[w[0].__name__ for w in WRONG])
def test_wrong_implementation_fails_with_its_hint(fn, name, hint):
    result = check(fn, name=name)
    assert not result.passed
    hints = [f.hint for f in result.failures]
    assert any(hint in h for h in hints), repr(result)
    assert all(f.expected and f.got for f in result.failures)


def test_student_exception_shows_the_students_line():
    result = check(corr2d_crash, name='corr2d')
    required = [c for c in CASES['corr2d'] if not c.advice]
    assert not result.passed and len(result.failures) == len(required)
    assert all('non-square' not in f.hint for f in result.failures)
    got = result.failures[0].got
    assert got.startswith('AttributeError:')
    assert 'your line' in got and 'in corr2d_crash' in got and 'X.no_such_method(K)' in got


def test_text_and_html_tables():
    good, bad = check(d2l_ch6.pool2d), check(pool2d_mode_ignored, name='pool2d')
    assert repr(good).startswith('check(pool2d): 8 of 8 cases pass')
    assert 'FAIL' in repr(bad) and repr(bad).count('hint (') == 1  # the mode hint, once, counted
    assert re.search(r'hint \(\d+ cases\): the pooling mode is ignored', repr(bad))
    assert '#2e7d32' in good._repr_html_() and '&#10008;' not in good._repr_html_()
    assert '#c62828' in bad._repr_html_() and '&#10008;' in bad._repr_html_()
    assert json.loads(json.dumps(bad.to_dict()))['passed'] is False


def test_slow_code_meets_the_time_budget():
    """A student loop that never ends is stopped per case, and the budget skips the rest."""
    def corr2d(X, K):
        while True:
            pass
    result = check(corr2d, budget=1.0, case_limit=0.3)
    statuses = [r.status for r in result.results]
    assert statuses[:3] == ['error', 'error', 'error'] and statuses[-1] == 'skipped'
    assert 'too slow' in result.failures[0].hint


def test_grade_namespace_finds_students_functions_only():
    def min_pool2d(X, pool_size, strides=None, padding=0):  # the student's, built on a layer
        return -nn.MaxPool2D(pool_size, strides, padding)(-X)
    namespace = {'corr2d': corr2d_flipped, 'pool2d': nn.MaxPool2D(3), 'pad_zeros': d2l_ch6.pad_zeros,
                 'min_pool2d': min_pool2d}
    results = {r.name: r for r in grade_namespace(namespace)}
    assert set(results) == {'corr2d', 'min_pool2d'}  # a layer and an import are not the student's
    assert not results['corr2d'].passed and results['min_pool2d'].passed
    assert results['min_pool2d'].exercise == '6.5.5'


# --- the command line ------------------------------------------------------------------------

RIGHT = '''
from mxnet import np

def corr2d(X, K):
    h, w = K.shape
    if h > X.shape[0] or w > X.shape[1]:
        raise ValueError('the kernel K must fit in X')
    return np.stack([np.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
                     for i in range(X.shape[0] - h + 1)])
'''
WRONG_PY = '''
from mxnet import np

def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i: i + p_h, j: j + p_w].max()
    return Y
'''
CRASHING = 'import math\nvalue = math.sqrt(-1)  # the line that fails\n'
HANGING = 'while True:\n    pass\n'
PRINTING = 'while True:\n    print("spam " * 100)\n'


@pytest.fixture(scope='module')
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp('submissions')
    for name, text in (('a_right.py', RIGHT), ('b_wrong.py', WRONG_PY), ('c_crash.py', CRASHING),
                       ('d_hang.py', HANGING), ('e_print.py', PRINTING)):
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope='module')
def graded(submissions):
    return {pathlib.Path(r.path).name: r for r in grade_files([submissions], timeout=10)}


def test_folder_of_submissions_is_graded_file_by_file(graded):
    assert list(graded) == ['a_right.py', 'b_wrong.py', 'c_crash.py', 'd_hang.py', 'e_print.py']
    assert graded['a_right.py'].passed
    assert [r.name for r in graded['a_right.py'].results] == ['corr2d']
    assert graded['b_wrong.py'].ran and not graded['b_wrong.py'].passed
    assert graded['c_crash.py'].status == 'crashed'
    assert 'ValueError: math domain error' in graded['c_crash.py'].message
    assert 'your line 2' in graded['c_crash.py'].message
    assert graded['d_hang.py'].status == 'timeout'
    assert graded['e_print.py'].status == 'prints forever'
    assert exit_code(list(graded.values())) == 2
    assert exit_code([graded['a_right.py']]) == 0
    assert exit_code([graded['a_right.py'], graded['b_wrong.py']]) == 1


def test_cli_report_and_json(submissions, tmp_path, capsys):
    from d2l_ch6.__main__ import main
    report, js = tmp_path / 'grades.csv', tmp_path / 'grades.json'
    files = [str(submissions / n) for n in ('a_right.py', 'b_wrong.py', 'c_crash.py', 'e_print.py')]
    code = main(['check', *files, '--timeout', '20', '--report', str(report), '--json', str(js)])
    assert code == 2
    rows = list(csv.DictReader(report.open()))
    assert [(pathlib.Path(r['file']).name, r['function'], r['status']) for r in rows] == [
        ('a_right.py', 'corr2d', 'pass'), ('b_wrong.py', 'pool2d', 'fail'),
        ('c_crash.py', '', 'crashed'), ('e_print.py', '', 'prints forever')]
    assert 'mode is ignored' in rows[1]['detail']
    data = json.loads(js.read_text())
    assert data['files'][0]['status'] == 'graded' and 'pid namespace' in data['isolation']
    out = capsys.readouterr().out
    assert 'PASS corr2d (10/10)' in out and 'FAIL pool2d' in out and '4 file(s)' in out
    assert main(['check', files[0]]) == 0
    assert main(['check', files[1]]) == 1
    assert main(['check', str(tmp_path / 'absent.py')]) == 2


def test_cli_grades_a_notebook(tmp_path):
    """A notebook runs in a fresh kernel and its functions are graded; a failing cell is a crash."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WRONG_PY)])
    nbformat.write(nb, tmp_path / 'student.ipynb')
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1'),
                                             nbformat.v4.new_code_cell('y = x / 0')])
    nbformat.write(broken, tmp_path / 'broken.ipynb')
    crashed, result = grade_files([tmp_path / 'broken.ipynb', tmp_path / 'student.ipynb'],
                                  timeout=120)
    assert crashed.status == 'crashed'
    assert crashed.message == 'cannot run broken.ipynb: cell 1: ZeroDivisionError: division by zero'
    assert exit_code([crashed, result]) == 2
    assert result.ran and [r.name for r in result.results] == ['pool2d']
    assert not result.passed
    rows = report_rows([result])
    # the max cases pass; mode='min' is advice, not a required case
    assert rows[0]['status'] == 'fail' and rows[0]['passed'] == 3 and rows[0]['cases'] == 7


# --- the student notebooks ----------------------------------------------------------------------

@pytest.fixture(scope='module')
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp('exercises')
    write_exercises(out)
    return out


ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_teaching_guide_and_notebooks_state_every_signature():
    """The teaching guide's table and each notebook's exercise cell are the generated tables, so the
    signatures they state are the package's own and cannot drift."""
    assert signature_table() in (ROOT / 'docs' / 'teaching.md').read_text()
    for path in sorted((ROOT / 'd2l_ch6' / 'notebooks').glob('*.ipynb')):
        section = path.stem.split('-')[0]
        cells = [c.source for c in nbformat.read(path, as_version=4).cells
                 if c.cell_type == 'markdown' and '## Exercises' in c.source]
        assert len(cells) == 1 and signature_table(section) in cells[0], path.name


def check_outputs(path):
    """The text of each check cell's output in an executed notebook, by the name it checks."""
    nb = nbformat.read(path, as_version=4)
    found = {}
    for cell in nb.cells:
        if CHECK_TAG in cell.metadata.get('tags', []):
            texts = [o.get('data', {}).get('text/plain', '') for o in cell.outputs
                     if o.output_type == 'execute_result']
            found[cell.metadata['d2l_ch6']['check']] = texts[0] if texts else ''
    return found


def test_exercises_writes_six_student_notebooks(student_dir):
    paths = sorted(student_dir.glob('*.ipynb'))
    assert len(paths) == 6
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        stubs = [c for c in nb.cells if STUB_TAG in c.metadata.get('tags', [])]
        checks = [c for c in nb.cells if CHECK_TAG in c.metadata.get('tags', [])]
        assert stubs and len(stubs) == len(checks)
        for s in stubs:
            assert 'raise NotImplementedError' in s.source
        assert not any(c.source.strip().startswith('show_source(') and
                       c.source.strip()[12:-1] in {s.metadata['d2l_ch6']['stub'] for s in stubs}
                       for c in nb.cells)  # the answers' source is not shown
    text = (student_dir / '6.5-pooling.ipynb').read_text()
    assert signature('pool2d') == "pool2d(X, pool_size, mode='max')"
    assert "def pool2d(X, pool_size, mode='max'):" in text


def counts(text):
    """(passed, total) from a check result's first line '... N of M cases pass'."""
    passed, total = re.search(r'(\d+) of (\d+) cases pass', text.splitlines()[0]).groups()
    return int(passed), int(total)


def test_cli_exercises(tmp_path, capsys):
    """`d2l-ch6 exercises --out DIR` writes the six and lists them; a missing folder exits 2."""
    from d2l_ch6.__main__ import main
    assert main(['exercises', '--out', str(tmp_path / 'ex')]) == 0
    listed = capsys.readouterr().out.split()
    assert len(listed) == 6 and all(pathlib.Path(p).is_file() for p in listed)
    assert main(['exercises', '--out', str(tmp_path / 'x'), '--notebook-dir',
                 str(tmp_path / 'absent')]) == 2
    assert 'notebook_dir must be a folder' in capsys.readouterr().err


def fill_in(path, target):
    """Replace every stub by an import of the package's own answer."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if STUB_TAG in cell.metadata.get('tags', []):
            name = cell.metadata['d2l_ch6']['stub']
            cell.source = f'from d2l_ch6 import {name}'
    nbformat.write(nb, target)
    return target


@pytest.mark.parametrize('stem', ['6.2-convolutions-for-images', '6.3-padding-and-stride',
                                  '6.5-pooling'])
def test_student_notebook_red_unchanged_green_filled_in(student_dir, tmp_path, stem):
    path = student_dir / f'{stem}.ipynb'
    unchanged = check_outputs(run_notebook(path, tmp_path / 'a', quick=True, timeout=120).output)
    assert unchanged and all(counts(t)[0] == 0 < counts(t)[1] for t in unchanged.values()), unchanged
    filled = fill_in(path, tmp_path / f'{stem}.ipynb')
    green = check_outputs(run_notebook(filled, tmp_path / 'b', quick=True, timeout=120).output)
    assert set(green) == set(unchanged)
    for name, text in green.items():
        passed, total = counts(text)
        assert passed == total > 0, (name, text)


def test_one_registry_by_section():
    """Every graded name is registered once, in the table of the section that teaches it, with its
    cases and hints; the names the grader looks for (TARGETS) are the registry's."""
    from d2l_ch6.grading.cases import REGISTRY, SECTIONS
    names = [n for table in SECTIONS.values() for n in table]
    assert sorted(names) == sorted(set(names)) == sorted(TARGETS) == sorted(REGISTRY)
    for section, table in SECTIONS.items():
        for name, graded in table.items():
            assert graded.name == name and graded.section == section and graded.cases, name
            assert graded.exercise is None or graded.exercise.rsplit('.', 1)[0] == section, name


def _corr2d_by_fast(X, K):
    return d2l_ch6.corr2d_fast(X, K)


def _pool2d_by_fast(X, pool_size, mode='max'):
    return d2l_ch6.pool2d_fast(X, pool_size, mode)


def _lenet_max_by_lenet():
    net = lenet()
    net[1] = nn.MaxPool2D(pool_size=2, strides=2)  # noqa: the book's net with its pooling swapped
    return net


def _corr2d_multi_in_by_corr2d(X, K):
    return sum(d2l_ch6.corr2d(x, k) for x, k in zip(X, K))  # the book's own listing (section 6.4.1)


@pytest.mark.parametrize('fn, name', [(_corr2d_by_fast, 'corr2d'), (_pool2d_by_fast, 'pool2d'),
                                      (_lenet_max_by_lenet, 'lenet_max')])
def test_a_sibling_of_the_package_answer_is_withheld_as_the_registry_says(fn, name):
    """corr2d_fast, pool2d_fast and the book's lenet (for lenet_max) are the registry's siblings."""
    result = check(fn, name=name)
    assert result.failures and all("d2l_ch6's own answer is not available" in f.got
                                   for f in result.failures), result


def test_another_functions_answer_is_not_withheld():
    """corr2d_multi_in as the book writes it, on the package's corr2d: only its own answer is withheld."""
    assert check(_corr2d_multi_in_by_corr2d, name='corr2d_multi_in').passed
