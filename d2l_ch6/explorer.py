"""An interactive convolution and pooling explorer (the package's addition, for sections 6.2-6.5).

``conv_explorer()`` returns an ipywidgets widget: sliders for the input size n,
the kernel (window) size k, the padding p per side (Gluon's ``padding``; the
book's total is p_h = 2p), the stride s and the dilation d; a switch between
cross-correlation, max pooling and average pooling; a small integer grid (as
in the book's figures) or a real Fashion-MNIST image as input. It shows the
padded input with the window of a chosen output cell, the output, formula
(6.3.3) evaluated with the current numbers and the equivalent Gluon line.

The output shown IS Gluon's: each setting builds the Gluon layer it names and
runs it through ``comp_conv2d``. ``fn=`` (a ``corr2d(X, K)``) and ``pool_fn=``
(a ``pool2d(X, pool_size, mode)``) run a student's own function on the padded
input (with the dilated kernel, then every s-th output) and mark the cells
where it differs from Gluon. Settings Gluon cannot run are shown as a
message, never raised: MXNet's errors surface late (even at exit), so they
are predicted, not caught.

ipykernel 7 may deliver a widget's messages on a subshell thread, where
MXNet's thread-local NumPy mode (``npx.set_np()``) is off: ``explorer_view``
therefore turns it on for its own call (``mxnet.util.use_np``).

``explorer_view`` is the computation without the widget (what the tests and
the static figure use); ``explorer_strip`` draws several settings as one
matplotlib figure, the fallback where widget callbacks cannot run
(headless notebooks, the site).
"""
import dataclasses
import html
import logging
import time

import ipywidgets as widgets
import numpy as onp
from mxnet import init, np
from mxnet.gluon import nn
from mxnet.util import use_np

from ._arguments import check_int, check_seconds
from ._bounded import FORKS, Child, ChildEnded
from .convolutions import pad_zeros
from .padding_stride import comp_conv2d, conv_output_shape

__all__ = ['ExplorerSettings', 'ExplorerView', 'explorer_view', 'explorer_strip',
           'conv_explorer', 'ConvExplorer', 'CONTROLS', 'site_description']

log = logging.getLogger(__name__)

MODES = {'corr': 'cross-correlation', 'max': 'max pooling', 'avg': 'average pooling'}
SOURCES = {'grid': 'integer grid', 'image': 'Fashion-MNIST image'}
MAX_N = 28  # slider bounds: up to a whole Fashion-MNIST image
MAX_K, MAX_P, MAX_S, MAX_D = 7, 4, 4, 3
GRID_N = 8  # the largest grid kept when switching back from the image
# The sliders, in the order both explorers show them: the notebook widget (ConvExplorer) and
# the site's JavaScript one (publishing/site_assets/explorer.js, fed by site_description()).
CONTROLS = [  # (setting, label, min, max)
    ('n', 'input size n', 1, MAX_N),
    ('k', 'kernel / window k', 1, MAX_K),
    ('p', 'padding p (per side)', 0, MAX_P),
    ('s', 'stride s', 1, MAX_S),
    ('d', 'dilation d', 1, MAX_D),
    ('row', 'output cell: row', 0, MAX_N),
    ('col', 'output cell: column', 0, MAX_N),
]
MAX_IMAGE_INDEX = 9_999  # Fashion-MNIST has 10000 test images
# Every integer setting's allowed range, where ExplorerSettings checks it: the sliders' own, so a
# setting either explorer cannot show (n=3000 overflowed the site's JavaScript) is refused.
BOUNDS = {name: (low, high) for name, _, low, high in CONTROLS} | {'image_index': (0, MAX_IMAGE_INDEX)}


@dataclasses.dataclass(frozen=True)
class ExplorerSettings:
    """Hold one explorer setting: sizes, operation, input, chosen cell (the package's addition, 6.3/6.5 section)."""
    n: int = 5             # input height and width
    k: int = 3             # kernel (pooling window) height and width
    p: int = 0             # padding per side, as Gluon's padding=; the book's p_h = 2p
    s: int = 1             # stride
    d: int = 1             # dilation (cross-correlation only: Gluon's pooling has none)
    mode: str = 'corr'     # 'corr', 'max' or 'avg'
    source: str = 'grid'   # 'grid' (0, 1, 2, ... as in the book's figures) or 'image'
    row: int = 0           # the output cell whose window is highlighted
    col: int = 0
    image_index: int = 0   # which Fashion-MNIST test image

    def __post_init__(self):
        for name, (low, high) in BOUNDS.items():
            check_int(name, getattr(self, name), low, high)
        if self.mode not in MODES:
            raise ValueError(f'mode must be one of {", ".join(map(repr, MODES))}, '
                             f'got {self.mode!r}')
        if self.source not in SOURCES:
            raise ValueError(f'source must be one of {", ".join(map(repr, SOURCES))}, '
                             f'got {self.source!r}')


@dataclasses.dataclass
class ExplorerView:
    """Hold what one setting shows: grids, formula, Gluon line, message (the package's addition, section 6.3)."""
    settings: ExplorerSettings
    X: onp.ndarray                  # (n, n) input
    K: onp.ndarray = None           # (k, k) kernel, cross-correlation only
    padded: onp.ndarray = None      # (n + 2p, n + 2p); NaN marks max pooling's padding
    Y: onp.ndarray = None           # Gluon's output, None when the setting is impossible
    shape: tuple = None             # the formula's (h, w), None when impossible
    formula: str = ''
    gluon: str = ''
    message: str = ''               # why nothing is computed, or what the student's fn did
    window: list = dataclasses.field(default_factory=list)  # (r, c) in padded coordinates
    student: onp.ndarray = None     # the student's output, when fn/pool_fn was given
    mismatch: onp.ndarray = None    # bool (h, w): where the student's output differs from Gluon's

    @property
    def ok(self):
        """Tell whether Gluon ran this setting."""
        return self.Y is not None


def _effective_k(k, d):
    """Return the dilated kernel's extent d(k - 1) + 1."""
    return d * (k - 1) + 1


def gluon_line(st):
    """Return the Gluon layer that computes setting st, as Python source."""
    if st.mode == 'corr':
        return (f'nn.Conv2D(1, kernel_size={st.k}, padding={st.p}, strides={st.s}, '
                f'dilation={st.d})')
    name = 'MaxPool2D' if st.mode == 'max' else 'AvgPool2D'
    return f'nn.{name}(pool_size={st.k}, strides={st.s}, padding={st.p})'


def formula_text(st):
    """Return formula (6.3.3) with st's numbers, ending in '= <output side>' (or why it cannot run)."""
    k_eff = _effective_k(st.k, st.d)
    head = ''
    if st.d > 1:
        head = f"k' = d(k - 1) + 1 = {st.d}({st.k} - 1) + 1 = {k_eff}; "
    kname = "k'" if st.d > 1 else 'k'
    total = 2 * st.p
    problem = _impossible(st)
    expr = (f'{head}floor((n - {kname} + p_h + s) / s) with p_h = 2p = {total}: '
            f'floor(({st.n} - {k_eff} + {total} + {st.s}) / {st.s})')
    if problem:
        return f'{expr}: not defined, {problem}'
    h, _ = conv_output_shape(st.n, st.n, k_eff, k_eff, total, total, st.s, st.s)
    return f'{expr} = floor({st.n - k_eff + total + st.s} / {st.s}) = {h}'


def _impossible(st):
    """Return why Gluon cannot run st, or '' when it can."""
    k_eff = _effective_k(st.k, st.d)
    side = st.n + 2 * st.p
    if st.mode != 'corr' and st.d != 1:
        return f"Gluon's pooling layers have no dilation (got d = {st.d}): set d = 1"
    if k_eff > side:
        what = f'the {"dilated " if st.d > 1 else ""}window ({k_eff}x{k_eff})'
        return (f'{what} is larger than the padded input ({side}x{side}): '
                'make k or d smaller, or n or p larger')
    if st.mode != 'corr' and st.p >= st.k:
        return (f'Gluon\'s pooling needs padding p < k (got p = {st.p}, k = {st.k}): '
                'with more, a window could hold only padding')
    return ''


def _grid_input(n):
    """Return the book's figure input: 0, 1, 2, ... in an n x n grid."""
    return onp.arange(n * n, dtype=onp.float32).reshape(n, n)


def _grid_kernel(k):
    """Return the book's figure kernel: 0, 1, 2, ... in a k x k grid (k = 2 is Fig. 6.2.1's)."""
    return onp.arange(k * k, dtype=onp.float32).reshape(k, k)


def _edge_kernel(k):
    """Return a k x k horizontal-gradient kernel: -1 left of the centre column, +1 right (1 for k = 1)."""
    if k == 1:
        return onp.ones((1, 1), onp.float32)
    K = onp.zeros((k, k), onp.float32)
    K[:, :k // 2] = -1
    K[:, (k + 1) // 2:] = 1
    return K


def _image_input(n, index):
    """Return Fashion-MNIST test image `index` in [0, 1], resized bilinearly to n x n."""
    from .data import _resize, load_fashion_mnist_arrays
    images, _ = load_fashion_mnist_arrays()['test']
    if index >= len(images):
        raise ValueError(f'image_index must be below {len(images)}, got {index}')
    X = onp.asarray(images[index], onp.float32) / 255  # (28, 28)
    if n != X.shape[0]:
        X = _resize(np.array(X[None, None]), (n, n)).asnumpy()[0, 0]  # (n, n)
    return X


def _as_host(A):
    """Return A (an MXNet or numpy array, or nested lists) as a float64 numpy array."""
    if hasattr(A, 'asnumpy'):
        A = A.asnumpy()
    return onp.asarray(A, dtype=onp.float64)


def _run_gluon(st, X, K):
    """Return Gluon's output for setting st on X (the layer gluon_line(st) names)."""
    if st.mode == 'corr':
        layer = nn.Conv2D(1, kernel_size=st.k, padding=st.p, strides=st.s, dilation=st.d,
                          in_channels=1, use_bias=False,
                          weight_initializer=init.Constant(K.reshape(1, 1, st.k, st.k).tolist()))
    else:
        cls = nn.MaxPool2D if st.mode == 'max' else nn.AvgPool2D
        layer = cls(pool_size=st.k, strides=st.s, padding=st.p)
    return comp_conv2d(layer, np.array(X)).asnumpy()


STUDENT_SECONDS = 10.0   # explorer_view's default time_limit for a student's function


def _bounded_call(call, seconds):
    """Return (call()'s value as a float64 array, None) or (None, why not), killing it after seconds.

    Where os.fork exists, call runs in a forked child (``_bounded.Child``), so a
    function that loops forever, ignores SIGALRM or starts processes is stopped
    with SIGKILL, with all it started; only the array's numbers or an error's
    text come back, as JSON (never a pickle). Elsewhere it runs here.
    """
    if not FORKS:
        return _as_host(call()), None

    def work(send):
        try:
            A = _as_host(call())
            answer = {'shape': list(A.shape), 'data': A.ravel().tolist()}
        except BaseException as e:  # the student's code: its error is the answer
            answer = {'error': f'{type(e).__name__}: {e}'}
        send(answer)

    child = Child(work)
    try:
        answer = child.receive(time.monotonic() + seconds)
    except TimeoutError:
        return None, f'did not finish within {seconds:g} s and was stopped'
    except (ChildEnded, ValueError):
        return None, 'ended its process without an answer'
    finally:
        child.close()
    if type(answer) is dict and type(answer.get('error')) is str:
        return None, 'raised ' + answer['error']
    try:
        return onp.array(answer['data'], dtype=onp.float64).reshape(answer['shape']), None
    except (ValueError, TypeError, KeyError) as e:
        return None, f'returned something that is not an array of numbers ({e})'


def _run_student(st, X, K, fn, pool_fn, seconds=STUDENT_SECONDS):
    """Return (output, message) of the student's function on the padded input, every s-th output."""
    Xp = np.array(X)
    if st.mode == 'corr':
        Xp = pad_zeros(Xp, 2 * st.p, 2 * st.p)
        Kd = onp.zeros((_effective_k(st.k, st.d),) * 2, onp.float32)
        Kd[::st.d, ::st.d] = K  # the dilated kernel: zeros between the taps
        name, call = 'fn', lambda: fn(Xp, np.array(Kd))
    else:
        # Max pooling ignores its padding (Gluon pads with -inf); average pooling counts it as zeros.
        fill = -onp.inf if st.mode == 'max' else 0.0
        Xp = np.array(onp.pad(X, st.p, constant_values=fill))
        name, call = 'pool_fn', lambda: pool_fn(Xp, (st.k, st.k), st.mode)
    out, problem = _bounded_call(call, seconds)
    if problem:   # the student's code: report it in the widget, never raise
        return None, f'your {name} {problem}'
    if out.ndim != 2:
        return None, f'your {name} returned a {out.ndim}-D array with shape {out.shape}, expected 2-D'
    return out[::st.s, ::st.s], ''


@use_np  # npx.set_np() is per thread; ipykernel 7 runs some widget messages on other threads
def explorer_view(settings=None, fn=None, pool_fn=None, *, time_limit=STUDENT_SECONDS,
                  **changes):
    """Compute what the explorer shows for one setting (the package's addition, sections 6.3, 6.5).

    settings: an ExplorerSettings (default: its defaults), updated by any
    keyword changes (``explorer_view(k=2, p=1)``), each within its slider's
    bounds (CONTROLS). fn: a student's ``corr2d(X, K)``; pool_fn: a student's
    ``pool2d(X, pool_size, mode)``, stopped after time_limit seconds (in a
    child process, even if it ignores SIGALRM). Impossible settings give a
    view with ``Y`` None and the reason in ``message``; a student's function
    that raises, differs or runs too long is reported in ``message`` and
    ``mismatch``.
    """
    st = settings if settings is not None else ExplorerSettings()
    if not isinstance(st, ExplorerSettings):
        raise TypeError(f'settings must be an ExplorerSettings, got {type(st).__name__}')
    for name, f in (('fn', fn), ('pool_fn', pool_fn)):
        if f is not None and not callable(f):
            raise TypeError(f'{name} must be a function or None, got {type(f).__name__}')
    time_limit = check_seconds('time_limit', time_limit)
    if changes:
        st = dataclasses.replace(st, **changes)
    for name, _, minimum, maximum in CONTROLS:   # the sliders' bounds: n = 10**6 would not end
        check_int(name, getattr(st, name), minimum, maximum)
    message = ''
    X = None
    if st.source == 'image':
        try:
            X = _image_input(st.n, st.image_index)
        except (OSError, ValueError) as e:  # no data here: show the grid and say why
            message = f'no Fashion-MNIST image ({e}); showing the integer grid. '
    if X is None:
        X = _grid_input(st.n)
    K = None
    if st.mode == 'corr':
        K = _grid_kernel(st.k) if st.source == 'grid' else _edge_kernel(st.k)
    fill = onp.nan if st.mode == 'max' else 0.0
    padded = onp.pad(X, st.p, constant_values=fill)  # (n + 2p, n + 2p)
    view = ExplorerView(st, X, K, padded, formula=formula_text(st), gluon=gluon_line(st))
    problem = _impossible(st)
    if problem:
        view.message = message + problem[0].upper() + problem[1:] + '.'
        return view
    view.Y = _run_gluon(st, X, K)  # (h, w)
    view.shape = conv_output_shape(st.n, st.n, *(_effective_k(st.k, st.d),) * 2,
                                   2 * st.p, 2 * st.p, st.s, st.s)
    h, w = view.Y.shape
    r, c = min(st.row, h - 1), min(st.col, w - 1)
    view.window = [(r * st.s + i * st.d, c * st.s + j * st.d)
                   for i in range(st.k) for j in range(st.k)]
    chosen = fn if st.mode == 'corr' else pool_fn
    if chosen is not None:
        student, problem = _run_student(st, X, K, fn, pool_fn, time_limit)
        if student is not None and student.shape != view.Y.shape:
            problem = (f'your {"fn" if st.mode == "corr" else "pool_fn"} gave shape '
                       f'{student.shape}, Gluon {view.Y.shape}')
        if problem:
            message += problem + '.'
        else:
            view.student = student
            view.mismatch = ~onp.isclose(student, view.Y, rtol=1e-4, atol=1e-4)
            bad = int(view.mismatch.sum())
            message += (f'your function differs from Gluon in {bad} of {view.Y.size} cells '
                        '(marked).' if bad else
                        f'your function agrees with Gluon in all {view.Y.size} cells.')
    view.message = message.strip()
    return view


def site_description():
    """Return what the site's JavaScript explorer draws from, as JSON-ready data (the package's addition).

    The controls, modes, inputs and bounds of the notebook widget, and the
    Fashion-MNIST test image 0 resized to every n (``_image_input``, the
    widget's own input), or why there is none. The JavaScript computes the
    rest the way ``explorer_view`` does; tests/test_explorer.py compares the
    two, and both with Gluon's layers.
    """
    images, error = None, ''
    try:
        images = {str(n): [round(float(v), 6) for v in _image_input(n, 0).ravel()]
                  for n in range(1, MAX_N + 1)}
    except (OSError, ValueError) as e:  # no data here: the site says why
        error = str(e)
    return {'controls': [dict(zip(('name', 'label', 'min', 'max'), c)) for c in CONTROLS],
            'modes': MODES, 'sources': SOURCES, 'gridN': GRID_N, 'maxN': MAX_N,
            'images': images, 'imageError': error}


# --- the static figure ----------------------------------------------------------------

def _title(st):
    extra = f', d={st.d}' if st.d > 1 else ''
    return f'{MODES[st.mode]}\nn={st.n}, k={st.k}, p={st.p}, s={st.s}{extra}'


def _draw_grid(ax, A, highlight=(), bad=None, numbers=True, title='', padding=0):
    """Draw A as cells (the outer `padding` rings and NaN in grey), outline highlighted cells, mark bad ones."""
    import matplotlib
    from matplotlib.patches import Rectangle
    shown = onp.array(A, dtype=float)
    if padding:
        inner = onp.zeros(A.shape, bool)
        inner[padding:-padding, padding:-padding] = True
        shown[~inner] = onp.nan
    finite = shown[onp.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    cmap = matplotlib.colormaps['Blues'].copy()
    cmap.set_bad('#d9d9d9')
    ax.imshow(shown, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1,
              interpolation='nearest')
    finite = A[onp.isfinite(A)]
    integers = finite.size and onp.allclose(finite, onp.round(finite))
    if numbers:
        for (i, j), v in onp.ndenumerate(A):
            text = '' if not onp.isfinite(v) else (f'{v:.0f}' if integers else f'{v:.1f}')
            dark = onp.isfinite(shown[i, j]) and hi > lo and (v - lo) / (hi - lo) > 0.6
            ax.text(j, i, text, ha='center', va='center', fontsize=7,
                    color='white' if dark else 'black')
    for r, c in highlight:
        ax.add_patch(Rectangle((c - .5, r - .5), 1, 1, fill=False, ec='tab:orange', lw=2))
    if bad is not None:
        for r, c in zip(*onp.nonzero(bad)):
            ax.add_patch(Rectangle((c - .5, r - .5), 1, 1, fill=False, ec='red', lw=2,
                                   hatch='xx'))
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def _mark_windows(ax, view):
    """Dot the first tap of every window on the padded input; write the kernel's weights in the chosen one."""
    st = view.settings
    h, w = view.Y.shape
    starts = [(i * st.s, j * st.s) for i in range(h) for j in range(w)]
    # in the cell's top-left corner, clear of its number
    ax.scatter([c - .3 for _, c in starts], [r - .3 for r, _ in starts], s=9, c='tab:orange',
               marker='o', zorder=3, label=f'{h * w} window starts')
    if view.K is not None and view.padded.shape[0] <= 12:
        for (r, c), weight in zip(view.window, view.K.ravel()):
            ax.text(c + .45, r + .45, f'x{weight:g}', ha='right', va='bottom', fontsize=5,
                    color='#c25f00')


def explorer_strip(settings, fn=None, pool_fn=None, scale=2.6):
    """Draw settings as columns of padded input, kernel and output; return the figure (the package's addition, section 6.3).

    Each column: the padded input with a dot where every window starts and
    the chosen output cell's window outlined (for cross-correlation with the
    kernel's weights in its cells), the kernel (or the pooling window's size
    and rule), and the output with the chosen cell and the formula.
    settings: a list of ExplorerSettings or of dicts of their fields. The
    static fallback of ``conv_explorer`` for headless notebooks; impossible
    settings are drawn as their message.
    """
    import matplotlib.pyplot as plt
    if isinstance(settings, (ExplorerSettings, dict)) or not hasattr(settings, '__iter__'):
        raise TypeError(f'settings must be a list of ExplorerSettings or dicts, '
                        f'got {type(settings).__name__}')
    settings = [s if isinstance(s, ExplorerSettings) else ExplorerSettings(**s) for s in settings]
    if not settings:
        raise ValueError('settings must hold at least one setting, got an empty list')
    fig, axes = plt.subplots(3, len(settings), figsize=(scale * len(settings), scale * 2.7),
                             squeeze=False, layout='constrained',
                             gridspec_kw={'height_ratios': [1, 0.45, 1]})
    for col, st in enumerate(settings):
        view = explorer_view(st, fn=fn, pool_fn=pool_fn)
        small = view.padded.shape[0] <= 12
        _draw_grid(axes[0, col], view.padded, view.window, numbers=small, padding=st.p,
                   title=f'{_title(st)}\npadded input {view.padded.shape[0]}x{view.padded.shape[1]}')
        kernel_ax, ax = axes[1, col], axes[2, col]
        if view.K is not None:
            _draw_grid(kernel_ax, view.K, numbers=st.k <= 7,
                       title=f'kernel {st.k}x{st.k}' + (f', taps {st.d} apart' if st.d > 1 else ''))
        else:
            kernel_ax.axis('off')
            rule = 'largest' if st.mode == 'max' else 'average'
            kernel_ax.text(0.5, 0.5, f'window {st.k}x{st.k}:\nits {rule} value', ha='center',
                           va='center', fontsize=8, transform=kernel_ax.transAxes)
        if not view.ok:
            ax.axis('off')
            ax.text(0.5, 0.5, _wrap(view.message, 28), ha='center', va='center', fontsize=8,
                    color='darkred', transform=ax.transAxes)
            continue
        _mark_windows(axes[0, col], view)
        h, w = view.Y.shape
        cell = [(min(st.row, h - 1), min(st.col, w - 1))]
        formula = view.formula.rsplit(': ', 1)[-1]
        _draw_grid(ax, view.Y, cell, view.mismatch, numbers=max(h, w) <= 12,
                   title=f'output {h}x{w} ({h * w} window{"s" if h * w != 1 else ""})\n'
                         f'{_wrap(formula, 34)}')
    return fig


def _wrap(text, width):
    import textwrap
    return '\n'.join(textwrap.wrap(text, width))


# --- the widget -------------------------------------------------------------------------

_CELL_CSS = ('width:{px}px;height:{px}px;min-width:{px}px;padding:0;text-align:center;'
             'font:{font}px monospace;border:1px solid #ddd;')


def _grid_html(A, highlight=(), bad=None, title='', padding=0):
    """Render A as an HTML table of coloured cells; highlighted cells outlined, bad ones in red."""
    n_rows, n_cols = A.shape
    px = 26 if max(A.shape) <= 12 else 11
    numbers = px > 11
    finite = A[onp.isfinite(A)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    integers = finite.size and onp.allclose(finite, onp.round(finite))
    marked = set(highlight)
    rows = []
    for i in range(n_rows):
        cells = []
        for j in range(n_cols):
            v = A[i, j]
            pad = i < padding or j < padding or i >= n_rows - padding or j >= n_cols - padding
            if not onp.isfinite(v):
                bg, text, fg = '#e8e8e8', '', 'black'
            else:
                t = (v - lo) / (hi - lo) if hi > lo else 0.0
                shade = int(245 - 190 * t)
                bg = f'rgb({shade},{shade + 5 if shade < 250 else 250},255)'
                if pad:
                    bg = '#e8e8e8'
                fg = 'white' if t > 0.6 and not pad else 'black'
                text = (f'{v:.0f}' if integers else f'{v:.2f}') if numbers else ''
            style = _CELL_CSS.format(px=px, font=10 if px > 11 else 7) + f'background:{bg};color:{fg};'
            if (i, j) in marked:
                style += 'outline:2px solid #f28e2b;outline-offset:-2px;'
            if bad is not None and bad[i, j]:
                style += 'outline:3px solid #d62728;outline-offset:-3px;'
                text = f'&#10007;{text}'
            cells.append(f'<td class="d2l-cell" data-i="{i}" data-j="{j}" style="{style}">{text}</td>')
        rows.append('<tr>' + ''.join(cells) + '</tr>')
    return (f'<div style="display:inline-block;vertical-align:top;margin-right:18px">'
            f'<div style="font:12px sans-serif;margin-bottom:4px">{html.escape(title)}</div>'
            f'<table style="border-collapse:collapse">{"".join(rows)}</table></div>')


def _view_html(view):
    """Render a view's grids side by side: padded input, kernel, output (and the student's)."""
    st = view.settings
    parts = [_grid_html(view.padded, view.window,
                        title=f'padded input {view.padded.shape[0]}x{view.padded.shape[1]} '
                              f'(p = {st.p} per side)', padding=st.p)]
    if view.K is not None:
        parts.append(_grid_html(view.K, title=f'kernel {st.k}x{st.k}'
                                + (f', dilation {st.d}' if st.d > 1 else '')))
    if view.ok:
        h, w = view.Y.shape
        cell = [(min(st.row, h - 1), min(st.col, w - 1))]
        parts.append(_grid_html(view.Y, cell, view.mismatch, title=f"Gluon's output {h}x{w}"))
        if view.student is not None:
            parts.append(_grid_html(view.student, cell, view.mismatch,
                                    title='your function\'s output'))
    return '<div>' + ''.join(parts) + '</div>'


def conv_explorer(fn=None, pool_fn=None, settings=None):
    """Return the explorer widget for cross-correlation and pooling (the package's addition, section 6.3).

    fn: your ``corr2d(X, K)``, pool_fn: your ``pool2d(X, pool_size, mode)``;
    either is run beside Gluon and the cells where it differs are marked.
    settings: the starting ExplorerSettings (default: its defaults).
    """
    return ConvExplorer(fn=fn, pool_fn=pool_fn, settings=settings)


class ConvExplorer(widgets.VBox):
    """Show the explorer: ``controls`` by name, the current ``view`` (the package's addition, section 6.3)."""

    def __init__(self, fn=None, pool_fn=None, settings=None):
        for name, f in (('fn', fn), ('pool_fn', pool_fn)):
            if f is not None and not callable(f):
                raise TypeError(f'{name} must be a function or None, got {type(f).__name__}')
        st = settings if settings is not None else ExplorerSettings()
        if not isinstance(st, ExplorerSettings):
            raise TypeError(f'settings must be an ExplorerSettings, got {type(st).__name__}')
        self.fn, self.pool_fn = fn, pool_fn
        style = {'description_width': '150px'}
        layout = widgets.Layout(width='360px')

        def slider(value, lo, hi, label):
            return widgets.IntSlider(value=value, min=lo, max=max(hi, value), description=label,
                                     style=style, layout=layout, continuous_update=True)

        self.controls = {name: slider(getattr(st, name), lo, hi, label)  # CONTROLS, as the site's
                         for name, label, lo, hi in CONTROLS}
        self.controls['mode'] = widgets.ToggleButtons(
            options=[(v, k) for k, v in MODES.items()], value=st.mode,
            style={'button_width': '130px'})
        self.controls['source'] = widgets.Dropdown(
            options=[(v, k) for k, v in SOURCES.items()], value=st.source, description='input',
            style=style, layout=layout)
        self.grids = widgets.HTML()
        self.formula = widgets.HTML()
        self.gluon = widgets.HTML()
        self.message = widgets.HTML()
        self.view = None
        c = self.controls
        super().__init__([
            c['mode'],
            widgets.HBox([widgets.VBox([c['n'], c['k'], c['p'], c['s'], c['d']]),
                    widgets.VBox([c['source'], c['row'], c['col']])]),
            self.formula, self.gluon, self.message, self.grids])
        self._image_index = st.image_index
        self._busy = False
        for control in c.values():
            control.observe(self._update, names='value')
        self._update()

    def settings(self):
        """Return the ExplorerSettings the controls now hold."""
        c = self.controls
        return ExplorerSettings(n=c['n'].value, k=c['k'].value, p=c['p'].value,
                                s=c['s'].value, d=c['d'].value, mode=c['mode'].value,
                                source=c['source'].value, row=c['row'].value,
                                col=c['col'].value, image_index=self._image_index)

    def _update(self, change=None):
        if self._busy:  # a max changed below clamps a value: one update is enough
            return
        self._busy = True
        try:
            if change is not None and change['owner'] is self.controls['source']:
                # the whole image when switching to it; a grid small enough for its numbers back
                n = self.controls['n']
                n.value = MAX_N if change['new'] == 'image' else min(n.value, GRID_N)
            st = self.settings()
            self.controls['d'].disabled = st.mode != 'corr'
            view = explorer_view(st, fn=self.fn, pool_fn=self.pool_fn)
            if view.ok:  # keep the chosen output cell inside the output
                for name, size in zip(('row', 'col'), view.Y.shape):
                    self.controls[name].max = size - 1
                if self.settings() != st:
                    view = explorer_view(self.settings(), fn=self.fn, pool_fn=self.pool_fn)
        except Exception as e:  # a widget callback's error would vanish into the kernel's log
            log.exception('conv_explorer: updating the view failed')
            self.message.value = (f'<span style="color:#b00">the explorer failed: '
                                  f'{html.escape(f"{type(e).__name__}: {e}")}</span>')
            return
        finally:
            self._busy = False
        self.view = view
        self.formula.value = f'<b>output side</b> = <code>{html.escape(view.formula)}</code>'
        self.gluon.value = f'<b>Gluon</b>: <code>{html.escape(view.gluon)}</code>'
        bad = not view.ok or (view.mismatch is not None and view.mismatch.any()) \
            or (view.student is None and (self.fn if st.mode == 'corr' else self.pool_fn))
        colour = '#b00' if bad else '#060'
        self.message.value = (f'<span style="color:{colour}">{html.escape(view.message)}</span>'
                              if view.message else '')
        self.grids.value = _view_html(view)
