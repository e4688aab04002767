"""Time `d2l-ch6 check` on a class of 15 files, serial and with --jobs, side by side.

The class: the first 15 files of tests/grading_class.py's class that are
neither hangs nor endless printing (those cost their timeout whatever the
grader does): right answers, wrong ones, the book's listings, a crash,
exercises. Each checkout given is timed on the same files in one run, in
turn, so two versions of the grader compare side by side:

    python benchmarks/bench_grading.py                      # this checkout
    python benchmarks/bench_grading.py --compare ../old     # and another checkout

Run it with nothing else running; the numbers go to benchmarks/RESULTS.md.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / 'tests'))
from grading_class import make_class  # noqa: E402

SLOW_ON_PURPOSE = ('hang', 'print_forever', 'link_', 'dir.py')


def make_fifteen(folder):
    """Write the class, keep 15 files that run to their end; return their names."""
    everything = pathlib.Path(folder) / 'all'
    make_class(everything)
    names = sorted(n for n in (p.relative_to(everything).as_posix()
                               for p in everything.rglob('*') if p.is_file())
                   if not n.startswith(SLOW_ON_PURPOSE))[::3][:15]
    fifteen = pathlib.Path(folder) / 'class'
    for n in names:
        (fifteen / n).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(everything / n, fifteen / n)
    return fifteen, names


def time_check(checkout, folder, jobs):
    """(seconds, summary line) of one `python -m d2l_ch6 check folder --jobs jobs` with checkout's package."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, '-m', 'd2l_ch6', 'check', str(folder), '--jobs', str(jobs)],
                         env=env, cwd=checkout, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    summary = [line for line in out.splitlines() if ' file(s): ' in line]
    return seconds, (summary or ['no summary: the check did not finish'])[-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--compare', metavar='CHECKOUT', default=None,
                   help='another checkout of d2l-ch6 to time beside this one (default: none)')
    p.add_argument('--jobs', type=int, nargs='+', default=[1, 2],
                   help='the --jobs values to time (default: 1 2)')
    p.add_argument('--rounds', type=int, default=1, help='runs of each (default: 1)')
    args = p.parse_args()
    checkouts = [HERE] + ([pathlib.Path(args.compare).resolve()] if args.compare else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder, names = make_fifteen(tmp)
        print(f'{len(names)} files: {", ".join(names)}')
        for jobs in args.jobs:
            for checkout in checkouts:
                runs = [time_check(checkout, folder, jobs) for _ in range(args.rounds)]
                print(f'{checkout}: --jobs {jobs}: {statistics.median(s for s, _ in runs):.1f} s '
                      f'(median of {len(runs)}); {runs[-1][1]}', flush=True)


if __name__ == '__main__':
    main()
