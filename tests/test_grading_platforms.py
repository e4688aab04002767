"""Gradescope and PrairieLearn, run as the platforms run them.

The zip that `d2l-ch6 autograder gradescope` writes is unpacked into Gradescope's layout under a
temporary root (source/, submission/, results/; run_autograder copied to the root) and
run_autograder runs there, as Gradescope runs it, on a small class: right, wrong beside functions
nobody asked for, two copies of one file, a crash, a hang, endless printing, a cheat wrapping
the package's answer, an empty file, nothing submitted. Every results.json is checked against the
fields Gradescope's autograder specification documents; the same for PrairieLearn's /grade layout
and its external grading results. The shell files pass shellcheck. setup.sh runs for real (slow:
about 50 s here, pip reaching PyPI) with the machine's Python 3.11, skipping the Python install.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from grading_class import CHEATS, WRONG  # noqa: E402
from grading_sources import RIGHT_CORR2D, RIGHT_POOL, RIGHT_EXERCISES  # noqa: E402

from d2l_ch6.__main__ import main  # noqa: E402

PY = sys.executable

# Gradescope's autograder specification: the documented keys and values
GS_TOP = {'score', 'execution_time', 'output', 'visibility', 'stdout_visibility', 'extra_data',
          'tests', 'leaderboard', 'output_format', 'test_output_format', 'test_name_format'}
GS_TEST = {'score', 'max_score', 'status', 'name', 'name_format', 'number', 'output',
           'output_format', 'tags', 'visibility', 'extra_data'}
GS_VISIBILITY = {'hidden', 'after_due_date', 'after_published', 'visible'}
# PrairieLearn's external grading results
PL_TOP = {'gradable', 'score', 'message', 'output', 'images', 'tests', 'format_errors'}
PL_TEST = {'name', 'description', 'points', 'max_points', 'message', 'output', 'images'}


def valid_gradescope(data):
    """Raise AssertionError unless data is a results.json Gradescope documents."""
    assert isinstance(data, dict) and set(data) <= GS_TOP, set(data) - GS_TOP
    assert isinstance(data['score'], float) and data['score'] >= 0
    assert isinstance(data.get('output', ''), str) and data['output']
    assert data.get('visibility', 'visible') in GS_VISIBILITY
    assert data.get('stdout_visibility', 'hidden') in GS_VISIBILITY
    for t in data['tests']:
        assert set(t) <= GS_TEST, set(t) - GS_TEST
        assert isinstance(t['name'], str) and isinstance(t['output'], str)
        assert isinstance(t['score'], float) and isinstance(t['max_score'], float)
        assert 0 <= t['score'] <= t['max_score']
        assert t['visibility'] in GS_VISIBILITY and t['status'] in ('passed', 'failed')
    if data['tests']:
        assert data['score'] == pytest.approx(sum(t['score'] for t in data['tests']))
    return data


def valid_prairielearn(data, path):
    """Raise AssertionError unless data is an external grading result PrairieLearn documents."""
    assert path.stat().st_size < 2 ** 20
    assert isinstance(data, dict) and set(data) <= PL_TOP, set(data) - PL_TOP
    assert isinstance(data['gradable'], bool)
    if not data['gradable']:
        errors = data['format_errors']
        assert isinstance(errors, str) or all(isinstance(e, str) and e for e in errors)
        return data
    assert isinstance(data['score'], float) and 0.0 <= data['score'] <= 1.0
    for t in data['tests']:
        assert set(t) <= PL_TEST, set(t) - PL_TEST
        assert isinstance(t['name'], str) and 0 <= t['points'] <= t['max_points']
    return data


@pytest.fixture(scope='module')
def bundles(tmp_path_factory):
    out = tmp_path_factory.mktemp('bundles')
    wheel_dir = out / 'wheel'
    from d2l_ch6.grading.platforms.wheel import build_wheel
    wheel = build_wheel(wheel_dir)
    assert main(['autograder', 'gradescope', '--out', str(out / 'gs'), '--expect', 'corr2d,pool2d',
                 '--points', 'pool2d=2', '--visibility', 'pool2d=after_due_date',
                 '--timeout', '60', '--wheel', str(wheel)]) == 0
    assert main(['autograder', 'prairielearn', '--out', str(out / 'pl'), '--expect', 'corr2d',
                 '--image', 'course/d2l-ch6-grader:1', '--timeout', '60', '--no-spoilers',
                 '--wheel', str(wheel)]) == 0
    return out


def test_the_zip_has_setup_run_autograder_the_wheel_and_the_assignment(bundles):
    with zipfile.ZipFile(bundles / 'gs' / 'autograder.zip') as z:
        infos = {i.filename: i for i in z.infolist()}
        wheel = next(n for n in infos if n.endswith('.whl'))
        assert set(infos) == {'setup.sh', 'run_autograder', 'config.json', wheel}
        for name in ('setup.sh', 'run_autograder'):
            assert (infos[name].external_attr >> 16) & 0o111 == 0o111, name
        config = json.loads(z.read('config.json'))
        assert [(t['name'], t['points'], t['visibility']) for t in config['tasks']] == [
            ('corr2d', 1.0, 'visible'), ('pool2d', 2.0, 'after_due_date')]
        assert wheel in z.read('setup.sh').decode()
        with zipfile.ZipFile(z.open(wheel)) as w:
            names = set(w.namelist())
    assert {'d2l_ch6/grading/platforms/templates/setup.sh', 'd2l_ch6/grading/platforms/run.py',
            'd2l_ch6_startup.pth', 'd2l_ch6/grading/cases.py'} <= names
    assert not any('__pycache__' in n or n.startswith('build/') for n in names)


def test_the_shell_files_pass_shellcheck(bundles, tmp_path):
    if not shutil.which('shellcheck'):
        pytest.skip('shellcheck is not installed (Debian\'s shellcheck)')
    with zipfile.ZipFile(bundles / 'gs' / 'autograder.zip') as z:
        z.extract('setup.sh', tmp_path)
        z.extract('run_autograder', tmp_path)
    files = [tmp_path / 'setup.sh', tmp_path / 'run_autograder', bundles / 'pl' / 'image' / 'entrypoint.sh']
    proc = subprocess.run(['shellcheck', '--shell=bash', *map(str, files)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout


def test_the_prairielearn_question_and_image(bundles):
    q, img = bundles / 'pl' / 'question', bundles / 'pl' / 'image'
    info = json.loads((q / 'info.json').read_text())
    ext = info['externalGradingOptions']
    assert info['gradingMethod'] == 'External' and info['type'] == 'v3' and len(info['uuid']) == 36
    assert ext['enabled'] is True and ext['image'] == 'course/d2l-ch6-grader:1'
    assert ext['entrypoint'] == '/opt/d2l-ch6/entrypoint.sh' and 60 <= ext['timeout'] <= 600
    html = (q / 'question.html').read_text()
    assert '<pl-file-upload file-names="submission.py">' in html
    assert '<pl-external-grader-results>' in html and '<code>corr2d</code>' in html
    docker = (img / 'Dockerfile').read_text()
    wheel = next(img.glob('d2l_ch6-*.whl')).name
    assert docker.startswith('#') and 'FROM python:3.11' in docker and f'COPY {wheel}' in docker
    assert 'mxnet==1.9.1' in docker and 'ENTRYPOINT ["/opt/d2l-ch6/entrypoint.sh"]' in docker
    assert os.access(img / 'entrypoint.sh', os.X_OK)
    assert json.loads((q / 'tests' / 'config.json').read_text())['spoilers'] is False



def test_a_question_written_again_keeps_its_uuid(bundles, tmp_path):
    shutil.copytree(bundles / 'pl', tmp_path / 'pl')
    info = tmp_path / 'pl' / 'question' / 'info.json'
    uuid = json.loads(info.read_text())['uuid']
    assert main(['autograder', 'prairielearn', '--out', str(tmp_path / 'pl'), '--expect', 'pool2d',
                 '--wheel', str(next((bundles / 'pl' / 'image').glob('*.whl')))]) == 0
    assert json.loads(info.read_text())['uuid'] == uuid
    assert json.loads((info.parent / 'tests' / 'config.json').read_text())['tasks'][0]['name'] == 'pool2d'


def test_the_autograder_command_says_what_is_missing(tmp_path, capsys):
    assert main(['autograder', 'gradescope', '--out', str(tmp_path)]) == 2
    assert 'say what is graded' in capsys.readouterr().err
    assert main(['autograder', 'gradescope', '--out', str(tmp_path), '--expect', 'corr2d',
                 '--visibility', 'soon']) == 2
    assert "--visibility: cannot read 'soon'" in capsys.readouterr().err
    assert not (tmp_path / 'autograder.zip').exists()


# --- Gradescope, run as Gradescope runs it -----------------------------------------------------

EASY = ''.join(RIGHT_EXERCISES[n] for n in list(RIGHT_EXERCISES)[:3])
CLASS = {  # submission: ({file: text}, expected score of 3, what its output must say)
    'right_two_copies': ({f'copy{i}.py': RIGHT_CORR2D[0] + RIGHT_POOL for i in range(2)}, 3.0,
                         'defined in 2 files'),
    'wrong_plus_extras': ({'hw.py': WRONG['flipped'] + EASY}, 0.0, 'the kernel is flipped'),
    'hang': ({'hw.py': 'while True:\n    pass\n'}, 0.0, 'still running after 8 s'),
    'cheat': ({'hw.py': CHEATS['wrap']}, 0.0, 'corr2d'),
    'nothing': ({'notes.txt': 'no code'}, 0.0, 'holds no .py or .ipynb file'),
}
SLOW_CLASS = {  # the same, under `slow` (the regular suite checks these statuses' messages cheaply)
    'empty_file': ({'hw.py': ''}, 0.0, 'defines none of the functions'),
    'crash': ({'hw.py': RIGHT_CORR2D[0] + '1 / 0\n'}, 0.0, 'ZeroDivisionError'),
    'prints': ({'hw.py': 'while True:\n    print("x" * 1000)\n'}, 0.0, 'MB of output'),
}


def _gradescope_root(bundles, root, files, timeout=None):
    (root / 'source').mkdir(parents=True)
    with zipfile.ZipFile(bundles / 'gs' / 'autograder.zip') as z:
        z.extractall(root / 'source')
    shutil.copy2(root / 'source' / 'run_autograder', root / 'run_autograder')
    os.chmod(root / 'run_autograder', 0o755)  # Gradescope copies it and runs it
    if timeout:
        config = json.loads((root / 'source' / 'config.json').read_text())
        (root / 'source' / 'config.json').write_text(json.dumps(dict(config, timeout=timeout)))
    (root / 'submission').mkdir()
    for name, text in files.items():
        (root / 'submission' / name).write_text(text)


def _run_gradescope(root, python=PY):
    env = dict(os.environ, D2L_CH6_AUTOGRADER_ROOT=str(root), D2L_CH6_PYTHON=python)
    proc = subprocess.run([str(root / 'run_autograder')], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    return proc, root / 'results' / 'results.json'


def _run_class(bundles, base, klass):
    for name, (files, _, _) in klass.items():
        _gradescope_root(bundles, base / name, files, timeout=8 if name == 'hang' else None)
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(klass, pool.map(lambda n: _run_gradescope(base / n), klass)))


def _check_class_member(klass, name, proc, path):
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = valid_gradescope(json.loads(path.read_text()))
    _, score, says = klass[name]
    assert data['score'] == score, data
    text = data['output'] + '\n'.join(t['output'] for t in data['tests'])
    assert says in text, text
    if name != 'nothing':
        assert [(t['name'], t['max_score'], t['visibility']) for t in data['tests']] == [
            ('corr2d', 1.0, 'visible'), ('pool2d', 2.0, 'after_due_date')]


@pytest.fixture(scope='module')
def gradescope_class(bundles, tmp_path_factory):
    return _run_class(bundles, tmp_path_factory.mktemp('gradescope'), CLASS)


@pytest.mark.slow   # a class through run_autograder: once, in the whole suite
@pytest.mark.parametrize('name', list(CLASS))
def test_run_autograder_always_writes_valid_results(gradescope_class, name):
    _check_class_member(CLASS, name, *gradescope_class[name])


@pytest.mark.slow
def test_run_autograder_on_an_empty_file_a_crash_and_endless_printing(bundles, tmp_path):
    for name, run in _run_class(bundles, tmp_path, SLOW_CLASS).items():
        _check_class_member(SLOW_CLASS, name, *run)


@pytest.mark.parametrize('status, message, says', [
    ('crashed', 'cannot run hw.py: ZeroDivisionError: division by zero (your line 9)',
     'ZeroDivisionError: division by zero (your line 9)'),
    ('prints forever', 'printed 20.0 MB of output: stopped', 'printed 20.0 MB of output'),
    ('timeout', 'still running after 120 s: stopped (an endless loop?)', 'an endless loop?')])
def test_a_file_that_could_not_run_scores_zero_saying_why(status, message, says):
    """What a student reads when the file could not run, on both platforms (no grading runs)."""
    from d2l_ch6.grading.cli import FileResult
    from d2l_ch6.grading.gradebook import Assignment, score_student
    from d2l_ch6.grading.platforms import results as R
    a = Assignment.select(['corr2d', 'pool2d'])
    student = score_student(a, 's', [FileResult('sub/hw.py', status, 3.0, message)])
    gs = valid_gradescope(R.gradescope(a, student, 'test'))
    assert gs['score'] == 0.0 and says in gs['output'] and 'Fix it and submit again' in gs['output']
    assert all('is not defined in your submission' in t['output'] for t in gs['tests'])
    pl = R.prairielearn(a, student, 'test')
    assert pl['gradable'] is False and says in pl['format_errors'][0]


def test_run_autograder_writes_results_when_its_python_is_broken(bundles, tmp_path):
    _gradescope_root(bundles, tmp_path / 'root', {'hw.py': RIGHT_POOL})
    stale = tmp_path / 'root' / 'results'
    stale.mkdir()
    (stale / 'results.json').write_text('{"score": 100.0}')  # not left from a previous run
    proc, path = _run_gradescope(tmp_path / 'root', python='/bin/false')
    data = valid_gradescope(json.loads(path.read_text()))
    assert proc.returncode == 0 and data['score'] == 0.0
    assert 'could not grade this submission (the grader stopped with status 1)' in data['output']


# --- PrairieLearn, run as PrairieLearn runs it -------------------------------------------------

PL_CLASS = {  # submission: (files, gradable, score)
    'right': ({'submission.py': RIGHT_CORR2D[2]}, True, 1.0),
}
PL_SLOW_CLASS = {
    'nothing': ({}, False, None),
    'wrong_plus_extras': ({'submission.py': WRONG['flipped'] + RIGHT_POOL + EASY}, True, 0.0),
    'crash': ({'submission.py': 'import no_such_module_anywhere\n'}, False, None),
}


def _run_prairielearn(bundles, root, files):
    (root / 'student').mkdir(parents=True)
    (root / 'tests').mkdir()
    (root / 'data').mkdir()
    shutil.copy2(bundles / 'pl' / 'question' / 'tests' / 'config.json', root / 'tests')
    (root / 'data' / 'data.json').write_text('{}')
    for name, text in files.items():
        (root / 'student' / name).write_text(text)
    env = dict(os.environ, D2L_CH6_GRADE_ROOT=str(root), D2L_CH6_PYTHON=PY)
    entry = bundles / 'pl' / 'image' / 'entrypoint.sh'
    proc = subprocess.run([str(entry)], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)
    return proc, root / 'results' / 'results.json'


def _run_pl_class(bundles, base, klass):
    with ThreadPoolExecutor(2) as pool:
        runs = pool.map(lambda n: _run_prairielearn(bundles, base / n, klass[n][0]), klass)
        return dict(zip(klass, runs))


def _check_pl_member(klass, name, proc, path):
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = valid_prairielearn(json.loads(path.read_text()), path)
    _, gradable, score = klass[name]
    assert data['gradable'] is gradable, data
    if gradable:
        assert data['score'] == score and [t['name'] for t in data['tests']] == ['corr2d']
    if name == 'wrong_plus_extras':  # no spoilers: corr2d's contract in words, not its values
        assert 'expected a 2-D array Y of shape' in data['tests'][0]['output']
        assert 'expected array' not in data['tests'][0]['output']
        assert '[[19' not in data['tests'][0]['output']


@pytest.mark.parametrize('name', list(PL_CLASS))
def test_the_entrypoint_creates_results_and_grades_the_student(bundles, tmp_path, name):
    _check_pl_member(PL_CLASS, name, *_run_prairielearn(bundles, tmp_path, PL_CLASS[name][0]))


@pytest.mark.slow
def test_the_entrypoint_on_nothing_a_gaming_submission_and_a_crash(bundles, tmp_path):
    for name, run in _run_pl_class(bundles, tmp_path, PL_SLOW_CLASS).items():
        _check_pl_member(PL_SLOW_CLASS, name, *run)


def test_check_format_creates_the_results_folder(tmp_path):
    """The README's PrairieLearn command: --results in a folder that does not exist yet."""
    (tmp_path / 'student').mkdir()
    (tmp_path / 'student' / 'a.py').write_text('x = 1\n')
    results = tmp_path / 'grade' / 'results' / 'results.json'
    main(['check', str(tmp_path / 'student'), '--format', 'prairielearn', '--results',
          str(results), '--expect', 'corr2d', '--timeout', '60'])
    data = valid_prairielearn(json.loads(results.read_text()), results)
    assert data['gradable'] is True and data['score'] == 0.0


# --- setup.sh for real -------------------------------------------------------------------------

@pytest.mark.slow
def test_setup_sh_then_run_autograder_for_real(bundles, tmp_path):
    """setup.sh as Gradescope runs it, into a scratch root, with this machine's Python 3.11+
    (D2L_CH6_PYTHON: the branch that installs Python on Ubuntu 22.04 is skipped), pip reaching
    PyPI; then run_autograder with the virtual environment it made (no D2L_CH6_PYTHON)."""
    python = next((p for p in ('/usr/bin/python3.11', '/usr/bin/python3.12', '/usr/bin/python3.13')
                   if os.access(p, os.X_OK)), PY)
    root = tmp_path / 'root'
    _gradescope_root(bundles, root, {'hw.py': RIGHT_CORR2D[0] + RIGHT_POOL})
    env = dict(os.environ, D2L_CH6_AUTOGRADER_ROOT=str(root), D2L_CH6_PYTHON=python)
    proc = subprocess.run(['bash', str(root / 'source' / 'setup.sh')], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'setup.sh: ready' in proc.stdout
    env.pop('D2L_CH6_PYTHON')
    run = subprocess.run([str(root / 'run_autograder')], cwd=root, env=env, capture_output=True,
                         text=True, timeout=300)
    data = valid_gradescope(json.loads((root / 'results' / 'results.json').read_text()))
    assert run.returncode == 0 and data['score'] == 3.0, data


def test_setup_sh_fails_loudly_without_its_wheel(bundles, tmp_path):
    root = tmp_path / 'root'
    _gradescope_root(bundles, root, {})
    next((root / 'source').glob('*.whl')).unlink()
    env = dict(os.environ, D2L_CH6_AUTOGRADER_ROOT=str(root), D2L_CH6_PYTHON=PY)
    proc = subprocess.run(['bash', str(root / 'source' / 'setup.sh')], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and 'the wheel' in proc.stderr and 'is missing' in proc.stderr
    assert not (root / 'venv').exists()


@pytest.mark.parametrize('platform', ['gradescope', 'prairielearn'])
def test_a_broken_configuration_still_writes_a_valid_results_file(tmp_path, platform):
    from d2l_ch6.grading.platforms.run import main as run
    (tmp_path / 'config.json').write_text('{"tasks": [{"name": "corr2d", "points": -1}]}')
    (tmp_path / 'submission').mkdir()
    results = tmp_path / 'results' / 'results.json'
    assert run([platform, '--config', str(tmp_path / 'config.json'), '--submission',
                str(tmp_path / 'submission'), '--results', str(results)]) == 0
    data = json.loads(results.read_text())
    if platform == 'gradescope':
        assert valid_gradescope(data)['score'] == 0.0 and 'points of corr2d' in data['output']
    else:
        assert valid_prairielearn(data, results)['gradable'] is False
        assert 'configuration' in data['format_errors'][0]


def test_an_installed_package_repacks_its_own_wheel(bundles, tmp_path):
    """Without a source checkout (a pip install), the bundles' wheel is the installed files that
    RECORD lists, packed again: the same files as the wheel pip built, no build leftovers."""
    built = next((bundles / 'wheel').glob('d2l_ch6-*.whl'))
    site = tmp_path / 'site'
    subprocess.run([PY, '-m', 'pip', 'install', '-q', '--no-deps', '--no-compile', '--target',
                    str(site), str(built)], check=True, capture_output=True, timeout=300)
    env = dict(os.environ, PYTHONPATH=str(site))
    code = ('import sys, d2l_ch6; assert d2l_ch6.__file__.startswith(sys.argv[1]), d2l_ch6.__file__\n'
            'from d2l_ch6.grading.platforms.wheel import build_wheel, source_tree\n'
            'assert source_tree() is None\nprint(build_wheel(sys.argv[2]))')
    proc = subprocess.run([PY, '-c', code, str(site), str(tmp_path / 'out')], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    repacked = pathlib.Path(proc.stdout.strip().splitlines()[-1])
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(repacked) as b:
        files = {n for n in a.namelist() if '.dist-info/' not in n}
        assert {n for n in b.namelist() if '.dist-info/' not in n} == files
        for n in files:
            assert a.read(n) == b.read(n), n
        info = [n for n in b.namelist() if '.dist-info/' in n]
        assert {n.rsplit('/', 1)[1] for n in info} >= {'METADATA', 'WHEEL', 'RECORD'}
        assert 'Name: d2l-ch6' in b.read(next(n for n in info if n.endswith('METADATA'))).decode()


@pytest.mark.parametrize('lacking', [dict(namespaces=False), dict(root=False)])
def test_a_platform_container_that_cannot_confine_grades_and_says_so(tmp_path, monkeypatch, lacking):
    """No namespaces or no root in the platform's container: the file is still graded, with the
    limits only, and the results' output says the platform's container is the only confinement."""
    from d2l_ch6.grading import sandbox as sandbox_module
    from d2l_ch6.grading.gradebook import Assignment
    from d2l_ch6.grading.platforms.run import grade_submission
    found = dict(sandbox_module.probe(), **lacking)
    monkeypatch.setattr(sandbox_module, 'probe', lambda found=found: found)
    submission = tmp_path / 'submission'
    submission.mkdir()
    (submission / 'hw.py').write_text(RIGHT_CORR2D[0])
    data = grade_submission('gradescope', Assignment.select(['corr2d']), submission)
    valid_gradescope(data)
    assert data['score'] == 1.0, data
    last = data['output'].splitlines()[-1]
    assert "isolation: the platform's container of this submission only" in last, last
    assert 'TRUSTED, not confined' in last, last
