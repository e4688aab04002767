"""The registry of graded functions: cases written as data build the same inputs as before."""
import json
import pathlib

import pytest

from d2l_ch6.grading import inputs
from d2l_ch6.grading.cases import CASES, Case
from grading_snapshot import digest

SNAPSHOT = json.loads((pathlib.Path(__file__).parent / 'grading_inputs.json').read_text())


def test_every_case_builds_the_inputs_of_the_snapshot():
    """Same names, titles, order, and for each case the same arrays (dtype, shape, bytes) and kwargs
    as the lambda-built cases gave (tests/grading_inputs.json, taken before they became data)."""
    assert sorted(CASES) == sorted(SNAPSHOT)
    for name, cases in CASES.items():
        assert [c.title for c in cases] == [s['title'] for s in SNAPSHOT[name]], name
        for case, snap in zip(cases, SNAPSHOT[name]):
            assert digest(case.inputs()) == snap['inputs'], (name, case.title)
            assert digest(case.kwargs) == snap['kwargs'], (name, case.title)


def test_inputs_are_data_built_fresh_and_described():
    case = CASES['corr2d'][8]
    assert case.inputs.specs == (inputs.Rand(9, (6, 6)), inputs.Rand(10, (3, 3)))
    a, b = case.inputs(), case.inputs()
    assert a[0] is not b[0] and (a[0] == b[0]).all()
    assert case.inputs.describe() == '(normal(seed 9) 6x6, normal(seed 10) 3x3)'
    assert CASES['corr2d'][0].inputs.describe() == "(the book's Fig. 6.2.1 X, [[0, 1], [2, 3]])"


def test_cases_take_keywords_and_check_them():
    with pytest.raises(TypeError):
        Case('a title', (), 1)  # positional: a reader could not tell what each value is
    with pytest.raises(ValueError, match="kind must be one of book, edge, random, bad input; got 'bok'"):
        Case(title='t', inputs=(), expected=1, kind='bok')
    with pytest.raises(TypeError, match='inputs must be a tuple'):
        Case(title='t', inputs=lambda: (), expected=1)
    with pytest.raises(TypeError, match='got function'):
        Case(title='t', inputs=(lambda: 1,), expected=1)
    with pytest.raises(ValueError, match="Book input must be one of .*; got 'Fig. 9'"):
        inputs.Book('Fig. 9')
    with pytest.raises(ValueError, match="dist must be 'normal' or 'uniform', got 'gauss'"):
        inputs.Rand(1, (2,), 'gauss')


BEFORE = json.loads((pathlib.Path(__file__).parent / 'grading_registry.json').read_text())


def test_the_registry_gives_the_names_and_hints_the_separate_tables_gave():
    """targets.py's BOOK_TARGETS, EXERCISES (each exercise's default first), ALIASES, TARGETS and
    BOOK_SECTION, and verdict.py's HINTS (tests/grading_registry.json, taken from them before they
    became one registry) are now views of the registry, unchanged."""
    from d2l_ch6.grading import cases
    for view in ('BOOK_TARGETS', 'EXERCISES', 'ALIASES', 'TARGETS', 'BOOK_SECTION'):
        assert getattr(cases, view) == BEFORE[view], view
    assert list(cases.EXERCISES) == list(BEFORE['EXERCISES'])  # in order
    assert cases.TARGETS == BEFORE['TARGETS']
    hints = {name: [text for text, _ in graded.hints] for name, graded in cases.REGISTRY.items()
             if graded.hints}
    assert hints == BEFORE['HINTS']
    assert [cases.exercise_of(n) for n in ('pad_zeros', 'corr2d', 'lenet', 'lenet_max', 'nope')] == [
        '6.1.3', None, None, '6.6.1', None]


def test_a_table_refuses_a_name_twice_or_an_exercise_of_another_section():
    from d2l_ch6.grading.cases import _Table
    from d2l_ch6.grading.contracts import Returns
    T = _Table('6.2')
    an_int = Returns('an int', 'int')
    T.add('f', returns=an_int, cases=[Case(title='t', inputs=(), expected=1)], exercise='6.2.1')
    with pytest.raises(ValueError, match='f is registered twice in section 6.2'):
        T.add('f', returns=an_int, cases=[])
    with pytest.raises(ValueError, match='g answers exercise 6.3.1, which is not in section 6.2'):
        T.add('g', returns=an_int, cases=[], exercise='6.3.1')
    with pytest.raises(TypeError, match='h: returns must be a contracts.Returns, got str'):
        T.add('h', returns='an int', cases=[])


def test_each_entry_says_where_the_package_answer_lives_and_what_a_student_gives():
    """The book's net is the package's lenet (an alias, a network); Conv2D is a class."""
    import d2l_ch6
    from d2l_ch6.grading.cases import REGISTRY
    for name, graded in REGISTRY.items():
        assert graded.package_answer() is (d2l_ch6.lenet if name == 'net' else getattr(d2l_ch6, name))
    assert (REGISTRY['net'].answer, REGISTRY['net'].names) == ('d2l_ch6.lenet:lenet', ('net', 'lenet'))
    assert {n: g.provides for n, g in REGISTRY.items() if g.provides != 'function'} == {
        'Conv2D': 'class', 'net': 'network', 'lenet_max': 'network'}
    from d2l_ch6.grading.cases import _Table
    from d2l_ch6.grading.contracts import Returns
    with pytest.raises(ValueError, match="f: answer and siblings must be 'd2l_ch6.*got 'os:system'"):
        _Table('6.2').add('f', returns=Returns('an int', 'int'), cases=[], answer='os:system')
    with pytest.raises(ValueError, match="h: answer and siblings must be 'd2l_ch6.*got 'd2l_ch6'"):
        _Table('6.2').add('h', returns=Returns('an int', 'int'), cases=[], siblings=('d2l_ch6',))
    assert {n: [getattr(a, '__name__', None) for a in g.withheld_answers()]
            for n, g in REGISTRY.items() if g.siblings} == {
        'corr2d': ['corr2d', 'corr2d_fast'], 'corr2d_multi_in_out': ['corr2d_multi_in_out', 'corr2d_multi_in_out_fast'],
        'pool2d': ['pool2d', 'pool2d_fast'], 'lenet_max': ['lenet_max', 'lenet']}
    with pytest.raises(ValueError, match='g: provides must be one of function, class, network'):
        _Table('6.2').add('g', returns=Returns('an int', 'int'), cases=[], provides='module')


def test_the_worker_finds_what_the_registry_says_a_student_gives():
    """A network under the alias lenet is the book's net; a layer bound to pool2d is no pool2d; a
    network is lenet_max's answer; the package's own function is never the student's."""
    from mxnet.gluon import nn
    import d2l_ch6
    from d2l_ch6.grading.worker import described, find_targets

    class Conv2D(nn.Block):
        pass
    net = nn.Sequential()
    found = find_targets({'lenet': net, 'pool2d': nn.MaxPool2D(2), 'lenet_max': net,
                          'Conv2D': Conv2D, 'corr2d': d2l_ch6.corr2d, 'comp_conv2d': lambda c, X: X})
    assert found == {'net': net, 'lenet_max': net, 'Conv2D': Conv2D,
                     'comp_conv2d': found.get('comp_conv2d')} and callable(found['comp_conv2d'])
    assert find_targets({'net': None, 'lenet': net}, described(['net'])) == {'net': net}
    assert find_targets({'corr2d': net}, described(['corr2d'])) == {}
