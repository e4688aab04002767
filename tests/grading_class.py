"""A class of submissions with known verdicts, for the grader (tests/test_grading_class.py).

``make_class(folder)`` writes at least 60 files, scripts and notebooks:
honest right answers (several styles, per-student folders, upper-case
suffixes), honest wrong ones (each a known mistake), the book's own listings
typed in as printed, cheats, crashes, hangs and endless printing, and returns
{relative path: expected verdict}. A verdict is 'pass', 'fail', 'crashed',
'timeout', 'prints forever', 'unreadable' or 'nothing' (runs, defines no
graded function).

Run it by hand to time the grader (serial against --jobs 2):

    python tests/grading_class.py OUT_FOLDER
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from grading_sources import RIGHT_CORR2D, RIGHT_EXERCISES, RIGHT_POOL, book_file  # noqa: E402



WRONG = {
    'flipped': '''
from mxnet import np
def corr2d(X, K):
    h, w = K.shape
    K = K[::-1, ::-1]
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
''',
    'short': '''
from mxnet import np
def corr2d(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h, X.shape[1] - w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
''',
    'square': '''
from mxnet import np
def corr2d(X, K):
    h = K.shape[0]
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - h + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + h] * K).sum()
    return Y
''',
    'mode_ignored': '''
from mxnet import np
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i:i + p_h, j:j + p_w].max()
    return Y
''',
    'receptive_product': 'def receptive_field(num_layers, k):\n    return num_layers * k\n',
    'shape_per_side': '''
def conv_output_shape(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    return (n_h - k_h + 2 * p_h + s_h) // s_h, (n_w - k_w + 2 * p_w + s_w) // s_w
''',
    'stub': 'def corr2d(X, K):\n    raise NotImplementedError  # your code here\n',
}

BOOK = {
    'corr2d': book_file('corr2d'),
    'pool2d': book_file('pool2d'),
    'multi_in': book_file('corr2d_multi_in', 'corr2d_multi_in_out', 'corr2d_multi_in_out_1x1', d2l=True),
    'lenet': book_file('net'),
}

CHEATS = {
    'wrap': 'import d2l_ch6\ndef corr2d(X, K):\n    return d2l_ch6.corr2d(X, K)\n',
    'fast': 'from d2l_ch6 import corr2d_fast\ndef corr2d(X, K):\n    return corr2d_fast(X, K)\n',
    'partial': 'import functools, d2l_ch6\ncorr2d = functools.partial(d2l_ch6.corr2d)\n',
    'lambda': 'import d2l_ch6\npool2d = lambda X, p, mode="max": d2l_ch6.pool2d(X, p, mode)\n',
    'eq': ('class Yes:\n    def __eq__(self, other):\n        return True\n'
           'def receptive_field(num_layers, k):\n    return Yes()\n'),
    'forge': ('import json, os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, json.dumps('
              '{"status": "graded", "functions": {}}).encode())\n    except OSError:\n'
              '        pass\nos._exit(0)\n'),
    'stack': ('import sys\ndef corr2d(X, K):\n    f = sys._getframe(1)\n    while f:\n'
              '        for v in list(f.f_locals.values()):\n            if hasattr(v, "want"):\n'
              '                return v.want((X, K))\n        f = f.f_back\n    return X\n'),
}

CRASH = {
    'syntax': 'def corr2d(X, K)\n    return X\n',
    'import': 'import no_such_module_anywhere\n',
    'exit': 'import sys\nsys.exit(3)\n',
    'memory': 'x = bytearray(64 * 2 ** 30)\n',
}


def _notebook(*sources, tags=None):
    import nbformat
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if tags:
        for cell, t in zip(cells, tags):
            if t:
                cell.metadata['tags'] = [t]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def make_class(folder):
    """Write the class into folder; return {relative path: expected verdict}."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}

    def put(name, text, verdict):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        expected[name] = verdict

    for i in range(12):
        put(f'right_corr2d_{i:02d}.py', RIGHT_CORR2D[i % 3], 'pass')
    for i in range(4):
        put(f'student_{i}/hw.py', RIGHT_POOL, 'pass')
    put('RIGHT_UPPER.PY', RIGHT_CORR2D[1], 'pass')
    for name, text in RIGHT_EXERCISES.items():
        put(f'right_{name}.py', text, 'pass')
    for i in range(2):
        for name, text in WRONG.items():
            put(f'wrong_{name}_{i}.py', text, 'fail')
    for name, text in BOOK.items():
        put(f'book_{name}.py', text, 'pass')
    for name, text in CHEATS.items():
        put(f'cheat_{name}.py', text, 'crashed' if name == 'forge' else 'fail')
    for name, text in CRASH.items():
        put(f'crash_{name}.py', text, 'crashed')
    put('hang_loop.py', 'while True:\n    pass\n', 'timeout')
    put('hang_sleep.py', 'import time\ntime.sleep(10 ** 6)\n', 'timeout')
    put('hang_in_function.py', 'def corr2d(X, K):\n    while True:\n        pass\n', 'fail')
    put('print_forever.py', 'while True:\n    print("spam " * 200)\n', 'prints forever')
    put('nothing.py', 'x = 1\n', 'nothing')
    # notebooks: right, wrong, the 6.5 rebinding, a failing cell, a tagged failing cell
    put('nb_right.ipynb', _notebook(RIGHT_CORR2D[0], 'corr2d'), 'pass')
    put('nb_wrong.IPYNB', _notebook(WRONG['mode_ignored']), 'fail')
    put('nb_rebound.ipynb', _notebook(RIGHT_POOL, 'from mxnet.gluon import nn\n'
                                      'pool2d = nn.MaxPool2D(3, padding=1, strides=2)'), 'pass')
    put('nb_broken.ipynb', _notebook('x = 1', 'y = x / 0'), 'crashed')
    put('nb_tagged.ipynb', _notebook(RIGHT_CORR2D[0], 'y = 1 / 0',
                                     tags=[None, 'raises-exception']), 'pass')
    (folder / 'link_to_passwd.py').symlink_to('/etc/passwd')
    expected['link_to_passwd.py'] = 'unreadable'
    (folder / 'dir.py').mkdir()
    expected['dir.py'] = 'unreadable'
    return expected


def verdict(result):
    """The verdict of one FileResult, in make_class's words."""
    if result.status != 'graded':
        return 'crashed' if result.status == 'crashed' else result.status
    if not result.results:
        return 'nothing'
    return 'pass' if result.passed else 'fail'


if __name__ == '__main__':
    out = pathlib.Path(sys.argv[1])
    print(json.dumps(make_class(out), indent=1))
