"""The chapter notebooks: each runs in quick mode, imports its module, defines no helper.

Policy checked on every notebook's code cells (parsed with ``ast`` after
IPython's own transformation of magics): no ``def`` and no ``class`` at all,
at any depth, since helpers belong in the section's module (DESIGN.md: "our
notebooks import, they never define"); a lambda is allowed for presentation
(a plot's formatter) but may not be bound to a name the package exports; no
``d2l.<name>`` for a name d2l_ch6 provides itself (``d2l.corr2d``,
``d2l.train_ch5``): the notebooks use the package's versions.

Also: notebooks are stored without outputs or execution counts, and the
runner's error report, results, kernel and command line are tested on small
notebooks written to tmp_path.
"""
import argparse
import ast
import importlib
import json
import pathlib
import re
import sys

import nbformat
from mxnet import np as mx_np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import d2l_ch6
from d2l_ch6 import notebook_helpers as helpers
from d2l_ch6.publishing import runner as nbrun
from d2l_ch6.colab import COLAB_CELL
from conftest import NUMPY2_SCALAR_REPR

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / 'd2l_ch6' / 'notebooks'
# Each section's notebook and the modules of d2l_ch6 it must import.
SECTIONS = {
    '6.1-from-dense-layers-to-convolutions': ['convolutions'],
    '6.2-convolutions-for-images': ['convolutions'],
    '6.3-padding-and-stride': ['padding_stride'],
    '6.4-multiple-input-and-output-channels': ['channels'],
    '6.5-pooling': ['pooling'],
    '6.6-lenet': ['lenet', 'training'],
}
OTHER_MODULES = ['data', 'notebook_helpers']


def notebook_path(stem):
    path = NOTEBOOK_DIR / f'{stem}.ipynb'
    if not path.is_file():
        pytest.fail(f'{path} is missing')
    return path


def code_cells(path):
    """Return (index, source) of each code cell, IPython magics turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager
    transform = TransformerManager().transform_cell
    nb = nbformat.read(path, as_version=4)
    return [(i, transform(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == 'code']


def public_names():
    """Every name d2l_ch6 exports, at the top level or from one of its modules."""
    names = set(d2l_ch6.__all__)
    for module in {m for ms in SECTIONS.values() for m in ms} | set(OTHER_MODULES):
        try:
            names |= set(importlib.import_module(f'd2l_ch6.{module}').__all__)
        except ImportError:
            pass  # reported by the import test of that section
    return names


def write_notebook(path, *sources):
    """Write a notebook whose cells are the given sources ('# ...' alone is markdown)."""
    cells = [new_markdown_cell(s[2:]) if s.startswith('# ') and '\n' not in s
             else new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells), path)
    return path


# --- the six notebooks --------------------------------------------------------

def test_the_six_notebooks_are_there_in_section_order():
    """notebooks/ holds exactly one notebook per section, 6.1 to 6.6, named by number and title."""
    found = [p.stem for p in nbrun.find_notebooks(notebook_dir=NOTEBOOK_DIR)]
    assert found == list(SECTIONS)
    assert nbrun.default_notebook_dir() == NOTEBOOK_DIR


@pytest.mark.parametrize('stem', list(SECTIONS))
def test_notebook_runs_in_quick_mode(stem, quick_run):
    """Each notebook executes top to bottom in quick mode without an error in any cell.

    (Into the session's quick-run folder, from which tests/test_site.py builds the site.)
    """
    result = quick_run.run(notebook_path(stem))
    assert result.status == 'ok'
    executed = nbformat.read(result.output, as_version=4)
    errors = [o for c in executed.cells for o in c.get('outputs', []) if o.output_type == 'error']
    assert errors == []
    if stem == '6.6-lenet':
        # the runner's numbers are the ones train_ch5 printed in the notebook
        printed = [line for c in executed.cells for o in c.get('outputs', [])
                   for line in o.get('text', '').splitlines() if line.startswith('loss ')]
        for model in ('lenet', 'lenet_improved_mnist'):
            values = result.results[model]
            assert (f"loss {values['loss']:.3f}, train acc {values['train_acc']:.3f}, "
                    f"test acc {values['test_acc']:.3f}") in printed, (model, printed)
        # 3 epochs on 4,000 MNIST digits: far above chance (0.1) for the improved LeNet
        assert result.results['lenet_improved_mnist']['test_acc'] > 0.5
        assert result.results['quick'] is True
        assert len(result.figures) >= 3  # training curves, predictions, activations
    # what a reader sees reads numbers, not numpy 2's np.float64(...) (tests/conftest.py)
    text = '\n'.join(str(o.get('text', '')) + str(o.get('data', {}).get('text/plain', ''))
                      for c in executed.cells for o in c.get('outputs', []))
    assert not NUMPY2_SCALAR_REPR.search(text), NUMPY2_SCALAR_REPR.search(text)


@pytest.mark.parametrize('stem', list(SECTIONS))
def test_each_notebook_opens_with_the_colab_cell(stem):
    """The first cell for Colab (docs/installing.md shows it), the same in all six (it does nothing elsewhere)."""
    nb = nbformat.read(notebook_path(stem), as_version=4)
    assert next(c for c in nb.cells if c.cell_type == 'code').source == COLAB_CELL


def test_no_notebook_stores_outputs():
    """Notebooks are kept without outputs or execution counts (`make test` fails otherwise)."""
    paths = sorted(NOTEBOOK_DIR.glob('*.ipynb'))
    assert paths
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == 'code':
                assert cell.outputs == [], f'{path.name} cell {i} stores outputs'
                assert cell.execution_count is None, f'{path.name} cell {i} stores a count'


SHOWN_PLUMBING = ('@', 'check_', '_check', 'checked', 'log.', 'logging', 'print(', 'display(')


def shown_names(stem):
    """The objects a notebook shows with show_source(name), resolved as its import cell does."""
    namespace = {}
    imports = [src for _, src in code_cells(notebook_path(stem)) if 'google.colab' not in src][0]
    exec(imports, namespace)       # the notebook's imports (after the cell for Colab)
    return {src.strip()[len('show_source('):-1]: namespace[src.strip()[len('show_source('):-1]]
            for _, src in code_cells(notebook_path(stem)) if src.strip().startswith('show_source(')}


@pytest.mark.parametrize('stem', list(SECTIONS))
def test_shown_source_reads_like_the_book(stem):
    """What a `show_source(name)` cell displays has no argument checks, decorators, logging or
    printing, and names nothing of the package's internals (no `_name`)."""
    shown = shown_names(stem)
    assert shown or stem.startswith('6.1'), 'expected the section\'s code to be shown'
    for name, obj in shown.items():
        text = helpers.book_source(obj)
        assert text.lstrip().startswith(('def ', 'class ')), name
        for plumbing in SHOWN_PLUMBING:
            assert plumbing not in text, (name, plumbing)
        internals = re.findall(r'(?<![\w.])_[a-z]\w*', text)
        assert not internals, (name, internals)


def _check_positive(x):
    if x <= 0:
        raise ValueError('x must be positive')


def decorate(*args):
    return lambda f: f


@decorate()
@decorate(
    _check_positive)
def _shown(x, y):
    """Add x and y."""
    _check_positive(x)
    _check_positive(
        y)
    total = x + y   # the book's line
    return total


def test_book_source_hides_decorators_and_checks_and_keeps_the_rest():
    assert helpers.book_source(_shown) == (
        'def _shown(x, y):\n'
        '    """Add x and y."""\n'
        '    total = x + y   # the book\'s line\n'
        '    return total')
    assert helpers.show_source(_shown).data == f'```python\n{helpers.book_source(_shown)}\n```'


def test_shown_helpers_still_check_their_arguments():
    """Out of sight is not gone: the helpers shown refuse bad input as before."""
    with pytest.raises(TypeError, match='X must be an array'):
        d2l_ch6.corr2d([[1]], mx_np.ones((1, 1)))
    with pytest.raises(TypeError, match='net must be a Gluon Block'):
        d2l_ch6.evaluate_accuracy_gpu(None, [])


@pytest.mark.parametrize('stem', list(SECTIONS))
def test_notebook_imports_its_module_and_defines_no_helper(stem):
    """Each notebook imports its section's module(s) and defines no function or class."""
    names = public_names()
    imported = set()
    for index, source in code_cells(notebook_path(stem)):
        tree = ast.parse(source)
        for node in ast.walk(tree):
            where = f'{stem} cell {index} line {getattr(node, "lineno", "?")}'
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), \
                f'{where} defines {node.name}: put helpers in the module and import them'
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                bound = {t.id for t in node.targets if isinstance(t, ast.Name)}
                assert not bound & names, f'{where} redefines {bound & names} as a lambda'
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == 'd2l' and node.attr in names):
                pytest.fail(f'{where} uses d2l.{node.attr}; import d2l_ch6\'s {node.attr}')
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith('d2l_ch6.'):
                    imported.add(node.module.split('.')[1])
                elif node.module == 'd2l_ch6':
                    for module in SECTIONS[stem]:
                        exported = importlib.import_module(f'd2l_ch6.{module}').__all__
                        if {a.name for a in node.names} & set(exported):
                            imported.add(module)
            if isinstance(node, ast.Import):
                imported |= {a.name.split('.')[1] for a in node.names
                             if a.name.startswith('d2l_ch6.')}
    missing = set(SECTIONS[stem]) - imported
    assert not missing, f'{stem} does not import d2l_ch6.{", d2l_ch6.".join(sorted(missing))}'


# --- the runner -----------------------------------------------------------------

def test_runner_names_notebook_cell_and_error(tmp_path):
    """A failing cell raises NotebookError naming the notebook, the cell index and the error."""
    path = write_notebook(tmp_path / '6.9-broken.ipynb', '# A broken notebook', 'x = 1',
                          'y = x / 0', 'print("never runs")')
    with pytest.raises(nbrun.NotebookError,
                       match=r'6\.9-broken\.ipynb, cell 2 \(y = x / 0\): '
                             r'ZeroDivisionError: division by zero') as info:
        nbrun.run_notebook(path, tmp_path / 'out')
    assert info.value.cell_index == 2 and info.value.ename == 'ZeroDivisionError'
    # The partly executed notebook is written for inspection, the error in cell 2.
    executed = nbformat.read(tmp_path / 'out' / 'notebooks' / '6.9-broken.ipynb', as_version=4)
    assert [o.output_type for o in executed.cells[2].outputs] == ['error']
    assert executed.cells[3].outputs == []


def test_runner_names_the_cell_that_stopped_it_not_an_allowed_error_before(tmp_path):
    """A cell tagged raises-exception may fail; the error named is the later untagged cell's."""
    path = write_notebook(tmp_path / '6.9-allowed.ipynb', 'x = 1', 'raise NotImplementedError',
                          'y = x + 1', 'z = undefined_name')
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].metadata['tags'] = ['raises-exception']
    nbformat.write(nb, path)
    with pytest.raises(nbrun.NotebookError,
                       match=r"cell 3 \(z = undefined_name\): NameError: name 'undefined_name'") as info:
        nbrun.run_notebook(path, tmp_path / 'out')
    assert info.value.cell_index == 3


def test_results_named_in_the_metadata_come_back_without_a_cell_of_the_notebook(tmp_path):
    """The runner appends the cell that reports the histories the metadata names, then drops it."""
    path = tmp_path / '6.9-histories.ipynb'
    write_notebook(path, 'from d2l_ch6.training.reporting import EpochRecord, History\n'
                         'h = History("cpu(0)", [EpochRecord(1, 0.25, 0.5, 0.75, 0.9, 10, 10, 1, 1)])')
    nb = nbformat.read(path, as_version=4)
    nb.metadata['d2l_ch6'] = {'results': {'mine': 'h'}}
    nbformat.write(nb, path)
    result = nbrun.run_notebook(path, out=tmp_path / 'out', quick=True)
    assert result.results == {'mine': {'loss': 0.25, 'train_acc': 0.5, 'test_acc': 0.75},
                              'quick': True}
    executed = nbformat.read(result.output, as_version=4)
    assert [c.source for c in executed.cells] == [c.source for c in nb.cells]
    nb.metadata['d2l_ch6'] = {'results': {'mine': 'h[0]; import os'}}
    nbformat.write(nb, path)
    with pytest.raises(nbrun.NotebookError, match='6.9-histories.ipynb: NotebookMetadataError: '
                       'notebook metadata d2l_ch6.results must map result names to variable names'):
        nbrun.run_notebook(path, out=tmp_path / 'out')


def test_run_notebooks_kernel_quick_mode_results_and_figures(tmp_path, monkeypatch):
    """Notebooks run in order in this venv's kernel, each in its own working folder; results and figures come back.

    A failure in one notebook is reported and the next still runs. Figures are
    kept even when the caller's environment selects a non-interactive backend.
    """
    monkeypatch.setenv('MPLBACKEND', 'Agg')
    folder = tmp_path / 'nbs'
    folder.mkdir()
    write_notebook(folder / '6.10-later.ipynb', 'raise KeyError("boom")')
    write_notebook(
        folder / '6.9-probe.ipynb',
        'import os, sys\nfrom d2l_ch6.notebook_helpers import quick, Results\n'
        'import matplotlib.pyplot as plt',
        'plt.plot([0, 1], [1, 0]);',
        'Results(probe={"prefix": sys.prefix, "cwd": os.getcwd(), "quick": quick()}, '
        'lenet={"loss": 0.5, "test_acc": 0.75})')
    results = nbrun.run_notebooks(out=tmp_path / 'out', quick=True, notebook_dir=folder)
    assert [(r.name, r.status) for r in results] == [('6.9-probe', 'ok'), ('6.10-later', 'failed')]
    probe = results[0].results['probe']
    assert probe == {'prefix': sys.prefix, 'cwd': str(tmp_path / 'out' / 'work' / '6.9-probe'),
                     'quick': True}
    assert results[0].figures == [tmp_path / 'out' / 'notebooks' / '6.9-probe_files' / 'cell01_1.png']
    assert results[0].figures[0].read_bytes()[:4] == b'\x89PNG'
    assert 'KeyError' in str(results[1].error) and 'cell 0' in str(results[1].error)
    table = nbrun.summary_table(results, 1.0)
    assert 'lenet: loss 0.500, test acc 0.750' in table
    assert 'total 1.0 s; 1 of 2 ok' in table
    # Each run is recorded in OUT/notebooks/summary.json, for `d2l-ch6 site`.
    summary = nbrun.read_summary(tmp_path / 'out')
    assert set(summary) == {'6.9-probe', '6.10-later'}
    assert summary['6.9-probe']['status'] == 'ok' and summary['6.9-probe']['quick'] is True
    assert summary['6.9-probe']['results']['lenet'] == {'loss': 0.5, 'test_acc': 0.75}
    assert summary['6.9-probe']['seconds'] == round(results[0].seconds, 2)
    assert summary['6.10-later']['status'] == 'failed' and 'KeyError' in summary['6.10-later']['error']
    # A later run of one notebook replaces its entry and keeps the others.
    nbrun.run_notebooks(['6.9'], out=tmp_path / 'out', quick=False, notebook_dir=folder)
    again = nbrun.read_summary(tmp_path / 'out')
    assert again['6.9-probe']['quick'] is False and again['6.10-later'] == summary['6.10-later']
    (tmp_path / 'out' / 'notebooks' / nbrun.SUMMARY_FILE).write_text('{broken')
    with pytest.raises(ValueError, match='summary.json is not valid JSON'):
        nbrun.read_summary(tmp_path / 'out')
    assert nbrun.read_summary(tmp_path / 'absent') == {}


def test_quick_mode_runs_hidden_cells_after_the_tagged_ones_and_removes_them(tmp_path):
    """Metadata d2l_ch6.quick: code run right after the tagged cell in quick mode, never written."""
    path = write_notebook(tmp_path / '6.9-sizes.ipynb', 'num_epochs = 10', 'print(num_epochs)',
                          '1 / 0 if num_epochs == 3 else None')
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].metadata['tags'] = ['data']
    nb.metadata['d2l_ch6'] = {'quick': {'data': 'num_epochs = 3'}}
    nbformat.write(nb, path)
    full = nbrun.run_notebook(path, out=tmp_path / 'full', quick=False)
    written = nbformat.read(full.output, as_version=4)
    assert [c.source for c in written.cells] == [c.source for c in nb.cells]
    assert written.cells[1].outputs[0]['text'] == '10\n'
    with pytest.raises(nbrun.NotebookError) as failed:
        nbrun.run_notebook(path, out=tmp_path / 'quick', quick=True)
    assert failed.value.cell_index == 2          # the reader's numbering, without the hidden cell
    written = nbformat.read(tmp_path / 'quick' / 'notebooks' / path.name, as_version=4)
    assert [c.source for c in written.cells] == [c.source for c in nb.cells]
    assert written.cells[1].outputs[0]['text'] == '3\n'


@pytest.mark.parametrize('quick_code, message', [
    (['num_epochs = 3'], 'd2l_ch6.quick must map cell tags to code'),
    ({'data': 3}, 'd2l_ch6.quick must map cell tags to code'),
    ({'absent': 'x = 1'}, "names the cell tag 'absent', which 0 cells have"),
])
def test_quick_mode_metadata_that_is_wrong_is_named(tmp_path, quick_code, message):
    path = write_notebook(tmp_path / '6.9-bad.ipynb', 'x = 0')
    nb = nbformat.read(path, as_version=4)
    nb.metadata['d2l_ch6'] = {'quick': quick_code}
    nbformat.write(nb, path)
    with pytest.raises(nbrun.NotebookError, match=re.escape(message)):
        nbrun.run_notebook(path, out=tmp_path / 'out', quick=True)


READER_PLUMBING = ('quick', 'D2L_CH6', 'benchmarks/', '%env', 'os.environ')


@pytest.mark.parametrize('stem', list(SECTIONS))
def test_no_cell_a_reader_reads_shows_plumbing(stem):
    """No quick-mode branch, environment variable or benchmarks/ path in any cell's text."""
    for i, cell in enumerate(nbformat.read(notebook_path(stem), as_version=4).cells):
        for plumbing in READER_PLUMBING:
            assert plumbing not in cell.source, (stem, i, plumbing)


def test_find_notebooks_by_section_stem_and_glob(tmp_path):
    """Names select notebooks by section number, stem or glob, always in section order."""
    for stem in ('6.10-ten', '6.2-two', '6.1-one', '6.9-nine'):
        write_notebook(tmp_path / f'{stem}.ipynb', 'pass')
    stems = lambda names: [p.stem for p in nbrun.find_notebooks(names, tmp_path)]  # noqa: E731
    assert stems(None) == ['6.1-one', '6.2-two', '6.9-nine', '6.10-ten']
    assert stems(['6.1']) == ['6.1-one']
    assert stems(['6.10', '6.2-two']) == ['6.2-two', '6.10-ten']
    assert stems(['6.[19]-*', '6.1-one.ipynb']) == ['6.1-one', '6.9-nine']


def test_find_notebooks_bad_names(tmp_path):
    """An unknown name, a bare string and a missing folder raise errors naming the argument."""
    write_notebook(tmp_path / '6.1-one.ipynb', 'pass')
    with pytest.raises(ValueError, match=r"names: no notebook .* matches '6\.7'; there are 6\.1-one"):
        nbrun.find_notebooks(['6.7'], tmp_path)
    with pytest.raises(TypeError, match='names must be a list'):
        nbrun.find_notebooks('6.1', tmp_path)
    with pytest.raises(ValueError, match='notebook_dir must be a folder'):
        nbrun.find_notebooks(None, tmp_path / 'absent')
    with pytest.raises(ValueError, match='timeout must be a positive number'):
        nbrun.run_notebook(tmp_path / '6.1-one.ipynb', tmp_path, timeout=0)


@pytest.mark.parametrize('value, expected', [('1', True), ('true', True), ('YES', True),
                                             ('0', False), ('', False), (None, False)])
def test_quick_reads_the_environment(value, expected):
    """quick() is on only for D2L_CH6_QUICK = 1/true/yes/on."""
    environ = {} if value is None else {helpers.QUICK_ENV: value}
    assert helpers.quick(environ) is expected


def test_summary_table_leaves_the_mode_to_its_header():
    """The runner's quick flag is not repeated in each row of the summary (the run says its mode)."""
    run = nbrun.NotebookResult('6.6-lenet', 'ok', 2.0, {'lenet': {'test_acc': 0.8}, 'quick': False},
                               None, [])
    table = nbrun.summary_table([run])
    assert 'lenet: test acc 0.800' in table and 'quick' not in table
    assert helpers.format_results(run.results) == 'lenet: test acc 0.800; quick False'


def test_results_display_as_json_and_text():
    """Results(...) carries plain JSON numbers (numpy scalars converted) and a readable line."""
    import numpy as onp
    bundle = helpers.Results(lenet={'loss': onp.float32(0.25), 'epochs': onp.int64(10)},
                             quick=False)._repr_mimebundle_()
    assert json.loads(json.dumps(bundle[helpers.RESULTS_MIME])) == {
        'lenet': {'loss': 0.25, 'epochs': 10}, 'quick': False}
    assert bundle['text/plain'] == 'lenet: loss 0.250, epochs 10; quick False'


def test_helper_library_is_cheap_for_a_kernel():
    """A notebook's import of the helper library loads no runner: nbclient, nbformat, jupyter_client.

    The modules are removed from sys.modules in a fresh interpreter first, as a
    kernel starts; the runner's own import is checked to load them lazily too.
    """
    import subprocess
    probe = ('import sys\n'
             'import d2l_ch6.notebook_helpers\n'
             'import d2l_ch6.publishing.runner\n'
             'heavy = ("nbclient", "nbformat", "jupyter_client", "nbconvert", "playwright")\n'
             'print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))\n')
    done = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                          timeout=120, cwd=pathlib.Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '[]'


# --- the command line -------------------------------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser(prog='d2l-ch6')
    nbrun.add_notebooks_parser(parser.add_subparsers(dest='command', required=True))
    return parser.parse_args(argv)


def test_cli_runs_one_notebook_and_prints_the_table(tmp_path, capsys):
    """`d2l-ch6 notebooks --quick 6.3` runs that notebook, writes it and prints the table."""
    from d2l_ch6.__main__ import main
    assert main(['notebooks', '--quick', '--out', str(tmp_path), '6.3']) == 0
    out = capsys.readouterr().out
    assert 'running 1 notebook(s), quick' in out
    assert out.splitlines()[-4].split()[:2] == ['notebook', 'status']
    assert out.splitlines()[-2].split()[:2] == ['6.3-padding-and-stride', 'ok']
    assert 'total' in out.splitlines()[-1] and '1 of 1 ok' in out
    executed = nbformat.read(tmp_path / 'notebooks' / '6.3-padding-and-stride.ipynb', as_version=4)
    assert any(c.get('outputs') for c in executed.cells)


def test_cli_failure_exits_non_zero_naming_the_cell(tmp_path, capsys):
    """A failing notebook makes the command exit 1 and name notebook, cell and error."""
    write_notebook(tmp_path / '6.9-broken.ipynb', 'assert 1 + 1 == 3, "bad sum"')
    args = parse(['notebooks', '--notebook-dir', str(tmp_path), '--out', str(tmp_path / 'o')])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert '6.9-broken.ipynb, cell 0 (assert 1 + 1 == 3, "bad sum"): AssertionError: bad sum' in err
    args = parse(['notebooks', '--notebook-dir', str(tmp_path), '6.8'])
    assert args.func(args) == 2
    assert "no notebook" in capsys.readouterr().err


def test_cli_help_states_defaults(capsys):
    """Every option's help states its default."""
    with pytest.raises(SystemExit):
        parse(['notebooks', '--help'])
    text = ' '.join(capsys.readouterr().out.split())
    for needle in ('(default: build)', '(default: off, full size)', '(default: 600)',
                   '(default: all six, in order)', '(default: run them all)'):
        assert needle in text


# --- bad arguments ------------------------------------------------------------------

@pytest.mark.parametrize('value', ['0', '-5', 'nan', 'inf', 'soon'])
def test_cli_bad_timeout_is_a_usage_error(value, capsys):
    """--timeout 0 or -5 used to end in a traceback from inside the run."""
    with pytest.raises(SystemExit) as info:
        parse(['notebooks', f'--timeout={value}'])
    assert info.value.code == 2
    assert (f"argument --timeout: must be a positive number of seconds, got '{value}'"
            in capsys.readouterr().err)


def test_cli_fractional_timeout_is_rounded_up_to_whole_seconds():
    """nbclient's timeout is an integer trait: 2.5 was refused with a TraitError."""
    assert parse(['notebooks', '--timeout', '2.5']).timeout == 3
    assert nbrun.check_timeout(600) == 600


@pytest.mark.parametrize('timeout, err', [(0, ValueError), (-5, ValueError),
                                          (float('nan'), ValueError), (True, TypeError),
                                          ('10', TypeError)])
def test_run_notebook_bad_timeout(tmp_path, timeout, err):
    path = write_notebook(tmp_path / '6.1-one.ipynb', 'pass')
    with pytest.raises(err, match='timeout must be a positive number of seconds'):
        nbrun.run_notebook(path, tmp_path, timeout=timeout)


def test_cell_timeout_says_which_cell_and_how_to_give_it_more_time(tmp_path):
    """The message used to be the last line of nbclient's text: a line of the cell's source."""
    path = write_notebook(tmp_path / '6.9-slow.ipynb', 'x = 1', 'import time\ntime.sleep(60)')
    with pytest.raises(nbrun.NotebookError) as info:
        nbrun.run_notebook(path, tmp_path / 'out', timeout=1.5)
    assert str(info.value) == (
        '6.9-slow.ipynb, cell 1 (import time): CellTimeoutError: the cell ran longer than the '
        'timeout of 2 s per cell; give it more time with --timeout SECONDS '
        '(run_notebook(..., timeout=...))')


def test_notebook_dir_empty_or_a_file_is_named(tmp_path, capsys):
    """An empty --notebook-dir used to run '0 of 0 ok' and exit 0."""
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'file.txt').write_text('not a folder')
    with pytest.raises(ValueError, match=r"notebook_dir must be a folder of \.ipynb files, "
                                         r"got '.*empty', which holds none"):
        nbrun.find_notebooks(None, tmp_path / 'empty')
    with pytest.raises(ValueError, match="got '.*file.txt', which is a file"):
        nbrun.find_notebooks(None, tmp_path / 'file.txt')
    with pytest.raises(ValueError, match="notebook_dir must name a folder of .ipynb files, got ''"):
        nbrun.find_notebooks(None, '')
    for folder in (tmp_path / 'empty', tmp_path / 'file.txt', ''):
        args = parse(['notebooks', '--notebook-dir', str(folder), '--out', str(tmp_path / 'o')])
        assert args.func(args) == 2
        captured = capsys.readouterr()
        assert 'd2l-ch6 notebooks: notebook_dir must' in captured.err
        assert 'running' not in captured.out


def test_out_that_is_a_file_is_named_before_anything_runs(tmp_path, capsys):
    write_notebook(tmp_path / '6.1-one.ipynb', 'pass')
    (tmp_path / 'out.txt').write_text('a file')
    args = parse(['notebooks', '--notebook-dir', str(tmp_path), '--out', str(tmp_path / 'out.txt')])
    assert args.func(args) == 2
    captured = capsys.readouterr()
    assert f"out must be a folder, but '{tmp_path / 'out.txt'}' is a file" in captured.err
    assert 'running' not in captured.out
    with pytest.raises(ValueError, match='out must be a folder, but .*out.txt.* is a file'):
        nbrun.run_notebook(tmp_path / '6.1-one.ipynb', tmp_path / 'out.txt' / 'deeper')


# --- the runner never harms its inputs -------------------------------------------------

def test_each_notebook_runs_in_its_own_folder_and_cannot_edit_the_next(tmp_path):
    """6.3 wrote a file in the notebooks' folder and edited 6.4 before 6.4 ran (the cwd was the sources)."""
    folder = tmp_path / 'nbs'
    folder.mkdir()
    write_notebook(folder / '6.1-writer.ipynb',
                   'import json, os\n'
                   'open("6.2-reader.ipynb", "w").write("{not a notebook")\n'
                   'open("scratch.txt", "w").write(os.getcwd())')
    write_notebook(folder / '6.2-reader.ipynb', 'x = 2 + 2', 'x')
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    results = nbrun.run_notebooks(out=tmp_path / 'out', notebook_dir=folder)
    assert [(r.name, r.status) for r in results] == [('6.1-writer', 'ok'), ('6.2-reader', 'ok')]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    work = tmp_path / 'out' / 'work'
    assert (work / '6.1-writer' / 'scratch.txt').read_text() == str(work / '6.1-writer')
    assert not (work / '6.2-reader' / 'scratch.txt').exists()


@pytest.mark.parametrize('out', ['.', '..'])
def test_out_that_is_or_holds_the_sources_is_refused_before_anything_runs(tmp_path, capsys, out):
    """`--out P --notebook-dir P/notebooks` overwrote the source notebooks with their executed copies."""
    folder = tmp_path / 'p' / 'notebooks'
    folder.mkdir(parents=True)
    write_notebook(folder / '6.1-one.ipynb', 'open("/dev/null").close()\nx = 1')
    before = (folder / '6.1-one.ipynb').read_bytes()
    target = (folder / out).resolve()
    what = 'is' if out == '.' else 'holds'
    message = (f"out must be a folder apart from the notebooks, got '{target}', which {what} "
               f"the notebooks' folder '{folder}'")
    args = parse(['notebooks', '--notebook-dir', str(folder), '--out', str(folder / out)])
    assert args.func(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err and 'running' not in captured.out
    for call in (lambda: nbrun.run_notebooks(out=folder / out, notebook_dir=folder),
                 lambda: nbrun.run_notebook(folder / '6.1-one.ipynb', out=folder / out)):
        with pytest.raises(ValueError, match=re.escape(message)):
            call()
    assert sorted(p.name for p in folder.iterdir()) == ['6.1-one.ipynb']
    assert (folder / '6.1-one.ipynb').read_bytes() == before
    assert not (tmp_path / 'p' / 'work').exists()


def test_a_bad_notebook_is_its_own_failure_and_the_others_run(tmp_path, capsys):
    """A non-JSON file or bad d2l_ch6.results metadata aborted the whole run with a raw traceback."""
    folder = tmp_path / 'nbs'
    folder.mkdir()
    (folder / '6.1-garbage.ipynb').write_text('{this is not json', encoding='utf-8')
    (folder / '6.2-array.ipynb').write_text('[1, 2, 3]', encoding='utf-8')
    bad = write_notebook(folder / '6.3-metadata.ipynb', 'h = 1')
    nb = nbformat.read(bad, as_version=4)
    nb.metadata['d2l_ch6'] = {'results': ['h']}
    nbformat.write(nb, bad)
    write_notebook(folder / '6.4-good.ipynb', 'print("ran")')
    args = parse(['notebooks', '--notebook-dir', str(folder), '--out', str(tmp_path / 'o')])
    assert args.func(args) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split()[:2] for line in lines if line.startswith('  6.')] == [
        ['6.1-garbage:', 'failed'], ['6.2-array:', 'failed'], ['6.3-metadata:', 'failed'],
        ['6.4-good:', 'ok']]
    assert 'total' in lines[-1] and '1 of 4 ok' in lines[-1]
    assert ('6.1-garbage.ipynb: NotebookUnreadable: not a Jupyter notebook (nbformat 4 JSON) '
            'that can be read') in captured.err
    assert '6.2-array.ipynb: NotebookUnreadable' in captured.err
    assert ("6.3-metadata.ipynb: NotebookMetadataError: notebook metadata d2l_ch6.results must "
            "map result names to variable names, got ['h']") in captured.err
    assert 'Traceback' not in captured.err
    summary = nbrun.read_summary(tmp_path / 'o')
    assert {k: v['status'] for k, v in summary.items()} == {
        '6.1-garbage': 'failed', '6.2-array': 'failed', '6.3-metadata': 'failed', '6.4-good': 'ok'}
    assert (folder / '6.1-garbage.ipynb').read_text() == '{this is not json'


# --- 6.6's speed beside the recorded one -------------------------------------------------

CPUINFO = ('processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n'
           'flags\t\t: fpu sse2 avx avx2 fma {extra}\n\nprocessor\t: 1\n')


@pytest.mark.parametrize('extra, units', [('avx512f avx512bw', 'AVX-512'), ('', 'AVX2')])
def test_cpu_line_names_the_widest_vector_unit_in_the_flags(extra, units):
    """6.6 explained a gap by AVX2 on a CPU whose flags hold avx512f."""
    assert helpers.cpu_line(CPUINFO.format(extra=extra), cores=2) == (
        f'CPU: Intel(R) Xeon(R) Processor, {units}, 2 cores')


def speed_history(examples_per_sec):
    from d2l_ch6.training.reporting import EpochRecord, History
    seconds = 60000 / examples_per_sec
    return History('[cpu(0), cpu(1)]', [EpochRecord(1, 0.5, 0.8, 0.8, 0.9, 60000, 60000,
                                                    seconds, seconds + 1)])


RECORDED = [dict(variant='book', examples_per_sec=20000.0, date='2026-11-25',
                 ctx='[cpu(0), cpu(1)]', cpu='CPU: Intel(R) Xeon(R) Processor, AVX-512, 2 cores'),
            dict(variant='book', examples_per_sec=22000.0, date='2026-11-25',
                 ctx='[cpu(0), cpu(1)]', cpu='CPU: Intel(R) Xeon(R) Processor, AVX-512, 2 cores'),
            dict(variant='improved', examples_per_sec=7000.0, date='2026-11-25',
                 ctx='[cpu(0), cpu(1)]', cpu='CPU: Intel(R) Xeon(R) Processor, AVX-512, 2 cores')]
SAME = 'CPU: Intel(R) Xeon(R) Processor, AVX-512, 2 cores'


def test_speed_comparison_gives_both_speeds_and_their_ratio():
    """10,500 against the book runs' mean of 21,000: 0.50, worked out by hand."""
    text = helpers.speed_comparison(speed_history(10500), RECORDED, cpu=SAME, busy=0.0)
    lines = text.splitlines()
    assert lines[0] == f'this run: 10,500 examples/sec on [cpu(0), cpu(1)], {SAME}'
    assert lines[1] == ('recorded (book, 2 runs, 2026-11-25): 21,000 examples/sec on '
                        f'[cpu(0), cpu(1)], {SAME}')
    assert lines[2] == 'ratio: this run is 0.50 times the recorded speed'
    assert lines[3] == ('the same CPU model, vector unit and core count, and no other process '
                        'busy now: nothing measured here explains the gap')
    assert 'AVX2' not in text
    near = helpers.speed_comparison(speed_history(20000), RECORDED, cpu=SAME, busy=0.0)
    assert near.splitlines()[-1] == 'within 10% of the recorded speed'


def test_speed_comparison_explains_a_gap_only_by_what_was_measured():
    other = 'CPU: AMD EPYC 7B13, AVX2, 4 cores'
    text = helpers.speed_comparison(speed_history(10500), RECORDED, cpu=other, busy=0.0)
    assert text.splitlines()[-1] == (
        'measured here: the CPU model differs: AMD EPYC 7B13 here, Intel(R) Xeon(R) Processor '
        'recorded; the widest vector unit differs: AVX2 here, AVX-512 recorded; the core count '
        'differs: 4 cores here, 2 cores recorded')
    busy = helpers.speed_comparison(speed_history(10500), RECORDED, cpu=SAME, busy=1.5)
    assert busy.splitlines()[-1] == (
        'measured here: other processes keep 1.5 of the 2 cores busy now (measured over a '
        'second after the training), so they share the cores')
    with pytest.raises(ValueError, match="variant must have recorded runs, got none for 'x'"):
        helpers.speed_comparison(speed_history(1), RECORDED, variant='x', cpu=SAME, busy=0.0)


def test_busy_cores_sees_another_process_spinning():
    """A child process spinning for the whole second is about one busy core (on 2+ cores)."""
    import os
    import subprocess
    if (os.cpu_count() or 1) < 2:
        pytest.skip('one core')
    spin = subprocess.Popen([sys.executable, '-c', 'import time\nt = time.time()\n'
                             'while time.time() - t < 1.6: pass'])
    try:
        import time
        time.sleep(0.2)
        assert helpers.busy_cores(1.0) >= 0.7
    finally:
        spin.wait()
