"""Nothing is lost: damaged results, Ctrl-C, a full disk; the reports keep every graded row."""
import csv
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from d2l_ch6.grading.cli import _parse_results
from grading_sources import RIGHT_EXERCISES, workers

ROOT = pathlib.Path(__file__).resolve().parent.parent
RIGHT = RIGHT_EXERCISES['receptive_field']


@pytest.mark.parametrize('data, why', [
    (b'\xff\xfe not utf-8', 'not JSON'), (b'{"nonce": "n", "status": "graded"', 'not JSON'),
    (b'[1, 2, 3]', 'no nonce'), (b'{"nonce": "other", "status": "graded", "functions": {}}', 'no nonce'),
    (b'{"nonce": "n", "status": "graded", "functions": []}', 'unknown shape'),
    (b'{"nonce": "n", "status": "graded", "functions": {"no_such": []}}', 'unknown shape'),
    (b'{"nonce": "n", "status": "graded", "functions": {"corr2d": [1, 2]}}', 'unknown shape'),
    (b'{"nonce": "n", "status": "done"}', 'unknown shape')])
def test_damaged_results_are_one_files_crash(data, why):
    with pytest.raises(ValueError, match=why):
        _parse_results(data, 'n')


def _command(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, '-m', 'd2l_ch6', 'check', *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)





@pytest.mark.slow
def test_ctrl_c_keeps_the_graded_rows_and_ends_the_workers(tmp_path):
    folder = tmp_path / 'class'
    folder.mkdir()
    (folder / 'a.py').write_text(RIGHT)
    for name in ('b.py', 'c.py'):
        (folder / name).write_text('import os, time\nif os.fork() == 0:\n    os.setsid()\n'
                                   'while True:\n    time.sleep(1)\n')
    report = tmp_path / 'grades.csv'
    before = set(workers())
    proc = _command(folder, '--jobs', '1', '--timeout', '300', '--report', report)
    deadline = time.time() + 120
    while time.time() < deadline and not (report.exists() and 'a.py' in report.read_text()):
        time.sleep(0.2)
    time.sleep(2)  # b.py is running now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert 'stopped by Ctrl-C' in err and 'every student process ended' in err
    rows = list(csv.DictReader(report.open()))
    assert [pathlib.Path(r['file']).name for r in rows] == ['a.py'] and rows[0]['status'] == 'pass'
    time.sleep(1)
    assert set(workers()) - before == set()


@pytest.mark.slow
def test_a_full_disk_keeps_the_last_whole_report(tmp_path):
    if os.geteuid() != 0:
        pytest.skip('needs root to mount a small tmpfs')
    disk = tmp_path / 'disk'
    disk.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(disk)]).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        folder = tmp_path / 'class'
        folder.mkdir()
        for i in range(4):
            (folder / f's{i}.py').write_text(RIGHT + f'# student {i}\n')
        # leave room for about two rows' worth of report
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / 'filler').write_bytes(b'x' * (free - 4096))
        report = disk / 'grades.csv'
        long_path = folder / ('x' * 200)
        long_path.mkdir()
        for i in range(4):
            (long_path / f'student_{i}.py').write_text(RIGHT)
        proc = _command(folder, '--jobs', '1', '--timeout', '120', '--report', report)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 2, (out, err)
        assert 'cannot write the reports' in err
        rows = list(csv.DictReader(report.open()))  # the last copy that was written whole
        assert rows and all(r['status'] == 'pass' for r in rows)
        assert not [p for p in disk.iterdir() if p.name.startswith('.grades.csv.')]
    finally:
        subprocess.run(['umount', str(disk)])


def test_a_lone_surrogate_in_a_message_or_a_file_name_costs_no_report(tmp_path, capsys):
    """A student's error message with '\\ud800' and a file name with the byte 0xff are valid JSON
    and os.listdir text, but not UTF-8: every file still gets its row, in CSV, JSON and HTML, and
    the surrogate is written escaped (the CSV writer stopped the whole run at them before)."""
    import json
    from d2l_ch6.__main__ import main
    folder = tmp_path / 'class'
    folder.mkdir()
    (folder / 'a_error.py').write_text("def corr2d(X, K):\n    raise ValueError('bad \\ud800 input')\n")
    (folder / os.fsdecode(b'b_\xff.py')).write_text(RIGHT)
    (folder / 'c_right.py').write_text(RIGHT)
    report, js, html = tmp_path / 'r.csv', tmp_path / 'r.json', tmp_path / 'r.html'
    code = main(['check', str(folder), '--jobs', '1', '--timeout', '30', '--report', str(report),
                 '--json', str(js), '--html', str(html)])
    assert code == 1
    rows = list(csv.DictReader(report.open(encoding='utf-8')))
    assert [(pathlib.Path(r['file']).name, r['status']) for r in rows] == [
        ('a_error.py', 'fail'), ('b_\\udcff.py', 'pass'), ('c_right.py', 'pass')], rows
    assert 'bad \\ud800 input' in rows[0]['detail']
    assert [pathlib.Path(f['path']).name for f in json.loads(js.read_text())['files']] == [
        'a_error.py', 'b_\udcff.py', 'c_right.py']
    assert 'c_right.py' in html.read_text(encoding='utf-8')
    assert 'bad \\ud800 input' in capsys.readouterr().out


def test_two_jobs_never_judge_at_once(tmp_path, monkeypatch):
    """The references seed MXNet's global generator (ref_conv1x1): with --jobs 2 the children run
    together, but the teacher's process judges one file at a time."""
    import threading
    from d2l_ch6.grading import verdict
    from d2l_ch6.grading.parent import grade_files
    inside, most, lock = [0], [0], threading.Lock()
    judge = verdict.judge_function

    def counting(*args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.5)
        try:
            return judge(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1
    monkeypatch.setattr(verdict, 'judge_function', counting)
    for name in ('a.py', 'b.py', 'c.py'):
        (tmp_path / name).write_text(RIGHT)
    results = grade_files([tmp_path], timeout=30, jobs=2)
    assert [r.passed for r in results] == [True] * 3 and most == [1]
