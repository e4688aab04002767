"""Run code in a forked child that is killed, with every process it started, at a deadline.

A student's function can ignore ``SIGALRM``, block it, or start processes of
its own; only a separate process killed with ``SIGKILL`` is stopped whatever
it does. ``Child(work)`` forks; the child runs ``work(send)``, where
``send(value)`` writes one JSON line to the parent (plain data, never a
pickle), then waits to be killed. The parent reads with ``receive(deadline)``
and ends the child with ``close()``: the child and its process group are
stopped with ``SIGSTOP``, every process below it is killed with ``SIGKILL``
until none is left, then the group and the child. On Linux the child adopts the orphans
of the processes it starts (a child subreaper), so a grandchild that detaches
is still below it, and the child dies with its parent. Where ``os.fork`` is
missing, ``FORKS`` is False and callers run the code in their own process.
"""
import ctypes
import json
import os
import signal
import select
import sys
import time
import warnings

__all__ = ['FORKS', 'Child', 'ChildEnded', 'kill_tree']

FORKS = hasattr(os, 'fork')
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36  # linux/prctl.h


class ChildEnded(Exception):
    """The child's process ended before it sent the message awaited (os._exit, a crash, a signal)."""


class Child:
    """A forked child running work(send); the parent's end of its pipe, and its process id."""

    def __init__(self, work):
        read_end, write_end = os.pipe()
        parent = os.getpid()
        with warnings.catch_warnings():  # Python 3.12+ warns about forking a threaded process
            warnings.simplefilter('ignore', DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _run_child(work, parent, read_end, write_end)  # never returns
        os.close(write_end)
        try:
            os.setpgid(pid, pid)  # also done by the child: whichever comes first
        except OSError:
            pass
        self.pid, self.fd, self.buffer = pid, read_end, bytearray()

    def receive(self, deadline):
        """Return the next value the child sent; TimeoutError after deadline (time.monotonic()).

        Raises ChildEnded when the child's pipe closes first, ValueError for a line that is
        not JSON.
        """
        seen = 0  # the bytes already searched for the line's end
        while (end := self.buffer.find(b'\n', seen)) < 0:
            seen = len(self.buffer)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise ChildEnded
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return json.loads(line)

    def close(self):
        """Kill the child and every process below it, and reap the child."""
        if self.fd is None:
            return
        os.close(self.fd)
        self.fd = None
        kill_tree(self.pid)


def _run_child(work, parent, read_end, write_end):
    """The child's side: its own process group, work(send), then wait for the parent's kill."""
    code = 0
    try:
        os.close(read_end)
        os.setpgid(0, 0)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)
        with os.fdopen(write_end, 'wb') as out:
            def send(value):
                out.write(json.dumps(value).encode('ascii') + b'\n')
                out.flush()
            work(send)
        _flush_output()
        while True:  # the parent kills this process and whatever it started
            signal.pause()
    except BaseException:
        code = 1
    finally:
        _flush_output()
        os._exit(code)


def _prctl(option, value):
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(option, int(value), 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # a closed or replaced stream: the output is the student's
            pass


def _children():
    """{parent pid: [pids of its live children]} from /proc ({} where there is no /proc)."""
    tree = {}
    try:
        names = os.listdir('/proc')
    except OSError:
        return tree
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f'/proc/{name}/stat', 'rb') as f:
                stat = f.read()
        except OSError:  # it ended meanwhile
            continue
        fields = stat[stat.rfind(b')') + 2:].split()
        if len(fields) > 1 and fields[0] not in (b'Z', b'X'):  # a zombie starts nothing
            tree.setdefault(int(fields[1]), []).append(int(name))
    return tree


def _below(pid):
    """The live processes below pid (not pid itself)."""
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:  # ended already
        pass


def kill_tree(pid):
    """SIGKILL pid, its process group and every process below it, and reap pid.

    pid is stopped first and killed last: as a subreaper (Linux) it adopts the
    orphans of the processes killed below it, so one forked while they die is
    still found below it by the next pass.
    """
    try:
        os.killpg(pid, signal.SIGSTOP)
    except OSError:  # no such group: the child had not made it yet
        _signal(pid, signal.SIGSTOP)
    for _ in range(1000):  # until a pass finds nothing alive below pid (about 1 ms a pass)
        alive = _below(pid)
        if not alive:
            break
        for p in alive:
            _signal(p, signal.SIGKILL)
        time.sleep(0.001)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    _signal(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
