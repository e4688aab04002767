"""The student runtime: the copy of d2l_ch6 a grading child sees, with every answer withheld (the package's addition).

The teacher's process builds it once (``build``) and the sandbox mounts it,
read-only, over the package's own folder in each child's file system, so
the child can import, read and copy only what is here:

- every function and class of the modules that hold answers
  (``ANSWER_MODULES``: the book's helpers, the exercises' answers and their
  siblings such as ``corr2d_fast``, ``corr2d_matmul``, ``min_pool2d``, the
  LeNet builders, the training loop and its accuracy) becomes a stub with
  the same signature that raises ``Withheld``; only ``KEEP`` (argument
  checks, the book's input images, drawing and summaries) stays;
- of ``grading/``, only what the child runs stays (``GRADING_KEPT``: the
  worker, the calls, and ``check()``, which runs nothing in the child); the
  cases, references, hints, comparisons, verdict and reports are absent;
- the data loader, the notebooks' helpers and everything else stay as they are.
"""
import ast
import atexit
import pathlib
import shutil
import tempfile
import threading

__all__ = ['ANSWER_MODULES', 'KEEP', 'GRADING_KEPT', 'build', 'stub_module', 'runtime']

PACKAGE = pathlib.Path(__file__).resolve().parents[1]

# Modules whose functions compute what the grader grades (or the same thing another way).
ANSWER_MODULES = ('convolutions.py', 'padding_stride.py', 'channels.py', 'pooling.py', 'lenet.py',
                  'editions.py', 'explorer.py', 'training/__init__.py', 'training/bookkeeping.py',
                  'training/model.py', 'training/channel_pad.py')
# What stays of them: none computes a graded value (argument checks, the book's inputs, drawing).
KEEP = frozenset({'edge_image', 'draw_channels', '_as_channel_columns', '_draw_number_grid',
                  'layer_summary', 'format_layer_summary', '_layer_names', 'count_params',
                  'cosine_lr', 'epoch_lr', 'seed_everything'})
GRADING_KEPT = ('__init__.py', 'calls.py', 'worker.py')

def _is_kept(name):
    return name in KEEP or name.startswith('_check')


def _raise(name):
    """`raise Withheld('name')`, with Withheld imported under a private name."""
    return ast.Raise(exc=ast.Call(func=ast.Name('_D2L_Withheld', ast.Load()),
                                  args=[ast.Constant(name)], keywords=[]), cause=None)


def _stub(node):
    """The stub of one top-level def or class: its signature and docstring, a body that raises."""
    doc = ast.get_docstring(node)
    body = ([ast.Expr(ast.Constant(doc))] if doc else []) + [_raise(node.name)]
    if isinstance(node, ast.ClassDef):
        init = ast.FunctionDef(name='__init__', args=ast.arguments(
            posonlyargs=[], args=[ast.arg('self')], vararg=ast.arg('args'), kwonlyargs=[],
            kw_defaults=[], kwarg=ast.arg('kwargs'), defaults=[]), body=[_raise(node.name)],
            decorator_list=[], returns=None, type_params=[])
        return ast.ClassDef(name=node.name, bases=node.bases, keywords=node.keywords,
                            body=body[:-1] + [init], decorator_list=[], type_params=[])
    return type(node)(name=node.name, args=node.args, body=body, decorator_list=[],
                      returns=None, type_comment=None, type_params=[])


def stub_module(source, filename='<module>'):
    """Return source with every top-level function and class not kept replaced by a stub."""
    tree = ast.parse(source, filename)
    body, first = [], True
    for node in tree.body:
        if first and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                          or isinstance(node, ast.ImportFrom) and node.module == '__future__'):
            body.append(ast.parse('from d2l_ch6.grading.calls import Withheld as _D2L_Withheld').body[0])
            first = False
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and not _is_kept(node.name)):
            node = _stub(node)
        body.append(node)
    return ast.unparse(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))) + '\n'


def build(target):
    """Write the student runtime into the folder target; return target/d2l_ch6."""
    target = pathlib.Path(target)
    out = target / 'd2l_ch6'
    shutil.copytree(PACKAGE, out, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    startup = PACKAGE.parent / 'd2l_ch6_startup.py'
    if startup.is_file():
        shutil.copyfile(startup, target / 'd2l_ch6_startup.py')
    for name in ANSWER_MODULES:
        path = out / name
        path.write_text(stub_module(path.read_text(encoding='utf-8'), name), encoding='utf-8')
    for path in (out / 'grading').iterdir():
        if path.name not in GRADING_KEPT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for path in [target, *target.rglob('*')]:  # readable by the child's user, written by none
        path.chmod(0o755 if path.is_dir() else 0o644)
    return out


_BUILT, _LOCK = [], threading.Lock()


def runtime():
    """The student runtime of this process, built on first use and removed at exit."""
    with _LOCK:
        if not _BUILT:
            folder = pathlib.Path(tempfile.mkdtemp(prefix='d2l-ch6-runtime-'))
            atexit.register(shutil.rmtree, folder, True)
            _BUILT.append(build(folder))
        return _BUILT[0]
