"""A class of 62 submissions graded serially and two at a time: every verdict as known, both alike.

The class (tests/grading_class.py) holds honest right and wrong answers,
the book's listings, cheats, crashes, hangs and endless printing.
"""
import pathlib
import re
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from grading_class import make_class, verdict  # noqa: E402

from d2l_ch6.grading.cli import grade_files  # noqa: E402


# Copies of a kind (right_corr2d_01 to _11, student_1 to _3, the second of each wrong answer) and the
# two hangs, which only wait for the timeout, add time to a serial run, not kinds of file.
COPIES = re.compile(r'(_(0[1-9]|1[01])\.py|student_[1-3]/hw\.py|^wrong_.*_1\.py|^hang_(loop|sleep)\.py'
                    r'|^link_to_passwd\.py|^dir\.py)$')


@pytest.mark.slow
def test_a_class_gets_its_verdicts_in_parallel_and_the_same_grades_serially(tmp_path):
    """Every file's verdict with --jobs 2; one file of each kind graded again with --jobs 1 gets
    the very same grades, case by case (the hangs' timeouts are asserted in the parallel run)."""
    folder = tmp_path / 'class'
    expected = make_class(folder)
    assert len(expected) >= 60
    start = time.perf_counter()
    results = grade_files([folder], timeout=20, jobs=2, case_limit=2.0)
    print(f'jobs=2: {len(results)} files in {time.perf_counter() - start:.0f} s')
    by_name = {pathlib.Path(r.path).relative_to(folder).as_posix(): r for r in results}
    got = {name: verdict(r) for name, r in by_name.items()}
    assert got == expected, {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    kinds = sorted(name for name in expected if not COPIES.search(name))
    assert len(kinds) >= 30 and 'hang_in_function.py' in kinds and 'nb_tagged.ipynb' in kinds
    start = time.perf_counter()
    serial = grade_files([folder / name for name in kinds], timeout=20, jobs=1, case_limit=2.0)
    print(f'jobs=1: {len(serial)} files in {time.perf_counter() - start:.0f} s')
    assert [pathlib.Path(r.path).relative_to(folder).as_posix() for r in serial] == kinds
    assert _without_seconds([r.results for r in serial]) == _without_seconds(
        [by_name[name].results for name in kinds])  # the same grades
    assert [r.status for r in serial] == [by_name[name].status for name in kinds]


def _without_seconds(all_results):
    return [[(c.name, c.exercise, c.passed, c.note,
              [(x.case, x.source, x.status, x.expected, x.got, x.hint) for x in c.results])
             for c in results] for results in all_results]
