"""`d2l-ch6 check`: grade students' notebooks and scripts, one subprocess each (the package's addition).

Each file runs in its own process under a wall-clock limit: a notebook in a
fresh kernel (``d2l_ch6.publishing.runner.run_notebook``) with a last cell added that
grades its globals, a script imported as a module and its globals graded. A
file that crashes, hangs or prints without end is recorded as such and the
next file runs. Nothing is fetched from the network.

Exit status: 0 when every function of every file passes, 1 when any fails
(or a file defines nothing to check), 2 when a file cannot run.
"""
import argparse
import csv
import dataclasses
import json
import os
import pathlib
import secrets
import shutil
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
    """Stop the child and everything it started (its process group; its PID namespace, if any)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()


_JOB = None


def _job():
    """Every case's inputs as plain data, for the child (built once; expected values stay here)."""
    global _JOB
    if _JOB is None:
        from .calls import encode
        from .cases import CASES
        from .cases import TARGETS
        _JOB = {t: [{'call': c.call, 'args': encode(c.inputs()), 'kwargs': encode(c.kwargs)}
                    for c in CASES[t]] for t in TARGETS}
    return _JOB


_BOOT = ('import sys; p = sys.argv[2]; sys.path[:] = [p] + [q for q in sys.path if q not in '
         "('', '.', p)]; from d2l_ch6.grading.worker import main; sys.exit(main(int(sys.argv[1])))")


class _Reader:
    """Read the results pipe to the end (at most limit bytes) in a thread."""

    def __init__(self, fd, limit=64 * 2 ** 20):
        self.fd, self.limit, self.data, self.too_long = fd, limit, bytearray(), False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            if len(self.data) + len(chunk) > self.limit:
                self.too_long = True
                continue
            self.data += chunk
        os.close(self.fd)


def _parse_results(data, nonce, too_long=False):
    """The child's message, checked: {'status': ..., 'functions'|'message': ...}, or a ValueError."""
    if too_long:
        raise ValueError('more than 64 MB of results')
    try:
        msg = json.loads(bytes(data).decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f'not JSON ({type(e).__name__})')
    if not isinstance(msg, dict) or msg.get('nonce') != nonce:
        raise ValueError('not from the grader (no nonce)')
    status = msg.get('status')
    if status == 'crashed':
        return status, str(msg.get('message', ''))[:500], {}
    functions = msg.get('functions')
    if status != 'graded' or not isinstance(functions, dict):
        raise ValueError('unknown shape')
    from .cases import TARGETS
    job = _job()
    for name, obs in functions.items():
        if name not in TARGETS or not isinstance(obs, list) or len(obs) > len(job[name]) or not all(
                o is None or isinstance(o, dict) for o in obs):
            raise ValueError(f'unknown shape for {name!r}'[:80])
    return status, '', functions


def grade_file(path, timeout=DEFAULT_TIMEOUT, max_output=MAX_OUTPUT, sandbox=None,
               case_limit=20.0, budget=60.0):
    """Grade one notebook or script in a confined child; return a FileResult (never raises for its faults)."""
    from mxnet import npx
    from .sandbox import Sandbox
    from .verdict import judge_function
    npx.set_np()  # per thread: the references build Gluon layers, as the package's modules do
    sandbox = sandbox or Sandbox()
    path = pathlib.Path(path)
    if path.is_symlink():
        return FileResult(str(path), 'unreadable', message='a link: not followed (copy the file in)')
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        why = ('not found' if not os.path.lexists(path) else 'a dangling link'
               if not path.exists() else f'not a {" or ".join(SUFFIXES)} file')
        return FileResult(str(path), 'unreadable', message=why)
    start = time.perf_counter()
    nonce = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix='d2l-ch6-check-') as tmp:
        os.chmod(tmp, 0o700)
        work = pathlib.Path(tmp) / 'work'
        work.mkdir()
        name = 'submission' + path.suffix.lower()
        try:
            shutil.copyfile(path, work / name)
        except OSError as e:
            return FileResult(str(path), 'unreadable', message=f'cannot be read: {e.strerror}')
        read_fd, write_fd = os.pipe()
        argv = [sys.executable, '-I', '-c', _BOOT, str(write_fd),
                str(pathlib.Path(__file__).resolve().parents[2])]
        argv, env, cwd, preexec = sandbox.command(tmp, argv, int(timeout) + 10)
        job = json.dumps({'nonce': nonce, 'file': name, 'targets': _job(),
                          'case_limit': min(case_limit, timeout), 'budget': budget}).encode()
        with _LIVE_LOCK:
            if _STOPPING.is_set():
                os.close(write_fd)
                os.close(read_fd)
                return FileResult(str(path), 'not graded', message='stopped (Ctrl-C)')
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                    pass_fds=(write_fd,), start_new_session=True,
                                    preexec_fn=preexec)
            _LIVE.add(proc)
        os.close(write_fd)
        reader = _Reader(read_fd)
        tail = _Tail(proc.stdout)
        threading.Thread(target=_feed, args=(proc.stdin, job), daemon=True).start()
        status = None
        try:
            while proc.poll() is None:
                elapsed = time.perf_counter() - start
                if tail.count > max_output:
                    status = 'prints forever'
                elif elapsed > timeout:
                    status = 'prints forever' if tail.count > max_output // 20 else 'timeout'
                if status:
                    break
                time.sleep(0.05)
        finally:
            _kill_group(proc)  # whatever it left running goes with it (daemons too, in a PID namespace)
            with _LIVE_LOCK:
                _LIVE.discard(proc)
        if _STOPPING.is_set():
            return FileResult(str(path), 'not graded', time.perf_counter() - start,
                              'stopped (Ctrl-C)')
        tail.thread.join(timeout=5)
        reader.thread.join(timeout=5)
        seconds = time.perf_counter() - start
        if status == 'timeout':
            return FileResult(str(path), status, seconds,
                              f'still running after {timeout:.0f} s: stopped (an endless loop?)')
        if status:
            return FileResult(str(path), status, seconds,
                              f'printed {tail.count / 2 ** 20:.1f} MB of output: stopped')
        try:
            kind, message, functions = _parse_results(reader.data, nonce, reader.too_long)
        except ValueError as e:
            lines = [ln for ln in tail.text().splitlines() if ln.strip()]
            last = lines[-1] if lines else f'exited with status {proc.returncode}'
            return FileResult(str(path), 'crashed', seconds,
                              (f'no results ({e}); last output: {last}')[:500])
        if kind == 'crashed':
            return FileResult(str(path), 'crashed', seconds, message.replace(name, path.name))
    results = [judge_function(t, functions[t]).to_dict() for t in _job() if t in functions]
    for c in results:  # the student knows their file by its own name, not the copy's
        for x in c['cases']:
            x['got'] = x['got'].replace(f', {name}', f', {path.name}')
    message = '' if results else 'defines none of the checked functions'
    return FileResult(str(path), 'graded', seconds, message, results)


def _feed(pipe, data):
    try:
        pipe.write(data)
        pipe.close()
    except OSError:
        pass


def expand(paths):
    """Return (files to grade, messages): each path, or the notebooks and scripts under a folder.

    Folders are walked (per-student folders too), suffixes in any case; a
    dangling link or a folder named like a script is a row that says so.
    """
    files = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names + [d for d in dirs if d.lower().endswith(SUFFIXES)]):
                    q = pathlib.Path(root) / n
                    if n.lower().endswith(SUFFIXES) or os.path.islink(q):
                        files.append(q)
                dirs[:] = [d for d in dirs if not d.startswith('.')
                           and not d.lower().endswith(SUFFIXES)]
        else:
            files.append(p)
    return files


_LIVE, _LIVE_LOCK, _STOPPING = set(), threading.Lock(), threading.Event()


def stop_all():
    """End every running child (Ctrl-C): no student code outlives the command."""
    _STOPPING.set()
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def check_timeout(timeout):
    """Raise unless timeout is a positive, finite number of seconds (the package's one such check)."""
    from .._arguments import check_seconds
    return check_seconds('timeout', timeout)


def grade_files(paths, timeout=DEFAULT_TIMEOUT, on_result=None, jobs=1, case_limit=20.0):
    """Grade every file, jobs at a time; a failing file never stops the others.

    Returns the FileResults in the order of the files; on_result sees each
    as it finishes. Ctrl-C ends every child and raises KeyboardInterrupt
    after the finished results went to on_result.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed
    from .sandbox import Sandbox
    check_timeout(timeout)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f'jobs must be a whole number of at least 1, got {jobs!r}')
    _STOPPING.clear()
    files = expand(paths)
    sandbox = Sandbox(hide=_folders_of(paths))
    results = [None] * len(files)
    pool, futures = ThreadPoolExecutor(max_workers=jobs), {}
    try:
        futures = {pool.submit(grade_file, f, timeout, sandbox=sandbox, case_limit=case_limit,
                               budget=3 * case_limit): i
                   for i, f in enumerate(files)}
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if on_result:
                on_result(result)
    except BaseException:
        stop_all()
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True)
        raise
    pool.shutdown()
    return results


def _folders_of(paths):
    """The folders holding the submissions: hidden from every child."""
    folders = set()
    for p in map(pathlib.Path, paths):
        p = p.resolve()
        folders.add(str(p if p.is_dir() else p.parent))
    return sorted(folders)


def exit_code(results):
    """2 if a file could not run, else 1 if anything failed, else 0."""
    if any(not r.ran for r in results):
        return 2
    return 0 if results and all(r.passed for r in results) else 1


def report_rows(results):
    """One row per file x function (or one per file that did not run or defines nothing).

    passed and cases count the required cases; advice is named in detail when nothing fails.
    """
    rows = []
    for r in results:
        if not r.ran or not r.results:
            rows.append({'file': r.path, 'function': '', 'exercise': '', 'status': r.status
                         if not r.ran else 'nothing to check', 'passed': 0, 'cases': 0,
                         'seconds': round(r.seconds, 1), 'detail': r.message})
            continue
        for c in r.results:
            required = [x for x in c['cases'] if x['status'] != 'advice']
            failing = [x for x in required if x['status'] != 'pass']
            advice = [x for x in c['cases'] if x['status'] == 'advice']
            detail = ''
            if failing:
                f = failing[0]
                detail = f"{f['case']}: {f['hint'] or f['got']}"
            elif advice:
                detail = f"advice ({advice[0]['case']}): {advice[0]['hint']}"
            rows.append({'file': r.path, 'function': c['name'], 'exercise': c['exercise'] or '',
                         'status': 'pass' if c['passed'] else 'fail',
                         'passed': len(required) - len(failing), 'cases': len(required),
                         'seconds': round(r.seconds, 1), 'detail': detail})
    return rows


def safe(text):
    """A file name or message printable on one console line: control characters escaped."""
    return ''.join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))


def neutral(cell):
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a quote."""
    if isinstance(cell, str) and cell[:1] in ('=', '+', '-', '@', '\t', '\r'):
        return "'" + cell
    return cell


def format_file(result):
    """Text lines for one file: its status, one line per function, then its details."""
    from .reports import function_lines
    lines = [f'{safe(result.path)}: {result.status}'
             + (f' ({safe(result.message)})' if result.message else '')
             + f'  [{result.seconds:.1f} s]']
    for c in result.results:
        cases = [x for x in c['cases'] if x['status'] != 'advice']
        n_ok = sum(x['status'] == 'pass' for x in cases)
        what = f"exercise {c['exercise']}: {c['name']}" if c['exercise'] else c['name']
        lines.append(f"  {'PASS' if c['passed'] else 'FAIL'} {what} ({n_ok}/{len(cases)})")
        lines.extend('       ' + safe(line) for line in function_lines(c))
    return '\n'.join(lines)


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
    p.add_argument('--html', metavar='HTML', default=None,
                   help='write the class report (pass rates, common mistakes, a student x '
                   'function grid, files that could not run) to this HTML file (default: none)')
    p.add_argument('--format', choices=('gradescope', 'prairielearn'), default=None,
                   help='also write a platform\'s results.json for one student\'s files '
                   '(to --results)')
    p.add_argument('--results', metavar='JSON', default=None,
                   help='where --format writes (default: results.json)')
    p.add_argument('--expect', metavar='NAMES', default=None,
                   help='comma-separated functions a submission must define (a missing one '
                   'scores 0 in --format; default: those it defines)')
    p.add_argument('--jobs', type=int, default=None,
                   help='files graded at once (default: the number of cores)')
    from .gradebook import add_assignment_arguments
    add_assignment_arguments(p, expect=False)
    p.add_argument('--gradebook', metavar='CSV', default=None,
                   help='write one row per student (a file, or a folder of files) with score, '
                   'maximum and percentage under the same points as the platforms; needs '
                   '--expect, --section, --exercise or --config (default: none)')
    p.set_defaults(func=run_check_command)


def _check_output(path, what):
    """Raise ValueError unless path can be written: its folder exists and is writable, it is no folder."""
    if path is None:
        return
    p = pathlib.Path(path)
    folder = p.parent if str(p.parent) else pathlib.Path('.')
    if p.is_dir():
        raise ValueError(f'{what} must be a file path, got the folder {safe(path)}')
    if not folder.is_dir():
        raise ValueError(f'{what}: the folder {safe(folder)} does not exist')
    if not os.access(folder, os.W_OK):
        raise ValueError(f'{what}: the folder {safe(folder)} cannot be written')


def atomic_write(path, text):
    """Write text to path through a temporary file and a rename: the old file stays whole on failure."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', dir=str(path.parent or '.'))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def csv_text(results):
    import io
    rows = report_rows(results)
    out = io.StringIO()
    fields = ['file', 'function', 'exercise', 'status', 'passed', 'cases', 'seconds', 'detail']
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutral(v) for k, v in row.items()})
    return out.getvalue()


class _Reports:
    """The report files, rewritten whole (atomically) after every finished file."""

    def __init__(self, args, header):
        self.args, self.header, self.done, self.error = args, header, [], None
        self.expect = [n.strip() for n in (getattr(args, 'expect', None) or '').split(',')
                       if n.strip()]

    def add(self, result):
        self.done.append(result)
        self.done.sort(key=lambda r: r.path)
        self.write()

    def write(self):
        try:
            if self.args.report:
                atomic_write(self.args.report, csv_text(self.done))
            if self.args.json:
                atomic_write(self.args.json, json.dumps(
                    {'isolation': self.header, 'files': [dataclasses.asdict(r) for r in self.done]},
                    indent=1))
            assignment = getattr(self.args, 'assignment', None)
            if getattr(self.args, 'html', None):
                from .reports import html_report
                atomic_write(self.args.html, html_report(self.done, self.header, assignment=assignment,
                                                         paths=self.args.files))
            if getattr(self.args, 'format', None):
                from . import reports
                make = reports.gradescope if self.args.format == 'gradescope' else reports.prairielearn
                atomic_write(self.args.results or 'results.json',
                             json.dumps(make(self.done, self.header, self.expect, assignment), indent=1))
        except OSError as e:
            self.error = e
            raise


def run_check_command(args):
    """Grade the files, print each as it finishes, write the reports as they grow; return the exit status."""
    from .sandbox import Sandbox
    try:
        check_timeout(args.timeout)  # TypeError cannot come: argparse gives a float
        if args.jobs is not None and args.jobs < 1:
            raise ValueError(f'--jobs must be at least 1, got {args.jobs}')
        _check_output(args.report, '--report')
        _check_output(args.json, '--json')
        _check_output(getattr(args, 'html', None), '--html')
        if getattr(args, 'format', None):
            results_path = pathlib.Path(args.results or 'results.json')
            if not results_path.is_dir():  # PrairieLearn does not create /grade/results
                results_path.parent.mkdir(parents=True, exist_ok=True)
            _check_output(results_path, '--results')
        from .cases import TARGETS
        unknown = [n for n in (getattr(args, 'expect', None) or '').split(',')
                   if n.strip() and n.strip() not in TARGETS]
        if unknown:
            raise ValueError(f'--expect: unknown function(s) {", ".join(map(safe, unknown))}; '
                             f'graded are {", ".join(TARGETS)}')
        from .gradebook import assignment_from_args
        args.assignment = assignment_from_args(args)
        if getattr(args, 'gradebook', None):
            _check_output(args.gradebook, '--gradebook')
            if args.assignment is None:
                raise ValueError('--gradebook needs what is graded, the same for every student: '
                                 '--expect NAMES, --section 6.x, --exercise 6.x.y or --config FILE')
    except OSError as e:
        print(f'd2l-ch6 check: --results: cannot create its folder ({e.strerror})', file=sys.stderr)
        return 2
    except ValueError as e:
        print(f'd2l-ch6 check: {e}', file=sys.stderr)
        return 2
    header = Sandbox().in_force()
    print(f'isolation: {header}', flush=True)
    reports = _Reports(args, header)

    def finished(result):
        print(format_file(result), flush=True)
        reports.add(result)

    jobs = args.jobs or os.cpu_count() or 1
    try:
        results = grade_files(args.files, args.timeout, on_result=finished, jobs=jobs)
    except KeyboardInterrupt:
        print(f'\nd2l-ch6 check: stopped by Ctrl-C; every student process ended; '
              f'{len(reports.done)} graded file(s) are in the reports', file=sys.stderr)
        return 130
    except OSError as e:
        print(f'\nd2l-ch6 check: cannot write the reports ({e.strerror}): the previous copy '
              f'holds {len(reports.done) - 1} file(s)', file=sys.stderr)
        return 2
    except ValueError as e:
        print(f'd2l-ch6 check: {e}', file=sys.stderr)
        return 2
    if not results:
        print('d2l-ch6 check: no .py or .ipynb file found', file=sys.stderr)
        return 2
    code = exit_code(results)
    if getattr(args, 'gradebook', None):
        _write_gradebook(args, results)
    graded = sum(r.ran for r in results)
    print(f'\n{len(results)} file(s): {graded} graded, {sum(r.passed for r in results)} all passing, '
          f'{len(results) - graded} could not run')
    return code


def _write_gradebook(args, results):
    """Write --gradebook and print the class's scores."""
    from .gradebook import gradebook_csv, score_class
    students = score_class(args.assignment, args.files, results)
    atomic_write(args.gradebook, gradebook_csv(args.assignment, students))
    print(f'gradebook: {len(students)} student(s), out of {args.assignment.max_points:g} points '
          f'each, in {safe(args.gradebook)}')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='d2l-ch6')
    add_check_parser(parser.add_subparsers(dest='command', required=True))
    ns = parser.parse_args()
    sys.exit(ns.func(ns))
