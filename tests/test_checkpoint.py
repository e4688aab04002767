"""Tests for d2l_ch6.training.checkpoint: train_ch5's checkpoints, resume, and atomic outputs.

References: an uninterrupted run for a resumed one; the run that wrote a
checkpoint for what a resume may differ in; files damaged by hand.
"""
import errno
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest
from mxnet import gluon
from numpy.testing import assert_allclose

from d2l_ch6.training import checkpoint
from d2l_ch6.training.checkpoint import CHECKPOINT_FILE, CheckpointError, load_checkpoint
from d2l_ch6.lenet import lenet, lenet_max
from d2l_ch6.training.reporting import Reporter
from d2l_ch6.training import train_ch5
from conftest import assert_same_params, iters, params_of  # noqa: E402


@pytest.fixture(autouse=True)
def key_file(tmp_path_factory, monkeypatch):
    """The checkpoints' signing key, outside every checkpoint folder (one per test)."""
    path = tmp_path_factory.mktemp('key') / 'checkpoint.key'
    monkeypatch.setenv(checkpoint.KEY_ENV_VAR, str(path))
    return path


REAL_SAVE_PARAMETERS = gluon.Block.save_parameters


class StopAt(Reporter):
    """Press Ctrl-C (send this process SIGINT) after batch i of epoch (0-based)."""

    def __init__(self, epoch, i):
        self.at = (epoch, i)

    def batch(self, epoch, i):
        if (epoch, i) == self.at:
            signal.raise_signal(signal.SIGINT)


def train(small, folder, epochs=2, resume=False, net=None, **kwargs):
    args = dict(batch_size=256, seed=0, n=None)
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    train_iter, test_iter = iters(small, **args)
    kwargs = dict(dict(ctx='cpu', reporter=None, seed=args['seed']), **kwargs)
    return train_ch5(net or lenet(), train_iter, test_iter, epochs, kwargs.pop('lr', 0.9),
                     checkpoint_dir=folder, resume=resume, **kwargs)


# ------------------------------------------------------------ resume

@pytest.mark.parametrize('stop', [(1, 2), (0, 7)])
def test_interrupted_run_resumes_to_the_same_parameters(small, tmp_path, stop):
    """Ctrl-C mid-epoch saves; resume=True finishes with the uninterrupted run's parameters."""
    net = lenet()
    whole = train(small, None, 3, net=net)
    expected = params_of(net)
    with pytest.raises(KeyboardInterrupt):
        train(small, tmp_path, 3, reporter=StopAt(*stop))
    _, position, history, _ = load_checkpoint(tmp_path)
    assert (position.epoch, position.batch) == (stop[0], stop[1] + 1)
    assert len(history) == stop[0]
    net = lenet()
    # the same seed (the run's); the checkpoint's shuffling state wins over the iterator's
    resumed = train(small, tmp_path, 3, resume=True, net=net)
    assert_same_params(params_of(net), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(resumed.column('train_loss'), whole.column('train_loss'), rtol=1e-5)
    assert_allclose(resumed.column('test_acc'), whole.column('test_acc'), atol=1e-9)
    # epoch 0, the untrained net, comes back from the checkpoint with the epochs
    assert (resumed.start.train_loss, resumed.start.test_acc) == (whole.start.train_loss,
                                                                 whole.start.test_acc)
    assert load_checkpoint(tmp_path)[1].epoch == 3


def test_cosine_schedule_resumes(small, tmp_path):
    net = lenet()
    whole = train(small, None, 3, net=net, lr_schedule='cosine')
    expected = params_of(net)
    with pytest.raises(KeyboardInterrupt):
        train(small, tmp_path, 3, reporter=StopAt(2, 3), lr_schedule='cosine')
    net = lenet()
    resumed = train(small, tmp_path, 3, resume=True, net=net, lr_schedule='cosine')
    assert_same_params(params_of(net), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(resumed.column('train_loss'), whole.column('train_loss'), rtol=1e-5)


def test_checkpoint_files_and_resume_of_a_finished_run(small, tmp_path):
    """Two more epochs on a finished run of 2: the 4-epoch run's numbers, shuffling included."""
    net = lenet()
    whole = train(small, None, 4, net=net)
    expected = params_of(net)
    first = train(small, tmp_path, 2)
    assert sorted(os.listdir(tmp_path)) == sorted([
        CHECKPOINT_FILE, checkpoint.LOCK_FILE, 'best.params', 'epoch-002-batch-00000.params',
        'epoch-002-batch-00000.states'])
    state = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    assert state['position']['epoch'] == 2 and state['position']['batch'] == 0
    assert len(state['history']['epochs']) == 2
    assert state['run']['batch_size'] == 256 and state['run']['num_examples'] == 2048
    net = lenet()
    more = train(small, tmp_path, 4, resume=True, net=net)
    assert more.column('train_loss')[:2] == first.column('train_loss') and len(more) == 4
    assert_allclose(more.column('train_loss'), whole.column('train_loss'), rtol=1e-5)
    assert_same_params(params_of(net), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='num_epochs must be at least the 4 epochs already'):
        train(small, tmp_path, 2, resume=True)


def test_resume_without_a_checkpoint(small, tmp_path):
    with pytest.raises(CheckpointError, match='holds no checkpoint.json: nothing to resume'):
        train(small, tmp_path, 1, resume=True)


# ---------------------------------------------- a resume of another run

@pytest.mark.parametrize('change, message', [
    (dict(net=lenet_max()), r"the network differs: '\(1\): AvgPool2D\(.*\)' in the "
                            r"checkpoint, '\(1\): MaxPool2D\(.*\)' here"),
    (dict(batch_size=128), 'batch_size is 256 in the checkpoint, 128 here'),
    (dict(n=1024), 'num_examples is 2048 in the checkpoint, 1024 here'),
    (dict(lr=0.5), 'lr is 0.9 in the checkpoint, 0.5 here'),
    (dict(seed=1), 'seed is 0 in the checkpoint, 1 here'),
    (dict(lr_schedule='cosine'), "lr_schedule is None in the checkpoint, 'cosine over 2 "
                                 "epochs' here"),
])
def test_resume_of_another_run_is_refused(small, tmp_path, change, message):
    train(small, tmp_path, 1)
    with pytest.raises(CheckpointError, match=rf'cannot resume from .*checkpoint.json: {message}.'
                                              r' Resume with the settings of the run'):
        train(small, tmp_path, 2, resume=True, **change)


def test_resume_with_other_training_examples_is_refused(small, tmp_path):
    """Same count, other images: only the fingerprint tells them apart."""
    train(small, tmp_path, 1)
    X, y, X_test, y_test = small
    other = (X[::-1].copy(), y[::-1].copy(), X_test, y_test)
    with pytest.raises(CheckpointError, match='the training examples differ'):
        train(other, tmp_path, 2, resume=True)


def test_a_cosine_run_cannot_be_stretched_by_a_resume(small, tmp_path):
    """The cosine's rates depend on num_epochs: 2 more epochs would change the ones to come."""
    train(small, tmp_path, 2, lr_schedule='cosine')
    with pytest.raises(CheckpointError, match="'cosine over 2 epochs' in the checkpoint, "
                                              "'cosine over 4 epochs' here"):
        train(small, tmp_path, 4, resume=True, lr_schedule='cosine')


# --------------------------------------------------- damaged checkpoints

@pytest.mark.parametrize('content, message', [
    ('{}', "it lacks 'format'"),
    ('[1, 2]', 'it holds a list, not an object'),
    ('{"format": 2', 'not JSON'),
    ('', 'not JSON'),
])
def test_damaged_checkpoint_json_is_refused(small, tmp_path, content, message):
    train(small, tmp_path, 1)
    (tmp_path / CHECKPOINT_FILE).write_text(content)
    with pytest.raises(CheckpointError, match=rf'checkpoint.json is damaged.*{message}'):
        train(small, tmp_path, 2, resume=True)


@pytest.mark.parametrize('edit, message', [
    (lambda s: s.pop('run'), "it lacks 'run'"),
    (lambda s: s['position'].update(epoch='1'), "position.epoch must be an int >= 0, got '1'"),
    (lambda s: s['position'].update(batch=-3), 'position.batch must be an int >= 0, got -3'),
    (lambda s: s.update(files=[]), "'files' must be dict"),
    (lambda s: s['files'].pop('states'), "'files' must name 'params' and 'states'"),
    (lambda s: s['files']['params'].update(name='../../etc/passwd'),
     "a checkpoint file must be named epoch-E-batch-B.params or .states in its folder"),
    (lambda s: s['run'].pop('seed'), "missing 1 required positional argument: 'seed'"),
    (lambda s: s['history']['epochs'][0].pop('test_acc'), 'an epoch record lacks test_acc'),
    (lambda s: s['history']['epochs'][0].update(train_loss='x'),
     "epoch record field train_loss must be float, got 'x'"),
    (lambda s: s['history']['epochs'].append(s['history']['epochs'][0]),
     'its history has 2 epochs but its position says 1'),
    (lambda s: s.update(format=2), 'it has format 2, this version reads 3'),
])
def test_incomplete_checkpoint_json_is_refused(small, tmp_path, edit, message):
    train(small, tmp_path, 1)
    state = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    edit(state)
    (tmp_path / CHECKPOINT_FILE).write_text(json.dumps(state))
    with pytest.raises(CheckpointError, match=message):
        train(small, tmp_path, 2, resume=True)


@pytest.mark.parametrize('suffix', ['params', 'states'])
@pytest.mark.parametrize('damage', ['flip', 'truncate', 'delete'])
def test_damaged_parameter_and_state_files_are_refused(small, tmp_path, suffix, damage):
    train(small, tmp_path, 1)
    path = tmp_path / f'epoch-001-batch-00000.{suffix}'
    blob = bytearray(path.read_bytes())
    if damage == 'flip':
        blob[len(blob) // 2] ^= 0x01
        path.write_bytes(bytes(blob))
        message = r'SHA-256 differs\): damaged or replaced'
    elif damage == 'truncate':
        path.write_bytes(bytes(blob[:len(blob) // 3]))
        message = r'SHA-256 differs\): damaged or replaced'
    else:
        path.unlink()
        message = 'is missing: the checkpoint is incomplete'
    with pytest.raises(CheckpointError, match=rf'{path.name}.*{message}'):
        train(small, tmp_path, 2, resume=True)


def test_a_file_that_mxnet_cannot_load_is_named(small, tmp_path):
    """A checksum that matches a file MXNet cannot read (written so): named, no MXNet traceback."""
    train(small, tmp_path, 1)
    path = tmp_path / 'epoch-001-batch-00000.params'
    path.write_bytes(b'not parameters')
    state = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    state['files']['params']['sha256'] = checkpoint._sha256(path)
    state['signature'] = checkpoint.sign(state)     # written so by this user's own key
    (tmp_path / CHECKPOINT_FILE).write_text(json.dumps(state))
    with pytest.raises(CheckpointError, match=rf'{path.name} cannot be loaded \((MXNet|Value)'
                                              r'Error: .*Error.*\); start anew'):
        train(small, tmp_path, 2, resume=True)


# ----------------------------------------------------------- the lock

def test_a_folder_held_by_a_live_run_is_refused(small, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys, fcntl; f = open(sys.argv[1], "a+"); '
         'fcntl.flock(f, fcntl.LOCK_EX); f.write("pid 4242"); f.flush(); print("held", '
         'flush=True); sys.stdin.read()', str(tmp_path / checkpoint.LOCK_FILE)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        for resume in (False, True):
            with pytest.raises(CheckpointError, match=r'is in use by another training run '
                                                      r'\(pid 4242\): wait for it to end'):
                train(small, tmp_path, 1, resume=resume)
    finally:
        holder.stdin.close()
        holder.wait()
    assert not (tmp_path / CHECKPOINT_FILE).exists()
    train(small, tmp_path, 1)                 # the holder has gone: its lock with it


def test_cleanup_of_old_files_cannot_crash_a_run(small, tmp_path, monkeypatch, caplog):
    real_unlink = pathlib.Path.unlink

    def unlink(self, *args, **kwargs):
        if self.name.startswith('epoch-001'):
            raise PermissionError(errno.EACCES, 'Permission denied', str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, 'unlink', unlink)
    history = train(small, tmp_path, 2)
    assert len(history) == 2 and load_checkpoint(tmp_path)[1].epoch == 2
    assert 'could not remove the old checkpoint file epoch-001-batch-00000' in caplog.text


def test_starting_anew_replaces_the_old_checkpoint(small, tmp_path):
    train(small, tmp_path, 1)
    (tmp_path / 'unrelated.params').write_text('mine')
    train(small, tmp_path, 2, lr=0.5)
    names = sorted(os.listdir(tmp_path))
    assert 'epoch-001-batch-00000.params' not in names and 'unrelated.params' in names
    assert load_checkpoint(tmp_path)[0].lr == 0.5


class CtrlCTwice(Reporter):
    """Press Ctrl-C twice after batch i of epoch: the second stops at once."""

    def __init__(self, epoch, i):
        self.at = (epoch, i)

    def batch(self, epoch, i):
        if (epoch, i) == self.at:
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)


def test_a_second_ctrl_c_stops_at_once_and_keeps_the_last_checkpoint(small, tmp_path):
    with pytest.raises(checkpoint.StopNow):
        train(small, tmp_path, 3, reporter=CtrlCTwice(1, 2))
    position = load_checkpoint(tmp_path)[1]
    assert (position.epoch, position.batch) == (1, 0)     # the end of epoch 1, as it was
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_without_a_checkpoint_dir_stops_after_the_batch(small, tmp_path):
    seen = []

    class Count(StopAt):
        def batch(self, epoch, i):
            seen.append((epoch, i))
            super().batch(epoch, i)

    with pytest.raises(KeyboardInterrupt):
        train(small, None, 3, reporter=Count(0, 3))
    assert seen[-1] == (0, 3)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ------------------------------------------------------ atomic outputs

def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / 'checkpoint.json'
    path.write_text('old')

    def interrupted(tmp):
        with open(tmp, 'w') as f:
            f.write('half')
        raise KeyboardInterrupt

    def disk_full(tmp):
        with open(tmp, 'w') as f:
            f.write('half')
        raise OSError(errno.ENOSPC, 'No space left on device')

    with pytest.raises(KeyboardInterrupt):
        checkpoint.atomic_write(path, interrupted)
    with pytest.raises(OSError, match=r'cannot write .*checkpoint.json: No space left on device; '
                                      r'the previous checkpoint.json is unchanged'):
        checkpoint.atomic_write(path, disk_full)
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['checkpoint.json']


def test_output_folders_are_checked_before_any_work(tmp_path):
    (tmp_path / 'file').write_text('x')
    with pytest.raises(ValueError, match=r"--out must be a folder, but '.*file' is a file"):
        checkpoint.check_output_dir(tmp_path / 'file', '--out')
    with pytest.raises(ValueError, match=r'--out must be a writable folder, but .* is not'):
        checkpoint.check_output_dir(tmp_path / 'file' / 'below', '--out')
    assert checkpoint.check_output_dir(tmp_path / 'new' / 'deep', '--out').is_dir()


def test_a_read_only_folder_is_refused_before_any_work():
    """As root no folder is read-only, so a forked child checks it as nobody there."""
    folder = pathlib.Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        (folder / 'ro').mkdir(mode=0o555)
        (folder / 'ro').chmod(0o555)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:                                   # the child: report and leave at once
            try:
                if os.getuid() == 0:
                    os.setuid(65534)
                checkpoint.check_output_dir(folder / 'ro', '--checkpoint-dir')
                os.write(write, b'no error')
            except BaseException as e:
                os.write(write, str(e).encode())
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        message = os.read(read, 4096).decode()
        os.close(read)
    finally:
        shutil.rmtree(folder)
    assert message == (f"--checkpoint-dir must be a writable folder, but '{folder / 'ro'}' is "
                       'not: Permission denied')


# ------------------------------------------------------- command line

def run_cli(argv):
    from d2l_ch6.__main__ import main
    return main(argv)


def test_command_line_refuses_bad_output_folders_before_training(tmp_path, capsys):
    (tmp_path / 'file').write_text('x')
    assert run_cli(['train', '--limit', '300', '--epochs', '1', '--out',
                    str(tmp_path / 'file')]) == 2
    assert "--out must be a folder, but" in capsys.readouterr().err
    assert run_cli(['train', '--limit', '300', '--epochs', '1', '--out', str(tmp_path / 'o'),
                    '--checkpoint-dir', str(tmp_path / 'file')]) == 2
    assert "--checkpoint-dir must be a folder, but" in capsys.readouterr().err
    assert not (tmp_path / 'o' / 'history.json').exists()


def test_command_line_full_disk_leaves_the_earlier_outputs_whole(tmp_path, capsys, monkeypatch):
    out = tmp_path / 'out'
    argv = ['train', '--limit', '300', '--epochs', '1', '--seed', '0', '--device', 'cpu',
            '--out', str(out), '--no-progress']
    assert run_cli(argv) == 0
    before = {name: (out / name).read_bytes()
              for name in ('history.json', 'training_curve.png', 'lenet.params')}
    real = checkpoint.atomic_write

    def full_at_history(path, write):
        if pathlib.Path(path).name == 'history.json':
            def write_then_fail(tmp):
                pathlib.Path(tmp).write_text('{"partial')
                raise OSError(errno.ENOSPC, 'No space left on device')
            return real(path, write_then_fail)
        return real(path, write)

    monkeypatch.setattr(checkpoint, 'atomic_write', full_at_history)
    assert run_cli(argv[:4] + ['1'] + argv[5:]) == 1
    err = capsys.readouterr().err
    assert 'cannot write' in err and 'history.json: No space left on device' in err
    assert (out / 'history.json').read_bytes() == before['history.json']
    assert json.loads((out / 'history.json').read_text())['epochs']


# ------------------------------------------- a checkpoint proves its run

def forge(folder, params_from, test_acc=None):
    """Put another run's parameters under folder's checkpoint.json, its SHA-256 recomputed."""
    state = json.loads((folder / CHECKPOINT_FILE).read_text())
    name = state['files']['params']['name']
    shutil.copyfile(params_from / name, folder / name)
    state['files']['params']['sha256'] = checkpoint._sha256(folder / name)
    if test_acc is not None:
        state['history']['epochs'][-1]['test_acc'] = test_acc
    (folder / CHECKPOINT_FILE).write_text(json.dumps(state))


def test_another_runs_parameters_with_recomputed_checksums_are_refused(small, tmp_path):
    """Run B's parameters under run A's checkpoint.json, SHA-256 recomputed: refused, A's files kept."""
    a, b = tmp_path / 'a', tmp_path / 'b'
    train(small, a, 1, n=512)
    train(small, b, 1, n=512, lr=0.3)
    forge(a, b)
    with pytest.raises(CheckpointError, match=r'checkpoint.json is not signed by a train_ch5 '
                                              r'run of this user: its signature does not match'):
        train(small, a, 2, n=512, resume=True)
    forge(a, b, test_acc=0.99)                   # and a forged history
    with pytest.raises(CheckpointError, match='its signature does not match'):
        load_checkpoint(a)


def test_a_checkpoint_signed_with_another_key_is_refused(small, tmp_path, key_file, monkeypatch):
    train(small, tmp_path, 1, n=512)
    load_checkpoint(tmp_path)                    # this user's key: accepted
    monkeypatch.setenv(checkpoint.KEY_ENV_VAR, str(key_file.parent / 'other.key'))
    with pytest.raises(CheckpointError, match=r'written with another key than .*other.key'):
        train(small, tmp_path, 2, n=512, resume=True)


def test_the_key_is_private_and_never_read_through_a_link(small, tmp_path, key_file):
    train(small, tmp_path / 'run', 1, n=256)
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_bytes()) == 32
    assert not any(p.name == key_file.name for p in (tmp_path / 'run').iterdir())
    key_file.chmod(0o644)
    with pytest.raises(CheckpointError, match=r'may be read by other users \(mode 644\): '
                                              r'make it private'):
        load_checkpoint(tmp_path / 'run')
    key_file.chmod(0o600)
    secret = key_file.read_bytes()
    key_file.unlink()
    (tmp_path / 'planted').write_bytes(secret)
    key_file.symlink_to(tmp_path / 'planted')
    with pytest.raises(CheckpointError, match=r'cannot read the checkpoint key .*symbolic link '
                                              r'is refused'):
        load_checkpoint(tmp_path / 'run')


def test_the_lock_never_follows_a_symlink(small, tmp_path):
    """checkpoint/.lock linking to a file: refused, the file untouched (it was overwritten)."""
    target = tmp_path / 'precious.txt'
    target.write_text('keep me')
    folder = tmp_path / 'ck'
    folder.mkdir()
    (folder / checkpoint.LOCK_FILE).symlink_to(target)
    for resume in (False, True):
        with pytest.raises(CheckpointError, match=r'\.lock is a symbolic link \(to .*precious'
                                                  r'.txt.\): a lock file is never opened'):
            train(small, folder, 1, n=256, resume=resume)
    assert target.read_text() == 'keep me'
    assert sorted(os.listdir(folder)) == [checkpoint.LOCK_FILE]


def test_the_lock_never_writes_through_a_hard_link(small, tmp_path):
    target = tmp_path / 'precious.txt'
    target.write_text('keep me')
    folder = tmp_path / 'ck'
    folder.mkdir()
    os.link(target, folder / checkpoint.LOCK_FILE)
    with pytest.raises(CheckpointError, match=r'\.lock is a hard link to another file, which '
                                              r'writing the lock would overwrite'):
        train(small, folder, 1, n=256)
    assert target.read_text() == 'keep me'


def test_an_empty_checkpoint_dir_is_refused(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder, kind in (('', ValueError), (' ', ValueError), (3, TypeError)):
        with pytest.raises(kind, match=r'checkpoint_dir must be None .*(current folder|got int)'):
            train(small, folder, 1, n=256)
    assert os.listdir(tmp_path) == []


def full_at_epoch(monkeypatch, epoch):
    """Make Gluon's save_parameters fail as MXNet does on a full disk, from the epoch-th save on."""
    from mxnet.base import MXNetError
    real, calls = REAL_SAVE_PARAMETERS, []

    def save_parameters(self, filename, *args, **kwargs):
        calls.append(filename)
        if len(calls) >= epoch * 2 - 1:          # each epoch saves params, then best.params
            pathlib.Path(filename).write_bytes(b'\0' * 100)
            raise MXNetError('[10:00:00] ../dmlc-core/src/io/local_filesys.cc:38: '
                             'Check failed: nwrite == size (4096 vs. 100) : '
                             'FileStream.Write incomplete')
        return real(self, filename, *args, **kwargs)
    monkeypatch.setattr(gluon.Block, 'save_parameters', save_parameters)


def test_a_full_disk_is_named_and_the_previous_checkpoint_stays_whole(small, tmp_path,
                                                                      monkeypatch):
    full_at_epoch(monkeypatch, 2)
    with pytest.raises(checkpoint.CheckpointSaveError) as error:
        train(small, tmp_path, 3, n=512)
    message = str(error.value)
    assert f'cannot save the checkpoint of epoch 2, batch 0 in {tmp_path}' in message
    assert 'MXNet could not write it (FileStream.Write incomplete)' in message
    assert ('the previous checkpoint (epoch 1, batch 0: checkpoint.json and '
            'epoch-001-batch-00000.params, epoch-001-batch-00000.states) is whole: '
            'resume=True continues from it') in message
    assert isinstance(error.value, OSError)
    assert not any(n.startswith('epoch-002') or n.endswith('.tmp') for n in os.listdir(tmp_path))
    monkeypatch.setattr(gluon.Block, 'save_parameters', REAL_SAVE_PARAMETERS)   # space again
    assert len(train(small, tmp_path, 3, n=512, resume=True)) == 3


def test_a_full_disk_without_a_previous_checkpoint_says_so(small, tmp_path, monkeypatch):
    full_at_epoch(monkeypatch, 1)
    with pytest.raises(checkpoint.CheckpointSaveError,
                       match=r'epoch 1, batch 0 in .*: .*no checkpoint was there before'):
        train(small, tmp_path, 1, n=256)


def test_a_real_full_disk_is_named(small, tmp_path):
    """A 640 KiB tmpfs holds a LeNet checkpoint and best.params (247 KB each), not a second checkpoint."""
    folder = tmp_path / 'small-disk'
    folder.mkdir()
    mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=640k', 'tmpfs', str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip('cannot mount a tmpfs here (needs root)')
    try:
        with pytest.raises(checkpoint.CheckpointSaveError,
                           match=r'in .*small-disk: no space left on its disk .*the previous '
                                 r'checkpoint \(epoch 1, batch 0: .*\) is whole'):
            train(small, folder, 3, n=256)
        assert load_checkpoint(folder)[1].epoch == 1
    finally:
        subprocess.run(['umount', str(folder)], check=True)


def test_command_line_checks_every_flag_before_reading_data(tmp_path, capsys, monkeypatch):
    from d2l_ch6 import data

    def never(*args, **kwargs):
        raise AssertionError('the data was read before the flags were checked')
    monkeypatch.setattr(data, 'load_data_fashion_mnist', never)
    monkeypatch.setattr(data, 'locate_data_dir', never)
    out = ['--out', str(tmp_path / 'o')]
    for flags, message in ((['--seed', '-1'], '--seed must be an integer >= 0 and <= 4294967295, '
                                              'got -1'),
                           (['--seed', str(2**32)], f'--seed must be an integer >= 0 and <= '
                                                    f'4294967295, got {2**32}'),
                           (['--epochs', '0'], '--epochs must be an integer >= 1, got 0'),
                           (['--batch-size', '0'], '--batch-size must be an integer >= 1'),
                           (['--limit', '0'], '--limit must be an integer >= 1, got 0'),
                           (['--lr', 'nan'], '--lr must be a finite number > 0, got nan'),
                           (['--checkpoint-dir', ''], '--checkpoint-dir must be a folder path')):
        assert run_cli(['train'] + flags + out) == 2, flags
        assert message in capsys.readouterr().err
