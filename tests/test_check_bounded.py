"""check(fn) holds its time budget whatever the student's function does (the package's addition).

The cases run in a forked child that is killed, with every process it
started, at the case's limit or the budget: a function that ignores or blocks
SIGALRM, or leaves a grandchild running, is stopped, and the student's own
process keeps its signal handlers and mask. A hostile function here spins
for RUN_ON seconds rather than forever, so a broken defence makes a test
fail (too slow, a process left alive) instead of hanging the suite.
"""
import dataclasses
import os
import signal
import time

import pytest
from mxnet import np

import d2l_ch6
from d2l_ch6 import check
from d2l_ch6.grading import verdict
from d2l_ch6.grading.cases import CASES
from d2l_ch6.lenet import lenet
from test_check import corr2d_crash, corr2d_flipped, corr2d_short, pool2d_mode_ignored

pytestmark = pytest.mark.skipif(not hasattr(os, 'fork'), reason='check() runs in-process without os.fork')

RUN_ON = 20.0   # seconds a hostile function runs when nothing stops it
BOUND = 6.0     # seconds check(fn, budget=3, case_limit=1) may take: the budget, one grace, a fork


def spin(seconds=RUN_ON):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def corr2d_ignores_alarm(X, K):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    spin()


def corr2d_blocks_alarm(X, K):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    spin()


@pytest.fixture
def parent_signals():
    """The test process's SIGALRM handler and signal mask, put back whatever a test did."""
    handler, mask = signal.getsignal(signal.SIGALRM), signal.pthread_sigmask(signal.SIG_BLOCK, [])
    yield handler, mask
    signal.signal(signal.SIGALRM, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@pytest.mark.parametrize('fn', [corr2d_ignores_alarm, corr2d_blocks_alarm])
def test_a_function_that_defeats_sigalrm_is_killed_within_the_budget(fn, parent_signals):
    """Budget 3 s, 1 s a case: the first cases are timeouts, the rest not run, in a few seconds."""
    handler, mask = parent_signals
    t0 = time.perf_counter()
    result = check(fn, name='corr2d', budget=3, case_limit=1)
    seconds = time.perf_counter() - t0
    assert seconds < BOUND, f'check took {seconds:.1f} s for a budget of 3 s'
    statuses = [r.status for r in result.results]
    assert statuses[0] == 'error' and statuses[-1] == 'skipped', statuses
    assert set(statuses) == {'error', 'skipped'} and len(statuses) == len(CASES['corr2d'])
    assert result.failures[0].got.startswith('CaseTimeout: stopped after 1 s')
    assert 'too slow' in result.failures[0].hint
    assert result.note == 'time budget of 3 s spent'
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask


def _alive(pid):
    """True while pid runs (a zombie has ended: only its exit status is left)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='reads process states from /proc')
@pytest.mark.parametrize('detach', [False, True], ids=['same-group', 'own-session'])
def test_processes_the_function_starts_are_killed_with_it(detach, tmp_path):
    """A grandchild that spins on (in the child's group, or detached by setsid) ends with check()."""
    pids = tmp_path / 'grandchildren'

    def corr2d(X, K):
        middle = os.fork()
        if middle == 0:  # the middle process: start the grandchild, record it, leave
            if detach:
                os.setsid()
            grandchild = os.fork()
            if grandchild == 0:  # waits rather than spins: ten of them would hold the CPUs
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                time.sleep(RUN_ON)
                os._exit(0)
            with open(pids, 'a') as f:
                f.write(f'{grandchild}\n')
            os._exit(0)
        os.waitpid(middle, 0)
        return X

    started = []
    try:
        result = check(corr2d, budget=3, case_limit=1)
        started = [int(p) for p in pids.read_text().split()]
        assert len(started) == len(result.results) == len(CASES['corr2d'])
        time.sleep(0.1)  # SIGKILL is delivered, not awaited
        assert [p for p in started if _alive(p)] == []
    finally:
        for pid in started:  # a broken defence leaves them spinning: end them here
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_function_that_ends_its_process_fails_its_cases_only():
    """os._exit in the student's code ends the case's child, not the student's process."""
    def corr2d(X, K):
        os._exit(3)
    result = check(corr2d, budget=10, case_limit=2)
    assert len(result.results) == len(CASES['corr2d'])
    assert {r.status for r in result.results} == {'error', 'advice'}  # no case skipped
    assert all(f.got.startswith('ProcessEnded: the process running the case ended without an '
                                'answer') for f in result.failures)


def corr2d_calls_ours(X, K):
    return d2l_ch6.corr2d(X, K)


def corr2d_slow_loop(X, K):
    while True:
        pass


WELL_BEHAVED = [(d2l_ch6.corr2d, None), (corr2d_flipped, 'corr2d'), (corr2d_short, 'corr2d'),
                (corr2d_crash, 'corr2d'), (corr2d_calls_ours, 'corr2d'),
                (pool2d_mode_ignored, 'pool2d'), (d2l_ch6.Conv2D, None), (d2l_ch6.comp_conv2d, None),
                (lenet, 'net'), (d2l_ch6.evaluate_accuracy_gpu, None),
                (d2l_ch6.corr2d_multi_in_out_1x1, None)]


def _without_seconds(result):
    cases = [dataclasses.replace(r, seconds=0.0) for r in result.results]
    return result.name, result.exercise, result.note, cases


@pytest.mark.parametrize('fn, name', WELL_BEHAVED,
                         ids=[f'{getattr(f, "__name__", f)}-{n}' for f, n in WELL_BEHAVED])
def test_a_well_behaved_function_gets_what_it_got_in_process(fn, name, monkeypatch):
    """Right and wrong answers, errors and the withheld answer: the same CaseResults either way."""
    forked = check(fn, name=name)
    monkeypatch.setattr(verdict, 'FORKS', False)
    here = check(fn, name=name)
    assert _without_seconds(forked) == _without_seconds(here)
    if fn is corr2d_calls_ours:  # withheld in the child; the package's own works again here
        assert "d2l_ch6's own answer is not available" in forked.failures[0].got
        assert d2l_ch6.corr2d(np.ones((2, 2)), np.ones((1, 1))).shape == (2, 2)


def test_a_slow_loop_is_stopped_by_its_own_limit_in_the_child(monkeypatch):
    """A loop that lets SIGALRM in gets the student's line and hints, as in-process."""
    forked = check(corr2d_slow_loop, name='corr2d', budget=1.0, case_limit=0.3)
    assert 'your line' in forked.failures[0].got and 'corr2d_slow_loop' in forked.failures[0].got
    monkeypatch.setattr(verdict, 'FORKS', False)
    here = check(corr2d_slow_loop, name='corr2d', budget=1.0, case_limit=0.3)
    assert [(r.status, r.got, r.hint) for r in forked.results[:3]] == [
        (r.status, r.got, r.hint) for r in here.results[:3]]


def test_check_from_a_thread_is_bounded_too():
    """Off the main thread SIGALRM cannot stop a loop at all; the child is killed all the same."""
    import threading

    def corr2d(X, K):
        spin()
    out = {}

    def run():
        t0 = time.perf_counter()
        out['result'] = check(corr2d, budget=2, case_limit=0.5)
        out['seconds'] = time.perf_counter() - t0
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(RUN_ON + 10)
    assert out['seconds'] < 5, f'check took {out["seconds"]:.1f} s for a budget of 2 s'
    assert [r.status for r in out['result'].results][-1] == 'skipped'
    assert out['result'].failures[0].got.startswith('CaseTimeout: stopped after')
