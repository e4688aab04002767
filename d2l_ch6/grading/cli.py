"""`d2l-ch6 check`: grade students' notebooks and scripts, one subprocess each (the package's addition).

Each file runs in its own process under a wall-clock limit: a notebook in a
fresh kernel (``d2l_ch6.notebooks.run_notebook``) with a last cell added that
grades its globals, a script imported as a module and its globals graded. A
file that crashes, hangs or prints without end is recorded as such and the
next file runs. Nothing is fetched from the network.

Exit status: 0 when every function of every file passes, 1 when any fails
(or a file defines nothing to check), 2 when a file cannot run.
"""
import argparse
import csv
import dataclasses
import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time

__all__ = ['FileResult', 'grade_file', 'grade_files', 'add_check_parser', 'run_check_command']

DEFAULT_TIMEOUT = 300       # seconds for one file, kernel start and every check included
MAX_OUTPUT = 20 * 2 ** 20   # bytes of output after which a file is stopped as printing forever
SUFFIXES = ('.py', '.ipynb')


@dataclasses.dataclass
class FileResult:
    """One file's grading: status 'graded', 'crashed', 'timeout', 'prints forever' or 'unreadable'."""
    path: str
    status: str
    seconds: float = 0.0
    message: str = ''
    results: list = dataclasses.field(default_factory=list)  # CheckResult.to_dict() each

    @property
    def ran(self):
        return self.status == 'graded'

    @property
    def passed(self):
        return self.ran and bool(self.results) and all(r['passed'] for r in self.results)


class _Tail:
    """Read a pipe to the end, keeping only its last bytes and counting all of them."""

    def __init__(self, pipe, keep=4096):
        self.pipe, self.keep, self.count, self.data = pipe, keep, 0, b''
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            chunk = self.pipe.read1(65536) if hasattr(self.pipe, 'read1') else self.pipe.read(65536)
            if not chunk:
                break
            self.count += len(chunk)
            self.data = (self.data + chunk)[-self.keep:]

    def text(self):
        return self.data.decode('utf-8', 'replace')


def _kill_group(proc):
    """Stop the worker we started and everything it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def grade_file(path, timeout=DEFAULT_TIMEOUT, max_output=MAX_OUTPUT):
    """Grade one notebook or script in a subprocess; return a FileResult (never raises for its faults)."""
    path = pathlib.Path(path)
    if path.suffix not in SUFFIXES or not path.is_file():
        why = 'not found' if not path.exists() else f'not a {" or ".join(SUFFIXES)} file'
        return FileResult(str(path), 'unreadable', message=why)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='d2l-ch6-check-') as tmp:
        out = pathlib.Path(tmp) / 'grades.json'
        env = dict(os.environ, PYTHONUNBUFFERED='1', MPLBACKEND='Agg')
        env.pop('D2L_CH6_QUICK', None)
        proc = subprocess.Popen(
            [sys.executable, '-m', 'd2l_ch6.grading.cli', '--worker', str(path.resolve()), str(out),
             str(timeout)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=tmp, env=env, start_new_session=True)
        tail = _Tail(proc.stdout)
        status = None
        while proc.poll() is None:
            elapsed = time.perf_counter() - start
            if tail.count > max_output:
                status = 'prints forever'
            elif elapsed > timeout:
                status = 'prints forever' if tail.count > max_output // 20 else 'timeout'
            if status:
                _kill_group(proc)
                break
            time.sleep(0.05)
        tail.thread.join(timeout=5)
        seconds = time.perf_counter() - start
        if status == 'timeout':
            return FileResult(str(path), status, seconds,
                              f'still running after {timeout:.0f} s: stopped (an endless loop?)')
        if status:
            return FileResult(str(path), status, seconds,
                              f'printed {tail.count / 2 ** 20:.1f} MB of output: stopped')
        if proc.returncode != 0 or not out.is_file():
            lines = [ln for ln in tail.text().splitlines() if ln.strip()]
            message = lines[-1] if lines else f'exited with status {proc.returncode}'
            return FileResult(str(path), 'crashed', seconds, message[:500])
        results = json.loads(out.read_text(encoding='utf-8'))
    message = '' if results else 'defines none of the checked functions'
    return FileResult(str(path), 'graded', seconds, message, results)


def expand(paths):
    """Return the files to grade: each path, or the .py and .ipynb files of a folder (sorted)."""
    files = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix in SUFFIXES and q.is_file())
        else:
            files.append(p)
    return files


def grade_files(paths, timeout=DEFAULT_TIMEOUT, on_result=None):
    """Grade every file in turn; a failing file never stops the others. Return FileResults."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f'timeout must be a positive number of seconds, got {timeout!r}')
    results = []
    for path in expand(paths):
        result = grade_file(path, timeout)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def exit_code(results):
    """2 if a file could not run, else 1 if anything failed, else 0."""
    if any(not r.ran for r in results):
        return 2
    return 0 if results and all(r.passed for r in results) else 1


def report_rows(results):
    """One row per file x function (or one per file that did not run or defines nothing)."""
    rows = []
    for r in results:
        if not r.ran or not r.results:
            rows.append({'file': r.path, 'function': '', 'exercise': '', 'status': r.status
                         if not r.ran else 'nothing to check', 'passed': 0, 'cases': 0,
                         'seconds': round(r.seconds, 1), 'detail': r.message})
            continue
        for c in r.results:
            failing = [x for x in c['cases'] if x['status'] != 'pass']
            detail = ''
            if failing:
                f = failing[0]
                detail = f"{f['case']}: {f['hint'] or f['got']}"
            rows.append({'file': r.path, 'function': c['name'], 'exercise': c['exercise'] or '',
                         'status': 'pass' if c['passed'] else 'fail',
                         'passed': len(c['cases']) - len(failing), 'cases': len(c['cases']),
                         'seconds': round(r.seconds, 1), 'detail': detail})
    return rows


def format_file(result):
    """Text lines for one file: its status, then one line per function and its failing cases."""
    lines = [f'{result.path}: {result.status}' + (f' ({result.message})' if result.message else '')
             + f'  [{result.seconds:.1f} s]']
    for c in result.results:
        n_ok = sum(x['status'] == 'pass' for x in c['cases'])
        what = f"exercise {c['exercise']}: {c['name']}" if c['exercise'] else c['name']
        lines.append(f"  {'PASS' if c['passed'] else 'FAIL'} {what} ({n_ok}/{len(c['cases'])})")
        for x in c['cases']:
            if x['status'] != 'pass':
                lines.append(f"       {x['case']}: expected {x['expected']}; got {x['got']}")
                if x['hint']:
                    lines.append(f"       hint: {x['hint']}")
    return '\n'.join(lines)


# --- the worker: runs inside the subprocess -------------------------------------------------

def _worker(path, out, timeout):
    """Run one file and write its grades to out; exit 3 with a one-line reason when it fails."""
    import d2l_ch6  # noqa: F401  (first: MXNet's environment defaults)
    from d2l_ch6.grading.check import describe_error, write_grades
    path = pathlib.Path(path)
    if path.suffix == '.py':
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location('submission', path)
        module = importlib.util.module_from_spec(spec)
        sys.modules['submission'] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as e:  # the student's script: report its own line
            print(f'cannot import {path.name}: {describe_error(e)}', flush=True)
            return 3
        write_grades(vars(module), out)
        return 0
    import nbformat
    from nbformat.v4 import new_code_cell
    from ..notebooks import NotebookError, run_notebook
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell(
        'from d2l_ch6.grading.check import write_grades as _d2l_ch6_write_grades\n'
        f'_d2l_ch6_write_grades(globals(), {str(out)!r});'))
    copy = pathlib.Path(out).parent / path.name
    nbformat.write(nb, copy)
    try:
        run_notebook(copy, pathlib.Path(out).parent, timeout=timeout, cwd=path.parent)
    except NotebookError as e:
        print(f'cannot run {path.name}: cell {e.cell_index}: {e.ename}: {e.evalue}', flush=True)
        return 3
    return 0


# --- command line ----------------------------------------------------------------------------

def add_check_parser(subparsers):
    """Register `check`: grade notebooks and scripts against the package's cases."""
    p = subparsers.add_parser(
        'check', help='check students\' notebooks (.ipynb) or scripts (.py): every function with '
        'a book name or an exercise function\'s name is run on the package\'s cases')
    p.add_argument('files', nargs='+', metavar='FILE',
                   help='.ipynb or .py files, or folders of them (a teacher\'s submissions)')
    p.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT,
                   help=f'seconds allowed for each file (default: {DEFAULT_TIMEOUT})')
    p.add_argument('--report', metavar='CSV', default=None,
                   help='write one row per file and function to this CSV file (default: none)')
    p.add_argument('--json', metavar='JSON', default=None,
                   help='write every file\'s full results to this JSON file (default: none)')
    p.set_defaults(func=run_check_command)


def run_check_command(args):
    """Grade the files, print each as it finishes, write the reports; return the exit status."""
    try:
        results = grade_files(args.files, args.timeout,
                              on_result=lambda r: print(format_file(r), flush=True))
    except ValueError as e:
        print(f'd2l-ch6 check: {e}', file=sys.stderr)
        return 2
    if not results:
        print('d2l-ch6 check: no .py or .ipynb file found', file=sys.stderr)
        return 2
    if args.report:
        rows = report_rows(results)
        with open(args.report, 'w', newline='', encoding='utf-8') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump([dataclasses.asdict(r) for r in results], f, indent=1)
    code = exit_code(results)
    graded = sum(r.ran for r in results)
    print(f'\n{len(results)} file(s): {graded} graded, {sum(r.passed for r in results)} all passing, '
          f'{len(results) - graded} could not run')
    return code


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == '--worker':
        sys.exit(_worker(sys.argv[2], sys.argv[3], float(sys.argv[4])))
    parser = argparse.ArgumentParser(prog='d2l-ch6')
    add_check_parser(parser.add_subparsers(dest='command', required=True))
    ns = parser.parse_args()
    sys.exit(ns.func(ns))
