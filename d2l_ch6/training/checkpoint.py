"""train_ch5's checkpoints: one per epoch and on Ctrl-C, verified before a resume (the package's addition).

A checkpoint folder holds ``checkpoint.json`` and the two files it names, the
parameters and the trainer's states. ``checkpoint.json`` records the run it
belongs to (``RunSpec``: the network, batch size, training examples, learning
rate and schedule, seed), where the run stands (``Position``), its history and
the SHA-256 of the two files; it is replaced last, each file atomically, so a
crash leaves the previous checkpoint or the new one. A resume that differs in
any of these, or finds a damaged file, is refused with a ``CheckpointError``
that names the file or the setting. A live run holds a lock on the folder.

The SHA-256s prove the files are the ones checkpoint.json names, not who wrote
it: anyone may recompute them. So checkpoint.json also carries an HMAC-SHA256
of all it records, keyed by a secret kept outside the checkpoint folder (a
0600 key file in the user's state folder, or $D2L_CH6_KEY_FILE): a resume
accepts only what a train_ch5 run of this user wrote, unedited.
"""
import dataclasses
import errno
import hashlib
import hmac
import json
import logging
import os
import pathlib
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from typing import List, Optional

import numpy as onp

from .._arguments import reason, shown

try:
    import fcntl
except ImportError:          # Windows: no advisory locks; a second run is not refused
    fcntl = None

__all__ = ['CHECKPOINT_FILE', 'CheckpointError', 'CheckpointSaveError', 'RunSpec', 'Position',
           'Checkpointer', 'run_spec', 'load_checkpoint', 'atomic_write', 'check_output_dir',
           'key_path']

log = logging.getLogger(__name__)

CHECKPOINT_FILE = 'checkpoint.json'
LOCK_FILE = '.lock'
FILE_NAME = r'epoch-\d+-batch-\d+\.(params|states)'   # what save writes; nothing else is deleted
FORMAT = 3                    # 3: signed (an HMAC of the user's key)
KEY_ENV_VAR = 'D2L_CH6_KEY_FILE'
KEY_BYTES = 32


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed: damaged, incomplete, locked or another run's (the package's addition)."""


class CheckpointSaveError(OSError):
    """A checkpoint that could not be written (a full disk): the previous one is whole (the package's addition)."""


# ------------------------------------------------------------------ files

def check_output_dir(path, name):
    """Create folder path if needed and check that a file can be written there; return it as a Path.

    Raises ValueError naming the argument when path is a file or the folder
    is not writable, before any work is done.
    """
    path = pathlib.Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f'{name} must be a folder, but {str(path)!r} is a file')
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix='.write-test-')
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise ValueError(f'{name} must be a writable folder, but {str(path)!r} is not: '
                         f'{e.strerror or e}') from None
    return path


def atomic_write(path, write):
    """Call write(temporary path) beside path, then rename it onto path; path is never left half-written.

    An OSError (a full disk, say) removes the temporary file, leaves path as
    it was and is raised again naming path.
    """
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(e, OSError):
            why = e.strerror or (os.strerror(e.errno) if e.errno else str(e))
            raise OSError(e.errno, f'cannot write {path}: {why}; the previous {path.name} '
                                   'is unchanged') from e
        raise


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------ the key

def key_path():
    """Return the user's checkpoint key file: $D2L_CH6_KEY_FILE, or d2l-ch6/checkpoint.key in the state folder."""
    if os.environ.get(KEY_ENV_VAR):
        return pathlib.Path(os.environ[KEY_ENV_VAR]).expanduser()
    state = os.environ.get('XDG_STATE_HOME') or os.path.join('~', '.local', 'state')
    return pathlib.Path(state).expanduser() / 'd2l-ch6' / 'checkpoint.key'


def _read_key(path):
    """Return the key in path, refusing a symlink, a file others may read, or a short one."""
    fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
    with os.fdopen(fd, 'rb') as f:
        mode = os.fstat(f.fileno()).st_mode
        key = f.read(KEY_BYTES + 1)
    if os.name == 'posix' and mode & 0o077:
        raise CheckpointError(f'the checkpoint key {path} may be read by other users (mode '
                              f'{mode & 0o777:o}): make it private (chmod 600 {path})')
    if len(key) != KEY_BYTES:
        raise CheckpointError(f'the checkpoint key {path} holds {len(key)} bytes, not '
                              f'{KEY_BYTES}: remove it (the checkpoints it signed can then no '
                              'longer be resumed) and train again')
    return key


def _key():
    """Return the user's checkpoint key, creating it (0600, never through a symlink) on first use."""
    path = key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        raise CheckpointError(f'cannot read the checkpoint key {path}: {e.strerror or e} '
                              f'(a symbolic link is refused); set ${KEY_ENV_VAR} to another '
                              'file') from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0),
                     0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(os.urandom(KEY_BYTES))
    except FileExistsError:      # another run made it meanwhile
        pass
    except OSError as e:
        raise CheckpointError(f'cannot create the checkpoint key {path}: {e.strerror or e}; '
                              f'set ${KEY_ENV_VAR} to a file this user may write, outside '
                              'the checkpoint folder') from None
    return _read_key(path)


def _signed_content(state):
    """The bytes a checkpoint's signature covers: all it records but the signature and the time."""
    content = {k: v for k, v in state.items() if k not in ('signature', 'time')}
    return json.dumps(content, sort_keys=True, separators=(',', ':')).encode()


def sign(state):
    """Return the HMAC-SHA256 of a checkpoint.json's content under the user's key."""
    return hmac.new(_key(), _signed_content(state), hashlib.sha256).hexdigest()


# ------------------------------------------------------------- the run

@dataclasses.dataclass
class RunSpec:
    """What a run that resumes a checkpoint must share with the run that wrote it."""
    network: str                 # the layers, as Gluon prints them (in-channels left out)
    parameters: List[list]       # [structural name, shape] per parameter; 0: not known yet
    batch_size: Optional[int]
    num_examples: Optional[int]
    data_fingerprint: Optional[str]  # BLAKE2 of the training images and labels
    lr: float
    lr_schedule: Optional[str]
    seed: Optional[int]


def _network_text(net):
    """net's layers as Gluon prints them, without the in-channels that a first batch fills in."""
    text = re.sub(r'(None|-?\d+) -> ', '', repr(net))
    return re.sub(r', in_channels=(None|-?\d+)', '', text)


def _fingerprint(X, y):
    h = hashlib.blake2b(digest_size=16)
    for A in (X, y):
        h.update(memoryview(onp.ascontiguousarray(A)).cast('B'))
    return h.hexdigest()


def _schedule_name(lr_schedule, num_epochs):
    if lr_schedule is None:
        return None
    if lr_schedule == 'cosine':
        return f'cosine over {num_epochs} epochs'
    return getattr(lr_schedule, '__qualname__', type(lr_schedule).__qualname__)


def run_spec(net, train_iter, lr, lr_schedule, num_epochs, seed):
    """Return the RunSpec of a train_ch5 call, after net.initialize."""
    params = [[name, list(p.shape or ())] for name, p in net._collect_params_with_prefix().items()]
    arrays = hasattr(train_iter, 'X') and hasattr(train_iter, 'y')
    return RunSpec(
        network=_network_text(net), parameters=params,
        batch_size=getattr(train_iter, 'batch_size', None),
        num_examples=len(train_iter.y) if arrays else None,
        data_fingerprint=_fingerprint(train_iter.X, train_iter.y) if arrays else None,
        lr=float(lr), lr_schedule=_schedule_name(lr_schedule, num_epochs), seed=seed)


def _shapes_agree(a, b):
    return len(a) == len(b) and all(x == y or 0 in (x, y) for x, y in zip(a, b))


def _first_difference(saved, current):
    """Name the first field where current differs from saved, with both values; None if none."""
    if saved.network != current.network:
        old, new = saved.network.splitlines(), current.network.splitlines()
        k = next((i for i, (o, n) in enumerate(zip(old, new)) if o != n), min(len(old), len(new)))
        line = lambda lines: lines[k].strip() if k < len(lines) else '(no layer)'  # noqa: E731
        return f'the network differs: {line(old)!r} in the checkpoint, {line(new)!r} here'
    names = [n for n, _ in saved.parameters], [n for n, _ in current.parameters]
    if names[0] != names[1]:
        return f'the parameters differ: {names[0]} in the checkpoint, {names[1]} here'
    for (name, a), (_, b) in zip(saved.parameters, current.parameters):
        if not _shapes_agree(a, b):
            return f'parameter {name} has shape {tuple(a)} in the checkpoint, {tuple(b)} here'
    for field in ('batch_size', 'num_examples', 'data_fingerprint', 'lr', 'lr_schedule', 'seed'):
        a, b = getattr(saved, field), getattr(current, field)
        if a != b and field == 'data_fingerprint':
            return 'the training examples differ (their fingerprint)'
        if a != b:
            return f'{field} is {shown(a)} in the checkpoint, {shown(b)} here'
    return None


@dataclasses.dataclass
class Position:
    """Where a run stands: the next epoch and batch, that epoch's sums so far, its shuffling rng state."""
    epoch: int = 0
    batch: int = 0
    totals: Optional[list] = None       # [loss sum, right, examples] of the epoch's first batches
    rng_state: Optional[dict] = None    # the data's shuffling rng at the epoch's start

    def of_epoch(self, epoch, data_iter):
        """Return where 0-based epoch starts (here, when a resume stopped inside it), with data_iter's rng state now."""
        rng = getattr(data_iter, 'rng', None)
        return dataclasses.replace(self if epoch == self.epoch else Position(epoch),
                                   rng_state=rng.bit_generator.state if rng is not None else None)


# -------------------------------------------------------- checkpointer

_SCHEMA = {'format': int, 'run': dict, 'position': dict, 'history': dict, 'files': dict,
           'signature': str}


def _checked(path, state):
    """Check the fields of a checkpoint.json's content; return (RunSpec, Position, history, files)."""
    def bad(why):
        return CheckpointError(f'{path} is damaged or not a train_ch5 checkpoint: {why}; '
                               'start anew without resume, or with another checkpoint_dir')
    if not isinstance(state, dict):
        raise bad(f'it holds a {type(state).__name__}, not an object')
    if state.get('format') != FORMAT and isinstance(state.get('format'), int):
        raise bad(f"it has format {state['format']}, this version reads {FORMAT}")
    for key, kind in _SCHEMA.items():
        if key not in state:
            raise bad(f'it lacks {key!r}')
        if not isinstance(state[key], kind) or isinstance(state[key], bool):
            raise bad(f'{key!r} must be {kind.__name__}, got {shown(state[key]):.60}')
    try:
        run, position = RunSpec(**state['run']), Position(**state['position'])
        from .reporting import History
        history = History.from_dict(state['history'])
    except (TypeError, ValueError, KeyError) as e:
        raise bad(str(e)) from None
    for name in ('epoch', 'batch'):
        v = getattr(position, name)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise bad(f'position.{name} must be an int >= 0, got {shown(v)}')
    if len(history) != position.epoch:
        raise bad(f'its history has {len(history)} epochs but its position says {position.epoch}')
    if set(state['files']) != {'params', 'states'} or \
            not all(isinstance(v, dict) and set(v) == {'name', 'sha256'}
                    for v in state['files'].values()):
        raise bad("'files' must name 'params' and 'states', each with 'name' and 'sha256'")
    for f in state['files'].values():   # files of this folder only: a resume may delete them
        if not isinstance(f['name'], str) or not re.fullmatch(FILE_NAME, f['name']):
            raise bad(f"a checkpoint file must be named epoch-E-batch-B.params or .states in "
                      f"its folder, got {f['name']!r}")
    if not hmac.compare_digest(sign(state), state['signature']):
        raise CheckpointError(
            f'{path} is not signed by a train_ch5 run of this user: its signature does not '
            f'match what it records (edited, or written with another key than {key_path()}), '
            'so its parameters and history cannot be trusted to be this run\'s; start anew '
            'without resume, or with another checkpoint_dir')
    return run, position, history, state['files']


def load_checkpoint(folder):
    """Read and verify the checkpoint in folder: (RunSpec, Position, History, files) (the package's addition).

    Raises CheckpointError naming the file when it is missing, not JSON,
    incomplete, not signed with this user's key (edited, or another's), or
    one of its two files is missing or not the file it wrote.
    """
    folder = pathlib.Path(folder)
    path = folder / CHECKPOINT_FILE
    if not path.is_file():
        raise CheckpointError(f'checkpoint_dir {str(folder)!r} holds no {CHECKPOINT_FILE}: '
                              'nothing to resume (start without resume)')
    try:
        state = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f'{path} is damaged (not JSON: {e}); start anew without resume, '
                              'or with another checkpoint_dir') from None
    run, position, history, files = _checked(path, state)
    for f in files.values():
        p = folder / f['name']
        if not p.is_file():
            raise CheckpointError(f'{p}, named by {path}, is missing: the checkpoint is '
                                  'incomplete; start anew without resume')
        if _sha256(p) != f['sha256']:
            raise CheckpointError(f'{p} is not the file {path} recorded (its SHA-256 '
                                  'differs): damaged or replaced; start anew without resume')
    return run, position, history, files


def _open_lock(path):
    """Open the lock file for reading and writing, never through a symbolic link (which it would overwrite)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP or os.path.islink(path):
            raise CheckpointError(f'{path} is a symbolic link (to {os.readlink(path)!r}): a '
                                  'lock file is never opened through one, which would overwrite '
                                  'its target; remove it, or give this run another '
                                  'checkpoint_dir') from None
        raise CheckpointError(f'cannot open the lock file {path}: {e.strerror or e}') from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:   # a hard link shares its target's bytes
        os.close(fd)
        what = 'a hard link to another file' if stat.S_ISREG(st.st_mode) else \
            'not a regular file'
        raise CheckpointError(f'{path} is {what}, which writing the lock would overwrite: '
                              'remove it, or give this run another checkpoint_dir')
    return os.fdopen(fd, 'r+')


class Checkpointer:
    """Save and verify one run's checkpoints in a folder, which it locks while the run lives.

    folder None: keep no checkpoint (every method does nothing).
    """

    def __init__(self, folder, run):
        self.folder = None if folder is None else pathlib.Path(folder)
        self.run, self._lock, self._files = run, None, None
        self.best = float('-inf')

    def __enter__(self):
        if self.folder is None:
            return self
        check_output_dir(self.folder, 'checkpoint_dir')
        if fcntl is not None:
            self._lock = _open_lock(self.folder / LOCK_FILE)
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock.seek(0)
                holder = self._lock.read().strip() or 'another process'
                self._lock.close()
                self._lock = None
                raise CheckpointError(
                    f'checkpoint_dir {str(self.folder)!r} is in use by another training run '
                    f'({holder}): wait for it to end, or give this run its own '
                    'checkpoint_dir') from None
            self._lock.seek(0)
            self._lock.truncate()
            self._lock.write(f'pid {os.getpid()}, since {time.strftime("%Y-%m-%d %H:%M:%S")}')
            self._lock.flush()
        self._files = self._previous_files()
        return self

    def _previous_files(self):
        """The files of the checkpoint already in the folder, which this run's first save replaces."""
        try:
            files = json.loads((self.folder / CHECKPOINT_FILE).read_text())['files']
            return [f['name'] for f in files.values()
                    if re.fullmatch(FILE_NAME, f['name'])]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return []

    def __exit__(self, *exc):
        if self._lock is not None:
            self._lock.close()        # closing releases the lock
            self._lock = None

    def resume(self, net, trainer, ctxs, train_iter, num_epochs):
        """Load the checkpoint into net, trainer and train_iter's rng after checking it is this run's; return (History, Position)."""
        saved, position, history, files = load_checkpoint(self.folder)
        diff = _first_difference(saved, self.run)
        if diff:
            raise CheckpointError(f'cannot resume from {self.folder / CHECKPOINT_FILE}: {diff}. '
                                  'Resume with the settings of the run that wrote it, or start '
                                  'anew without resume (or with another checkpoint_dir)')
        if position.epoch > num_epochs:
            raise ValueError(f'num_epochs must be at least the {position.epoch} epochs already '
                             f'in the checkpoint to resume, got {num_epochs}')
        rng = getattr(train_iter, 'rng', None)
        if position.rng_state is not None and rng is not None:
            try:
                rng.bit_generator.state = position.rng_state
            except (TypeError, ValueError, KeyError) as e:
                raise CheckpointError(f'{self.folder / CHECKPOINT_FILE} holds a shuffling state '
                                      f'that train_iter cannot take ({e}); start anew without '
                                      'resume') from None
        for key, load in (('params', lambda p: net.load_parameters(p, ctx=ctxs)),
                          ('states', trainer.load_states)):
            path = self.folder / files[key]['name']
            try:
                load(str(path))
            except Exception as e:   # MXNet or pickle errors, which do not name the file
                raise CheckpointError(f'{path} cannot be loaded ({type(e).__name__}: '
                                      f'{reason(e)}); start anew without resume') from None
        self._files = [f['name'] for f in files.values()]
        self.best = max((r.test_acc for r in history), default=float('-inf'))
        log.info('resuming at epoch %d, batch %d', position.epoch + 1, position.batch)
        return history, position

    def save(self, net, trainer, history, position):
        """Write the parameters, the trainer states, then checkpoint.json naming them; drop the previous files."""
        if self.folder is None:
            return
        stem = f'epoch-{position.epoch:03d}-batch-{position.batch:05d}'
        files, before = {}, self._standing()
        try:
            for key, write in (('params', net.save_parameters), ('states', trainer.save_states)):
                path = self.folder / f'{stem}.{key}'
                _write_file(path, write)
                files[key] = {'name': path.name, 'sha256': _sha256(path)}
            state = {'format': FORMAT, 'run': dataclasses.asdict(self.run),
                     'position': dataclasses.asdict(position), 'history': history.to_dict(),
                     'files': files, 'time': time.time()}
            state['signature'] = sign(state)
            atomic_write(self.folder / CHECKPOINT_FILE,
                         lambda tmp: pathlib.Path(tmp).write_text(json.dumps(state, indent=1)))
        except OSError as e:
            raise self._save_error(e, position, [f['name'] for f in files.values()],
                                   before) from e
        for old in self._files or ():
            if old not in (f['name'] for f in files.values()):
                try:
                    (self.folder / old).unlink()
                except OSError as e:   # a file already gone or locked costs nothing
                    if e.errno != errno.ENOENT:
                        log.warning('could not remove the old checkpoint file %s: %s', old, e)
        self._files = [f['name'] for f in files.values()]
        if history.records and position.batch == 0 and history[-1].test_acc > self.best:
            try:
                _write_file(self.folder / 'best.params', net.save_parameters)
            except OSError as e:
                raise _save_error(e.errno, f'cannot save best.params in {self.folder}: '
                                           f'{_why(e)}; the checkpoint of epoch {position.epoch} '
                                           'is saved and whole (resume=True continues from it), '
                                           'best.params holds the earlier best') from e
            self.best = history[-1].test_acc
        log.info('checkpoint: epoch %d, batch %d in %s', position.epoch, position.batch,
                 self.folder)


    def _standing(self):
        """Say which checkpoint the folder holds now (before a save), for an error that keeps it."""
        try:
            state = json.loads((self.folder / CHECKPOINT_FILE).read_text())
            at = state['position']
            return (f"the previous checkpoint (epoch {at['epoch']}, batch {at['batch']}: "
                    f"{CHECKPOINT_FILE} and {', '.join(f['name'] for f in state['files'].values())})",
                    [f['name'] for f in state['files'].values()])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None, []

    def _save_error(self, error, position, written, before):
        """A CheckpointSaveError naming the folder, the failure and what stayed whole; drop this save's files."""
        what, kept = before
        for name in written:
            if name not in kept:
                try:
                    (self.folder / name).unlink()
                except OSError:
                    pass
        if what is None:
            whole = 'no checkpoint was there before, so this run has none yet'
        elif any(name in kept for name in written):
            whole = f'{what} may be damaged: start anew without resume'
        else:
            whole = f'{what} is whole: resume=True continues from it'
        return _save_error(error.errno, f'cannot save the checkpoint of epoch {position.epoch}, '
                                        f'batch {position.batch} in {self.folder}: '
                                        f'{_why(error)}; {whole}')


def _save_error(code, message):
    """A CheckpointSaveError whose text is message alone (OSError's own would add '[Errno N]')."""
    error = CheckpointSaveError(message)
    error.errno = code
    return error


def _why(error):
    """Say why a write failed, with the free space of a full disk."""
    why = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        why = f'no space left on its disk ({why})'
    return why


def _write_file(path, write):
    """atomic_write(path, write), MXNet's failure to write (a full disk) raised as an OSError naming path."""
    from mxnet.base import MXNetError

    def write_checked(tmp):
        try:
            write(tmp)
        except MXNetError as e:      # MXNet says 'FileStream.Write incomplete', not ENOSPC
            free = shutil.disk_usage(path.parent).free
            code = errno.ENOSPC if free < (1 << 20) else errno.EIO
            why = reason(e).rsplit(': ', 1)[-1]   # MXNet's words, without the C++ check
            raise OSError(code, f'MXNet could not write it ({why}); '
                                f'{free:,} bytes free on its disk') from None
    atomic_write(path, write_checked)


class StopNow(KeyboardInterrupt):
    """A second Ctrl-C: stop at once; the last checkpoint stays as it is."""


class InterruptGuard:
    """Turn the first Ctrl-C into a flag (flag), read between batches; a second one stops at once."""

    def __init__(self):
        self.flag, self.previous = False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.flag:
            raise StopNow
        self.flag = True
        log.warning('interrupted: finishing the current batch and saving a checkpoint '
                    '(Ctrl-C again to stop at once)')

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
