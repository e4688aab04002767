"""The package's public names: each section module's helpers, importable from the top."""
import importlib
import inspect

import d2l_ch6

SECTION_MODULES = [m.__name__.rsplit('.', 1)[1] for m in d2l_ch6._MODULES]


def test_top_level_reexports_every_module_name():
    for name in SECTION_MODULES:
        module = importlib.import_module(f'd2l_ch6.{name}')
        for public in module.__all__:
            assert getattr(d2l_ch6, public) is getattr(module, public), (name, public)
    names = [n for m in SECTION_MODULES for n in importlib.import_module(f'd2l_ch6.{m}').__all__]
    assert sorted(d2l_ch6.__all__) == sorted(names)
    assert len(set(names)) == len(names), 'two modules export the same name'


def test_every_public_function_has_a_one_line_docstring_naming_its_source():
    """The book's section or exercise, or "the package's addition" for code the book has not."""
    for name in d2l_ch6.__all__:
        obj = getattr(d2l_ch6, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        doc = inspect.getdoc(obj)
        assert doc, f'{name} has no docstring'
        first = doc.splitlines()[0]
        assert ('section' in first.lower() or 'exercise' in first.lower()
                or "(the package's addition)" in first), (name, first)
