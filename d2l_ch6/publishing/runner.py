"""Run the chapter's notebooks headless and report on them (the main job).

``run_notebooks`` executes the package's ``notebooks/6.x-*.ipynb`` in order with nbclient,
each in a fresh kernel started from this interpreter (``sys.executable -m
ipykernel_launcher``, whatever kernelspecs a user has installed), with the
kernel's working folder a folder of its own, ``<out>/work/<notebook>/``, so
that what a notebook writes never lands beside the sources (nor in
site-packages, where the package's own notebooks live). It writes each executed notebook,
outputs and figures included, to ``<out>/notebooks/`` and the figures also as
files beside it, and records each run (status, seconds, results) in
``<out>/notebooks/summary.json``, which ``d2l-ch6 site`` reads. An output
folder that is or holds the notebooks' folder is refused before anything runs;
a notebook that cannot be read, or whose runner metadata is malformed, is that
notebook's failure and the others still run.

The notebooks are package data (``d2l_ch6/notebooks/``, read through
``importlib.resources``): a wheel runs them as a clone does, and
``d2l-ch6 notebooks --copy DIR`` writes them out for a reader to open.

Quick mode shortens a notebook without a cell of its own: its metadata maps
cell tags to code (``{"d2l_ch6": {"quick": {"data": "num_epochs = 3"}}}``),
which the runner runs right after the tagged cell and removes before writing
the executed notebook; the kernels also get ``D2L_CH6_QUICK=1``, which
``quick()`` reads, so the results say how they were made. A notebook
hands numbers to this runner without a cell of its own: its metadata names
the histories to report (``{"d2l_ch6": {"results": {"lenet": "history"}}}``),
and the runner appends a cell that displays them as ``Results(...)`` for the
run, reads it back and removes it before writing the executed notebook. So
nothing depends on printed text and nothing of the runner shows to a reader.
``quick``, ``Results`` and ``history_results`` are the kernel's side of this,
in the notebooks' helper library ``d2l_ch6.notebook_helpers``.

nbclient, nbformat and ipykernel are imported only when notebooks are run.
"""
import argparse
import base64
import dataclasses
import fnmatch
import importlib.resources
import json
import logging
import math
import os
import pathlib
import sys
import time

from ..notebook_helpers import QUICK_ENV, RESULTS_MIME, _jsonable, format_results

__all__ = ['NotebookError', 'NotebookResult', 'find_notebooks', 'run_notebook', 'run_notebooks',
           'copy_notebooks', 'add_notebooks_parser', 'read_summary', 'summary_table',
           'SUMMARY_FILE']

log = logging.getLogger(__name__)

SUMMARY_FILE = 'summary.json'  # in <out>/notebooks/: each notebook's latest run, for `d2l-ch6 site`
DEFAULT_TIMEOUT = 600  # seconds per cell; the 6.6 training cell takes about two minutes
WORK_DIR = 'work'  # <out>/work/<notebook stem>/: each kernel's working folder


def default_notebook_dir():
    """Return the package's notebooks folder (package data: the same from a wheel or a clone)."""
    return pathlib.Path(str(importlib.resources.files('d2l_ch6') / 'notebooks'))


class NotebookError(RuntimeError):
    """A notebook cell failed: names the notebook, the cell and the error."""

    def __init__(self, notebook, cell_index, ename, evalue, source='', traceback=''):
        self.notebook, self.cell_index = notebook, cell_index
        self.ename, self.evalue, self.source, self.traceback = ename, evalue, source, traceback
        first = next((line for line in source.splitlines() if line.strip()), '')
        where = (notebook if cell_index is None else f'{notebook}, cell {cell_index}'
                 + (f' ({first.strip()[:60]})' if first else ''))
        super().__init__(f'{where}: {ename}: {evalue}')


@dataclasses.dataclass
class NotebookResult:
    """What running one notebook gave: status 'ok' or 'failed', seconds, results, paths."""
    name: str
    status: str
    seconds: float
    results: dict = dataclasses.field(default_factory=dict)
    output: pathlib.Path = None
    figures: list = dataclasses.field(default_factory=list)
    error: NotebookError = None


def find_notebooks(names=None, notebook_dir=None):
    """Return the notebooks matching names (globs, stems or section numbers), in section order.

    names: None or empty for all; each entry matches a file name or stem as a
    glob (``'6.[23]*'``) or a section-number prefix (``'6.2'``). An entry that
    matches nothing raises ValueError.
    """
    if notebook_dir is not None and not str(notebook_dir).strip():
        raise ValueError(f'notebook_dir must name a folder of .ipynb files, got {notebook_dir!r}')
    folder = pathlib.Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    if not folder.is_dir():
        what = 'a file' if folder.exists() else 'does not exist'
        raise ValueError(f'notebook_dir must be a folder of .ipynb files, got {str(folder)!r}, '
                         f'which {"is " + what if folder.exists() else what}')
    paths = sorted(folder.glob('*.ipynb'), key=_section_key)
    if not paths:
        raise ValueError(f'notebook_dir must be a folder of .ipynb files, got {str(folder)!r}, '
                         'which holds none')
    if not names:
        return paths
    if isinstance(names, (str, os.PathLike)):
        raise TypeError(f'names must be a list of names or globs, got the single '
                        f'{type(names).__name__} {names!r}')
    chosen = []
    for pattern in names:
        pattern = str(pattern)
        hits = [p for p in paths if fnmatch.fnmatch(p.name, pattern)
                or fnmatch.fnmatch(p.stem, pattern) or p.stem.startswith(pattern + '-')]
        if not hits:
            raise ValueError(f'names: no notebook in {folder} matches {pattern!r}; '
                             f'there are {", ".join(p.stem for p in paths) or "none"}')
        chosen += [p for p in hits if p not in chosen]
    return sorted(chosen, key=_section_key)


def _section_key(path):
    """Sort '6.10-x' after '6.9-y': numeric section parts first, then the name."""
    head = path.stem.split('-', 1)[0]
    parts = head.split('.')
    if all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts), path.stem)
    return (1, (), path.stem)


def _kernel_manager_class():
    """An AsyncKernelManager whose python3 kernel is always this interpreter's ipykernel."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    class ThisPythonKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                    display_name='Python 3 (ipykernel)', language='python')
            return self._kernel_spec

    return ThisPythonKernelManager


def check_timeout(timeout):
    """Return timeout as whole seconds for nbclient, rounded up; raise unless it is a positive number."""
    from .._arguments import check_seconds
    return math.ceil(check_seconds('timeout', timeout))  # nbclient takes whole seconds


def prepare_out_dir(out):
    """Create <out>/notebooks/ and return it; raise ValueError naming out when it cannot be a folder."""
    out_dir = pathlib.Path(out) / 'notebooks'
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(p for p in (out_dir, *out_dir.parents) if p.exists() and not p.is_dir())
        raise ValueError(f'out must be a folder, but {str(blocker)!r} is a file') from None
    except PermissionError as e:
        raise ValueError(f'out must be a folder this user can write, got {str(out)!r}: {e}') from None
    return out_dir


def check_out_dir(out, notebook_dir):
    """Raise ValueError when out is notebook_dir or holds it: the executed copies would replace the sources."""
    out, source = pathlib.Path(out).resolve(), pathlib.Path(notebook_dir).resolve()
    if out == source or out in source.parents:
        what = 'is' if out == source else 'holds'
        raise ValueError(f'out must be a folder apart from the notebooks, got {str(out)!r}, which '
                         f'{what} the notebooks\' folder {str(source)!r}: the executed copies '
                         'and the working folders would be written among the sources; choose '
                         'another --out')


def _read_notebook(path):
    """Read path as a notebook with the runner's cells added; (nb, runner cells) or NotebookError."""
    import nbformat
    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get('cells'), list) or not isinstance(nb.get('metadata'), dict):
            raise ValueError('it has no list of cells and metadata object')
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise NotebookError(path.name, None, 'NotebookUnreadable',
                            f'not a Jupyter notebook (nbformat 4 JSON) that can be read: '
                            f'{reason[:200]}') from None
    return nb


def _runner_cells(nb, path, quick):
    """Add quick mode's and the results' cells to nb; return them, or raise NotebookError for bad metadata."""
    try:
        runners = _quick_cells(nb) if quick else []     # the runner's cells, hidden from the reader
        results_cell = _results_cell(nb)
    except ValueError as e:
        raise NotebookError(path.name, None, 'NotebookMetadataError', str(e)) from None
    if results_cell is not None:
        nb.cells.append(results_cell)
        runners.append(results_cell)
    return runners


def work_dir(out, path):
    """Create and return <out>/work/<notebook stem>/, the notebook's kernel's working folder."""
    folder = pathlib.Path(out) / WORK_DIR / pathlib.Path(path).stem
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_notebook(path, out='build', quick=False, timeout=DEFAULT_TIMEOUT, cwd=None):
    """Execute one notebook in a fresh kernel and write it, with outputs, to <out>/notebooks/.

    Returns a NotebookResult with status 'ok'; raises NotebookError naming
    the notebook, the cell index and the error when a cell fails (the
    partly executed notebook is written all the same), or naming the
    notebook when it cannot be read or its runner metadata is malformed
    (recorded as failed in the summary; nothing runs). cwd: the kernel's
    working folder (default: <out>/work/<notebook stem>/, never the
    notebook's own folder). ValueError when out is or holds the notebook's folder.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = pathlib.Path(path)
    seconds = check_timeout(timeout)
    check_out_dir(out, path.parent)
    out_dir = prepare_out_dir(out)
    try:
        nb = _read_notebook(path)
        runners = _runner_cells(nb, path, quick)
    except NotebookError as error:
        _record_run(out_dir, path.stem, 'failed', 0.0, quick, {}, str(error))
        log.error('%s', error)
        raise
    env = dict(os.environ)
    env.pop(QUICK_ENV, None)
    if quick:
        env[QUICK_ENV] = '1'
    env['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'  # figures inline, even under Agg
    failed = {}  # the cell running when execution stopped (an earlier allowed error is not it)
    client = NotebookClient(
        nb, timeout=seconds, kernel_name='python3', kernel_manager_class=_kernel_manager_class(),
        extra_arguments=['--IPKernelApp.log_level=ERROR'],  # not its TCP-without-encryption warning
        resources={'metadata': {'path': str(cwd or work_dir(out, path))}},
        on_cell_start=lambda cell, cell_index: failed.__setitem__('current', cell_index))
    start = time.perf_counter()
    error = None
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        index = failed.get('current', -1)
        ename = getattr(e, 'ename', type(e).__name__)
        evalue = getattr(e, 'evalue', str(e).strip().splitlines()[-1] if str(e).strip() else '')
        if isinstance(e, CellTimeoutError):  # nbclient's text ends with the cell's source
            evalue = (f'the cell ran longer than the timeout of {seconds} s per cell; give it '
                      'more time with --timeout SECONDS (run_notebook(..., timeout=...))')
        source = nb.cells[index].source if 0 <= index < len(nb.cells) else ''
        index -= sum(1 for cell in nb.cells[:max(index, 0)] if _is_runners(cell, runners))
        error = NotebookError(path.name, index, ename, evalue, source, getattr(e, 'traceback', ''))
    seconds = time.perf_counter() - start
    results = _read_results(nb)
    nb.cells = [cell for cell in nb.cells if not _is_runners(cell, runners)]
    output = out_dir / path.name
    nbformat.write(nb, output)
    figures = _write_figures(nb, out_dir / f'{path.stem}_files')
    _record_run(out_dir, path.stem, 'failed' if error else 'ok', seconds, quick,
                results, str(error) if error else '')
    if error is not None:
        log.error('%s', error)
        error.output = output
        raise error
    log.info('%s ran in %.1f s', path.name, seconds)
    return NotebookResult(path.stem, 'ok', seconds, results, output, figures)


_FIGURE_TYPES = {'image/png': 'png', 'image/svg+xml': 'svg', 'image/jpeg': 'jpg'}


def _write_figures(nb, folder):
    """Write each figure output as cell<index>_<n>.<ext> in folder; return the paths."""
    if folder.is_dir():
        for old in folder.iterdir():
            old.unlink()
    paths = []
    for index, cell in enumerate(nb.cells):
        n = 0
        for output in cell.get('outputs', []):
            data = output.get('data', {})
            for mime, ext in _FIGURE_TYPES.items():
                if mime in data:
                    n += 1
                    folder.mkdir(parents=True, exist_ok=True)
                    target = folder / f'cell{index:02d}_{n}.{ext}'
                    if ext == 'svg':
                        target.write_text(data[mime], encoding='utf-8')
                    else:
                        target.write_bytes(base64.b64decode(data[mime]))
                    paths.append(target)
                    break
    return paths


def _record_run(out_dir, name, status, seconds, quick, results, error):
    """Merge one notebook's run into <out_dir>/summary.json (the other notebooks' entries are kept)."""
    path = out_dir / SUMMARY_FILE
    try:
        runs = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        runs = {}
    runs[name] = {'status': status, 'seconds': round(seconds, 2), 'quick': bool(quick),
                  'results': _jsonable(results), 'error': error,
                  'finished': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}
    tmp = path.with_suffix('.tmp')
    tmp.write_text(json.dumps(runs, indent=1, sort_keys=True), encoding='utf-8')
    tmp.replace(path)


def read_summary(out='build'):
    """Return the runs recorded in <out>/notebooks/summary.json: {notebook stem: entry}, {} if none."""
    path = pathlib.Path(out) / 'notebooks' / SUMMARY_FILE
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        return {}
    except ValueError as e:
        raise ValueError(f'{path} is not valid JSON ({e}); run `d2l-ch6 notebooks` again') from None


def _result_names(nb):
    """{result name: History variable} from nb's metadata d2l_ch6.results ({} if none); ValueError if malformed."""
    names = nb.metadata.get('d2l_ch6', {}).get('results')
    if not names:
        return {}
    if not isinstance(names, dict) or not all(
            isinstance(k, str) and k.isidentifier() and isinstance(v, str) and v.isidentifier()
            for k, v in names.items()):
        raise ValueError('notebook metadata d2l_ch6.results must map result names to variable '
                         f'names, got {names!r}')
    return names


def _results_cell(nb):
    """The cell the runner appends to display the Results that nb's metadata names, or None."""
    import nbformat
    names = _result_names(nb)
    if not names:
        return None
    args = ''.join(f'{k}=_h({v}), ' for k, v in names.items())
    return nbformat.v4.new_code_cell(
        'from d2l_ch6.notebook_helpers import Results as _R, history_results as _h, '
        'quick as _q\n'
        f'_R({args}quick=_q())')


def _is_runners(cell, runners):
    return any(cell is runner for runner in runners)


def _quick_cells(nb):
    """Put quick mode's cells after the cells they follow; return them (the runner removes them).

    nb's metadata d2l_ch6.quick maps a cell tag to code that shortens the
    run, executed right after the cell with that tag (as papermill injects
    parameters), so that no cell a reader reads asks which mode it is in.
    """
    import nbformat
    quick_code = nb.metadata.get('d2l_ch6', {}).get('quick') or {}
    if not isinstance(quick_code, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in quick_code.items()):
        raise ValueError('notebook metadata d2l_ch6.quick must map cell tags to code, got '
                         f'{quick_code!r}')
    cells = []
    for tag, code in quick_code.items():
        where = [i for i, c in enumerate(nb.cells) if tag in c.metadata.get('tags', [])]
        if len(where) != 1:
            raise ValueError(f'notebook metadata d2l_ch6.quick names the cell tag {tag!r}, '
                             f'which {len(where)} cells have: it must be exactly one')
        cell = nbformat.v4.new_code_cell(code)
        nb.cells.insert(where[0] + 1, cell)
        cells.append(cell)
    return cells


def _read_results(nb):
    """Merge every Results(...) output of an executed notebook into one dict."""
    results = {}
    for cell in nb.cells:
        for output in cell.get('outputs', []):
            value = output.get('data', {}).get(RESULTS_MIME)
            if isinstance(value, dict):
                results.update(value)
    return results


def run_notebooks(names=None, out='build', quick=False, timeout=DEFAULT_TIMEOUT,
                  notebook_dir=None, stop_on_error=False):
    """Execute the chapter's notebooks in section order; return one NotebookResult each.

    A failing notebook (a cell's error, a file that is not a notebook,
    malformed runner metadata) gives status 'failed' with its NotebookError
    in ``error``, and the others still run unless stop_on_error. ValueError
    before anything runs when out is or holds the notebooks' folder. quick: set
    ``D2L_CH6_QUICK=1`` in the kernels (short training on a subset).
    """
    paths = find_notebooks(names, notebook_dir)
    for path in paths:
        check_out_dir(out, path.parent)      # before any notebook runs
    results = []
    for path in paths:
        start = time.perf_counter()
        try:
            results.append(run_notebook(path, out, quick=quick, timeout=timeout))
        except NotebookError as e:
            results.append(NotebookResult(path.stem, 'failed', time.perf_counter() - start,
                                          output=getattr(e, 'output', None), error=e))
            if stop_on_error:
                break
    return results


# --- command line --------------------------------------------------------------

def add_notebooks_parser(subparsers):
    """Register `notebooks`: execute the chapter's notebooks headless and print a summary."""
    p = subparsers.add_parser(
        'notebooks', help='execute the chapter notebooks headless, write them with their '
        'outputs and figures to OUT/notebooks/ and print a summary table')
    p.add_argument('names', nargs='*', metavar='NAME',
                   help="notebooks to run: section numbers ('6.2'), stems or globs "
                        "('6.[23]*') (default: all six, in order)")
    p.add_argument('--quick', action='store_true',
                   help=f'quick mode: set {QUICK_ENV}=1 so that 6.6 trains briefly on a '
                        'subset (default: off, full size)')
    p.add_argument('--out', default='build', help='output folder (default: build)')
    p.add_argument('--timeout', type=_timeout_arg, default=DEFAULT_TIMEOUT,
                   help=f'seconds allowed per cell, a positive number, rounded up to whole '
                        f'seconds (default: {DEFAULT_TIMEOUT})')
    p.add_argument('--notebook-dir', default=None,
                   help=f'folder of the notebooks (default: {default_notebook_dir()})')
    p.add_argument('--stop-on-error', action='store_true',
                   help='stop at the first failing notebook (default: run them all)')
    p.add_argument('--copy', metavar='DIR', default=None,
                   help='copy the notebooks into DIR for a reader to open, instead of running '
                        'them; existing files are kept unless --force (default: run them)')
    p.add_argument('--colab-source', metavar='URL', default=None,
                   help="with --copy: where the notebooks' first cell installs d2l-ch6 from on "
                        'Colab: a wheel URL, a git+https URL or a PyPI requirement '
                        '(default: none; the cell asks the reader to upload the wheel)')
    p.add_argument('--force', action='store_true',
                   help='with --copy: replace notebooks already in DIR (default: keep them)')
    p.set_defaults(func=run_notebooks_command)


def _timeout_arg(text):
    """Parse --timeout: a positive number of seconds, or an argparse error naming it."""
    try:
        return check_timeout(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'must be a positive number of seconds, got {text!r}') from None


def run_notebooks_command(args):
    """Run the notebooks the arguments name, print the summary table; return the exit code."""
    if args.copy is not None or args.colab_source is not None or args.force:
        return copy_notebooks_command(args)
    try:
        paths = find_notebooks(args.names, args.notebook_dir)
        for path in paths:
            check_out_dir(args.out, path.parent)
        prepare_out_dir(args.out)
    except ValueError as e:
        print(f'd2l-ch6 notebooks: {e}', file=sys.stderr)
        return 2
    mode = 'quick' if args.quick else 'full size'
    print(f'running {len(paths)} notebook(s), {mode}, outputs to {pathlib.Path(args.out) / "notebooks"}',
          flush=True)
    start = time.perf_counter()
    results = []
    for path in paths:
        (result,) = run_notebooks([path.name], args.out, args.quick, args.timeout,
                                  path.parent, args.stop_on_error)
        results.append(result)
        print(f'  {result.name}: {result.status} in {result.seconds:.1f} s', flush=True)
        if result.error is not None:
            print(f'd2l-ch6 notebooks: {result.error}', file=sys.stderr, flush=True)
            if args.stop_on_error:
                break
    print()
    print(summary_table(results, time.perf_counter() - start))
    failed = [r for r in results if r.status != 'ok']
    for r in failed:
        print(f'FAILED {r.error}\n  executed notebook: {r.output}', file=sys.stderr)
    return 1 if failed else 0


def summary_table(results, total_seconds=None):
    """Format the results as a plain-text table: notebook, status, seconds, results."""
    rows = [('notebook', 'status', 'seconds', 'results')]
    for r in results:
        rows.append((r.name, r.status, f'{r.seconds:.1f}',
                     format_results(r.results, skip=('quick',)) if r.results else ''))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for k, row in enumerate(rows):
        lines.append(f'{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  '
                     f'{row[2]:>{widths[2]}}  {row[3]}'.rstrip())
        if k == 0:
            lines.append('-' * len(lines[0]))
    if total_seconds is not None:
        lines.append(f'total {total_seconds:.1f} s; '
                     f'{sum(r.status == "ok" for r in results)} of {len(results)} ok')
    return '\n'.join(lines)


def copy_notebooks(target, names=None, notebook_dir=None, colab_source=None, force=False):
    """Write the notebooks into target, each first cell installing from colab_source on Colab; return the paths.

    A notebook already in target is left as it is (a reader's work is never
    overwritten) unless force; ValueError naming them before anything is written.
    """
    import nbformat
    from ..colab import with_colab_cell
    paths = find_notebooks(names, notebook_dir)
    target = pathlib.Path(target)
    if target.exists() and not target.is_dir():
        raise ValueError(f'copy must name a folder, got {str(target)!r}, which is a file')
    source_dir = paths[0].parent.resolve()
    if target.resolve() == source_dir:
        raise ValueError(f'copy must name a folder other than the notebooks\' own, got {str(target)!r}')
    there = [p.name for p in paths if (target / p.name).exists()]
    if there and not force:
        raise ValueError(f'{str(target)!r} already holds {", ".join(there)}: they are kept (a '
                         'reader may have changed them); choose another folder or pass --force')
    notebooks = [(p, with_colab_cell(_read_notebook(p), colab_source)) for p in paths]
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in notebooks:
        tmp = target / f'.{path.name}.tmp'
        nbformat.write(nb, tmp)
        tmp.replace(target / path.name)
        written.append(target / path.name)
    return written


def copy_notebooks_command(args):
    """`d2l-ch6 notebooks --copy DIR [--colab-source URL]`: write the notebooks out; return the exit code."""
    if args.copy is None:
        print('d2l-ch6 notebooks: --colab-source and --force go with --copy DIR (the folder to '
              'write the notebooks to)', file=sys.stderr)
        return 2
    try:
        written = copy_notebooks(args.copy, args.names, args.notebook_dir, args.colab_source,
                                 args.force)
    except (ValueError, NotebookError) as e:
        print(f'd2l-ch6 notebooks: {e}', file=sys.stderr)
        return 2
    where = (f'from {args.colab_source}' if args.colab_source else
             'by asking the reader to upload the d2l_ch6 wheel')
    print(f'wrote {len(written)} notebook(s) to {args.copy}; on Colab their first cell installs '
          f'd2l-ch6 {where}')
    for path in written:
        print(f'  {path}')
    return 0
