"""Outside make setup: a built wheel installed with pip, and Colab-like runtimes running the first cell.

Each test builds a fresh virtual environment with another supported Python
(scripts/find-python.sh --all finds them; a missing one is skipped, saying
which) and runs the chapter there as a reader would: from the installed
package alone (its notebooks and recorded runs are package data), with the
machine's Fashion-MNIST hidden ($D2L_CH6_DATA an empty folder) and downloaded
from a local stand-in for Gluon's repository ($MXNET_GLUON_REPO). Minutes
each, so marked slow.
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
from d2l_ch6.colab import colab_cell
from test_data_download import Repo

pytestmark = pytest.mark.slow
REPO = pathlib.Path(__file__).resolve().parent.parent
BOOK_CORR2D = re.compile(r'\[\[19\., 25\.\],\s+\[37\., 43\.\]\]')   # section 6.2's corr2d(X, K)
# 6.6's three closing numbers, as the book prints them (section 6.6.2)
CLOSING = re.compile(r'loss (\d\.\d{3}), train acc (\d\.\d{3}), test acc (\d\.\d{3})')
SIX = ['6.1-from-dense-layers-to-convolutions', '6.2-convolutions-for-images',
       '6.3-padding-and-stride', '6.4-multiple-input-and-output-channels', '6.5-pooling',
       '6.6-lenet']


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
    # the chapter itself: the six notebooks and the runs 6.6 shows (package data)
    assert {f'd2l_ch6/notebooks/{stem}.ipynb' for stem in SIX} <= names
    assert 'd2l_ch6/recorded/improve_lenet.json' in names
    # the offline site's own files, which `d2l-ch6 site` copies (setup.cfg's package_data)
    assets = REPO / 'd2l_ch6' / 'publishing' / 'site_assets'
    assert {f'd2l_ch6/publishing/site_assets/{p.name}' for p in assets.iterdir()} <= names


def test_pip_install_of_the_wheel_gives_the_whole_package(wheel, tmp_path):
    """Python 3.12, `pip install d2l_ch6-*.whl[cpu]` and nothing else: mxnet comes with numpy 1.26.

    (Its 6.2 notebook run moved to the Colab tests, which run 6.2 in both runtimes.)
    """
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
    # the package's notebooks, copied out for a reader (the Colab tests below run them)
    run(bin_dir / 'd2l-ch6', 'notebooks', '--copy', tmp_path / 'mine', env=env)
    assert sorted(p.stem for p in (tmp_path / 'mine').glob('*.ipynb')) == SIX


COLAB = {'3.13': '2.1.3', '3.12': '2.0.2'}   # Colab since August 2026, and 2025.10 to 2026.07


@pytest.fixture(scope='module')
def gluon_repo():
    """A local stand-in for Gluon's dataset repository serving the machine's Fashion-MNIST."""
    from d2l_ch6 import data
    repo = Repo()
    repo.serve('fashion-mnist', data.find_data_dir())
    yield repo
    repo.server.shutdown()


# Both Colab runtimes run all six notebooks from the installed wheel (6.1 to 6.5 take seconds
# each in quick mode; 6.6 downloads its data and trains briefly).
NOTEBOOKS = {'3.13': SIX, '3.12': SIX}


@pytest.mark.parametrize('version', sorted(COLAB))
def test_a_colab_like_runtime_installs_by_the_first_cell_then_runs_the_notebooks(
        wheel, tmp_path, version, gluon_repo):
    """Colab's numpy and ipywidgets 7.7.1 preinstalled, google.colab imported by every kernel.

    The first cell installs mxnet and d2l with --no-deps, then the wheel (the
    README's Colab route); the installed `d2l-ch6 notebooks --quick` then runs
    the package's own notebooks with the machine's Fashion-MNIST hidden, which
    6.6 downloads from the local repository, and prints the book's closing line.
    """
    py = venv(version, tmp_path / 'venv')
    run(py, '-m', 'pip', 'install', '-q', f'numpy=={COLAB[version]}', 'ipywidgets==7.7.1',
        'ipykernel', 'ipython', 'nbclient', 'nbformat', 'matplotlib', 'pandas', 'scipy',
        'requests', 'setuptools')
    colab = tmp_path / 'colab' / 'google' / 'colab'
    colab.mkdir(parents=True)
    (colab / '__init__.py').write_text(
        'class files:\n    def upload():\n        raise AssertionError("asked for an upload")\n')
    startup = tmp_path / 'ipython' / 'profile_default' / 'startup'
    startup.mkdir(parents=True)
    (startup / '00-colab.py').write_text('import google.colab\n')
    (tmp_path / 'no-data').mkdir()
    env = clean_env(PATH=f'{py.parent}:{os.environ["PATH"]}', IPYTHONDIR=str(tmp_path / 'ipython'),
                    PYTHONPATH=str(tmp_path / 'colab'), MXNET_HOME=str(tmp_path / 'mxnet'),
                    D2L_CH6_DATA=str(tmp_path / 'no-data'), MXNET_GLUON_REPO=gluon_repo.url)

    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(colab_cell(str(wheel)))])
    nbformat.write(nb, tmp_path / 'first-cell.ipynb')
    (tmp_path / 'work').mkdir()
    run(py, '-c', 'import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], as_version=4); '
        'nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": '
        '{"path": sys.argv[3]}}).execute(); nbformat.write(nb, sys.argv[2])',
        tmp_path / 'first-cell.ipynb', tmp_path / 'first-cell-out.ipynb', tmp_path / 'work',
        env=env)
    said = outputs(tmp_path / 'first-cell-out.ipynb')
    assert f'installing d2l-ch6 from {wheel}' in said and 'd2l-ch6 is installed' in said

    names = NOTEBOOKS[version]
    printed = run(py.parent / 'd2l-ch6', 'notebooks', '--quick', '--out', tmp_path / 'build',
                  *names, env=env)
    assert f'{len(names)} of {len(names)} ok' in printed
    executed = {stem: outputs(tmp_path / 'build' / 'notebooks' / f'{stem}.ipynb') for stem in names}
    assert BOOK_CORR2D.search(executed['6.2-convolutions-for-images'])
    lenet = executed['6.6-lenet']
    assert 'downloading train-images-idx3-ubyte.gz from ' + gluon_repo.url in lenet
    # quick mode: 3 epochs on 10,240 images, where the sigmoid LeNet is still near chance
    loss, train_acc, test_acc = map(float, CLOSING.search(lenet).groups())
    assert 0 < loss < 2.5 and 0 <= train_acc <= 1 and 0 <= test_acc <= 1
    assert sorted(p.name for p in (tmp_path / 'no-data').iterdir()) == sorted(
        n for pair in (('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
                       ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')) for n in pair)
    kept = run(py, '-c', 'import numpy, ipywidgets; print(numpy.__version__, '
               'ipywidgets.__version__)', env=env).split()
    assert kept == [COLAB[version], '7.7.1']
