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


def _imported(nb):
    """{name: index of the cell} for every name a code cell imports from d2l_ch6."""
    import ast
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != 'code' or 'd2l_ch6' not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('d2l_ch6'):
                found.update({a.asname or a.name: i for a in node.names})
    return found


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.stem[:3] for p in NOTEBOOKS])
def test_student_imports_bring_only_what_the_book_cells_use(written, path):
    """No exercise answer by name, no stubbed helper: each name imported from d2l_ch6 is used by a
    cell before its stub, and the teacher's copy keeps the chapter's imports, but for the helpers
    its key cell writes out (an import after it would put the package's, withheld under the
    grader, back over them)."""
    import re
    students, teachers = written
    nb = nbformat.read(students / path.name, as_version=4)
    stub_at = {c.metadata['d2l_ch6']['stub']: i for i, c in enumerate(nb.cells)
               if STUB_TAG in c.metadata.get('tags', [])}
    section = path.stem.split('-')[0]
    answers = {n for number, names in EXERCISES.items() if number.startswith(section + '.') for n in names}
    for name, at in _imported(nb).items():
        if name == 'check':
            continue
        users = [i for i, c in enumerate(nb.cells) if i != at and c.cell_type == 'code'
                 and CHECK_TAG not in c.metadata.get('tags', [])
                 and re.search(rf'\b{name}\b', c.source) and i < stub_at.get(name, len(nb.cells))]
        assert users, (path.name, name)
        assert name not in answers or users, name
    assert not any(c.source.strip() == f'show_source({name})' for c in nb.cells for name in stub_at)
    import ast
    key = nbformat.read(teachers / path.name, as_version=4)
    (prelude,) = [c.source for c in key.cells if 'd2l-ch6-key' in c.metadata.get('tags', [])]
    written = {n.name for n in ast.parse(prelude).body
               if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    chapter = set(_imported(nbformat.read(path, as_version=4)))
    assert chapter - written <= set(_imported(key))
    assert not written & set(_imported(key)), written & set(_imported(key))


def test_the_exercises_answers_are_not_imported(written):
    """The first code cell of 6.2 and 6.5 imported every exercise answer by name; now none."""
    students, _ = written
    for stem, section in (('6.2-convolutions-for-images', '6.2'), ('6.5-pooling', '6.5')):
        imported = set(_imported(nbformat.read(students / f'{stem}.ipynb', as_version=4)))
        answers = {n for number, names in EXERCISES.items() if number.startswith(section + '.')
                   for n in names}
        assert imported and not imported & answers, imported & answers


def test_no_student_notebook_shows_the_source_an_answer_is_built_from(written):
    """evaluate_accuracy_gpu's answer is the book's loop, evaluate: 6.6's student copy shows neither
    (the chapter notebook and the teacher's copy show evaluate); train_ch5, no answer, stays."""
    students, teachers = written
    name = '6.6-lenet.ipynb'
    shown = {copy: [c.source.strip() for c in nbformat.read(folder / name, as_version=4).cells
                    if c.cell_type == 'code' and c.source.strip().startswith('show_source(')]
             for copy, folder in (('chapter', ROOT / 'd2l_ch6' / 'notebooks'), ('student', students),
                                  ('teacher', teachers))}
    assert 'show_source(evaluate)' in shown['chapter'] and 'show_source(evaluate)' in shown['teacher']
    assert shown['student'] == ['show_source(train_ch5)'], shown['student']
