"""Tests for d2l_ch6.explorer, the convolution/pooling explorer (the package's addition).

References: the book's figures worked by hand (Fig. 6.2.1, 6.3.1, 6.5.1), Gluon
layers built here from the line the explorer displays, and an explicit numpy
loop over padded, dilated windows.
"""
import itertools
import json
import os
import re
import signal
import time

import numpy as onp
import pytest
from mxnet import np
from mxnet.gluon import nn  # noqa: F401  (the displayed Gluon line is evaluated with it)
from numpy.testing import assert_allclose

from d2l_ch6 import corr2d, pool2d
from d2l_ch6.explorer import (ConvExplorer, ExplorerSettings, conv_explorer, explorer_strip,
                              explorer_view)


def reference(X, K, p, s, d, mode, k):
    """Cross-correlate or pool X by explicit loops over padded, dilated windows (numpy)."""
    fill = -onp.inf if mode == 'max' else 0.0
    Xp = onp.pad(X.astype(onp.float64), p, constant_values=fill)
    extent = d * (k - 1) + 1
    n_out = (Xp.shape[0] - extent) // s + 1
    Y = onp.zeros((n_out, n_out))
    for i in range(n_out):
        for j in range(n_out):
            window = Xp[i * s: i * s + extent: d, j * s: j * s + extent: d]
            Y[i, j] = {'corr': lambda: (window * K).sum(), 'max': window.max,
                       'avg': window.mean}[mode]()
    return Y


def gluon_from_line(line, X):
    """Run the Gluon layer that the explorer's displayed line builds on X; return its output."""
    layer = eval(line)  # e.g. nn.Conv2D(1, kernel_size=3, padding=1, strides=2, dilation=1)
    layer.initialize()
    if isinstance(layer, nn.Conv2D):
        layer(np.zeros((1, 1) + X.shape))  # deferred shapes
        k = layer.weight.shape[-1]
        layer.weight.set_data(np.arange(k * k, dtype='float32').reshape(1, 1, k, k))
        layer.bias.set_data(np.zeros(1))
    return layer(np.array(X).reshape((1, 1) + X.shape))[0, 0].asnumpy()


def side_from_formula(formula):
    """Read the output side from the end of the displayed formula: '... = 3'."""
    match = re.search(r'= (\d+)$', formula)
    assert match, f'no result at the end of {formula!r}'
    return int(match.group(1))


# --- the book's figures, by hand ---------------------------------------------------------

def test_fig_6_2_1_cross_correlation():
    """3x3 input 0..8, 2x2 kernel 0..3: output [[19, 25], [37, 43]] (Fig. 6.2.1)."""
    view = explorer_view(n=3, k=2)
    assert_allclose(view.Y, [[19, 25], [37, 43]])
    assert view.shape == (2, 2) and view.message == ''
    assert view.gluon == 'nn.Conv2D(1, kernel_size=2, padding=0, strides=1, dilation=1)'
    assert view.window == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_fig_6_3_1_padding():
    """Padding 1 per side: 5x5 padded input, 4x4 output whose first element is 0x0+0x1+0x2+0x3 = 0."""
    view = explorer_view(n=3, k=2, p=1, row=3, col=3)
    assert view.padded.shape == (5, 5) and view.Y.shape == (4, 4)
    assert view.Y[0, 0] == 0 and view.Y[3, 3] == 8 * 0  # bottom-right window: 8 x k[0, 0]
    assert view.Y[1, 1] == 0 * 0 + 1 * 1 + 3 * 2 + 4 * 3
    assert view.window == [(3, 3), (3, 4), (4, 3), (4, 4)]
    assert view.formula.endswith('floor((3 - 2 + 2 + 1) / 1) = floor(4 / 1) = 4')


def test_fig_6_5_1_pooling():
    """Max pooling a 3x3 input 0..8 with a 2x2 window gives [[4, 5], [7, 8]]; average [[2, 3], [5, 6]]."""
    assert_allclose(explorer_view(n=3, k=2, s=1, mode='max').Y, [[4, 5], [7, 8]])
    assert_allclose(explorer_view(n=3, k=2, s=1, mode='avg').Y, [[2, 3], [5, 6]])
    assert explorer_view(n=3, k=2, s=1, mode='max').gluon == \
        'nn.MaxPool2D(pool_size=2, strides=1, padding=0)'


def test_padded_stride_example_by_hand():
    """n=5, k=3, p=1, s=2: 3x3 output; its first cell sees 0, 1, 5, 6 under kernel taps 4, 5, 7, 8."""
    view = explorer_view(n=5, k=3, p=1, s=2)
    assert view.Y.shape == (3, 3)
    assert view.Y[0, 0] == 0 * 4 + 1 * 5 + 5 * 7 + 6 * 8
    assert view.formula.endswith('= floor(6 / 2) = 3')


def test_dilation_formula_and_window():
    """Dilation 2 spreads a 3x3 kernel over 5x5: k' = 5, the window skips every other cell."""
    view = explorer_view(n=7, k=3, p=1, s=2, d=2, row=1, col=0)
    assert view.formula.startswith("k' = d(k - 1) + 1 = 2(3 - 1) + 1 = 5; ")
    assert side_from_formula(view.formula) == 3 == view.Y.shape[0]
    assert view.window[:3] == [(2, 0), (2, 2), (2, 4)] and view.window[-1] == (6, 4)


# --- every setting against Gluon and loops -----------------------------------------------

SWEEP = [(n, k, p, s, d, mode)
         for n, k, p, s, d, mode in itertools.product((1, 4, 7), (1, 2, 3, 5), (0, 1, 2),
                                                     (1, 2, 3), (1, 2), ('corr', 'max', 'avg'))
         if not (mode != 'corr' and d > 1)]


@pytest.mark.parametrize('n, k, p, s, d, mode', SWEEP)
def test_view_matches_gluon_line_formula_and_loops(n, k, p, s, d, mode):
    """The displayed formula's number, the shape, and the output agree with Gluon and with loops."""
    view = explorer_view(n=n, k=k, p=p, s=s, d=d, mode=mode)
    extent = d * (k - 1) + 1
    possible = extent <= n + 2 * p and (mode == 'corr' or p < k)
    assert view.ok is possible
    if not possible:
        assert view.Y is None and view.message and 'not defined' in view.formula
        return
    expected = reference(view.X, view.K, p, s, d, mode, k)
    assert_allclose(view.Y, expected, rtol=1e-5)
    assert view.Y.shape == view.shape == (side_from_formula(view.formula),) * 2
    assert_allclose(gluon_from_line(view.gluon, view.X), view.Y, rtol=1e-5)


@pytest.mark.parametrize('changes, needle', [
    (dict(n=3, k=5), 'The window (5x5) is larger than the padded input (3x3)'),
    (dict(n=4, k=3, d=3), 'The dilated window (7x7) is larger than the padded input (4x4)'),
    (dict(n=4, k=2, p=2, mode='max'), 'pooling needs padding p < k (got p = 2, k = 2)'),
    (dict(n=4, k=2, d=2, mode='avg'), "Gluon's pooling layers have no dilation (got d = 2)"),
])
def test_impossible_settings_give_a_message_not_an_exception(changes, needle):
    """Settings Gluon cannot run come back as a message, with no output and no error."""
    view = explorer_view(**changes)
    assert needle in view.message
    assert not view.ok and view.window == []


# --- the student's function ----------------------------------------------------------------

def wrong_corr2d(X, K):
    """A typical slip: the kernel flipped (true convolution, not cross-correlation)."""
    return corr2d(X, K[::-1, ::-1])


def test_fn_right_and_wrong():
    """The book's corr2d agrees everywhere; a flipped kernel is marked where it differs."""
    right = explorer_view(n=6, k=3, p=1, s=2, d=1, fn=corr2d)
    assert right.message == 'your function agrees with Gluon in all 9 cells.'
    assert not right.mismatch.any()
    wrong = explorer_view(n=6, k=3, p=1, s=2, fn=wrong_corr2d)
    expected = ~onp.isclose(reference(wrong.X, wrong.K[::-1, ::-1], 1, 2, 1, 'corr', 3), wrong.Y)
    assert expected.any()
    assert (wrong.mismatch == expected).all()
    assert f'differs from Gluon in {expected.sum()} of 9 cells' in wrong.message


def test_fn_with_dilation_and_pool_fn():
    """Dilation and stride are applied around the student's stride-1 function; pool2d agrees too."""
    assert not explorer_view(n=7, k=2, p=1, s=2, d=3, fn=corr2d).mismatch.any()
    for mode in ('max', 'avg'):
        view = explorer_view(n=6, k=3, p=1, s=2, mode=mode, pool_fn=pool2d)
        assert view.student is not None and not view.mismatch.any(), mode
    # max where avg was asked: differs, marked
    view = explorer_view(n=5, k=2, mode='avg', pool_fn=lambda X, size, mode: pool2d(X, size, 'max'))
    assert view.mismatch.all()


def test_fn_that_raises_or_returns_the_wrong_shape_is_reported():
    """A failing or wrongly shaped student function is reported in the message, never raised."""
    view = explorer_view(n=4, k=2, fn=lambda X, K: 1 / 0)
    assert view.message == 'your fn raised ZeroDivisionError: division by zero.'
    assert view.ok and view.student is None
    view = explorer_view(n=4, k=2, fn=lambda X, K: X)
    assert view.message == "your fn gave shape (4, 4), Gluon (3, 3)."
    view = explorer_view(n=4, k=2, mode='max', pool_fn=lambda X, size, mode: X.sum())
    assert 'returned a 0-D array' in view.message


def test_bad_arguments():
    """Bad settings and functions raise errors naming the argument."""
    with pytest.raises(ValueError, match='n must be an integer >= 1 and <= 28, got 0'):
        ExplorerSettings(n=0)
    with pytest.raises(TypeError, match=r'p must be an integer >= 0 and <= 4, got float 1\.5'):
        explorer_view(p=1.5)
    with pytest.raises(ValueError, match="mode must be one of 'corr', 'max', 'avg', got 'sum'"):
        explorer_view(mode='sum')
    with pytest.raises(ValueError, match="source must be one of 'grid', 'image', got 'camera'"):
        ExplorerSettings(source='camera')
    with pytest.raises(TypeError, match='fn must be a function or None, got int'):
        conv_explorer(fn=3)
    with pytest.raises(TypeError, match='settings must be an ExplorerSettings, got dict'):
        explorer_view({'n': 3})
    with pytest.raises(TypeError, match='settings must be a list'):
        explorer_strip(ExplorerSettings())
    with pytest.raises(ValueError, match='at least one setting'):
        explorer_strip([])


@pytest.mark.parametrize('field, low, high', [
    ('n', 1, 28), ('k', 1, 7), ('p', 0, 4), ('s', 1, 4), ('d', 1, 3), ('row', 0, 28),
    ('col', 0, 28), ('image_index', 0, 9999)])
def test_settings_are_bounded(field, low, high):
    """Each setting is refused outside the sliders' range (n=3000 killed the site's explorer), named with its range.

    The ranges are the widget's sliders (n up to a whole 28x28 image, k to 7,
    p to 4, s to 4, d to 3) and Fashion-MNIST's 10000 test images.
    """
    assert getattr(ExplorerSettings(**{field: low}), field) == low
    assert getattr(ExplorerSettings(**{field: high}), field) == high
    for value in (low - 1, high + 1, 10**30):
        with pytest.raises(ValueError, match=rf'^{field} must be an integer >= {low} and <= {high}, '
                                             rf'got {value}$'):
            ExplorerSettings(**{field: value})
    with pytest.raises(TypeError, match=rf'^{field} must be an integer >= {low} and <= {high}, '
                                        r"got str '3'$"):
        ExplorerSettings(**{field: '3'})


def test_fashion_mnist_image_input(fashion_dir):
    """The image input is a real test image in [0, 1], resized to n x n; Gluon runs on it."""
    from d2l_ch6.data import load_fashion_mnist_arrays
    view = explorer_view(n=28, k=3, p=1, source='image', image_index=2)
    images, _ = load_fashion_mnist_arrays()['test']
    assert_allclose(view.X, images[2] / 255, atol=1e-6)
    assert view.Y.shape == (28, 28) and view.message == ''
    assert_allclose(view.Y, reference(view.X, view.K, 1, 1, 1, 'corr', 3), atol=1e-4)
    small = explorer_view(n=14, k=2, s=2, mode='max', source='image', image_index=2)
    assert small.X.shape == (14, 14) and small.Y.shape == (7, 7)


# --- the widget --------------------------------------------------------------------------------

def test_widget_sliders_drive_shape_formula_and_gluon_line():
    """Moving the sliders updates the shape, the formula and the Gluon line, which Gluon confirms."""
    w = conv_explorer()
    assert isinstance(w, ConvExplorer)
    c = w.controls
    for name, value in (('n', 8), ('k', 3), ('p', 1), ('s', 2), ('d', 2)):
        c[name].value = value
    assert w.view.settings == ExplorerSettings(n=8, k=3, p=1, s=2, d=2)
    line = re.search(r'<code>(.*)</code>', w.gluon.value).group(1)
    assert line == 'nn.Conv2D(1, kernel_size=3, padding=1, strides=2, dilation=2)'
    formula = re.search(r'<code>(.*)</code>', w.formula.value).group(1)
    out = gluon_from_line(line, w.view.X)
    assert out.shape == (side_from_formula(formula),) * 2 == w.view.Y.shape == (3, 3)
    assert_allclose(w.view.Y, out, rtol=1e-5)
    assert 'Gluon&#x27;s output 3x3' in w.grids.value
    # the chosen cell follows the output: its slider ends at the last row
    assert (c['row'].max, c['col'].max) == (2, 2)
    c['row'].value = 2
    assert w.view.window[0] == (4, 0)
    assert w.grids.value.count('outline:2px solid') == 9 + 1  # the window and the output cell


def test_widget_pooling_disables_dilation_and_reports_impossible():
    """Pooling greys out dilation; an impossible setting shows its message and keeps working."""
    w = conv_explorer()
    c = w.controls
    c['mode'].value = 'max'
    assert c['d'].disabled
    assert 'MaxPool2D(pool_size=3, strides=1, padding=0)' in w.gluon.value
    c['p'].value = 3
    assert 'pooling needs padding p &lt; k' in w.message.value and not w.view.ok
    c['p'].value = 1
    assert w.view.ok and w.message.value == ''
    c['mode'].value = 'corr'
    c['n'].value, c['k'].value = 2, 7  # 7 > 2 + 2: too large
    assert 'larger than the padded input (4x4)' in w.message.value
    assert 'not defined' in w.formula.value


def test_widget_shrinking_output_clamps_the_chosen_cell():
    """When the output shrinks under the chosen cell, the cell moves to the last one."""
    w = conv_explorer(settings=ExplorerSettings(n=8, k=1, row=7, col=7))
    w.controls['s'].value = 3
    assert w.view.Y.shape == (3, 3)
    assert (w.controls['row'].value, w.controls['col'].value) == (2, 2)
    assert w.view.settings.row == 2


def test_widget_marks_a_wrong_student_function():
    """fn= runs beside Gluon: right agrees (green), wrong is marked cell by cell (red)."""
    right = conv_explorer(fn=corr2d)
    assert 'agrees with Gluon in all 9 cells' in right.message.value
    assert '#060' in right.message.value and '&#10007;' not in right.grids.value
    wrong = conv_explorer(fn=wrong_corr2d)
    bad = int(wrong.view.mismatch.sum())
    assert bad > 0 and f'differs from Gluon in {bad} of 9 cells' in wrong.message.value
    assert '#b00' in wrong.message.value
    assert wrong.grids.value.count('&#10007;') == 2 * bad  # in Gluon's output and in the student's


# --- the static figure -----------------------------------------------------------------------

def test_explorer_strip_draws_each_setting(tmp_path):
    """Each setting is a column: padded input (every window's start dotted), kernel, output; impossible: message."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig = explorer_strip([dict(n=5, k=3, p=1, s=2), ExplorerSettings(n=4, k=2, mode='max'),
                          dict(n=3, k=5)])
    axes = fig.axes
    assert len(axes) == 9
    inputs, kernels, outputs = axes[0:3], axes[3:6], axes[6:9]
    assert inputs[0].get_title().endswith('padded input 7x7')
    assert 'output 3x3' in outputs[0].get_title() and '= 3' in outputs[0].get_title()
    assert 'output 3x3' in outputs[1].get_title()
    assert any('larger than the padded input' in ' '.join(t.get_text().split())
               for t in outputs[2].texts)
    # every window's first tap: stride 2 on the 7x7 padded input, rows and columns 0, 2, 4
    dots = onp.asarray(inputs[0].collections[0].get_offsets()) + .3   # drawn in the corner
    assert_allclose(sorted(map(tuple, dots.tolist())),
                    [(c, r) for c in (0.0, 2.0, 4.0) for r in (0.0, 2.0, 4.0)], atol=1e-9)
    assert len(inputs[1].collections[0].get_offsets()) == 9      # 3x3 max-pooling windows
    # the kernel: the book's 0..8 grid, drawn with its numbers, and its weights in the window
    assert kernels[0].get_title() == 'kernel 3x3'
    assert_allclose(kernels[0].images[0].get_array(), onp.arange(9).reshape(3, 3))
    assert [t.get_text() for t in kernels[0].texts] == [str(i) for i in range(9)]
    assert [t.get_text() for t in inputs[0].texts if t.get_text().startswith('x')] == [
        f'x{i}' for i in range(9)]
    assert 'its largest value' in kernels[1].texts[0].get_text()
    path = tmp_path / 'strip.png'
    fig.savefig(path)
    plt.close(fig)
    assert path.read_bytes()[:4] == b'\x89PNG'


# --- in a real kernel, as JupyterLab talks to it ---------------------------------------------

def test_widget_in_a_kernel_updates_over_comm_messages():
    """In an IPython kernel started as Jupyter starts one, a slider moved by the front end updates the formula.

    The test plays JupyterLab's part on the wire: it displays the explorer,
    checks the widget-view output and the comm_open of every model, sends the
    'update' comm message that moving the k slider sends, and reads the
    kernel's state updates back.
    """
    import json
    import sys

    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    class ThisPythonKernel(KernelManager):
        @property
        def kernel_spec(self):
            return KernelSpec(argv=[sys.executable, '-m', 'ipykernel_launcher', '-f',
                                    '{connection_file}'], display_name='py', language='python')

    km = ThisPythonKernel()
    km.start_kernel(extra_arguments=['--IPKernelApp.log_level=ERROR'])
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        code = ('import json, ipywidgets\nfrom d2l_ch6 import conv_explorer\nw = conv_explorer()\n'
                'display(w)\nprint(json.dumps({"k": w.controls["k"].model_id, '
                '"formula": w.formula.model_id, "gluon": w.gluon.model_id, "box": w.model_id, '
                '"ipywidgets": ipywidgets.__version__}))')
        msg_id = kc.execute(code)
        opened, shown, ids = {}, [], None  # model states as the front end holds them
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg['parent_header'].get('msg_id') != msg_id:
                continue
            kind, content = msg['msg_type'], msg['content']
            if kind == 'comm_open':
                assert content['target_name'] == 'jupyter.widget'
                opened[content['comm_id']] = dict(content['data']['state'])
            elif kind == 'comm_msg' and content['data'].get('method') == 'update':
                opened[content['comm_id']].update(content['data']['state'])
            elif kind == 'display_data':
                shown.append(content['data'])
            elif kind == 'stream':
                ids = json.loads(content['text'])
            elif kind == 'error':
                pytest.fail('\n'.join(content['traceback']))
            elif kind == 'status' and content['execution_state'] == 'idle':
                break
        import ipywidgets
        assert ids['ipywidgets'] == ipywidgets.__version__  # the kernel runs the version under test
        view = shown[0]['application/vnd.jupyter.widget-view+json']
        assert view['model_id'] == ids['box']
        assert opened[ids['k']]['_model_name'] == 'IntSliderModel' and opened[ids['k']]['value'] == 3
        assert opened[ids['formula']]['value'].endswith('= 3</code>')
        # The front end moves the k slider to 2 (what JupyterLab sends on a drag).
        kc.shell_channel.send(kc.session.msg('comm_msg', {
            'comm_id': ids['k'], 'data': {'method': 'update', 'state': {'value': 2},
                                          'buffer_paths': []}}))
        updates = {}
        while ids['formula'] not in updates or ids['gluon'] not in updates:
            msg = kc.get_iopub_msg(timeout=60)
            if msg['msg_type'] == 'comm_msg' and msg['content']['data'].get('method') == 'update':
                updates[msg['content']['comm_id']] = msg['content']['data']['state']
        assert updates[ids['formula']]['value'].endswith(
            'floor((5 - 2 + 0 + 1) / 1) = floor(4 / 1) = 4</code>')
        assert 'kernel_size=2,' in updates[ids['gluon']]['value']
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_widget_switching_to_the_image_shows_all_of_it(fashion_dir):
    """Choosing the Fashion-MNIST image sets n to its 28 pixels; back to the grid, n shrinks to 8."""
    w = conv_explorer()
    w.controls['source'].value = 'image'
    assert w.view.X.shape == (28, 28) and w.view.Y.shape == (26, 26)
    assert w.view.message == ''
    w.controls['source'].value = 'grid'
    assert w.controls['n'].value == 8 and w.view.X[0, 1] == 1


def test_view_and_widget_work_from_another_thread():
    """ipykernel 7 may run widget callbacks on a subshell thread, where MXNet's NumPy mode is off.

    (In JupyterLab the pooling sliders failed there with MXNet's 'legacy operator' TypeError.)
    """
    import threading
    w = conv_explorer(settings=ExplorerSettings(mode='max'))
    seen = {}

    def move():
        seen['view'] = explorer_view(n=6, k=2, s=2, mode='avg')
        w.controls['row'].value = 1

    thread = threading.Thread(target=move)
    thread.start()
    thread.join()
    assert_allclose(seen['view'].Y, reference(seen['view'].X, None, 0, 2, 1, 'avg', 2))
    assert w.view.settings.row == 1 and w.view.window[0] == (1, 0)
    assert 'failed' not in w.message.value


def test_widget_shows_an_unexpected_failure_instead_of_going_stale(monkeypatch):
    """An error inside an update is shown in the widget (and logged), not lost in the kernel."""
    from d2l_ch6 import explorer
    w = conv_explorer()

    def boom(*args, **kwargs):
        raise RuntimeError('engine on fire')

    monkeypatch.setattr(explorer, 'explorer_view', boom)
    w.controls['k'].value = 2
    assert 'the explorer failed: RuntimeError: engine on fire' in w.message.value
    assert not w._busy


# --- the site's JavaScript explorer, in chromium ------------------------------------------
# The explorer of the offline site (d2l_ch6/publishing/site_assets/explorer.js) is driven in
# Debian's chromium: sliders moved, the mode and the input switched; what it shows is read from the
# page (shape, formula, Gluon line, message, the grids' cell values) and compared with
# explorer_view and with Gluon's own layers, built from the line the page shows.

# Set a setting the way a reader does (input first: it resets n), then read everything back.
_JS_SET_AND_READ = r"""([settingsList]) => {
  const root = document.querySelector('div.d2l-explorer');
  const grid = (cls) => {
    const t = root.querySelector('.' + cls + ' table');
    return t ? [...t.rows].map(r => [...r.cells].map(c => Number(c.dataset.value))) : null;
  };
  const read = () => ({
    shape: root.querySelector('.d2l-ex-shape').textContent,
    formula: root.querySelector('.d2l-ex-formula').textContent,
    gluon: root.querySelector('.d2l-ex-gluon').textContent,
    message: root.querySelector('.d2l-ex-message').textContent,
    padded: grid('d2l-ex-input'), K: grid('d2l-ex-kernel'), Y: grid('d2l-ex-output'),
    window: [...root.querySelectorAll('.d2l-ex-input td.d2l-ex-win')].map(
        td => [Number(td.dataset.i), Number(td.dataset.j)]),
    values: Object.fromEntries([...root.querySelectorAll('input[type=range]')].map(
        i => [i.dataset.name, Number(i.value)])),
    mode: root.querySelector('button[aria-pressed=true]').dataset.mode,
    source: root.querySelector('select').value,
    dDisabled: root.querySelector('input[data-name=d]').disabled,
  });
  const out = [];
  for (const st of settingsList) {
    const select = root.querySelector('select');
    if (select.value !== st.source) {
      select.value = st.source; select.dispatchEvent(new Event('change'));
    }
    root.querySelector(`button[data-mode=${st.mode}]`).click();
    for (const name of ['n', 'k', 'p', 's', 'd', 'row', 'col']) {
      const input = root.querySelector(`input[data-name=${name}]`);
      input.value = st[name]; input.dispatchEvent(new Event('input'));
    }
    out.push(read());
  }
  return out;
}"""


_JS_READ = _JS_SET_AND_READ.replace('return out;', 'return read();')  # reads, sets nothing


@pytest.fixture(scope='module')
def explorer_page(tmp_path_factory):
    """The 6.3 page of a site built from a notebook made for the test, open in chromium."""
    import pathlib
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from d2l_ch6.publishing import browser_check, site as sitemod
    if not pathlib.Path(browser_check.CHROMIUM).is_file():
        pytest.skip(f'{browser_check.CHROMIUM} is missing: make setup installs Debian\'s chromium')
    sync_api = pytest.importorskip('playwright.sync_api', reason='playwright is missing')
    out = tmp_path_factory.mktemp('explorer_site')
    (out / 'notebooks').mkdir()
    widget = new_output('display_data', data={
        'application/vnd.jupyter.widget-view+json': {'model_id': 'a', 'version_major': 2,
                                                     'version_minor': 0}})
    nb = new_notebook(cells=[new_markdown_cell('# 6.3 Padding and Stride'),
                             new_code_cell('conv_explorer(fn=corr2d)', outputs=[widget])])
    nbformat.write(nb, out / 'notebooks' / '6.3-padding-and-stride.ipynb')
    site = sitemod.build_site(out).parent
    outside = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_check.CHROMIUM, headless=True,
                                     args=browser_check.CHROMIUM_ARGS)
        page = browser.new_page(viewport={'width': 1280, 'height': 1000})
        errors = []
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
        page.route('**/*', lambda r: r.continue_() if r.request.url.startswith('file:')
                   else (outside.append(r.request.url), r.abort()))
        page.goto((site / '6.3-padding-and-stride.html').as_uri())
        page.wait_for_selector('div.d2l-explorer .d2l-ex-input')
        yield page, errors, outside, site
        browser.close()


def page_settings(state):
    """The ExplorerSettings the page's controls hold."""
    v = state['values']
    return ExplorerSettings(n=v['n'], k=v['k'], p=v['p'], s=v['s'], d=v['d'], mode=state['mode'],
                            source=state['source'], row=v['row'], col=v['col'])


def assert_page_matches_python(state):
    """The page's texts, padded input, window and output are explorer_view's for its settings."""
    st = page_settings(state)
    view = explorer_view(st)
    assert state['formula'] == view.formula, st
    assert state['gluon'] == view.gluon, st
    assert state['message'] == view.message, st
    assert_allclose(onp.array(state['padded'], dtype=float), view.padded, atol=1e-5,
                    equal_nan=True, err_msg=str(st))
    if view.ok:
        assert state['shape'] == f'output {view.Y.shape[0]}x{view.Y.shape[1]}', st
        assert sorted(map(tuple, state['window'])) == sorted(view.window), st
        assert_allclose(state['Y'], view.Y, rtol=1e-5, atol=1e-4, err_msg=str(st))
    else:
        assert state['Y'] is None and state['shape'] == 'no output: this setting cannot run', st
    return st, view


_JS_BUILD_FROM = r"""(settings) => {
  const root = document.createElement('div');
  root.className = 'd2l-explorer-extra';
  root.setAttribute('data-settings', settings);
  document.body.appendChild(root);
  window.d2lExplorer.build(root);
  const values = Object.fromEntries([...root.querySelectorAll('input[type=range]')].map(
      i => [i.dataset.name, Number(i.value)]));
  const maxima = Object.fromEntries([...root.querySelectorAll('input[type=range]')].map(
      i => [i.dataset.name, Number(i.max)]));
  const result = {values: values, maxima: maxima,
                  mode: root.querySelector('button[aria-pressed=true]').dataset.mode,
                  shape: root.querySelector('.d2l-ex-shape').textContent};
  root.remove();
  return result;
}"""


@pytest.mark.once  # a real browser: the same on every Python
def test_site_explorer_clamps_a_page_s_settings(explorer_page):
    """A page whose data-settings hold n=3000 (as a notebook copied them) starts at the sliders' ends, no error.

    n=3000 used to widen the slider and overflow the stack ("Maximum call
    stack size exceeded"); 'toString' passed `mode in D.modes`.
    """
    page, errors, outside, _ = explorer_page
    state = page.evaluate(_JS_BUILD_FROM, json.dumps(
        {'n': 3000, 'k': -5, 'p': 2.6, 's': 1e308, 'd': 'x', 'row': -1, 'col': 10**9,
         'mode': 'toString', 'source': 'grid'}))
    # col: 28, then the last column of the 9x9 output (the explorer keeps the cell inside it)
    assert state['values'] == {'n': 28, 'k': 1, 'p': 3, 's': 4, 'd': 1, 'row': 0, 'col': 8}
    assert state['maxima'] == {'n': 28, 'k': 7, 'p': 4, 's': 4, 'd': 3, 'row': 8, 'col': 8}
    assert state['mode'] == 'corr'
    # n=28, k=1, p=3, s=4: floor((28 - 1 + 6 + 4) / 4) = 9
    assert state['shape'] == 'output 9x9'
    assert errors == [] and outside == []


@pytest.mark.once  # a real browser: the same on every Python
def test_site_explorer_sliders_move_the_drawing(explorer_page):
    """Each slider moved by the keyboard changes its value, and the page shows explorer_view's numbers."""
    page, errors, outside, _ = explorer_page
    page.evaluate(_JS_SET_AND_READ, [[dict(n=5, k=3, p=0, s=1, d=1, row=0, col=0, mode='corr',
                                           source='grid')]])
    for name, key, expected in [('n', 'ArrowRight', 6), ('k', 'ArrowLeft', 2),
                                ('p', 'ArrowRight', 1), ('s', 'ArrowRight', 2),
                                ('d', 'ArrowRight', 2), ('row', 'ArrowRight', 1),
                                ('col', 'ArrowRight', 1)]:
        page.focus(f'div.d2l-explorer input[data-name={name}]')
        page.keyboard.press(key)
        state = page.evaluate(_JS_READ, [[]])
        assert state['values'][name] == expected, (name, state['values'])
        st, view = assert_page_matches_python(state)
    # n=6, k=2, p=1, s=2, d=2: k' = 3, floor((6 - 3 + 2 + 2) / 2) = 3
    assert state['formula'].endswith('floor(7 / 2) = 3') and state['shape'] == 'output 3x3'
    page.click('div.d2l-explorer button[data-mode=max]')  # pooling: d must be 1, and is said so
    state = page.evaluate(_JS_READ, [[]])
    assert state['dDisabled'] and state['message'].startswith("Gluon's pooling layers have no dilation")
    assert_page_matches_python(state)
    assert errors == [] and outside == []


GRID_SETTINGS = [dict(n=n, k=k, p=p, s=s, d=d, mode=mode, source='grid', row=1, col=2)
                 for n, k, p, s, d, mode in itertools.product(
                     (1, 3, 5, 8), (1, 2, 3, 4), (0, 1, 2), (1, 2, 3), (1, 2), ('corr', 'max', 'avg'))]
IMAGE_SETTINGS = [dict(n=n, k=k, p=p, s=s, d=d, mode=mode, source='image', row=3, col=1)
                  for n, k, p, s, d, mode in itertools.product(
                      (28, 7), (3, 5), (0, 2), (1, 2), (1, 3), ('corr', 'max', 'avg'))]


def gluon_reference(line, X, K):
    """Run the layer the page names (its weights the page's kernel, no bias) on X; return (h, w)."""
    from mxnet import init
    layer = eval(line)
    if isinstance(layer, nn.Conv2D):
        layer = eval(line[:-1] + ', use_bias=False, in_channels=1)')
        layer.initialize(init.Constant(onp.asarray(K, dtype='float32').reshape(
            (1, 1) + onp.shape(K)).tolist()))
    else:
        layer.initialize()
    return layer(np.array(X, dtype='float32').reshape((1, 1) + X.shape))[0, 0].asnumpy()


@pytest.mark.once  # a real browser: the same on every Python
@pytest.mark.parametrize('settings', [GRID_SETTINGS, IMAGE_SETTINGS], ids=['grid', 'image'])
def test_site_explorer_agrees_with_gluon(explorer_page, settings, fashion_dir):
    """Over a grid of settings the page's output values are those of Gluon's Conv2D/MaxPool2D/AvgPool2D.

    The page's input is the book's grid or the embedded Fashion-MNIST image
    (equal to the widget's, explorer._image_input); impossible settings show
    explorer_view's message and no output.
    """
    from d2l_ch6.explorer import _image_input
    page, errors, outside, _ = explorer_page
    states = page.evaluate(_JS_SET_AND_READ, [settings])
    computed = 0
    for wanted, state in zip(settings, states):
        st, view = assert_page_matches_python(state)
        assert (st.n, st.k, st.p, st.s, st.d, st.mode) == tuple(
            wanted[k] for k in ('n', 'k', 'p', 's', 'd', 'mode'))
        if not view.ok:
            continue
        n, p = st.n, st.p
        X = onp.array(state['padded'], dtype=float)[p:p + n, p:p + n]
        expected_X = onp.arange(n * n).reshape(n, n) if st.source == 'grid' else _image_input(n, 0)
        assert_allclose(X, expected_X, atol=1e-6)
        Y = gluon_reference(state['gluon'], expected_X, state['K'] if st.mode == 'corr' else None)
        assert_allclose(state['Y'], Y, rtol=1e-5, atol=1e-4, err_msg=str(st))
        computed += 1
    assert computed > len(settings) // 3     # most settings run; the rest are messages
    assert errors == [] and outside == []


def test_widget_and_site_share_one_description():
    """The widget's sliders are CONTROLS, which the site's explorer gets from site_description()."""
    import json
    from d2l_ch6.explorer import CONTROLS, MODES, SOURCES, site_description
    widget = conv_explorer()
    for name, label, lo, hi in CONTROLS:
        control = widget.controls[name]
        assert (control.description, control.min) == (label, lo), name
        assert control.max == hi or name in ('row', 'col'), name   # row/col follow the output
    described = json.loads(json.dumps(site_description()))
    assert [(c['name'], c['label'], c['min'], c['max']) for c in described['controls']] == \
        [tuple(c) for c in CONTROLS]
    assert described['modes'] == MODES and described['sources'] == SOURCES


def test_site_description_embeds_the_widgets_image(fashion_dir):
    """The image for every n is _image_input(n, 0), to 6 decimals; without data, the reason instead."""
    from d2l_ch6 import explorer
    described = explorer.site_description()
    assert sorted(map(int, described['images'])) == list(range(1, explorer.MAX_N + 1))
    for n in (1, 5, 28):
        assert_allclose(onp.reshape(described['images'][str(n)], (n, n)),
                        explorer._image_input(n, 0), atol=1e-6)
    assert described['imageError'] == ''


def test_site_description_without_data(monkeypatch):
    """No Fashion-MNIST here: no image, and the site says why (the DataError's text)."""
    from d2l_ch6 import explorer
    from d2l_ch6.data import DataError

    def missing(n, index):
        raise DataError('no folder holds the Fashion-MNIST files')
    monkeypatch.setattr(explorer, '_image_input', missing)
    described = explorer.site_description()
    assert described['images'] is None
    assert described['imageError'] == 'no folder holds the Fashion-MNIST files'


@pytest.mark.skipif(not (hasattr(os, 'fork') and os.path.isdir('/proc')),
                    reason='the child and its processes: os.fork and /proc')
def test_processes_a_student_function_starts_end_with_its_child(tmp_path):
    """A fn that leaves a detached process sleeping on: it is killed with the fn's child."""
    pids = tmp_path / 'grandchild'

    def fn(X, K):
        middle = os.fork()
        if middle == 0:  # start the grandchild in its own session, record it, leave
            os.setsid()
            grandchild = os.fork()
            if grandchild == 0:
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                time.sleep(20)
                os._exit(0)
            pids.write_text(str(grandchild))
            os._exit(0)
        os.waitpid(middle, 0)
        while True:  # and this one never returns
            pass

    grandchild = None
    try:
        view = explorer_view(n=4, k=2, fn=fn, time_limit=1)
        grandchild = int(pids.read_text())
        assert view.message == 'your fn did not finish within 1 s and was stopped.'
        time.sleep(0.1)  # SIGKILL is delivered, not awaited
        try:
            with open(f'/proc/{grandchild}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except FileNotFoundError:  # it ended and was reaped
            state = 'gone'
        assert state in ('Z', 'X', 'gone'), f'the grandchild is still running (state {state})'
    finally:
        if grandchild is not None:  # a broken defence leaves it sleeping: end it here
            try:
                os.kill(grandchild, signal.SIGKILL)
            except OSError:
                pass
