"""The notebooks' first cell on a stand-in Colab: it never ends in a pip error, and says what it does.

The cell runs as a kernel would run it (``exec`` of its code, no magics), with
``google.colab`` a stand-in module whose ``files.upload()`` returns what a
reader chose, pip replaced by a recorder (``subprocess.run``), and d2l_ch6
absent until that pip "installs" it.
"""
import contextlib
import importlib.util
import io
import subprocess
import sys
import types

import nbformat
import pytest

from d2l_ch6 import colab
from d2l_ch6.publishing import runner as nbrun

WHEEL = 'd2l_ch6-0.1.0-py3-none-any.whl'


class Colab:
    """A stand-in Colab: the uploads a reader makes, the pip commands run, pip's exit codes."""

    def __init__(self, monkeypatch, uploads=(), pip_codes=()):
        self.uploads, self.pip_codes = list(uploads), list(pip_codes)
        self.pip, self.installed = [], False
        files = types.SimpleNamespace(upload=self.upload)
        google = types.ModuleType('google')
        google.colab = types.ModuleType('google.colab')
        google.colab.files = files
        monkeypatch.setitem(sys.modules, 'google', google)
        monkeypatch.setitem(sys.modules, 'google.colab', google.colab)
        find_spec = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: (
            None if name in ('d2l_ch6', 'd2l_ch6_startup') and not self.installed
            else find_spec(name, *a)))
        monkeypatch.setattr(subprocess, 'run', self.run)

    def upload(self):
        return self.uploads.pop(0)

    def run(self, argv, *args, **kwargs):
        self.pip.append(argv[argv.index('install') + 1:])
        code = self.pip_codes.pop(0) if self.pip_codes else 0
        if code == 0 and argv[-1] not in ('d2l==1.0.3',):
            self.installed = True
        return subprocess.CompletedProcess(argv, code)


def run_cell(code):
    """Execute a cell's code as a kernel does; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, 'first cell', 'exec'), {'__name__': '__main__'})
    return out.getvalue()


PINS = ['-q', '--no-deps', 'mxnet==1.9.1', 'd2l==1.0.3']


def test_with_nothing_configured_the_cell_asks_for_the_wheel_and_installs_it(monkeypatch,
                                                                           tmp_path):
    """The cell used to pip install git+https://github.com/YOUR-COURSE/d2l-ch6: a pip error."""
    fake = Colab(monkeypatch, uploads=[{WHEEL.replace('.whl', ' (1).whl'): b'wheel bytes'}])
    printed = run_cell(colab.COLAB_CELL)
    assert 'd2l-ch6 is installed from its wheel, d2l_ch6-*.whl' in printed
    assert '`d2l-ch6 notebooks --colab-source URL --copy DIR`' in printed
    assert fake.pip == [PINS, ['-q', f'/tmp/{WHEEL}']]      # Colab's " (1)" removed for pip
    with open(f'/tmp/{WHEEL}', 'rb') as f:
        assert f.read() == b'wheel bytes'
    assert f'installing d2l-ch6 from /tmp/{WHEEL}' in printed
    assert printed.rstrip().endswith('d2l-ch6 is installed: run the next cells')
    assert run_cell(colab.COLAB_CELL) == ''           # run again: installed, nothing to do
    assert len(fake.pip) == 2


def test_no_wheel_chosen_and_a_failing_pip_are_said_in_words(monkeypatch):
    fake = Colab(monkeypatch, uploads=[{}, {'notes.txt': b'x'}])
    for _ in range(2):
        printed = run_cell(colab.COLAB_CELL)
        assert printed.rstrip().endswith('no .whl file was chosen, so nothing was installed: '
                                         'run this cell again and choose d2l_ch6-*.whl')
    assert fake.pip == []
    fake = Colab(monkeypatch, pip_codes=[0, 1])
    printed = run_cell(colab.colab_cell('https://example.org/d2l_ch6.whl'))
    assert fake.pip == [PINS, ['-q', 'https://example.org/d2l_ch6.whl']]
    assert printed.rstrip().endswith(
        "pip could not install https://example.org/d2l_ch6.whl (its message is above): check the "
        "URL or file, or set SOURCE = '' and run this cell again to upload the wheel")


def test_elsewhere_the_cell_does_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, 'google.colab', raising=False)
    monkeypatch.setattr(subprocess, 'run', lambda *a, **k: pytest.fail('ran pip outside Colab'))
    assert run_cell(colab.COLAB_CELL) == ''


def test_a_course_sets_its_source_once_for_the_six_notebooks(monkeypatch, tmp_path, capsys):
    """`d2l-ch6 notebooks --colab-source URL --copy DIR`: six notebooks whose first cell installs URL."""
    from d2l_ch6.__main__ import main
    url = 'git+https://github.com/my-course/d2l-ch6@v1'
    assert main(['notebooks', '--copy', str(tmp_path / 'course'), '--colab-source', url]) == 0
    assert f'wrote 6 notebook(s) to {tmp_path / "course"}' in capsys.readouterr().out
    copies = sorted((tmp_path / 'course').glob('*.ipynb'))
    sources = nbrun.find_notebooks(notebook_dir=nbrun.default_notebook_dir())
    assert [p.name for p in copies] == sorted(p.name for p in sources)
    for copy, source in zip(copies, sorted(sources)):
        mine, theirs = (nbformat.read(p, as_version=4) for p in (copy, source))
        k = next(i for i, c in enumerate(mine.cells) if c.cell_type == 'code')
        assert theirs.cells[k].source == colab.COLAB_CELL
        assert ([c.source for i, c in enumerate(mine.cells) if i != k]
                == [c.source for i, c in enumerate(theirs.cells) if i != k])
        first = mine.cells[k].source
        assert first == colab.colab_cell(url)
        fake = Colab(monkeypatch)
        printed = run_cell(first)
        assert fake.pip == [PINS, ['-q', url]] and f'installing d2l-ch6 from {url}' in printed
    # A reader's copies are never overwritten unasked; --force replaces them.
    assert main(['notebooks', '--copy', str(tmp_path / 'course')]) == 2
    assert 'already holds 6.1-from-dense-layers-to-convolutions.ipynb' in capsys.readouterr().err
    assert nbformat.read(copies[0], as_version=4).cells[k].source == colab.colab_cell(url)
    assert main(['notebooks', '--copy', str(tmp_path / 'course'), '--force']) == 0
    assert nbformat.read(copies[0], as_version=4).cells[k].source == colab.COLAB_CELL


@pytest.mark.parametrize('source', ['two\nlines', ' padded', 3])
def test_a_source_that_cannot_be_one_line_is_refused(source):
    with pytest.raises(ValueError, match='colab_source must be a URL, a path or a requirement'):
        colab.colab_cell(source)


def test_colab_source_without_copy_is_a_usage_error(capsys):
    from d2l_ch6.__main__ import main
    assert main(['notebooks', '--colab-source', 'https://example.org/x.whl']) == 2
    assert '--colab-source and --force go with --copy DIR' in capsys.readouterr().err
