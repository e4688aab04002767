"""d2l_ch6_startup: the numpy names mxnet 1.9.1 reads, restored only where numpy lacks them.

The oracle is mxnet's own source (tests/mxnet_source.py reads it), not a
list typed here: the restored names must be exactly those mxnet reads and
this numpy lacks. Each restored value is checked against numpy's own
function or a hand-computed result. How a process gets them is checked in
fresh processes, started the ways a reader starts one.
"""
import importlib.metadata
import json
import math
import os
import pathlib
import subprocess
import sys
import types

import numpy
import pytest

import d2l_ch6_startup as startup

HERE = pathlib.Path(__file__).resolve().parent
TESTED_NUMPY = startup.NUMPY_TESTED


def mxnet_dir():
    """The installed mxnet package folder, found without importing mxnet."""
    name = 'mxnet' if _installed('mxnet') else 'mxnet-cu112'
    return pathlib.Path(importlib.metadata.distribution(name).locate_file('mxnet'))


def _installed(name):
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def fresh(code, env=None):
    """Run code in a fresh Python of this environment; return its stdout, failing on an error."""
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=env, cwd=HERE, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


# --- which names --------------------------------------------------------------------

def test_the_restored_names_are_exactly_those_mxnet_reads_and_this_numpy_lacks():
    """Read in a fresh process, before anything restores a name."""
    code = f'''
import json, sys
sys.path.insert(0, {str(HERE)!r})
import numpy, mxnet_source, d2l_ch6_startup
reads, dynamic = mxnet_source.numpy_reads({str(mxnet_dir())!r})
lacking = mxnet_source.missing(reads, numpy)
restored = d2l_ch6_startup.restore_numpy_names(numpy)
print(json.dumps(dict(lacking=lacking, restored=restored, after=mxnet_source.missing(reads, numpy),
                      dynamic=mxnet_source.explained(dynamic), read=sorted(reads))))
'''
    got = json.loads(fresh(code))
    assert got['dynamic'] == [], 'mxnet reads numpy names this test cannot see'
    assert sorted(got['restored']) == sorted({name.split('.')[0] for name in got['lacking']})
    assert got['after'] == []
    # the smallest set: every name of the table is one that mxnet 1.9.1 reads
    read_top = {name.split('.')[0] for name in got['read']}
    assert set(startup.RESTORED) <= read_top, set(startup.RESTORED) - read_top
    if startup.numpy_version(numpy) >= (2, 0):
        assert {'PZERO', 'NINF', 'NaN', 'compat', 'alltrue', 'msort'} <= set(got['restored'])
        assert 'bool' not in got['restored']       # numpy 2 has numpy.bool again
    else:
        assert sorted(got['restored']) == ['bool', 'int']


def test_the_reading_finds_the_names_of_each_kind_of_access(tmp_path):
    """An attribute chain, a literal getattr, a dispatch list; other numpys' names are ignored."""
    pkg = tmp_path / 'mxnet'
    pkg.mkdir()
    (pkg / 'a.py').write_text('import numpy as _np\nfrom . import numpy as np\n'
                              'x = _np.compat.basestring\ny = getattr(_np, "PZERO")\n'
                              'z = np.not_numpys\n')
    (pkg / 'numpy_dispatch_protocol.py').write_text(
        "import numpy as _np\n_NUMPY_ARRAY_FUNCTION_LIST = ['sometrue', 'linalg.norm']\n"
        'def f(op):\n    return getattr(_np, op)\n')
    (pkg / 'b.py').write_text('import numpy as onp\ndef g(n):\n    return getattr(onp, n)\n')
    import mxnet_source
    reads, dynamic = mxnet_source.numpy_reads(pkg)
    assert set(reads) == {'compat.basestring', 'PZERO', 'sometrue', 'linalg.norm'}
    assert mxnet_source.explained(dynamic) == ['mxnet/b.py:3']
    fake = types.SimpleNamespace(linalg=types.SimpleNamespace(norm=1), PZERO=0.0)
    assert mxnet_source.missing(reads, fake) == ['compat.basestring', 'sometrue']


# --- their values: numpy 1.23's --------------------------------------------------------

def value(name):
    return startup.RESTORED[name][0]()


def test_constants():
    assert value('PZERO') == 0.0 and math.copysign(1, value('PZERO')) == 1
    assert value('NZERO') == 0.0 and math.copysign(1, value('NZERO')) == -1
    assert value('PINF') == math.inf and value('Inf') == math.inf
    assert value('NINF') == -math.inf
    assert math.isnan(value('NAN')) and math.isnan(value('NaN'))
    assert value('bool') is bool and value('int') is int
    assert value('compat').basestring is str


def test_functions_agree_with_numpys_own():
    X = numpy.array([[3, 1, 2], [0, 5, 4]])
    assert value('alltrue')(X > -1) and not value('alltrue')(X > 0)
    numpy.testing.assert_array_equal(value('alltrue')(X > 0, axis=1), [True, False])
    assert value('sometrue')(X > 4) and not value('sometrue')(X > 5)
    assert value('product')(X) == 0 and value('product')(numpy.array([2, 3, 4])) == 24
    numpy.testing.assert_array_equal(value('round_')(numpy.array([1.26, -2.5]), 1), [1.3, -2.5])
    numpy.testing.assert_array_equal(value('msort')(X), [[0, 1, 2], [3, 5, 4]])
    assert value('msort')(X) is not X
    numpy.testing.assert_array_equal(value('in1d')([[1, 2], [3, 4]], [2, 4]),
                                     [False, True, False, True])
    numpy.testing.assert_array_equal(value('in1d')([1, 2], [2], invert=True), [True, False])
    assert value('trapz')([1, 2, 3]) == 4.0 and value('trapz')([1, 2, 3], dx=2) == 8.0
    # distinct functions, as numpy 1.23's were: mxnet's dispatch table keys on them
    assert value('sometrue') is not numpy.any and value('product') is not numpy.prod


@pytest.mark.parametrize('name', ['mirr', 'npv', 'pmt', 'ppmt', 'pv', 'rate'])
def test_financial_functions_are_numpy_1_23s_stubs(name):
    with pytest.raises(RuntimeError, match=f'the function {name} was removed from NumPy '
                       'version 1.20.*numpy_financial'):
        value(name)(0.1, [1, 2])


def test_every_restored_name_says_where_mxnet_reads_it():
    for name, (_, where, removed) in startup.RESTORED.items():
        assert where.startswith('mxnet/') and removed[0] in '12', name


# --- only where numpy lacks them --------------------------------------------------------

def test_names_numpy_has_are_left_alone():
    fake = types.ModuleType('numpy')
    mine = object()
    fake.PZERO = mine
    fake.bool = numpy.bool_

    def __getattr__(name):     # numpy's own way of refusing a removed name
        raise AttributeError(f'`np.{name}` was removed in the NumPy 2.0 release.')
    fake.__getattr__ = __getattr__
    restored = startup.restore_numpy_names(fake)
    assert fake.PZERO is mine and fake.bool is numpy.bool_
    assert 'PZERO' not in restored and 'bool' not in restored
    assert set(restored) == set(startup.RESTORED) - {'PZERO', 'bool'}
    assert startup.restore_numpy_names(fake) == []          # a second call changes nothing


def test_this_numpys_own_names_keep_their_values_in_a_fresh_process():
    code = f'''
import json, numpy, d2l_ch6_startup
names = {sorted(startup.RESTORED)!r}
import warnings; warnings.simplefilter('ignore')
before = {{n: id(getattr(numpy, n)) for n in names if hasattr(numpy, n)}}
d2l_ch6_startup.restore_numpy_names(numpy)
print(json.dumps(before == {{n: id(getattr(numpy, n)) for n in before}}))
'''
    assert json.loads(fresh(code)) is True


@pytest.mark.parametrize('version, ok', [('1.25.2', False), ('1.26.0', True), ('2.1.3', True),
                                         ('2.4.6', True), ('2.5.0', False), ('3.0.0', False)])
def test_a_numpy_outside_the_tested_range_is_refused_in_one_line(version, ok):
    fake = types.SimpleNamespace(__version__=version)
    if ok:
        startup.check_numpy(fake)
        return
    with pytest.raises(ImportError) as e:
        startup.check_numpy(fake)
    assert str(e.value).count('\n') == 0
    assert f'numpy {version} is installed: pip install "numpy>=1.26,<2.5"' in str(e.value)


def test_setup_cfg_asks_for_the_tested_numpys():
    text = (HERE.parent / 'setup.cfg').read_text()
    (a, b), (c, d) = TESTED_NUMPY
    assert f'numpy >={a}.{b}, <{c}.{d + 1}\n' in text


# --- in fresh processes, whatever comes first ---------------------------------------------

USE = ('from mxnet import np, npx; npx.set_np(); X = np.arange(6).reshape(2, 3); '
       'print(float(X[X > 2].sum()), np.pad(X, ((1, 1), (0, 0))).shape, '
       'float(np.sum(np.ones((2, 2), dtype=bool))))')
WANT = '12.0 (4, 3) 4.0\n'


def test_import_mxnet_first_in_a_fresh_python():
    """A reader's script that imports mxnet alone: the startup hook restores the names."""
    assert fresh('import mxnet\n' + USE) == WANT


def test_import_d2l_ch6_first_without_the_hook():
    """A process whose hook did not run (the finder taken out): the import restores them."""
    drop = ('import sys; sys.meta_path[:] = [f for f in sys.meta_path '
            "if type(f).__name__ != '_BeforeMxnet']\n")
    assert fresh(drop + 'import d2l_ch6\n' + USE) == WANT
    # and mxnet alone, without the hook, fails on a numpy that lacks a name it reads
    out = subprocess.run([sys.executable, '-c', drop + 'import numpy, d2l_ch6_startup\n'
                          'print(sum(d2l_ch6_startup._lacks(numpy, n) '
                          'for n in d2l_ch6_startup.RESTORED))\nimport mxnet\n' + USE],
                         capture_output=True, text=True, timeout=300)
    if out.stdout.split('\n')[0] == '0':
        assert out.returncode == 0, out.stderr
    else:
        assert out.returncode != 0 and 'AttributeError' in out.stderr


def test_a_jupyter_kernel_gets_them_before_mxnet_loads():
    jupyter_client = pytest.importorskip('jupyter_client')
    km = jupyter_client.KernelManager(kernel_name='python3')
    km.start_kernel(cwd=str(HERE))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        out = []
        kc.execute_interactive('import mxnet\n' + USE, timeout=120,
                               output_hook=lambda m: out.append(m['content'].get('text', '')))
        assert ''.join(out) == WANT
    finally:
        km.shutdown_kernel(now=True)


def test_the_hook_is_harmless_once_the_package_is_gone(tmp_path):
    """A d2l_ch6_startup.pth left behind by an uninstall: Python starts without a word."""
    (tmp_path / startup.HOOK_FILE).write_text(startup.HOOK_TEXT)
    code = ('import sys, site; sys.modules.pop("d2l_ch6_startup", None); '
            'sys.path[:] = [p for p in sys.path if "site-packages" not in p and p]; '
            f'site.addsitedir({str(tmp_path)!r}); print("started")')
    out = subprocess.run([sys.executable, '-I', '-c', code], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.stdout == 'started\n' and out.stderr == '', out.stderr


def test_distutils_is_found_in_a_process_that_started_without_setuptools_hook():
    """A kernel running before setuptools was installed (Colab's first cell): install() finds it."""
    code = ('import sys; sys.meta_path[:] = [f for f in sys.meta_path '
            "if type(f).__name__ != 'DistutilsMetaFinder']; sys.modules.pop('distutils', None)\n"
            'import importlib.util; before = importlib.util.find_spec("distutils") is not None\n'
            'import d2l_ch6_startup; print(before, d2l_ch6_startup.provide_distutils())\n'
            'from distutils.version import LooseVersion')
    before, after = fresh(code, env=dict(os.environ, PYTHONWARNINGS='ignore')).split()
    assert after == 'True'
    assert before == ('True' if sys.version_info < (3, 12) else 'False')


def test_distutils_imports_on_every_supported_python():
    """mxnet imports distutils.version; Python 3.12 removed it, setuptools provides it."""
    out = fresh('from distutils.version import LooseVersion, StrictVersion; '
                "print(LooseVersion('1.9.1') > LooseVersion('1.10'))", env=dict(
                    os.environ, PYTHONWARNINGS='ignore'))
    assert out == 'False\n'


# --- what a user sees: numbers, not numpy 2's scalar reprs -------------------------------

def test_shown_writes_numpy_scalars_as_numbers():
    from d2l_ch6._arguments import shown
    assert shown(numpy.int64(10)) == '10' and shown(numpy.float64(2.5)) == '2.5'
    assert shown(numpy.bool_(True)) == 'True'
    assert shown((numpy.int32(2), 3, [numpy.float32(0.5)])) == '(2, 3, [0.5])'
    assert shown('x') == "'x'" and shown(None) == 'None'
    arr = numpy.arange(3)
    assert shown(arr) == repr(arr)          # arrays keep their own repr


def test_without_d2l_a_notebook_trains_with_the_closing_lines_only(monkeypatch):
    """A plain pip install has no d2l (its pins cannot install on 3.12+): no Animator then."""
    from d2l_ch6.training import reporting
    monkeypatch.setattr(reporting, '_in_notebook', lambda: True)
    assert type(reporting.get_reporter('auto')) is reporting.AnimatorReporter
    monkeypatch.setattr(reporting, '_have_d2l', lambda: False)
    assert type(reporting.get_reporter('auto')) is reporting.SummaryReporter
    with pytest.raises(ModuleNotFoundError, match='pip install --no-deps d2l==1.0.3'):
        reporting.get_reporter('animator').start(1, 10, 0)


def test_an_epoch_record_holds_python_numbers():
    from d2l_ch6.training.reporting import EpochRecord
    r = EpochRecord(numpy.int64(1), numpy.float64(2.43), numpy.float32(0.5), 0.25, 0.9,
                    numpy.int64(256), 256, numpy.float64(1.5), 2.0)
    assert type(r.epoch) is int and type(r.train_loss) is float and r.train_acc == 0.5
    assert 'np.' not in repr(r) and 'train_loss=2.43' in repr(r)


def test_messages_show_numbers_not_numpy_2_scalar_reprs():
    """Values a reader passes or the data holds, named in an error, read as numbers."""
    from d2l_ch6 import get_fashion_mnist_labels
    from d2l_ch6._arguments import check_int, check_real
    with pytest.raises(ValueError, match=r'got 10$'):
        get_fashion_mnist_labels(numpy.array([3, 10]))
    with pytest.raises(ValueError, match=r'got -2$'):
        check_int('k', numpy.int64(-2), 1)
    with pytest.raises(ValueError, match=r'got inf$'):
        check_real('lr', numpy.float64('inf'), 0)


def test_a_passing_test_that_prints_a_numpy_2_scalar_repr_fails(tmp_path):
    """conftest's guard: the printed text is what a user of these functions would read."""
    (tmp_path / 'conftest.py').write_text((HERE / 'conftest.py').read_text())
    (tmp_path / 'test_x.py').write_text('def test_prints():\n    print("got np.int64(10)")\n\n'
                                        'def test_clean():\n    print("got 10")\n')
    out = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                          '-W', 'ignore', str(tmp_path)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert '1 failed, 1 passed' in out.stdout, out.stdout[-2000:]
    assert 'FAILED test_x.py::test_prints - numpy 2 scalar repr in what the test' in out.stdout
