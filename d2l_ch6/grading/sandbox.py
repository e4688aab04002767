"""How the grader's child is confined on this machine (the package's addition).

Each submission runs in a fresh, empty folder holding a copy of that file
only, with a temporary HOME and IPYTHONDIR, Python's isolated mode (``-I``,
the package's folder put first on the path by the grader), and limits on
address space, CPU seconds, file size and processes. Where the system
allows, more (``probe()`` finds out which, and the report's header says):

- ``pid namespace``: ``unshare --pid --fork --kill-child --mount-proc``: the
  child is process 1 of its own namespace, so ending it ends every process it
  started, ``setsid`` daemons included, and /proc shows none of the grader's;
- ``no network``: ``unshare --net``, a network namespace with no interface
  but a down loopback;
- ``unprivileged user``: as root, the child runs as ``nobody`` (setpriv);
  ``/root`` is replaced by an empty folder in its own mount namespace (the
  interpreter and package are bound back in when they live there), ``/tmp``,
  ``/var/tmp`` and ``/dev/shm`` are its own (no file passes from one
  submission to the next), and the folders holding the submissions are hidden.

What is left to a container for high-stakes exams: the package's own files
(and so the cases' source) stay readable to the child, the machine's other
files are readable as to any unprivileged user, and CPU time and memory are
limited per process, not per class.
"""
import functools
import os
import pathlib
import resource
import shutil
import subprocess
import sys

__all__ = ['Sandbox', 'probe']

UNPRIVILEGED = 'nobody'
LIMITS = {'address space': (resource.RLIMIT_AS, 16 * 2 ** 30),
          'file size': (resource.RLIMIT_FSIZE, 64 * 2 ** 20),
          'processes': (resource.RLIMIT_NPROC, 512)}


def _run(argv, timeout=20):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=None)
def probe():
    """Which measures work here: {'pid namespace', 'no network', 'unprivileged user', ...: bool}."""
    unshare, setpriv = shutil.which('unshare'), shutil.which('setpriv')
    root = os.geteuid() == 0
    ns = ['--pid', '--fork', '--kill-child', '--mount-proc']
    found = {'pid namespace': False, 'no network': False, 'unprivileged user': False}
    if unshare:
        base = [unshare] + ([] if root else ['--user', '--map-root-user'])
        found['pid namespace'] = _run(base + ns + ['true'])
        found['no network'] = found['pid namespace'] and _run(base + ns + ['--net', 'true'])
    if root and setpriv and found['pid namespace']:
        import pwd
        try:
            pwd.getpwnam(UNPRIVILEGED)
            found['unprivileged user'] = True
        except KeyError:
            pass
    return found


def _set_limits(cpu_seconds):
    def apply():
        for name, (which, value) in LIMITS.items():
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):
                pass
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    return apply


_MOUNTS = r'''
set -e
job="$1"; shift
n=0
for p in $D2L_BIND; do mkdir -p "$job/stage/$n"; mount --bind "$p" "$job/stage/$n"; n=$((n+1)); done
mkdir -p "$job/stage/work"; mount --bind "$job/work" "$job/stage/work"
mount -t tmpfs -o mode=755,size=64m tmpfs /root
mkdir -p /root/.stage
n=0
for p in $D2L_BIND; do mkdir -p "/root/.stage/$n"; mount --move "$job/stage/$n" "/root/.stage/$n"; n=$((n+1)); done
mkdir -p /root/.stage/work; mount --move "$job/stage/work" /root/.stage/work
for t in /tmp /var/tmp /dev/shm; do
    [ -d "$t" ] && mount -t tmpfs -o mode=1777,size=256m tmpfs "$t"
done
n=0
for p in $D2L_BIND; do mkdir -p "$p"; mount --move "/root/.stage/$n" "$p"; n=$((n+1)); done
for h in $D2L_HIDE; do mount -t tmpfs -o mode=755,size=1m tmpfs "$h" 2>/dev/null || true; done
mkdir -p /root/work /root/home
mount --move /root/.stage/work /root/work
rmdir /root/.stage/* /root/.stage 2>/dev/null || true
chown "$D2L_UID:$D2L_GID" /root/home
cd /root/work
exec setpriv --reuid="$D2L_UID" --regid="$D2L_GID" --clear-groups --inh-caps=-all -- \
    env -u D2L_BIND -u D2L_HIDE -u D2L_UID -u D2L_GID HOME=/root/home IPYTHONDIR=/root/home/.ipython \
    JUPYTER_RUNTIME_DIR=/root/home/.jupyter MPLCONFIGDIR=/root/home/.mpl TMPDIR=/tmp "$@"
'''


class Sandbox:
    """Build the command and environment that run the worker for one submission."""

    def __init__(self, hide=()):
        self.found = probe()
        self.hide = [str(pathlib.Path(h).resolve()) for h in hide]

    def in_force(self):
        """The measures in force, as one line for the report's header."""
        parts = ['fresh folder with a copy of the file only', 'temporary HOME and IPYTHONDIR',
                 'python -I', 'limits: ' + ', '.join(list(LIMITS) + ['CPU seconds'])]
        parts += [name for name, ok in self.found.items() if ok]
        missing = [name for name, ok in self.found.items() if not ok]
        text = '; '.join(parts)
        return text + (f' (not available here: {", ".join(missing)})' if missing else '')

    def _needed(self):
        """Paths the child needs: the interpreter, the venv, the package."""
        package_parent = pathlib.Path(__file__).resolve().parents[2]
        paths = {pathlib.Path(sys.prefix).resolve(), pathlib.Path(sys.base_prefix).resolve(),
                 pathlib.Path(sys.executable).resolve().parent.parent, package_parent}
        return sorted(str(p) for p in paths)

    def _needed_under_root(self):
        """The needed paths that the empty /root, /tmp, /var/tmp and /dev/shm would hide (bound back in)."""
        hidden = ('/root', '/tmp', '/var/tmp', '/dev/shm')
        paths = [p for p in self._needed() if any(p == h or p.startswith(h + '/') for h in hidden)]
        return [p for p in paths if not any(q != p and p.startswith(q + '/') for q in paths)]

    def command(self, job_dir, python_argv, cpu_seconds):
        """Return (argv, env, cwd, preexec) for running python_argv confined; job_dir holds work/."""
        job_dir = pathlib.Path(job_dir)
        env = {'PATH': '/usr/bin:/bin', 'LANG': 'C.UTF-8', 'PYTHONUNBUFFERED': '1',
               'MPLBACKEND': 'Agg', 'PYTHONDONTWRITEBYTECODE': '1',
               'D2L_CH6_GRADING_CHILD': '1'}
        for key in ('OMP_NUM_THREADS', 'MXNET_CPU_WORKER_NTHREADS', 'MXNET_CPU_TEMP_COPY',
                    'MXNET_EXEC_BULK_EXEC_TRAIN', 'D2L_CH6_ENV_DEFAULTS', 'D2L_CH6_DATA'):
            if key in os.environ:
                env[key] = os.environ[key]
        preexec = _set_limits(cpu_seconds)
        f = self.found
        if not f['pid namespace']:
            home = job_dir / 'work' / '.home'
            home.mkdir(exist_ok=True)
            env.update(HOME=str(home), IPYTHONDIR=str(home / '.ipython'),
                       JUPYTER_RUNTIME_DIR=str(home / '.jupyter'), MPLCONFIGDIR=str(home / '.mpl'))
            return python_argv, env, str(job_dir / 'work'), preexec
        unshare = [shutil.which('unshare')] + ([] if os.geteuid() == 0 else
                                               ['--user', '--map-root-user'])
        unshare += ['--pid', '--fork', '--kill-child', '--mount-proc']
        if f['no network']:
            unshare.append('--net')
        if f['unprivileged user']:
            import pwd
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(job_dir / 'work', user.pw_uid, user.pw_gid)
            for p in (job_dir / 'work').iterdir():
                os.chown(p, user.pw_uid, user.pw_gid)
            keep = self._needed() + [str(job_dir.resolve())]
            hide = [h for h in self.hide if h != '/' and ' ' not in h and not any(
                n == h or n.startswith(h + '/') for n in keep)]
            env.update(D2L_BIND=' '.join(self._needed_under_root()), D2L_HIDE=' '.join(hide),
                       D2L_UID=str(user.pw_uid), D2L_GID=str(user.pw_gid))
            argv = unshare + ['/bin/sh', '-c', _MOUNTS, 'sh', str(job_dir)] + python_argv
            return argv, env, str(job_dir), preexec
        home = job_dir / 'work' / '.home'
        home.mkdir(exist_ok=True)
        env.update(HOME=str(home), IPYTHONDIR=str(home / '.ipython'),
                   JUPYTER_RUNTIME_DIR=str(home / '.jupyter'), MPLCONFIGDIR=str(home / '.mpl'))
        return unshare + python_argv, env, str(job_dir / 'work'), preexec
