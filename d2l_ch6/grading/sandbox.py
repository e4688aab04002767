"""How the grader's child is confined (the package's addition).

The child's command line is the whole launcher, one path for every child:

    prlimit --as --fsize --nproc --cpu --
      unshare --mount --pid --fork --kill-child --mount-proc --net --ipc --
        sh confine.sh UID JOB SUBMISSION PACKAGE RUNTIME KEEP... --
          python -I -c BOOT ...

- ``prlimit``: address space, file size, processes and CPU seconds, set before
  anything of the child runs (no Python runs between fork and exec);
- ``unshare``: the child is process 1 of its own PID namespace (ending it ends
  every process it started, daemons included; /proc shows none of the
  grader's), with no network (a namespace with a down loopback only) and its
  own System V IPC and message queues;
- ``confine.sh`` (shipped beside this module): a new root holding only the
  system's programs and libraries, the interpreter and the student runtime
  (``runtime``: the package with every answer withheld) seen where the
  package is, all read-only, and three size-limited tmpfs of the child's own
  (its working folder and home, /tmp, /dev/shm); then it runs as UID, an
  unprivileged user of its own (one per concurrent job, so the process limit
  is its own), with no capabilities.

So no submission folder, teacher's file, other copy of the package or
writable place of the machine is in the child's reach, wherever they are.
This needs root and namespaces (``probe``); where they are missing, the
grader refuses untrusted files unless the teacher passes ``--trusted``
(``Sandbox.refusal``). Trusted, the child runs under the same limits in a
fresh folder with the runtime first on its path, and nothing else.
"""
import functools
import os
import pathlib
import shutil
import site
import subprocess
import sys

__all__ = ['Sandbox', 'probe', 'missing', 'LIMITS', 'UID_BASE']

UID_BASE = 1_690_000_000   # the children's users: ids no account uses, UID_BASE + slot
LIMITS = {'address space': ('--as', 16 * 2 ** 30), 'file size': ('--fsize', 64 * 2 ** 20),
          'processes': ('--nproc', 256)}
TOOLS = ('unshare', 'setpriv', 'prlimit', 'chroot', 'mount')
CONFINE = pathlib.Path(__file__).with_name('confine.sh')
SYSTEM = ('/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32')
NAMESPACES = ['--mount', '--pid', '--fork', '--kill-child', '--mount-proc', '--net', '--ipc']
BOOT = ('import sys; p = sys.argv[2]; sys.path[:] = [p] + [q for q in sys.path if q not in '
        "('', '.', p)]; from d2l_ch6.grading.worker import main; sys.exit(main(int(sys.argv[1])))")


def _run(argv, timeout=20):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=None)
def probe():
    """What this machine allows: {'root': bool, 'namespaces': bool, tool: bool for each of TOOLS}."""
    found = {tool: shutil.which(tool) is not None for tool in TOOLS}
    found['root'] = os.geteuid() == 0
    found['namespaces'] = (found['root'] and found['unshare']
                           and _run([shutil.which('unshare')] + NAMESPACES + ['true']))
    return found


def missing(found=None):
    """What the full confinement lacks here, in words ([] when it is all in force)."""
    found = probe() if found is None else found
    lacks = []
    if not found['root']:
        lacks.append('root (the child runs as a user of its own, in a root of its own)')
    elif not found['namespaces']:
        lacks.append('namespaces (unshare --mount --pid --net --ipc failed: a container '
                     'without CAP_SYS_ADMIN?)')
    tools = [t for t in TOOLS if not found[t]]
    if tools:
        lacks.append(f'the util-linux programs {", ".join(tools)}')
    return lacks


def _outermost(paths):
    paths = sorted(set(paths))
    return [p for p in paths if not any(q != p and p.startswith(q.rstrip('/') + '/') for q in paths)]


class Sandbox:
    """Build the command that runs the worker for one submission, confined."""

    def __init__(self, trusted=False, found=None):
        self.found = probe() if found is None else found
        self.lacks = missing(self.found)
        self.trusted = trusted

    @property
    def confined(self):
        return not self.lacks

    def refusal(self):
        """Why untrusted files cannot be graded here (None when they can): what is missing, how to get it."""
        if self.confined or self.trusted:
            return None
        return ('cannot confine the students\' code here: missing ' + '; '.join(self.lacks)
                + '. Run the grader as root (sudo d2l-ch6 check ...), or in a container with '
                'CAP_SYS_ADMIN (docker run --cap-add SYS_ADMIN, or --privileged) and util-linux; '
                'or pass --trusted to grade files you trust with no confinement but the limits')

    def in_force(self):
        """The measures in force, as one line for the report's header."""
        limits = 'limits: ' + ', '.join(list(LIMITS) + ['CPU seconds'])
        if self.confined:
            return ('a root of its own (the system read-only, the student runtime: no answer, '
                    'case or reference), a user of its own per job, its own size-limited '
                    'working folder, /tmp and /dev/shm; pid namespace; no network; own IPC; '
                    + limits)
        return ('TRUSTED, not confined (missing: ' + '; '.join(self.lacks) + '): a fresh folder '
                'with a copy of the file, the student runtime first on the path'
                + ('; ' + limits if self.found['prlimit'] else '; no limits (no prlimit)'))

    def keep(self):
        """The folders the child reads besides the system's: the interpreter and its libraries."""
        paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 str(pathlib.Path(sys.executable).resolve().parent.parent),
                 *site.getsitepackages()}
        data = os.environ.get('D2L_CH6_DATA')
        if data and os.path.isdir(data):
            paths.add(data)
        paths = {str(pathlib.Path(p).resolve()) for p in paths if os.path.isdir(p)}
        return [p for p in _outermost(paths)
                if not any(p == s or p.startswith(s + '/') for s in SYSTEM)]

    def _env(self):
        env = {'PATH': '/usr/bin:/bin', 'LANG': 'C.UTF-8', 'PYTHONUNBUFFERED': '1',
               'MPLBACKEND': 'Agg', 'PYTHONDONTWRITEBYTECODE': '1', 'D2L_CH6_GRADING_CHILD': '1'}
        for key in ('OMP_NUM_THREADS', 'MXNET_CPU_WORKER_NTHREADS', 'MXNET_CPU_TEMP_COPY',
                    'MXNET_EXEC_BULK_EXEC_TRAIN', 'D2L_CH6_ENV_DEFAULTS', 'D2L_CH6_DATA'):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _limits(self, cpu_seconds):
        if not self.found['prlimit']:
            return []
        return ([shutil.which('prlimit')] + [f'{flag}={value}' for flag, value in LIMITS.values()]
                + [f'--cpu={cpu_seconds}:{cpu_seconds + 5}', '--'])

    def command(self, job, submission, runtime, slot, results_fd, cpu_seconds):
        """Return (argv, env, cwd) running the worker on job/submission; results go to results_fd.

        job: the job's folder (root's, empty but for the submission's copy);
        runtime: the student runtime's d2l_ch6 folder; slot: the job's number
        among those running at once (its user is UID_BASE + slot).
        """
        if self.refusal():
            raise PermissionError(self.refusal())
        job, submission = pathlib.Path(job), pathlib.Path(submission)
        env = self._env()
        package = pathlib.Path(__file__).resolve().parents[1]
        if self.confined:
            python = [sys.executable, '-I', '-c', BOOT, str(results_fd), str(package.parent)]
            (job / 'root').mkdir()
            argv = (self._limits(cpu_seconds) + [shutil.which('unshare')] + NAMESPACES + ['--']
                    + ['/bin/sh', str(CONFINE), str(UID_BASE + slot), str(job), str(submission),
                       str(package), str(runtime)] + self.keep() + ['--'] + python)
            return argv, env, str(job)
        work, home = job / 'work', job / 'work' / '.home'
        home.mkdir(parents=True)
        shutil.copyfile(submission, work / submission.name)
        env.update(HOME=str(home), IPYTHONDIR=str(home / '.ipython'), TMPDIR=str(work),
                   JUPYTER_RUNTIME_DIR=str(home / '.jupyter'), MPLCONFIGDIR=str(home / '.mpl'))
        python = [sys.executable, '-I', '-c', BOOT, str(results_fd), str(pathlib.Path(runtime).parent)]
        return self._limits(cpu_seconds) + python, env, str(work)
