"""`make setup`'s choice of Python (scripts/find-python.sh): a supported one, or a clear stop.

The interpreters are fakes (shell scripts that answer the version probe), on
a PATH that holds nothing else, so the tests do not depend on the machine's
Pythons and take a second.
"""
import configparser
import os
import pathlib
import shutil
import subprocess
import time

import pytest

from d2l_ch6 import doctor

REPO = pathlib.Path(__file__).resolve().parent.parent
MAKE = shutil.which('make')
pytestmark = pytest.mark.skipif(MAKE is None, reason='needs make')


def fake_python(folder, name, version, venv=True):
    """Write an executable that reports Python `version` and whether venv/ensurepip import."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text('#!/bin/sh\n'
                    'case "$*" in\n'
                    f'  *ensurepip*) exit {0 if venv else 1} ;;\n'
                    f'  *version_info*) echo "{version}" ;;\n'
                    '  *) exit 3 ;;\n'
                    'esac\n')
    path.chmod(0o755)
    return path


def make(args, tmp_path, cwd=REPO):
    """Run make with a PATH of fakes only (tmp_path/bin) and an empty pyenv root."""
    env = {'PATH': str(tmp_path / 'bin'), 'HOME': str(tmp_path / 'home'),
           'PYENV_ROOT': str(tmp_path / 'pyenv')}
    start = time.perf_counter()
    out = subprocess.run([MAKE, '-s', '--no-print-directory', *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=60)
    out.seconds = time.perf_counter() - start
    return out


def test_the_newest_supported_python_on_path_is_chosen(tmp_path):
    fake_python(tmp_path / 'bin', 'python3', '3.11')
    fake_python(tmp_path / 'bin', 'python3.14', '3.14')                 # not tested yet
    fake_python(tmp_path / 'bin', 'python3.13', '3.13', venv=False)    # Debian without -venv
    chosen = fake_python(tmp_path / 'bin', 'python3.12', '3.12')
    out = make(['python'], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(chosen)


def test_on_a_tie_path_wins_over_pyenv(tmp_path):
    chosen = fake_python(tmp_path / 'bin', 'python3', '3.12')
    fake_python(tmp_path / 'pyenv' / 'versions' / '3.12.1' / 'bin', 'python', '3.12')
    assert make(['python'], tmp_path).stdout.strip() == str(chosen)


def test_a_newer_pyenv_python_beats_path(tmp_path):
    fake_python(tmp_path / 'bin', 'python3', '3.11')
    fake_python(tmp_path / 'pyenv' / 'versions' / '3.10.13' / 'bin', 'python', '3.10')
    fake_python(tmp_path / 'pyenv' / 'versions' / '3.12.1' / 'bin', 'python', '3.12')
    newest = fake_python(tmp_path / 'pyenv' / 'versions' / '3.13.0' / 'bin', 'python', '3.13')
    assert make(['python'], tmp_path).stdout.strip() == str(newest)


def test_every_supported_python_found_is_listed_newest_first(tmp_path):
    """make test's other Pythons: one per minor version, those of 3.11-3.13 only."""
    p11 = fake_python(tmp_path / 'bin', 'python3', '3.11')
    fake_python(tmp_path / 'bin', 'python3.14', '3.14')
    p13 = fake_python(tmp_path / 'pyenv' / 'versions' / '3.13.0' / 'bin', 'python', '3.13')
    fake_python(tmp_path / 'pyenv' / 'versions' / '3.10.13' / 'bin', 'python', '3.10')
    out = subprocess.run(['/bin/sh', str(REPO / 'scripts' / 'find-python.sh'), '--all'],
                         env={'PATH': str(tmp_path / 'bin'), 'HOME': str(tmp_path),
                              'PYENV_ROOT': str(tmp_path / 'pyenv')},
                         capture_output=True, text=True, timeout=30)
    assert out.stdout == f'3.13 {p13}\n3.11 {p11}\n'


def test_a_version_number_names_the_python_found_for_it(tmp_path):
    fake_python(tmp_path / 'bin', 'python3', '3.13')
    p12 = fake_python(tmp_path / 'pyenv' / 'versions' / '3.12.1' / 'bin', 'python', '3.12')
    assert make(['python', 'PYTHON=3.12'], tmp_path).stdout.strip() == str(p12)
    out = make(['python', 'PYTHON=3.11'], tmp_path)
    assert out.returncode != 0 and 'Python 3.11: none found on PATH or in pyenv' in out.stderr


def test_no_supported_python_stops_at_once_saying_how_to_get_one(tmp_path):
    python3 = fake_python(tmp_path / 'bin', 'python3', '3.14')
    fake_python(tmp_path / 'bin', 'python3.12', '3.12', venv=False)
    fake_python(tmp_path / 'pyenv' / 'versions' / '3.10.13' / 'bin', 'python', '3.10')
    out = make(['python'], tmp_path)
    assert out.returncode != 0 and out.stdout == ''
    assert out.seconds < 10
    err = out.stderr
    assert 'make setup: no supported Python found.' in err
    assert 'd2l-ch6 needs Python 3.11-3.13' in err
    assert f'python3 ({python3}): Python 3.14 (not tested yet)' in err
    assert 'Python 3.12 without venv/ensurepip (Debian: apt-get install python3.12-venv)' in err
    assert 'pyenv install 3.13' in err and 'make setup PYTHON=' in err


def test_explicit_python_that_is_unsupported_is_refused(tmp_path):
    fake_python(tmp_path / 'bin', 'python3', '3.12')
    new = fake_python(tmp_path / 'bin', 'python3.14', '3.14')
    out = make(['python', f'PYTHON={new}'], tmp_path)
    assert out.returncode != 0
    assert f'make setup: PYTHON={new} is not usable.' in out.stderr
    assert f'{new}: Python 3.14 (not tested yet)' in out.stderr
    old = fake_python(tmp_path / 'bin', 'python3.10', '3.10')
    out = make(['python', f'PYTHON={old}'], tmp_path)
    assert f'{old}: Python 3.10 (past its end of life, not tested)' in out.stderr
    out = make(['python', 'PYTHON=python9'], tmp_path)
    assert 'python9: not found' in out.stderr


@pytest.fixture
def scratch(tmp_path):
    """A copy of what `make setup` reads, without .venv."""
    folder = tmp_path / 'repo'
    folder.mkdir()
    for name in ('Makefile', 'setup.cfg', 'setup.py', 'pyproject.toml', 'd2l_ch6_startup.py'):
        shutil.copy(REPO / name, folder / name)
    shutil.copytree(REPO / 'scripts', folder / 'scripts')
    return folder


@pytest.mark.parametrize('explicit', [False, True])
def test_make_setup_with_only_an_unsupported_python_stops_before_the_venv(tmp_path, scratch,
                                                                          explicit):
    """Before: pip failed after minutes on numpy 1.23.5 ('No module named distutils')."""
    python3 = fake_python(tmp_path / 'bin', 'python3', '3.14')
    out = make(['setup'] + ([f'PYTHON={python3}'] if explicit else []), tmp_path, cwd=scratch)
    assert out.returncode != 0
    assert 'd2l-ch6 needs Python 3.11-3.13' in out.stderr
    assert not (scratch / '.venv').exists()
    assert out.seconds < 10


def test_one_supported_range_everywhere():
    """setup.cfg, the finder script, the doctor and the README state the same 3.11-3.13."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / 'setup.cfg')
    assert cfg['options']['python_requires'] == '>=3.11, <3.14'
    script = (REPO / 'scripts' / 'find-python.sh').read_text()
    assert 'MIN=11\nMAX=13\n' in script
    assert doctor.SUPPORTED_PYTHON == ((3, 11), (3, 13))
    assert 'Python 3.11-3.13' in (REPO / 'README.md').read_text()


def test_the_script_uses_only_shell_builtins_and_the_candidates(tmp_path):
    """With an empty PATH it still runs and explains (no grep, sed or sort needed)."""
    (tmp_path / 'bin').mkdir()
    out = subprocess.run(['/bin/sh', str(REPO / 'scripts' / 'find-python.sh')],
                         env={'PATH': str(tmp_path / 'bin'), 'HOME': str(tmp_path)},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and 'Tried:\n  nothing' in out.stderr
    assert 'command not found' not in out.stderr and 'not found' not in out.stderr.split(
        'Tried:')[0]
    assert os.access(REPO / 'scripts' / 'find-python.sh', os.X_OK)
