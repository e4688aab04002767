"""The grader against hostile and honest submissions, written as students would write them.

Each cheat, damage and loss of issue 19 is a file here (``CHEATS``), and each
of issue 26 a file in ``tests/hostile/`` (a teacher can grade them by hand:
``d2l-ch6 check tests/hostile/``); all are graded in one run. The old
graders gave them a PASS, cost other files their grades or lost the class's
report. The book's own listings, typed in as printed
(``shared/book/chapter6.md``), pass every required case.
"""
import csv
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from d2l_ch6 import check
from d2l_ch6.grading.cli import grade_files, neutral, safe
from d2l_ch6.grading.sandbox import probe
from d2l_ch6.grading import sandbox as sandbox_module
from grading_sources import BOOK_LISTINGS, RIGHT_CORR2D, workers

BOOK = pathlib.Path(__file__).resolve().parents[1] / '..' / 'shared' / 'book' / 'chapter6.md'
HOSTILE = pathlib.Path(__file__).resolve().parent / 'hostile'
CONFINED = pytest.mark.skipif(not probe()['namespaces'], reason='no root and namespaces here')
# The hostile set graded in one run (about 50 files, minutes): the whole suite's, not the quick
# suite's, which runs on every other Python too (the parts that differ by Python, the student
# runtime's stubs and the parent's reading, have quick tests of their own below).
SLOW = pytest.mark.slow

RIGHT = RIGHT_CORR2D[0]
POOL2D = 'from mxnet import np\n' + BOOK_LISTINGS['pool2d']

WRONG_CORR2D = RIGHT.replace('K).sum()', 'K[::-1, ::-1]).sum()')

CHEATS = {
    # writes a forged results file where the old worker wrote its own, then leaves
    'forge_results.py': '''
import json, os, sys
forged = {"status": "graded", "functions": {"corr2d": []}}
for path in sys.argv[1:] + ["grades.json"]:  # the old worker's results file was its last argument
    try:
        json.dump([{"name": "corr2d", "exercise": None, "passed": True, "note": "", "cases": []}],
                  open(path, "w"))
    except OSError:
        pass
for fd in range(3, 64):  # and every pipe it may have been given
    try:
        os.write(fd, json.dumps(forged).encode())
    except OSError:
        pass
os._exit(0)
''',
    # patches the grader's verdict module so that everything passes
    'patch_grader.py': '''
import sys, types
fake = types.ModuleType("d2l_ch6.grading.verdict")
fake.judge_case = lambda *a, **k: None
sys.modules["d2l_ch6.grading.verdict"] = sys.modules["d2l_ch6.check"] = fake
def corr2d(X, K):
    return X
''',
    # calls the package's own answer
    'wrap_package.py': '''
import d2l_ch6
def corr2d(X, K):
    return d2l_ch6.corr2d(X, K)
''',
    'partial_package.py': '''
import functools, d2l_ch6
corr2d = functools.partial(d2l_ch6.corr2d_fast)
''',
    'lambda_package.py': '''
import d2l_ch6
corr2d = lambda X, K: d2l_ch6.corr2d(X, K)
''',
    # walks up the stack to find the expected value
    'stack_walk.py': '''
import sys
def corr2d(X, K):
    f = sys._getframe(1)
    while f is not None:
        for v in list(f.f_locals.values()):
            if hasattr(v, "want"):
                return v.want((X, K))
        f = f.f_back
    return X
''',
    # computes the answer with the grader's own references or registry
    'references.py': '''
from d2l_ch6.grading.references import ref_corr2d
def corr2d(X, K):
    return ref_corr2d(X, K)
''',
    'registry.py': '''
from d2l_ch6.grading import cases
def corr2d(X, K):
    return cases.ref_corr2d(X, K)
''',
    # an object equal to everything
    'always_equal.py': '''
class Yes:
    def __eq__(self, other):
        return True
def receptive_field(num_layers, k):
    return Yes()
''',
    # leaves a daemon that rewrites the teacher's reports later
    'daemon.py': '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
        for name in ("grades.csv", "grades.json"):
            for root in ("/tmp", os.path.expanduser("~")):
                try:
                    open(os.path.join(root, name), "w").write("hacked")
                except OSError:
                    pass
        open("/tmp/d2l_ch6_daemon_was_here", "w").write("x")
    os._exit(0)
def corr2d(X, K):
    return X
''',
    # reads the network
    'network.py': '''
import socket
s = socket.socket()
s.settimeout(2)
s.connect(("127.0.0.1", 22))
def corr2d(X, K):
    return X
''',
    # a neighbour that would shadow the package for later files
    # overwrites the other students' files: in its folder, and in the grader's (via /proc)
    'overwrite.py': '''
import glob, os
places = [".", "..", os.path.expanduser("~")]
for pid in ("self", str(os.getppid())):
    for link in ("cwd", "root"):
        try:
            places.append(os.readlink(f"/proc/{pid}/{link}"))
        except OSError:
            pass
for place in places:
    for path in glob.glob(os.path.join(place, "**", "*.py"), recursive=True)[:200]:
        try:
            open(path, "w").write("def corr2d(X, K):\\n    return X\\n")
        except OSError:
            pass
def corr2d(X, K):
    return X
''',
    'd2l_ch6.py': '''
def check(*a, **k):
    return True
''',
}


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp('hostile')
    (folder / 'a_right.py').write_text(RIGHT)
    for name, text in CHEATS.items():
        (folder / name).write_text(text)
    (folder / 'z_after_shadow.py').write_text(RIGHT)
    (folder / 'UPPER.PY').write_text(RIGHT)
    (folder / 'alice').mkdir()
    (folder / 'alice' / 'hw.py').write_text(RIGHT)
    (folder / 'passwd.py').symlink_to('/etc/passwd')
    (folder / 'dangling.py').symlink_to(folder / 'nothing-here.py')
    (folder / 'folder.py').mkdir()
    (folder / '=cmd|calc.py').write_text('raise RuntimeError("=HYPERLINK(1)")\n')
    (folder / 'fake\nPASS corr2d (10 of 10).py').write_text(RIGHT)
    import nbformat  # a whole 6.5 notebook: later cells rebind pool2d to a Gluon layer
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(POOL2D), nbformat.v4.new_code_cell(
        'from mxnet.gluon import nn\npool2d = nn.MaxPool2D(3, padding=1, strides=2)')])
    nbformat.write(nb, folder / 'rebound.ipynb')
    # a notebook that rewrites every later cell, and leaves an IPython startup file behind
    rewrite = ("ip = get_ipython()\n"
               "ip.input_transformers_post.append(lambda lines: ['corr2d = lambda X, K: X\\n'])\n"
               "import os\n"
               "d = os.path.expanduser('~/.ipython/profile_default/startup')\n"
               "os.makedirs(d, exist_ok=True)\n"
               "open(os.path.join(d, '00-pass.py'), 'w').write('corr2d = None\\n')\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WRONG_CORR2D),
                                         nbformat.v4.new_code_cell(rewrite),
                                         nbformat.v4.new_code_cell('x = 1')])
    nbformat.write(nb, folder / 'transformer.ipynb')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RIGHT)])
    nbformat.write(nb, folder / 'zz_later.ipynb')
    return folder


@pytest.fixture(scope='module')
def listener():
    """A TCP port listening on this machine: the network cheat must not reach it."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope='module')
def graded(hostile, listener):
    pathlib.Path('/tmp/d2l_ch6_daemon_was_here').unlink(missing_ok=True)
    shutil.copytree(HOSTILE, hostile, dirs_exist_ok=True)
    results = grade_files([hostile], timeout=60, jobs=2)
    return {pathlib.Path(r.path).relative_to(hostile).as_posix(): r for r in results}


def _passed_functions(result):
    return [c.name for c in result.results if c.passed]


@SLOW
def test_the_honest_submissions_pass(graded):
    for name in ('a_right.py', 'z_after_shadow.py', 'UPPER.PY', 'alice/hw.py', 'rebound.ipynb',
                 'zz_later.ipynb'):
        assert graded[name].passed, (name, graded[name])
    assert [c.name for c in graded['rebound.ipynb'].results] == ['pool2d']


@pytest.mark.parametrize('name', ['forge_results.py', 'patch_grader.py', 'wrap_package.py',
                                  'partial_package.py', 'lambda_package.py', 'stack_walk.py',
                                  'references.py', 'registry.py',
                                  'always_equal.py', 'daemon.py', 'network.py', 'd2l_ch6.py',
                                  'overwrite.py', 'transformer.ipynb'])
@SLOW
def test_no_cheat_passes(graded, name):
    assert not graded[name].passed, graded[name]


@SLOW
def test_no_submission_touches_another(hostile, graded):
    assert (hostile / 'a_right.py').read_text() == RIGHT
    assert (hostile / 'z_after_shadow.py').read_text() == RIGHT
    assert (hostile / 'alice' / 'hw.py').read_text() == RIGHT


@SLOW
def test_the_package_answer_is_named(graded):
    for name in ('wrap_package.py', 'partial_package.py', 'lambda_package.py'):
        hints = {x.hint for c in graded[name].results for x in c.results}
        assert any("uses d2l_ch6's own answer" in h for h in hints), graded[name]


@SLOW
def test_plain_data_only(graded):
    cases = graded['always_equal.py'].results[0].results
    assert all(x.status == 'fail' and 'returned a Yes' in x.got for x in cases)


@SLOW
def test_forged_results_are_not_results(graded):
    assert graded['forge_results.py'].status == 'crashed'
    assert 'no results' in graded['forge_results.py'].message





def ours():
    """The grading workers alive on this machine that run as a user of this grader's children
    (other processes on the machine may be grading at the same time)."""
    found = []
    for pid in workers():
        try:
            uid = int(pathlib.Path(f'/proc/{pid}/status').read_text().split('Uid:')[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        if sandbox_module.UID_BASE <= uid < sandbox_module.UID_BASE + 1000:
            found.append(pid)
    return found


@SLOW
@CONFINED
def test_daemons_end_with_the_file(graded):
    """daemon.py leaves a setsid grandchild sleeping 30 s; it ended with its file."""
    assert graded['daemon.py'].ran
    assert ours() == []
    assert not pathlib.Path('/tmp/d2l_ch6_daemon_was_here').exists()


@SLOW
@CONFINED
def test_no_network(graded, listener):
    """network.py connects to every listening port it sees: none, in its own network namespace."""
    message = graded['network.py'].message
    assert graded['network.py'].status == 'crashed'
    assert 'no connection' in message and 'connected to port' not in message, message


@SLOW
def test_every_path_gets_a_row(graded):
    assert graded['passwd.py'].status == 'unreadable' and 'link' in graded['passwd.py'].message
    assert 'root:' not in graded['passwd.py'].message
    assert graded['dangling.py'].status == 'unreadable'
    assert graded['folder.py'].status == 'unreadable'


@SLOW
def test_names_and_cells_cannot_fake_lines_or_formulas(graded, tmp_path):
    fake = next(r for n, r in graded.items() if n.startswith('fake'))
    from d2l_ch6.grading.cli import csv_text, format_file
    assert '\n' not in format_file(fake).splitlines()[0]
    assert format_file(fake).splitlines()[0].startswith(safe(fake.path))
    assert '\\n' in format_file(fake).splitlines()[0]
    rows = list(csv.reader(csv_text(list(graded.values())).splitlines()))
    assert not any(cell[:1] in ('=', '+', '-', '@') for row in rows for cell in row)
    assert neutral('=1+1') == "'=1+1" and neutral('abc') == 'abc'


def test_check_command_checks_paths_first(tmp_path, capsys):
    from d2l_ch6.__main__ import main
    (tmp_path / 'a.py').write_text(RIGHT)
    assert main(['check', str(tmp_path / 'a.py'), '--report', '/nonexistent/x.csv']) == 2
    assert 'does not exist' in capsys.readouterr().err
    assert main(['check', str(tmp_path / 'a.py'), '--json', str(tmp_path)]) == 2
    assert main(['check', str(tmp_path / 'a.py'), '--timeout', 'inf']) == 2
    assert 'timeout must be a positive number of seconds, got inf' in capsys.readouterr().err


# --- the book's code, typed in as printed -------------------------------------------------------
# Each listing as chapter6.md prints it (corr2d_multi_in_out_1x1 is split by a page break in the
# extracted text; here it is whole). test_the_listings_are_the_books holds them to the book's text.




def _words(text):
    return ' '.join(text.split())


def test_the_listings_are_the_books():
    if not BOOK.is_file():
        pytest.skip(f'the book text is not at {BOOK}')
    book = _words(BOOK.read_text())
    for name, listing in BOOK_LISTINGS.items():
        if name == 'corr2d_multi_in_out_1x1':  # split by the page break: its two halves
            head, tail = listing.split('    X = X.reshape', 1)
            assert _words(head) in book and _words('X = X.reshape' + tail) in book
        else:
            assert _words(listing) in book, name


@pytest.fixture(scope='module')
def book_namespace():
    """The listings run where the book runs them: `d2l` is d2l 1.0's d2l.mxnet (the book's
    `import d2l` of its own 0.x package)."""
    from d2l import mxnet as d2l
    from mxnet import autograd, np, npx  # noqa: F401
    from mxnet.gluon import nn
    ns = {'np': np, 'npx': npx, 'nn': nn, 'd2l': d2l, 'autograd': autograd}
    for listing in BOOK_LISTINGS.values():
        exec(listing, ns)
    return ns


@pytest.mark.parametrize('name', list(BOOK_LISTINGS))
def test_the_books_listings_pass(book_namespace, name):
    result = check(book_namespace[name], name=name)
    assert result.passed, repr(result)
    assert result.failures == []
    if name in ('corr2d', 'pool2d'):  # the book does not check its input: advice, not failure
        assert len(result.advice) == 1 and 'bad input' in result.advice[0][1]


# --- issue 26: the answers out of reach, one file never costs another its grade ---------------

HONEST = ('0_threads_neighbour.py', 'check_result.py', 'with space/bob/hw.py', 'withheld_cell.ipynb')
NO_IMPLEMENTATION = ['meta_path_references.py', 'meta_path_cases.py', 'references_from_disk.py',
                     'copy_wrapped_code.py', 'siblings.py', 'gc_forge.py',
                     'constant_compare_1x1.py', 'returned_autograd_error.py', 'zero_weights.py',
                     'bool_for_int.py', 'with space/alice/snoop.py', 'book_package.py',
                     'grader_helpers.py', 'layer_does_the_work.py', 'lenet_without_a_network.py']


@SLOW
def test_the_hostile_set_is_every_file_of_tests_hostile(graded):
    files = {p.relative_to(HOSTILE).as_posix() for p in HOSTILE.rglob('*.*')} - {'README.md'}
    assert files <= set(graded) and len(files) == 27


@SLOW
def test_honest_files_pass_beside_the_hostile_ones(graded):
    """0_threads_neighbour.py starts threads while 0_thread_hog.py holds 255: its own user, its own limit."""
    for name in HONEST:
        assert graded[name].passed, (name, graded[name])


@SLOW
@pytest.mark.parametrize('name', NO_IMPLEMENTATION)
def test_no_function_passes_without_an_implementation(graded, name):
    passed = [c.name for c in graded[name].results if c.passed]
    assert passed == [], (name, graded[name])


@SLOW
def test_the_cheats_find_nothing_to_compute_with(graded):
    """No grader module to import, no reference on disk, only stubs of the package's answers."""
    for name in ('meta_path_references.py', 'meta_path_cases.py'):
        assert graded[name].status == 'crashed', graded[name]
        assert 'ImportError' in graded[name].message or 'ModuleNotFound' in graded[name].message
    assert graded['references_from_disk.py'].message == 'defines none of the checked functions'
    for name in ('copy_wrapped_code.py', 'siblings.py'):
        hints = {x.hint for c in graded[name].results for x in c.results}
        assert any("uses d2l_ch6's own answer" in h for h in hints), graded[name]


@SLOW
def test_answers_that_do_no_work_fail(graded):
    for name, function in (('constant_compare_1x1.py', 'compare_1x1'),
                           ('returned_autograd_error.py', 'conv2d_autograd_error'),
                           ('zero_weights.py', 'comp_conv2d'), ('bool_for_int.py', 'receptive_field')):
        assert [c.name for c in graded[name].results] == [function], graded[name]
    layers = graded['layer_does_the_work.py'].results
    assert [c.name for c in layers] == ['conv1x1_as_dense', 'avg_pool_as_conv'], layers
    assert all(x.got.startswith('Refused: ') for c in layers for x in c.results), layers
    field = graded['bool_for_int.py'].results[0].results
    assert [x.status for x in field] == ['pass', 'pass', 'pass', 'fail']  # True is not 1


@SLOW
def test_damaged_messages_are_one_files_crash(graded):
    for name, why in (('nested_results.py', 'nested more than 64 deep'),
                      ('deep_value.py', 'nested more than 64 deep'),
                      ('wrong_shape.py', "unknown shape for 'corr2d'")):
        assert graded[name].status == 'crashed' and why in graded[name].message, graded[name]


@pytest.mark.parametrize('data, why', [
    (b'[' * 100000 + b']' * 100000, 'nested more than 64 deep'),
    (b'{"nonce": "n", "status": "graded", "functions": {"corr2d": [{"error": "x"}]}}', 'unknown shape'),
    (b'{"nonce": "n", "status": "graded", "functions": {"corr2d": [{"value": 1, "seconds": "x"}]}}',
     'unknown shape'),
    (b'{"nonce": "n", "status": "graded", "functions": {"corr2d": [{"value": 1, "error": {}}]}}',
     'unknown shape'),
    (b'{"nonce": "n", "s": "' + b'[' * 1000 + b'"}', 'unknown shape'),  # brackets in a string: text
    (b'"' + b'\\"' * 10 ** 6, 'not JSON')])  # an unterminated string of escapes: read in linear time
def test_the_parent_reads_any_bytes_without_raising_anything_else(data, why):
    from d2l_ch6.grading.parent import _parse_results
    with pytest.raises(ValueError, match=why):
        _parse_results(data, 'n')


@SLOW
@CONFINED
def test_a_child_writes_only_its_own_bounded_tmpfs(graded):
    """fill_disk.py writes until every place is full: 256 + 128 + 64 MiB at most, none of it ours."""
    message = graded['fill_disk.py'].message
    written = int(message.split('wrote ')[1].split(' MiB')[0])
    assert 0 < written <= 256 + 128 + 64, message


@SLOW
@CONFINED
def test_no_writable_place_is_shared(graded):
    assert graded['read_shared.py'].ran, graded['read_shared.py']
    for place in ('/run/lock', '/var/lock', '/tmp', '/var/tmp', '/dev/shm'):
        assert not os.path.exists(os.path.join(place, 'd2l_ch6_planted')), place


@SLOW
@CONFINED
def test_a_regrade_of_one_file_hides_its_neighbours(hostile, graded):
    """Graded alone, alice/snoop.py still finds no hw.py: not bob's, not anyone's."""
    (result,) = grade_files([hostile / 'with space' / 'alice' / 'snoop.py'], timeout=60)
    assert result.ran and 'read a neighbour' not in result.message, result


def test_links_and_oversized_files_get_a_row(tmp_path):
    """A linked student folder is a row; a 1 GiB sparse .py is refused by its size, not copied."""
    (tmp_path / 'class').mkdir()
    (tmp_path / 'elsewhere').mkdir()
    (tmp_path / 'class' / 'carol').symlink_to(tmp_path / 'elsewhere')
    with open(tmp_path / 'class' / 'huge.py', 'wb') as f:
        f.truncate(2 ** 30)
    start = time.perf_counter()
    results = {pathlib.Path(r.path).name: r for r in grade_files([tmp_path / 'class'], timeout=60)}
    assert time.perf_counter() - start < 10
    assert results['carol'].status == 'unreadable' and 'link' in results['carol'].message
    assert results['huge.py'].status == 'unreadable' and 'too large' in results['huge.py'].message


def test_without_the_confinement_untrusted_files_are_refused(tmp_path, monkeypatch, capsys):
    """Not root, or no namespaces: refused with what is missing, unless --trusted."""
    from d2l_ch6.__main__ import main
    (tmp_path / 'a.py').write_text('x = 1\n')
    for lacking, words in ((dict(root=False), 'root'), (dict(namespaces=False), 'namespaces')):
        found = dict(probe(), **lacking)
        monkeypatch.setattr(sandbox_module, 'probe', lambda found=found: found)
        assert main(['check', str(tmp_path / 'a.py')]) == 2
        err = capsys.readouterr().err
        assert f'missing {words}' in err and 'CAP_SYS_ADMIN' in err and '--trusted' in err
        with pytest.raises(PermissionError, match='--trusted'):
            grade_files([tmp_path / 'a.py'])
    assert main(['check', str(tmp_path / 'a.py'), '--trusted']) == 1  # graded: defines nothing
    assert 'TRUSTED, not confined' in capsys.readouterr().out


@CONFINED
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_every_child_and_its_folder(tmp_path, signum):
    (tmp_path / 'hang.py').write_text('import time\nwhile True:\n    time.sleep(1)\n')
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=str(HOSTILE.parents[1]))
    proc = subprocess.Popen([sys.executable, '-m', 'd2l_ch6', 'check', str(tmp_path / 'hang.py')],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob('d2l-ch6-check-*/job/root')):
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and signal.Signals(signum).name in err, err
    assert not list(tmp_path.glob('d2l-ch6-*')) and ours() == []


def test_the_reports_are_written_together_or_not_at_all(tmp_path):
    """A full disk while the JSON is written: the CSV is not renamed either, both keep the last
    whole copy (same files), no temporary file stays, and the next file's write tries again."""
    if os.geteuid() != 0:
        pytest.skip('needs root to mount a small tmpfs')
    import argparse
    from d2l_ch6.grading.cli import FileResult, _Reports
    disk = tmp_path / 'disk'
    disk.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(disk)]).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        args = argparse.Namespace(report=str(disk / 'grades.csv'), json=str(disk / 'grades.json'),
                                  html=None, format=None, results=None, expect=None)
        reports = _Reports(args, 'test')
        reports.add(FileResult('a.py', 'crashed', 1.0, 'short'))
        reports.add(FileResult('b.py', 'crashed', 1.0, 'x' * 50000))  # the JSON no longer fits
        assert reports.error is not None and reports.written == 1
        rows = list(csv.DictReader((disk / 'grades.csv').open()))
        import json
        files = json.loads((disk / 'grades.json').read_text())['files']
        assert [r['file'] for r in rows] == [f['path'] for f in files] == ['a.py']
        assert sorted(p.name for p in disk.iterdir()) == ['grades.csv', 'grades.json']
        reports.done.pop()  # room again: the next write is whole
        reports.add(FileResult('c.py', 'crashed', 1.0, 'short'))
        assert reports.error is None and reports.written == 2
        assert [r['file'] for r in csv.DictReader((disk / 'grades.csv').open())] == ['a.py', 'c.py']
    finally:
        subprocess.run(['umount', str(disk)])


def test_the_student_runtime_withholds_every_graded_name_and_its_siblings(tmp_path):
    """Every name of the registry's views, and every function or class of the modules holding
    answers (corr2d_fast, corr2d_matmul, min_pool2d, get_model, ...) but the few kept, is a stub
    that raises Withheld in the runtime; the cases, references, hints and verdict are not on its disk."""
    import importlib
    import inspect
    import json
    from d2l_ch6.grading import runtime
    from d2l_ch6.grading.cases import ALIASES, TARGETS
    names = set(TARGETS) - {'net'} | set(ALIASES)
    for module in runtime.ANSWER_MODULES:
        mod = importlib.import_module('d2l_ch6.' + module[:-3].replace('/__init__', '').replace('/', '.'))
        names |= {n for n, v in vars(mod).items() if (inspect.isfunction(v) or inspect.isclass(v))
                  and getattr(v, '__module__', '') == mod.__name__ and not runtime._is_kept(n)}
    folder = runtime.build(tmp_path)
    assert sorted(p.name for p in (folder / 'grading').iterdir()) == ['__init__.py', 'calls.py',
                                                                    'worker.py']
    text = ''.join(p.read_text() for p in folder.rglob('*.py'))
    assert 'def ref_corr2d' not in text and 'einsum' not in text and 'sliding_window' not in text
    probe_code = '''
import inspect, json, sys
sys.path.insert(0, sys.argv[1])
import d2l_ch6
import d2l_ch6.training.bookkeeping, d2l_ch6.training.model, d2l_ch6.training.channel_pad
out = {}
for name in json.loads(sys.argv[2]):
    obj = None
    for m in [m for k, m in list(sys.modules.items()) if k.startswith('d2l_ch6')]:
        obj = getattr(m, name, None)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            break
    def stub(fn):
        return inspect.isfunction(fn) and fn.__code__.co_names == ('_D2L_Withheld',)
    if inspect.isclass(obj):
        methods = [v for v in vars(obj).values() if inspect.isfunction(v)]
        out[name] = 'stub' if methods and all(stub(m) for m in methods) else 'implementation'
    else:
        out[name] = 'stub' if stub(obj) else 'implementation'
print(json.dumps(out))
'''
    done = subprocess.run([sys.executable, '-I', '-c', probe_code, str(tmp_path),
                           json.dumps(sorted(names))], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, D2L_CH6_GRADING_CHILD='1'))
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.splitlines()[-1])
    assert len(got) >= 100 and {n for n, what in got.items() if what != 'stub'} == set(), got


def test_the_confinement_script_passes_shellcheck_and_ships_with_the_package():
    if shutil.which('shellcheck') is None:
        pytest.skip('shellcheck is not installed')
    done = subprocess.run(['shellcheck', str(sandbox_module.CONFINE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    setup = (HOSTILE.parents[1] / 'setup.cfg').read_text()
    assert 'd2l_ch6.grading = confine.sh' in setup


def test_two_graders_at_once_never_share_a_childs_user(tmp_path):
    """A slot (the child's user, UID_BASE + slot) is held machine-wide: a second grader process
    gets another one while the first holds its slot (whatever else grades on the machine)."""
    from d2l_ch6.grading import parent
    other = ('from d2l_ch6.grading.parent import _slot\n'
             'with _slot() as n:\n    print(n)\n')
    run = lambda: int(subprocess.run([sys.executable, '-c', other], capture_output=True,
                                      text=True, check=True, timeout=120).stdout)
    with parent._slot() as mine:
        with parent._slot() as second:      # a second job of this grader
            assert second != mine
            assert run() not in (mine, second)


NO_SETUID = '''
def _confined():
    status = open('/proc/self/status').read()
    assert 'NoNewPrivs:\\t1' in status, 'no_new_privs is not set'
    for line in open('/proc/self/mountinfo'):
        fields = line.split()
        if fields[4] in ('/usr', '/etc', '/'):
            assert 'nosuid' in fields[5], f'{fields[4]} is mounted {fields[5]}'


def receptive_field(num_layers, k):
    _confined()
    return 1 + num_layers * (k - 1)
'''


@CONFINED
def test_the_child_cannot_gain_privileges_through_setuid_programs(tmp_path):
    """The system's setuid programs (su, mount, passwd...) are no way up: the child's system mounts
    are nosuid and it runs with no_new_privs (a file checks both from inside, then answers)."""
    (tmp_path / 'hw.py').write_text(NO_SETUID)
    (result,) = grade_files([tmp_path / 'hw.py'], timeout=60)
    assert result.passed, result
