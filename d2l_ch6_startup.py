"""Prepare a Python process for mxnet 1.9.1 before mxnet loads (d2l-ch6's startup hook).

This module stands beside the package, not inside it, so that Python's
startup can import it without importing d2l_ch6 (which imports mxnet). It
uses the standard library only, and does two things:

* ``set_engine_defaults``: MXNet's engine settings (``ENGINE_DEFAULTS``),
  which MXNet reads once, when its library loads (d2l_ch6/_env.py says what
  each does and reports where a value came from);
* ``restore_numpy_names``: the names mxnet 1.9.1 reads from numpy that a
  newer numpy removed (``RESTORED``), each put back only where this numpy
  lacks it, with numpy 1.23's value. mxnet reads some at import and some only
  when called (``np.bool`` in ndarray indexing, ``np.compat`` in ``np.pad``).

``install()`` does the first at once and the second just before mxnet is
imported, whichever comes first: ``import mxnet`` in a script or a kernel,
``import d2l_ch6``, the command line. Python runs it at startup from
``HOOK_LINE`` in ``d2l_ch6_startup.pth`` in site-packages (a wheel ships it;
``make setup`` writes it for an editable install). ``import d2l_ch6`` does
both too, for a process started without the hook.

The names are those mxnet 1.9.1's source reads from numpy that numpy 1.24 to
2.4 removed; tests/test_compat.py reads mxnet's source for them
(tests/mxnet_source.py) and fails if this table and that reading differ.
Python 3.12 removed ``distutils``, which mxnet imports too: setuptools
provides it (a declared dependency from 3.12 on); ``provide_distutils`` only
switches setuptools' copy on where its own startup hook has not run.
"""
import importlib.abc
import importlib.util
import math
import os
import sys
import types
import warnings

ENGINE_DEFAULTS = {
    'OMP_NUM_THREADS': '1',
    'MXNET_CPU_WORKER_NTHREADS': '1',
    'MXNET_CPU_TEMP_COPY': '16',
    'MXNET_EXEC_BULK_EXEC_TRAIN': '0',
}
SWITCH = 'D2L_CH6_ENV_DEFAULTS'   # '0': leave MXNet's engine settings alone
MARK = 'D2L_CH6_ENV_SET'          # 'hook:NAME,...' or 'import:NAME,...': who set which
# the numpy versions this package is tested with; mxnet 1.9.1 needs more than
# names from a numpy outside them (see check_numpy)
NUMPY_TESTED = ((1, 26), (2, 4))
HOOK_FILE = 'd2l_ch6_startup.pth'
# site runs a .pth line that starts with "import"; this one does nothing once the
# package is uninstalled and only the .pth is left
HOOK_LINE = ("import importlib.util as u; u.find_spec('d2l_ch6_startup') "
             "and __import__('d2l_ch6_startup').install()")
HOOK_TEXT = ('# d2l-ch6: MXNet engine defaults and numpy names for mxnet, before any import '
             '(d2l_ch6_startup.py)\n' + HOOK_LINE + '\n')


def set_engine_defaults(environ=os.environ, who='hook'):
    """Set each engine default the environment lacks, mark them as set by who; return their names."""
    if environ.get(SWITCH, '1') == '0':
        return []
    names = [name for name in ENGINE_DEFAULTS if name not in environ]
    for name in names:
        environ[name] = ENGINE_DEFAULTS[name]
    if names:
        environ[MARK] = f'{who}:' + ','.join(names)
    return names


# numpy 1.23's values of the names mxnet 1.9.1 reads that later numpys removed.
def _alltrue(*args, **kwargs):
    """Check if all elements of input array are true (numpy 1.23's alltrue: numpy.all)."""
    import numpy
    return numpy.all(*args, **kwargs)


def _sometrue(*args, **kwargs):
    """Check whether some values are true (numpy 1.23's sometrue: numpy.any)."""
    import numpy
    return numpy.any(*args, **kwargs)


def _product(*args, **kwargs):
    """Return the product of array elements over a given axis (numpy 1.23's product: numpy.prod)."""
    import numpy
    return numpy.prod(*args, **kwargs)


def _round_(a, decimals=0, out=None):
    """Round an array to the given number of decimals (numpy 1.23's round_: numpy.around)."""
    import numpy
    return numpy.round(a, decimals=decimals, out=out)


def _msort(a):
    """Return a copy of an array sorted along the first axis (numpy 1.23's msort)."""
    import numpy
    b = numpy.array(a, subok=True, copy=True)
    b.sort(0)
    return b


def _in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """Test whether each element of a 1-D array is also present in a second array (numpy.in1d)."""
    import numpy
    return numpy.isin(numpy.asarray(ar1).ravel(), ar2, assume_unique=assume_unique,
                      invert=invert, kind=kind)


def _trapz(y, x=None, dx=1.0, axis=-1):
    """Integrate along the given axis using the composite trapezoidal rule (numpy.trapz)."""
    import numpy
    trapezoid = getattr(numpy, 'trapezoid', None) or numpy.trapz   # trapezoid: numpy 2.0 on
    return trapezoid(y, x=x, dx=dx, axis=axis)


def _financial(name):
    """Return numpy 1.20-1.23's stub for a financial function NEP 32 moved out of numpy."""
    def expired(*args, **kwargs):
        raise RuntimeError(
            f'In accordance with NEP 32, the function {name} was removed from NumPy version '
            f'1.20.  A replacement for this function is available in the numpy_financial '
            f'library: https://pypi.org/project/numpy-financial')
    expired.__name__ = name
    return expired


def _compat():
    """Return numpy.compat as mxnet reads it: only basestring (np.pad's mode check)."""
    compat = types.ModuleType('numpy.compat', "numpy 1.x's Python 2 compatibility names "
                              '(restored by d2l_ch6_startup for mxnet 1.9.1)')
    compat.basestring = str
    return compat


# name: (what makes its value, where mxnet 1.9.1 reads it, the numpy that removed it)
RESTORED = {
    'bool': (lambda: bool, 'mxnet/numpy/utils.py, ndarray indexing', '1.24 (2.0 has it again)'),
    'int': (lambda: int, 'mxnet/test_utils.py', '1.24'),
    'PZERO': (lambda: 0.0, 'mxnet/numpy/utils.py', '2.0'),
    'NZERO': (lambda: -0.0, 'mxnet/numpy/utils.py', '2.0'),
    'PINF': (lambda: math.inf, 'mxnet/numpy/utils.py', '2.0'),
    'NINF': (lambda: -math.inf, 'mxnet/numpy/utils.py', '2.0'),
    'NAN': (lambda: math.nan, 'mxnet/numpy/utils.py', '2.0'),
    'NaN': (lambda: math.nan, 'mxnet/numpy/utils.py', '2.0'),
    'Inf': (lambda: math.inf, 'mxnet/gluon/contrib/estimator/event_handler.py', '2.0'),
    'alltrue': (lambda: _alltrue, 'mxnet/numpy/fallback.py', '2.0'),
    'sometrue': (lambda: _sometrue, 'mxnet/numpy_dispatch_protocol.py', '2.0'),
    'product': (lambda: _product, 'mxnet/numpy_dispatch_protocol.py', '2.0'),
    'round_': (lambda: _round_, 'mxnet/numpy_dispatch_protocol.py', '2.0'),
    'msort': (lambda: _msort, 'mxnet/numpy/fallback.py', '2.0'),
    'compat': (_compat, 'mxnet/ndarray/numpy/_op.py (np.pad)', '2.0'),
    'mirr': (lambda: _financial('mirr'), 'mxnet/numpy/fallback.py', '2.0'),
    'npv': (lambda: _financial('npv'), 'mxnet/numpy/fallback.py', '2.0'),
    'pmt': (lambda: _financial('pmt'), 'mxnet/numpy/fallback.py', '2.0'),
    'ppmt': (lambda: _financial('ppmt'), 'mxnet/numpy/fallback.py', '2.0'),
    'pv': (lambda: _financial('pv'), 'mxnet/numpy/fallback.py', '2.0'),
    'rate': (lambda: _financial('rate'), 'mxnet/numpy/fallback.py', '2.0'),
    'in1d': (lambda: _in1d, 'mxnet/numpy/fallback.py', '2.4'),
    'trapz': (lambda: _trapz, 'mxnet/numpy/fallback.py', '2.4'),
}


def _lacks(numpy, name):
    """Return whether numpy has no attribute name (its removal messages count as lacking)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            getattr(numpy, name)
        except AttributeError:
            return True
    return False


_restored = []   # the names restore_numpy_names gave the numpy module in this process


def restore_numpy_names(numpy=None):
    """Give numpy each name of RESTORED that it lacks, with numpy 1.23's value; return those names."""
    if numpy is None:
        import numpy
    restored = [name for name in RESTORED if _lacks(numpy, name)]
    for name in restored:
        setattr(numpy, name, RESTORED[name][0]())
    if restored and numpy is sys.modules.get('numpy'):
        _restored.extend(restored)
    return restored


def restored_names():
    """Return the names this process's numpy got from restore_numpy_names, in RESTORED's order."""
    return [name for name in RESTORED if name in _restored]


def numpy_version(numpy):
    """Return numpy's (major, minor) as ints."""
    major, minor = numpy.__version__.split('.')[:2]
    return int(major), int(minor)


def numpy_tested(version):
    """Return whether numpy (major, minor) lies in NUMPY_TESTED."""
    return NUMPY_TESTED[0] <= tuple(version) <= NUMPY_TESTED[1]


def numpy_requirement(low=None):
    """Return the pip requirement of the tested numpys, 'numpy>=1.26,<2.5' (from low, if given)."""
    (a, b), (c, d) = low or NUMPY_TESTED[0], NUMPY_TESTED[1]
    return f'numpy>={a}.{b},<{c}.{d + 1}'


def check_numpy(numpy):
    """Raise ImportError, in one line naming the numpy to install, for a numpy outside NUMPY_TESTED."""
    low, high = NUMPY_TESTED
    if not numpy_tested(numpy_version(numpy)):
        raise ImportError(
            f'd2l-ch6 runs mxnet 1.9.1 with numpy {low[0]}.{low[1]} to {high[0]}.{high[1]}, '
            f'but numpy {numpy.__version__} is installed: pip install "{numpy_requirement()}"')


class _BeforeMxnet(importlib.abc.MetaPathFinder):
    """Restore numpy's names once, when `import mxnet` is first asked for, then step aside."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'mxnet':
            _remove_finder()
            restore_numpy_names()
            provide_distutils()
        return None   # the ordinary finders load mxnet


def _remove_finder():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _BeforeMxnet)]


def provide_distutils():
    """On Python 3.12+, let `import distutils` find setuptools' copy; return whether it imports.

    setuptools' own startup hook (distutils-precedence.pth) does this when
    Python starts; a kernel already running when setuptools was installed
    (Colab's first cell) needs it done here.
    """
    if importlib.util.find_spec('distutils') is None:
        try:
            import _distutils_hack
        except ImportError:
            return False
        _distutils_hack.add_shim()
    return importlib.util.find_spec('distutils') is not None


def install():
    """Set the engine defaults now; restore numpy's names and find distutils when mxnet is first imported."""
    set_engine_defaults(who='hook')
    if not any(isinstance(f, _BeforeMxnet) for f in sys.meta_path):
        sys.meta_path.insert(0, _BeforeMxnet())
