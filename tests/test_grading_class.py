"""A class of 62 submissions graded serially and two at a time: every verdict as known, both alike.

The class (tests/grading_class.py) holds honest right and wrong answers,
the book's listings, cheats, crashes, hangs and endless printing.
"""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from grading_class import make_class, verdict  # noqa: E402

from d2l_ch6.grading.cli import grade_files  # noqa: E402


@pytest.mark.slow
def test_a_class_gets_its_verdicts_serial_and_in_parallel(tmp_path):
    expected = make_class(tmp_path / 'class')
    assert len(expected) >= 60
    runs = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        results = grade_files([tmp_path / 'class'], timeout=60, jobs=jobs, case_limit=2.0)
        seconds = time.perf_counter() - start
        got = {pathlib.Path(r.path).relative_to(tmp_path / 'class').as_posix(): verdict(r)
               for r in results}
        assert got == expected, {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
        runs[jobs] = ([r.results for r in results], seconds)
        print(f'jobs={jobs}: {len(results)} files in {seconds:.0f} s')
    assert _without_seconds(runs[1][0]) == _without_seconds(runs[2][0])  # the same grades


def _without_seconds(all_results):
    return [[(c.name, c.exercise, c.passed, c.note,
              [(x.case, x.source, x.status, x.expected, x.got, x.hint) for x in c.results])
             for c in results] for results in all_results]
