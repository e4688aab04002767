"""The grader's parent process: one confined child per file, its results read and judged here (the package's addition).

``grade_file`` copies a submission (refused by size first) into a fresh job
folder, starts the worker through the sandbox (``sandbox.Sandbox.command``)
with the cases' inputs on stdin, stops it on a wall-clock limit or endless
output, and reads its one message from a pipe, bounded in size and nesting,
never raising on what came: a damaged, forged or wrong-shaped message is
that file's ``crashed`` with a one-line reason. The verdict is computed here
(``verdict.judge_function``). ``grade_files`` grades many files, ``jobs`` at
a time, each child with a user of its own (``slot``); Ctrl-C, SIGTERM and
SIGHUP end every child and remove its folder.
"""
import dataclasses
import fcntl
import json
import os
import pathlib
import secrets
import signal
import stat
import subprocess
import tempfile
import threading
import time

__all__ = ['FileResult', 'grade_file', 'grade_files', 'expand', 'stop_all', 'Stopped',
           'DEFAULT_TIMEOUT', 'MAX_OUTPUT', 'MAX_SUBMISSION', 'SUFFIXES']

DEFAULT_TIMEOUT = 300       # seconds for one file, kernel start and every check included
MAX_OUTPUT = 20 * 2 ** 20   # bytes of output after which a file is stopped as printing forever
MAX_SUBMISSION = 32 * 2 ** 20  # bytes of a submitted file (a notebook with its figures)
MAX_RESULTS = 64 * 2 ** 20  # bytes of one child's results message
MAX_NESTING = 64            # brackets deep in one child's results message
SUFFIXES = ('.py', '.ipynb')


@dataclasses.dataclass
class FileResult:
    """One file's grading: status 'graded', 'crashed', 'timeout', 'prints forever', 'unreadable' or 'not graded'."""
    path: str
    status: str
    seconds: float = 0.0
    message: str = ''
    results: list = dataclasses.field(default_factory=list)  # a verdict.CheckResult per function

    @property
    def ran(self):
        return self.status == 'graded'

    @property
    def passed(self):
        return self.ran and bool(self.results) and all(r.passed for r in self.results)

    def to_dict(self):
        """The file's grading as JSON-ready data (the --json report): its fields, each result's to_dict()."""
        return {'path': self.path, 'status': self.status, 'seconds': self.seconds,
                'message': self.message, 'results': [r.to_dict() for r in self.results]}


class Stopped(KeyboardInterrupt):
    """The grading was stopped by a signal (SIGTERM, SIGHUP): handled as Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --- the child's output and results -------------------------------------------------------

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


class _Reader:
    """Read the results pipe to the end (at most limit bytes) in a thread."""

    def __init__(self, fd, limit=MAX_RESULTS):
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


def nesting(value, limit=MAX_NESTING):
    """How deep lists and dicts nest in a decoded JSON value (counted up to limit + 1, no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                break
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _plain_error(error):
    return (type(error) is dict and all(type(error.get(k, '')) is str
                                        for k in ('type', 'message', 'where'))
            and type(error.get('mro', [])) is list
            and all(type(n) is str for n in error.get('mro', [])))


def _observation(obs):
    """True for None or {'value': ...} / {'error': {...}} with an optional number of seconds."""
    if obs is None:
        return True
    if type(obs) is not dict or not set(obs) <= {'value', 'error', 'seconds'}:
        return False
    if ('value' in obs) == ('error' in obs):
        return False
    if 'seconds' in obs and type(obs['seconds']) not in (int, float):
        return False
    return 'value' in obs or _plain_error(obs['error'])


def _parse_results(data, nonce, too_long=False):
    """The child's message, checked: (status, message, functions), or a ValueError saying why."""
    if too_long:
        raise ValueError(f'more than {MAX_RESULTS // 2 ** 20} MB of results')
    try:
        text = bytes(data).decode('utf-8')
    except UnicodeDecodeError:
        raise ValueError('not JSON (not UTF-8)') from None
    too_deep = ValueError(f'not what the worker writes (nested more than {MAX_NESTING} deep)')
    try:
        msg = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as e:
        raise ValueError(f'not JSON ({type(e).__name__})') from None
    if nesting(msg) > MAX_NESTING:
        raise too_deep
    if not isinstance(msg, dict) or msg.get('nonce') != nonce:
        raise ValueError('not from the grader (no nonce)')
    status = msg.get('status')
    if status == 'crashed':
        return status, str(msg.get('message', ''))[:500], {}
    functions = msg.get('functions')
    if status != 'graded' or not isinstance(functions, dict):
        raise ValueError('unknown shape')
    job = _job()
    for name, obs in functions.items():
        if (name not in job or not isinstance(obs, list) or len(obs) > len(job[name])
                or not all(_observation(o) for o in obs)):
            raise ValueError(f'unknown shape for {name!r}'[:80])
    return status, '', functions


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


_DESCRIBED = None


def _described():
    """What the child looks for under each graded name (its names, what it provides), built once."""
    global _DESCRIBED
    if _DESCRIBED is None:
        from .worker import described
        _DESCRIBED = described()
    return _DESCRIBED


_JUDGE_LOCK = threading.Lock()


def _judge(functions, name, path):
    """The CheckResults of the functions a child observed, in the registry's order.

    One file at a time (``_JUDGE_LOCK``): the references seed MXNet's one global
    generator and initialise layers with it (``ref_conv1x1``), which another
    job's thread would otherwise draw from in between. The children still run at once.
    """
    from .verdict import judge_function
    with _JUDGE_LOCK:
        results = [judge_function(t, functions[t]) for t in _job() if t in functions]
    for c in results:  # the student knows their file by its own name, not the copy's
        for x in c.results:
            x.got = x.got.replace(f', {name}', f', {path.name}')
    return results


# --- one file ---------------------------------------------------------------------------

_LIVE, _LIVE_LOCK, _STOPPING = set(), threading.Lock(), threading.Event()
MAX_SLOTS = 4096   # files graded at once on one machine, all graders together


def _slot_folder():
    """The folder of the slots' lock files: this user's own, never a link (the children never see it)."""
    base = pathlib.Path('/run') if os.access('/run', os.W_OK) else pathlib.Path(tempfile.gettempdir())
    folder = base / f'd2l-ch6-slots-{os.geteuid()}'
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise PermissionError(f'{folder} is not a private folder of this user: remove it')
    return folder


class _slot:
    """The lowest job number no grader on this machine uses now: the child's user is UID_BASE + slot.

    Each slot is held by an exclusive lock on its own file, so two graders
    running at once (two teachers, two terminals) never give two children
    the same user, whose process limit they would share.
    """

    def __enter__(self):
        folder = _slot_folder()
        for n in range(MAX_SLOTS):
            fd = os.open(folder / f'{n}.lock', os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.n, self.fd = n, fd
            return n
        raise RuntimeError(f'all {MAX_SLOTS} grading slots of this machine are in use')

    def __exit__(self, *exc):
        os.close(self.fd)  # releases the lock
        return False


def _kill_group(proc):
    """Stop the child and everything it started (its process group; its PID namespace)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()


def _copy_submission(path, dest):
    """Copy path to dest, refused (ValueError) above MAX_SUBMISSION bytes, by size before copying."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_NONBLOCK', 0))
    with os.fdopen(fd, 'rb') as source:
        size = os.fstat(fd).st_size
        if size > MAX_SUBMISSION:
            raise ValueError(f'too large: {size / 2 ** 20:.0f} MB (at most '
                             f'{MAX_SUBMISSION // 2 ** 20} MB is graded)')
        data = source.read(MAX_SUBMISSION + 1)
    if len(data) > MAX_SUBMISSION:
        raise ValueError(f'too large: more than {MAX_SUBMISSION // 2 ** 20} MB')
    dest.write_bytes(data)


def _unreadable(path):
    """Why path is not graded before it runs ('' when it can be): a link, a folder, a size."""
    if path.is_symlink():
        return 'a link: not followed (copy the file in)'
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return ('not found' if not os.path.lexists(path) else
                f'not a {" or ".join(SUFFIXES)} file')
    size = path.stat().st_size
    if size > MAX_SUBMISSION:
        return (f'too large: {size / 2 ** 20:.0f} MB (at most {MAX_SUBMISSION // 2 ** 20} MB '
                'is graded)')
    return ''


def grade_file(path, timeout=DEFAULT_TIMEOUT, max_output=MAX_OUTPUT, sandbox=None,
               case_limit=20.0, budget=60.0):
    """Grade one notebook or script in a confined child; return a FileResult (never raises for its faults)."""
    from mxnet import npx
    from .runtime import runtime
    from .sandbox import Sandbox
    npx.set_np()  # per thread: the judges build Gluon layers, as the package's modules do
    sandbox = sandbox or Sandbox()
    path = pathlib.Path(path)
    why = _unreadable(path)
    if why:
        return FileResult(str(path), 'unreadable', message=why)
    start = time.perf_counter()
    nonce = secrets.token_hex(16)
    name = 'submission' + path.suffix.lower()
    with tempfile.TemporaryDirectory(prefix='d2l-ch6-check-') as tmp, _slot() as slot:
        os.chmod(tmp, 0o700)
        submission = pathlib.Path(tmp) / 'in' / name
        submission.parent.mkdir()
        try:
            _copy_submission(path, submission)
        except OSError as e:
            return FileResult(str(path), 'unreadable', message=f'cannot be read: {e.strerror}')
        except ValueError as e:
            return FileResult(str(path), 'unreadable', message=str(e))
        read_fd, write_fd = os.pipe()
        job_dir = pathlib.Path(tmp) / 'job'
        job_dir.mkdir()
        argv, env, cwd = sandbox.command(job_dir, submission, runtime(), slot, write_fd,
                                         int(timeout) + 10)
        job = json.dumps({'nonce': nonce, 'file': name, 'targets': _job(), 'graded': _described(),
                          'case_limit': min(case_limit, timeout), 'budget': budget}).encode()
        with _LIVE_LOCK:
            if _STOPPING.is_set():
                os.close(write_fd)
                os.close(read_fd)
                return FileResult(str(path), 'not graded', message='stopped (Ctrl-C)')
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                    pass_fds=(write_fd,), start_new_session=True)
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
            _kill_group(proc)  # whatever it left running goes with it (daemons too: its PID namespace)
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
        if kind == 'crashed':
            return FileResult(str(path), 'crashed', seconds, message.replace(name, path.name))
        results = _judge(functions, name, path)
    except Exception as e:  # whatever the child sent, it is this file's crash, never the run's
        lines = [ln for ln in tail.text().splitlines() if ln.strip()]
        last = lines[-1] if lines else f'exited with status {proc.returncode}'
        why = str(e) if isinstance(e, ValueError) else f'results not readable: {type(e).__name__}'
        return FileResult(str(path), 'crashed', seconds,
                          ' '.join(f'no results ({why}); last output: {last}'.split())[:500])
    message = '' if results else 'defines none of the checked functions'
    return FileResult(str(path), 'graded', seconds, message, results)


def _feed(pipe, data):
    try:
        pipe.write(data)
        pipe.close()
    except OSError:
        pass


# --- many files ------------------------------------------------------------------------

def expand(paths):
    """Return the files to grade: each path, or the notebooks and scripts under a folder.

    Folders are walked (per-student folders too), suffixes in any case; a
    link (to a file or a folder), a dangling link or a folder named like a
    script is a row that says so.
    """
    files = []
    for p in map(pathlib.Path, paths):
        if p.is_dir() and not p.is_symlink():
            for root, dirs, names in os.walk(p):
                dirs.sort()
                linked = [d for d in dirs if os.path.islink(os.path.join(root, d))]
                for n in sorted(names + [d for d in dirs if d.lower().endswith(SUFFIXES)] + linked):
                    q = pathlib.Path(root) / n
                    if n.lower().endswith(SUFFIXES) or os.path.islink(q):
                        files.append(q)
                dirs[:] = [d for d in dirs if not d.startswith('.') and d not in linked
                           and not d.lower().endswith(SUFFIXES)]
        else:
            files.append(p)
    return files


def stop_all():
    """End every running child (Ctrl-C, SIGTERM, SIGHUP): no student code outlives the command."""
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


class _signals:
    """While grading in the main thread, SIGTERM and SIGHUP stop it as Ctrl-C does."""

    WHICH = ('SIGTERM', 'SIGHUP')

    def __enter__(self):
        self.saved = {}
        if threading.current_thread() is threading.main_thread():
            for name in self.WHICH:
                number = getattr(signal, name, None)
                if number is not None:
                    self.saved[number] = signal.signal(number, self._stop)
        return self

    @staticmethod
    def _stop(signum, frame):
        raise Stopped(signum)

    def __exit__(self, *exc):
        for number, handler in self.saved.items():
            signal.signal(number, handler)
        return False


def grade_files(paths, timeout=DEFAULT_TIMEOUT, on_result=None, jobs=1, case_limit=20.0,
                trusted=False, sandbox=None):
    """Grade every file, jobs at a time; a failing file never stops the others.

    Returns the FileResults in the order of the files; on_result sees each
    as it finishes. Ctrl-C (SIGTERM, SIGHUP) ends every child, removes its
    folder and raises KeyboardInterrupt (Stopped) after the finished results
    went to on_result. Without the full confinement (``sandbox.missing``)
    it raises PermissionError saying what is missing, unless trusted.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed
    from .sandbox import Sandbox
    check_timeout(timeout)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f'jobs must be a whole number of at least 1, got {jobs!r}')
    sandbox = sandbox or Sandbox(trusted=trusted)
    if sandbox.refusal():
        raise PermissionError(sandbox.refusal())
    _STOPPING.clear()
    files = expand(paths)
    results = [None] * len(files)
    pool, futures = ThreadPoolExecutor(max_workers=jobs), {}
    with _signals():
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
