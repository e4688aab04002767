"""The package's public names: each section module's helpers, importable from the top."""
import importlib
import inspect
import pathlib
import re

import pytest

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


# --- the package tree of docs/architecture.md ---------------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parent.parent


def architecture_tree():
    """{path: listed with its children?} for each entry of the package tree in docs/architecture.md.

    Each line is a name (or names joined by ', ') and its description, two
    spaces of indent per level; a folder whose entries follow is listed in
    full, one given alone (grading/) only has to exist.
    """
    text = (ROOT / 'docs' / 'architecture.md').read_text(encoding='utf-8')
    block = re.search(r'The package as a tree.*?```\n(.*?)```', text, re.S)
    assert block, 'docs/architecture.md has no package tree'
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    entries, parents = {}, []
    for k, line in enumerate(lines):
        depth = (len(line) - len(line.lstrip())) // 2
        names = re.split(r'\s{2,}', line.strip())[0]
        parents = parents[:depth]
        for name in names.split(', '):
            path = '/'.join(parents + [name.rstrip('/')])
            nxt = lines[k + 1] if k + 1 < len(lines) else ''
            entries[path] = name.endswith('/') and (len(nxt) - len(nxt.lstrip())) // 2 > depth
        if names.endswith('/'):
            parents.append(names.rstrip('/'))
    return entries


def listed(folder):
    """A folder's modules, packages and site_assets/ (the tree may leave out an __init__.py)."""
    return {p.relative_to(ROOT).as_posix() for p in folder.iterdir()
            if p.suffix == '.py' and p.name != '__init__.py'
            or (p.is_dir() and (p / '__init__.py').is_file()) or p.name == 'site_assets'}


def test_architecture_tree_is_the_package():
    """Every entry of the architecture's tree exists, and every listed folder shows all its modules."""
    entries = architecture_tree()
    missing = [path for path in entries if not (ROOT / path).exists()]
    assert not missing, f'the tree of docs/architecture.md names what does not exist: {missing}'
    for path, full in entries.items():
        if full or path == 'd2l_ch6':
            unlisted = sorted(listed(ROOT / path) - set(entries))
            assert not unlisted, (f'{path}/ has modules the tree of docs/architecture.md '
                                  f'leaves out: {unlisted}')


def test_architecture_tree_reader_reads_nesting():
    """The tree's reader on docs/architecture.md: nesting, joined names, folders in full or alone."""
    tree = architecture_tree()
    assert tree['d2l_ch6/publishing'] is True and tree['d2l_ch6/publishing/runner.py'] is False
    assert tree['d2l_ch6/grading'] is False      # shown alone: its modules are not listed
    assert {'d2l_ch6/_arguments.py', 'd2l_ch6/_env.py', 'd2l_ch6_startup.py'} <= set(tree)
