"""`d2l-ch6 exercises`: student notebooks that ask without answering; --with-answers for the teacher."""
import pathlib

import nbformat
import pytest

from d2l_ch6.grading.student import CHECK_TAG, STUB_TAG, _exercise_questions, write_exercises
from d2l_ch6.grading.cases import EXERCISES

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / 'd2l_ch6' / 'notebooks').glob('*.ipynb'))


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    students, teachers = tmp_path_factory.mktemp('students'), tmp_path_factory.mktemp('teachers')
    write_exercises(students)
    write_exercises(teachers, with_answers=True)
    return students, teachers


def _answers(nb):
    """The lines of the chapter notebook's exercise section that answer rather than ask."""
    at, head, intro, questions = _exercise_questions(nb)
    asked = '\n'.join([intro] + [q for _, q in questions])
    lines = []
    for cell in nb.cells[at:]:
        for line in cell.source.splitlines():
            line = line.strip()
            if (len(line) > 25 and line not in asked and line not in head
                    and '## Exercises' not in line):
                lines.append(line)
    return lines


def _text(path):
    return '\n'.join(c.source for c in nbformat.read(path, as_version=4).cells)


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.stem[:3] for p in NOTEBOOKS])
def test_student_notebooks_ask_without_answering(written, path):
    students, teachers = written
    nb = nbformat.read(path, as_version=4)
    answers = _answers(nb)
    assert len(answers) > 5
    student = _text(students / path.name)
    leaked = [a for a in answers if a in student]
    assert leaked == [], leaked[:3]
    teacher = _text(teachers / path.name)
    assert sum(a in teacher for a in answers) > len(answers) // 2  # the teacher's copy keeps them
    section = path.stem.split('-')[0]
    for number, question in _exercise_questions(nb)[3]:
        assert question in student
        for name in EXERCISES.get(f'{section}.{number}', []):
            assert f'def {name}(' in student and f"exercise='{section}.{number}')" in student


def test_stubs_do_not_state_the_answer(written):
    students, _ = written
    text = '\n'.join(_text(p) for p in sorted(students.glob('*.ipynb')))
    for answer in ('[[1, -2, 1]]', 'return d + 1', '-MaxPool2D(-X)', 'd + 1$ taps',
                   'five-point stencil'):
        assert answer not in text, answer
    for path in sorted(students.glob('*.ipynb')):
        nb = nbformat.read(path, as_version=4)
        stubs = [c for c in nb.cells if STUB_TAG in c.metadata.get('tags', [])]
        checks = [c for c in nb.cells if CHECK_TAG in c.metadata.get('tags', [])]
        assert stubs and len(stubs) == len(checks)
        assert all('raise NotImplementedError' in s.source for s in stubs)
