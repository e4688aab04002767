"""The grader's child process: runs one submission, then the cases' inputs through its own functions.

It reads one job from stdin (the cases' inputs as plain data, a nonce, the
time limits) before the submission runs, runs the submission (a script
statement by statement, a notebook cell by cell in an IPython shell),
remembers the last definition of each graded name that is the student's own
and of the kind the registry says a student gives (the job's ``graded``:
each name's aliases, and whether it is a function, a class or a network, so
a later ``pool2d = nn.MaxPool2D(...)`` does not hide it), calls each
one on the inputs (``calls.observe``) and writes what came out, plain data
only, to the results pipe. It runs in the student runtime (``runtime``):
no case, expected value, reference or package answer is in its reach, a
statement or cell that calls a withheld package function is skipped (the
rest of the file still runs), and ``check()`` does nothing. The parent judges.
"""
import ast
import json
import os
import sys
import time

__all__ = ['find_targets', 'described', 'main']


def _own(obj):
    """True unless obj is this package's or the book's package's (d2l) function or class: imported, not written."""
    module = getattr(obj, '__module__', '') or ''
    return not any(module == p or module.startswith(p + '.') for p in ('d2l_ch6', 'd2l'))


def _graded(obj, provides):
    """True when obj can be what the registry says a student provides ('function', 'class', 'network')."""
    from .calls import is_net
    if obj is None or not (callable(obj) or is_net(obj)):
        return False
    if provides != 'network' and is_net(obj):
        return False  # a layer bound to a helper's name (the 6.5 notebook's pool2d = nn.MaxPool2D)
    return _own(obj)


def described(targets=None):
    """{target: {'names': [its name, then its aliases], 'provides': ...}}, from the registry (not in the child)."""
    from .cases import REGISTRY, TARGETS
    return {t: {'names': list(REGISTRY[t].names), 'provides': REGISTRY[t].provides}
            for t in (targets or TARGETS)}


def find_targets(namespace, targets=None):
    """{target: object} for each graded name in namespace that is the student's own.

    targets: ``described()``'s description of the names to find (default: every graded name).
    """
    found = {}
    for target, spec in (described() if targets is None else targets).items():
        obj = next((namespace[n] for n in spec['names'] if namespace.get(n) is not None), None)
        if _graded(obj, spec['provides']):
            found[target] = obj
    return found


class _Tracker:
    """Remember, after each statement or cell, the student's own object for each graded name."""

    def __init__(self, targets):
        self.targets, self.own = targets, {}

    def update(self, namespace):
        self.own.update(find_targets(namespace, self.targets))


def _withheld(error):
    """True for the error of a withheld package function (its statement or cell is skipped)."""
    return type(error).__name__ == 'Withheld'


def _run_script(path, namespace, tracker):
    source = path.read_bytes()
    tree = ast.parse(source, filename=path.name)
    for node in tree.body:
        code = compile(ast.Module(body=[node], type_ignores=[]), path.name, 'exec')
        try:
            exec(code, namespace)
        except Exception as e:
            if not _withheld(e):
                raise
        tracker.update(namespace)


def _run_notebook(path, tracker):
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    nb = nbformat.read(str(path), as_version=4)
    shell = InteractiveShell.instance()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != 'code':
            continue
        result = shell.run_cell(cell.source, store_history=False, silent=False)
        tracker.update(shell.user_ns)
        error = result.error_before_exec or result.error_in_exec
        if (error is not None and not _withheld(error)
                and 'raises-exception' not in cell.metadata.get('tags', [])):
            from .calls import error_message
            raise _CellFailed(f'cell {index}: {type(error).__name__}: {error_message(error)}')
    return shell.user_ns


class _CellFailed(Exception):
    pass


def main(results_fd):
    """Run the job read from stdin; write the results to results_fd; return the exit status."""
    job = json.loads(sys.stdin.buffer.read().decode('utf-8'))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    out = os.fdopen(results_fd, 'w', encoding='utf-8')
    nonce = job['nonce']

    def send(payload):
        payload['nonce'] = nonce
        out.write(json.dumps(payload))
        out.flush()

    os.environ['D2L_CH6_GRADING_CHILD'] = '1'
    import d2l_ch6  # noqa: F401  (first: MXNet's environment defaults)
    from . import calls
    import pathlib
    path = pathlib.Path(job['file'])
    tracker = _Tracker(job['graded'])
    try:
        if path.suffix == '.py':
            _run_script(path, {'__name__': 'submission', '__file__': str(path),
                               '__builtins__': __builtins__}, tracker)
        else:
            _run_notebook(path, tracker)
    except _CellFailed as e:
        send({'status': 'crashed', 'message': f'cannot run {path.name}: {e}'})
        return 3
    except BaseException as e:  # the student's script: report its own line
        send({'status': 'crashed', 'message': f'cannot run {path.name}: {calls.describe_error(e)}'})
        return 3
    functions = {}
    for target, specs in job['targets'].items():
        fn = tracker.own.get(target)
        if fn is None:
            continue
        observations, start = [], time.perf_counter()
        for spec in specs:
            left = job['budget'] - (time.perf_counter() - start)
            if left <= 0:
                observations.append(None)
                continue
            args = calls.to_inputs(calls.decode(spec['args']))
            kwargs = calls.to_inputs(calls.decode(spec['kwargs']))
            t0 = time.perf_counter()
            obs = calls.observe(fn, spec['call'], args, kwargs, min(job['case_limit'], left))
            obs['seconds'] = time.perf_counter() - t0
            observations.append(obs)
        functions[target] = observations
    send({'status': 'graded', 'functions': functions})
    return 0


if __name__ == '__main__':
    sys.exit(main(int(sys.argv[1])))
