"""The teacher's key (`d2l-ch6 exercises --with-answers`): its stubs hold the package's answers, it
executes headless with no error cell, and `d2l-ch6 check` passes every graded function of its
section, so the key scores the maximum of a section's assignment.

6.2 runs in the regular suite (about 15 s to execute in quick mode and 15 s to grade, here);
6.1, 6.3, 6.4, 6.5 and 6.6 under `slow` (6.6: about 60 s here, 45 of them executing it). The
regular suite grades the 6.6 key's code without its training cells (about 5 s): its prelude
writes out what the grader withholds, in the order the definitions need, and the notebook's
imports after it must not put the package's withheld helpers back.
"""
import pathlib

import nbformat
import pytest

from d2l_ch6.grading.cases import SECTIONS
from d2l_ch6.grading.student import STUB_TAG, write_exercises

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / 'd2l_ch6' / 'notebooks').glob('*.ipynb'))


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    out = tmp_path_factory.mktemp('key')
    return {p.stem[:3]: p for p in write_exercises(out, with_answers=True)}


def test_the_key_stubs_hold_answers_not_not_implemented(keys):
    for section, path in keys.items():
        nb = nbformat.read(path, as_version=4)
        stubs = [c for c in nb.cells if STUB_TAG in c.metadata.get('tags', [])]
        assert stubs, section
        for cell in stubs:
            assert 'NotImplementedError' not in cell.source, (section, cell.source[:200])
            name = cell.metadata['d2l_ch6']['stub']
            assert f'def {name}(' in cell.source or f'class {name}(' in cell.source


def _errors(nb):
    return [(i, o.get('ename'), o.get('evalue', '')[:200]) for i, c in enumerate(nb.cells)
            if c.cell_type == 'code' for o in c.get('outputs', []) if o.output_type == 'error']


def _run_and_grade(path, tmp_path):
    """Execute the key in quick mode (no error output), then grade it; return the FileResult."""
    from d2l_ch6.grading.cli import grade_files
    from d2l_ch6.publishing.runner import run_notebook
    result = run_notebook(path, out=tmp_path / 'run', quick=True, timeout=600)
    executed = nbformat.read(result.output, as_version=4)
    assert _errors(executed) == []
    assert sum(STUB_TAG in c.metadata.get('tags', []) for c in executed.cells) > 0
    (graded,) = grade_files([path], timeout=600)
    return graded


def _assert_full_marks(section, graded):
    from d2l_ch6.grading.gradebook import Assignment, score_student
    assert graded.status == 'graded', graded.message
    failing = [c.name for c in graded.results if not c.passed]
    assert failing == []
    assert {c.name for c in graded.results} >= set(SECTIONS[section])
    assignment = Assignment.select(sections=[section], points={None: 2})
    student = score_student(assignment, 'key', [graded])
    assert student.score == student.max_score == 2.0 * len(SECTIONS[section])


@pytest.mark.slow   # each key notebook executed, then graded (tens of seconds each)
@pytest.mark.parametrize('section', ['6.1', '6.2', '6.3', '6.4', '6.5', '6.6'])
def test_every_key_runs_clean_and_passes_every_function(keys, tmp_path, section):
    _assert_full_marks(section, _run_and_grade(keys[section], tmp_path))


def test_the_6_6_key_code_passes_every_function_under_the_grader(keys, tmp_path):
    """Its cells that must run (imports, the key's prelude, the answers, the checks), in order."""
    from d2l_ch6.grading.cli import grade_files
    nb = nbformat.read(keys['6.6'], as_version=4)
    code = [c.source for c in nb.cells
            if c.cell_type == 'code' and 'raises-exception' not in c.metadata.get('tags', [])]
    path = tmp_path / 'key_6_6.py'
    path.write_text('\n\n\n'.join(code) + '\n', encoding='utf-8')
    (graded,) = grade_files([path], timeout=600)
    _assert_full_marks('6.6', graded)
