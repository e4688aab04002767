"""Read mxnet's Python source for the numpy names it uses (the oracle of tests/test_compat.py).

A name counts when mxnet reads it from the real numpy module: an attribute
chain on a name bound by ``import numpy`` / ``import numpy as X`` in that file
(``_np.random.RandomState`` gives ``random.RandomState``), or a string that
``numpy_dispatch_protocol`` looks up with ``getattr(_np, name)``. Any other
``getattr`` on numpy with a computed name is reported, so that a new one
cannot hide a name from this reading.
"""
import ast
import pathlib

# getattr(_np, op_name) in numpy_dispatch_protocol.py walks these module-level lists
DISPATCH_LISTS = ('_NUMPY_ARRAY_FUNCTION_LIST', '_NUMPY_ARRAY_UFUNC_LIST')


def _numpy_aliases(tree):
    """Return the names this file binds to the numpy module itself."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == 'numpy':
                    aliases.add(a.asname or 'numpy')
    return aliases


def _chain(node):
    """Return ['np', 'random', 'RandomState'] for np.random.RandomState, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _module_lists(tree):
    """Return {name: [str, ...]} for the module-level list constants of a file."""
    lists = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                lists[node.targets[0].id] = value
    return lists


def numpy_reads(package_dir):
    """Return ({dotted name: [file:line, ...]}, [unexplained dynamic getattr sites])."""
    package_dir = pathlib.Path(package_dir)
    reads, dynamic = {}, []
    for path in sorted(package_dir.rglob('*.py')):
        tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
        aliases = _numpy_aliases(tree)
        if not aliases:
            continue
        where = f'{path.relative_to(package_dir.parent)}'
        outer = set()   # attribute nodes inside a longer chain: count the longest only
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                outer.add(id(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and id(node) not in outer:
                chain = _chain(node)
                if chain and chain[0] in aliases:
                    reads.setdefault('.'.join(chain[1:]), []).append(f'{where}:{node.lineno}')
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == 'getattr' and node.args
                  and isinstance(node.args[0], ast.Name) and node.args[0].id in aliases):
                name = node.args[1]
                if isinstance(name, ast.Constant):
                    reads.setdefault(name.value, []).append(f'{where}:{node.lineno}')
                else:
                    dynamic.append(f'{where}:{node.lineno}')
        lists = _module_lists(tree)
        for list_name in DISPATCH_LISTS:
            for op in lists.get(list_name, []):
                reads.setdefault(op, []).append(f'{where}:{list_name}')
    return reads, dynamic


def explained(dynamic):
    """Drop the getattr sites that walk DISPATCH_LISTS (numpy_dispatch_protocol.py)."""
    return [d for d in dynamic if not d.startswith('mxnet/numpy_dispatch_protocol.py:')]


def missing(reads, numpy):
    """Return the dotted names of reads that numpy (a module) does not have."""
    import warnings
    gone = []
    for dotted in sorted(reads):
        obj = numpy
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                for part in dotted.split('.'):
                    obj = getattr(obj, part)
            except AttributeError:
                gone.append(dotted)
    return gone
