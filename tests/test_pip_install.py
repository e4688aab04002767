"""Outside make setup: a built wheel installed with pip, and Colab-like runtimes running the first cell.

Each test builds a fresh virtual environment with another supported Python
(scripts/find-python.sh --all finds them; a missing one is skipped, saying
which) and runs the chapter there as a reader would: a notebook executed
headless and a short seeded training. Minutes each, so marked slow.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

import d2l_ch6_startup
from d2l_ch6.colab import COLAB_CELL, SOURCE_LINE

pytestmark = pytest.mark.slow
REPO = pathlib.Path(__file__).resolve().parent.parent
BOOK_CORR2D = re.compile(r'\[\[19\., 25\.\],\s+\[37\., 43\.\]\]')   # section 6.2's corr2d(X, K)


def outputs(path):
    """The text of every output of the executed notebook at path."""
    nb = json.loads(pathlib.Path(path).read_text())
    texts = []
    for cell in nb['cells']:
        for out in cell.get('outputs', []):
            text = out.get('text') or out.get('data', {}).get('text/plain', '')
            texts.append(''.join(text) if isinstance(text, list) else text)
    return '\n'.join(texts)


def run(*args, env=None, timeout=1200):
    """Run a command in a clean environment (a PYTHONPATH would show pip this checkout)."""
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                         env=env or clean_env(), timeout=timeout)
    assert out.returncode == 0, f'{args}\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}'
    return out.stdout


def python(version):
    """The interpreter make setup's search finds for version, or skip."""
    found = dict(line.split(' ', 1) for line in run(
        'sh', REPO / 'scripts' / 'find-python.sh', '--all').splitlines())
    if version not in found:
        pytest.skip(f'no Python {version} here (scripts/find-python.sh --all)')
    return found[version]


def venv(version, folder):
    run(python(version), '-m', 'venv', folder)
    run(folder / 'bin' / 'python', '-m', 'pip', 'install', '-q', '--upgrade', 'pip')
    return folder / 'bin' / 'python'


def clean_env(**extra):
    """This environment without d2l_ch6's marks, the venv's own PATH first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('D2L_CH6', 'PYTHON',
                                                                       'VIRTUAL_ENV'))
           and k not in d2l_ch6_startup.ENGINE_DEFAULTS}
    env.update(extra)
    return env


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """The wheel pip builds from a copy of this checkout (the build leaves files behind)."""
    src = tmp_path_factory.mktemp('src') / 'd2l-ch6'
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        '.git', '.venv*', 'build', 'dist', '*.egg-info', '__pycache__', '.pytest_cache'))
    out = tmp_path_factory.mktemp('dist')
    run(sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', out, src)
    (path,) = out.glob('d2l_ch6-*.whl')
    return path


def test_the_wheel_carries_the_package_the_startup_hook_and_its_module(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert z.read('d2l_ch6_startup.pth').decode() == d2l_ch6_startup.HOOK_TEXT
    assert {'d2l_ch6_startup.py', 'd2l_ch6/__init__.py', 'd2l_ch6/colab.py'} <= names
    # the offline site's own files, which `d2l-ch6 site` copies (setup.cfg's package_data)
    assets = REPO / 'd2l_ch6' / 'publishing' / 'site_assets'
    assert {f'd2l_ch6/publishing/site_assets/{p.name}' for p in assets.iterdir()} <= names


def test_pip_install_of_the_wheel_gives_the_whole_package(wheel, tmp_path):
    """Python 3.12, `pip install d2l_ch6-*.whl[cpu]` and nothing else: mxnet comes with numpy 1.26."""
    py = venv('3.12', tmp_path / 'venv')
    run(py, '-m', 'pip', 'install', '-q', f'{wheel}[cpu]')
    bin_dir = py.parent
    env = clean_env(PATH=f'{bin_dir}:{os.environ["PATH"]}')
    # mxnet first, in a fresh process: the wheel's startup hook prepared numpy and the engine
    got = json.loads(run(py, '-c', 'import mxnet, numpy, os, json; from mxnet import np; '
                         'X = np.arange(4); print(json.dumps([numpy.__version__, '
                         'float(X[X > 1].sum()), os.environ.get("OMP_NUM_THREADS")]))', env=env))
    assert got[0].startswith('1.26.') and got[1:] == [5.0, '1']
    # the command, a short seeded training on the real data, and the MNIST subset's loader
    run(bin_dir / 'd2l-ch6', 'train', '--epochs', '1', '--limit', '2048', '--seed', '0',
        '--device', 'cpu', '--no-progress', '--out', tmp_path / 'train', env=env)
    history = json.loads((tmp_path / 'train' / 'history.json').read_text())
    assert history['epochs'][-1]['train_loss'] > 0
    run(py, '-c', 'from d2l_ch6 import data; print(len(data.load_mnist_5k_arrays()))', env=env)
    # a notebook, executed headless by the installed command
    run(bin_dir / 'd2l-ch6', 'notebooks', '6.2', '--notebook-dir', REPO / 'notebooks', '--out',
        tmp_path / 'build', env=env)
    executed = (tmp_path / 'build' / 'notebooks').glob('6.2*.ipynb')
    assert BOOK_CORR2D.search(outputs(next(executed)))


COLAB = {'3.13': '2.1.3', '3.12': '2.0.2'}   # Colab since August 2026, and 2025.10 to 2026.07


@pytest.mark.parametrize('version', sorted(COLAB))
def test_a_colab_like_runtime_runs_the_first_cell_then_the_notebook(wheel, tmp_path, version):
    """Colab's numpy and ipywidgets 7.7.1 preinstalled, google.colab imported by the kernel."""
    py = venv(version, tmp_path / 'venv')
    run(py, '-m', 'pip', 'install', '-q', f'numpy=={COLAB[version]}', 'ipywidgets==7.7.1',
        'ipykernel', 'ipython', 'nbclient', 'nbformat', 'matplotlib', 'pandas', 'scipy',
        'requests', 'setuptools')
    colab = tmp_path / 'colab' / 'google' / 'colab'
    colab.mkdir(parents=True)
    (colab / '__init__.py').write_text('')
    startup = tmp_path / 'ipython' / 'profile_default' / 'startup'
    startup.mkdir(parents=True)
    (startup / '00-colab.py').write_text('import google.colab\n')
    env = clean_env(PATH=f'{py.parent}:{os.environ["PATH"]}', IPYTHONDIR=str(tmp_path / 'ipython'),
                    PYTHONPATH=str(tmp_path / 'colab'))

    import nbformat
    (path,) = (REPO / 'notebooks').glob('6.2-*.ipynb')
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == 'code')
    assert first.source == COLAB_CELL
    first.source = first.source.replace(SOURCE_LINE, f'    SOURCE = {str(wheel)!r}')
    nbformat.write(nb, tmp_path / 'in.ipynb')
    run(py, '-c', 'import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], as_version=4); '
        'nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": '
        '{"path": sys.argv[3]}}).execute(); nbformat.write(nb, sys.argv[2])',
        tmp_path / 'in.ipynb', tmp_path / 'out.ipynb', REPO / 'notebooks', env=env)
    assert BOOK_CORR2D.search(outputs(tmp_path / 'out.ipynb'))
    kept = run(py, '-c', 'import numpy, ipywidgets; print(numpy.__version__, '
               'ipywidgets.__version__)', env=env).split()
    assert kept == [COLAB[version], '7.7.1']
