"""The grading package's modules form no import circle: no two of them import each other, not even
lazily inside a function (read from their source with ast, nothing imported)."""
import ast
import pathlib

import d2l_ch6.grading

GRADING = pathlib.Path(d2l_ch6.grading.__file__).parent


def _module_name(path):
    """'cases', 'platforms.results', 'platforms' (a package's __init__) for a file of grading/."""
    parts = list(path.relative_to(GRADING).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def imports_of(path, modules):
    """The modules of grading/ that the file at path imports, anywhere in it (a set of names)."""
    name = _module_name(path)
    parts = name.split('.') if name else []   # '' is grading/__init__.py itself
    package = parts if path.name == '__init__.py' else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                prefix = 'd2l_ch6.grading.'
                if not (node.module or '').startswith(prefix):
                    continue
                base = node.module[len(prefix):].split('.')
            else:
                up = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                if node.level - 1 > len(package):
                    continue  # above grading/: another package of d2l_ch6
                base = up + (node.module.split('.') if node.module else [])
            for alias in node.names:  # `from . import reports` names a module
                candidate = '.'.join(base + [alias.name])
                found.add(candidate if candidate in modules else '.'.join(base))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('d2l_ch6.grading.'):
                    found.add(alias.name[len('d2l_ch6.grading.'):])
    return {m for m in found if m in modules and m != name}


def import_graph():
    files = sorted(GRADING.rglob('*.py'))
    modules = {_module_name(p) for p in files}
    return {_module_name(p): imports_of(p, modules) for p in files}


def test_the_import_reader_sees_lazy_relative_and_absolute_imports(tmp_path):
    """The reader finds an import inside a function, `from . import x` and `from ..y import z`."""
    graph = import_graph()
    assert 'calls' in graph['cases'] and 'references' in graph['cases']
    assert 'verdict' in graph['parent']                  # `from .verdict import ...` in a function
    assert 'reports' in graph['cli']                     # `from . import reports` in a method
    assert 'gradebook' in graph['platforms.results']     # `from ..gradebook import ...`
    assert 'verdict' in graph['']                        # grading/__init__.py itself


def test_no_two_grading_modules_import_each_other():
    graph = import_graph()
    pairs = sorted({tuple(sorted((a, b))) for a, bs in graph.items() for b in bs
                    if a in graph.get(b, ())})
    assert pairs == []


def test_the_packages_tests_judge_a_case_as_the_grader_does():
    """assert_case is a thin assert over the grader's judge: a flipped kernel gets the grader's
    hint (a runner of its own, comparing values only, would not name the mistake)."""
    import sys
    import pytest
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from grading_class import WRONG
    from d2l_ch6.grading.cases import CASES
    from d2l_ch6.grading.verdict import assert_case

    namespace = {}
    exec(WRONG['flipped'], namespace)       # the class's flipped-kernel corr2d
    with pytest.raises(AssertionError, match='the kernel is flipped'):
        assert_case(CASES['corr2d'][0], namespace['corr2d'])


def test_compare_names_a_sequence_of_the_wrong_length_by_its_length():
    """A list of two arrays where one is expected says 'a list of 2', not the arrays' repr."""
    import numpy as onp
    from d2l_ch6.grading.compare import compare

    A = onp.zeros((2, 3))
    assert compare([A, A], (A,), 1e-6, 0) == 'result should be a sequence of 1, got a list of 2'
    assert compare(A, (A,), 1e-6, 0) == 'result should be a sequence of 1, got [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]'
    assert compare((A + 1,), (A,), 1e-6, 0) == ('[0]: differ by up to 1 (tolerance rtol=1e-06, atol=0)')
    assert compare([A], (A,), 1e-6, 0) is None
