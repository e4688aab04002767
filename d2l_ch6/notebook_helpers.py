"""What the chapter's notebooks import: the notebooks' helper library (the package's addition).

A notebook cell imports from here to show the book's code (``show_source``),
to read measurements the benchmarks recorded (``recorded_runs``,
``seeds_table``, ``plot_seeds``) and to hand its numbers to the headless
runner (``Results``, ``history_results``; ``quick`` tells whether the runner
asked for a short run). The runner itself is ``d2l_ch6.publishing.runner``.

Only the standard library is imported here: IPython, pandas and matplotlib
are imported inside the one function that needs each, so a kernel imports
this module cheaply, and nbclient never.
"""
import ast
import importlib.resources
import inspect
import json
import os
import textwrap

__all__ = ['quick', 'QUICK_ENV', 'Results', 'RESULTS_MIME', 'history_results', 'format_results',
           'show_source', 'book_source', 'recorded_runs', 'seeds_table', 'plot_seeds']

QUICK_ENV = 'D2L_CH6_QUICK'  # the runner sets it to 1 in the kernels of `d2l-ch6 notebooks --quick`
RESULTS_MIME = 'application/vnd.d2l-ch6.results+json'  # how Results reach the runner


def quick(environ=None):
    """Tell whether quick mode is on (``D2L_CH6_QUICK`` set to 1, true or yes)."""
    environ = os.environ if environ is None else environ
    return environ.get(QUICK_ENV, '').strip().lower() in {'1', 'true', 'yes', 'on'}


class Results(dict):
    """Numbers a notebook reports to the runner: display it as a cell's last expression.

    ``Results(lenet={'loss': 0.47, 'train_acc': 0.82, 'test_acc': 0.83})``
    shows as a small table in Jupyter and is stored in the executed notebook
    under the ``RESULTS_MIME`` type, which the runner (``d2l_ch6.publishing.runner``)
    reads back.
    Values must be JSON-serialisable (numbers, strings, dicts of them).
    """

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {RESULTS_MIME: _jsonable(dict(self)), 'text/plain': format_results(self)}


def show_source(obj):
    """Return a function's or class's source as the book would print it: highlighted Markdown for a notebook.

    What the package adds to check arguments stays out of sight: decorators
    (``@checked(...)``) and statements that only call a ``_check...``
    function. The code that runs is the same; only the listing is shorter.
    """
    from IPython.display import Markdown
    return Markdown(f'```python\n{book_source(obj)}\n```')


def book_source(obj):
    """Return obj's source without its decorators and its argument-check statements (see show_source)."""
    lines = textwrap.dedent(inspect.getsource(inspect.unwrap(obj))).splitlines()
    hidden = set()
    for node in ast.walk(ast.parse('\n'.join(lines))):
        if getattr(node, 'decorator_list', None):         # a def's or class's decorators
            hidden.update(range(node.decorator_list[0].lineno - 1, node.lineno - 1))
        if _is_check(node):
            hidden.update(range(node.lineno - 1, node.end_lineno))
    return '\n'.join(line for i, line in enumerate(lines) if i not in hidden).rstrip()


def _is_check(statement):
    """True for a statement that only calls a check: `_check_args(x)` or `_arguments.check_int(...)`."""
    func = getattr(statement.value, 'func', None) if isinstance(statement, ast.Expr) else None
    name = getattr(func, 'id', None) or getattr(func, 'attr', None) or ''
    owner = getattr(getattr(func, 'value', None), 'id', None)
    return name.startswith('_check') or owner == '_arguments'


# The recorded runs are package data (d2l_ch6/recorded/), read the same from a wheel or a clone.
RESULTS_DIR = importlib.resources.files('d2l_ch6') / 'recorded'


def recorded_runs(name):
    """Return the runs benchmarks/NAME.py saved in the package's recorded/NAME.json (the package's addition).

    Notebooks show such recorded measurements where rerunning them would take
    too long (NAME.py reruns them); each run names its CPU and date.
    """
    path = RESULTS_DIR / f'{name}.json'
    if not path.is_file():
        raise FileNotFoundError(f'{path} is missing: it is package data of d2l-ch6 (reinstall '
                                f'the package), and benchmarks/{name}.py in the repository '
                                'writes it anew')
    return json.loads(path.read_text(encoding='utf-8'))['runs']


def _by_variant(runs, variants):
    """[(variant, its runs by seed)] for each of variants; ValueError naming those with no run."""
    missing = [v for v in variants if not any(r['variant'] == v for r in runs)]
    if missing:
        raise ValueError(f'variants must have recorded runs, got none for {", ".join(missing)}')
    return [(v, sorted((r for r in runs if r['variant'] == v), key=lambda r: r['seed']))
            for v in variants]


def seeds_table(runs, variants):
    """Return recorded runs' final test accuracy as a DataFrame: a row per variant, a column per seed, the mean (the package's addition).

    runs: recorded_runs' dicts (variant, seed, test_acc, lr, schedule and,
    where recorded, description); variants: the rows, in order.
    """
    import pandas as pd
    rows = []
    for v, mine in _by_variant(runs, variants):
        row = {'variant': v, 'what changes': mine[0].get('description', ''),
               'lr': f"{mine[0]['lr']:g}" + (f", {mine[0]['schedule']}" if mine[0]['schedule']
                                             else '')}
        row.update({f"seed {r['seed']}": round(r['test_acc'], 3) for r in mine})
        row['mean'] = round(sum(r['test_acc'] for r in mine) / len(mine), 3)
        rows.append(row)
    table = pd.DataFrame(rows).set_index('variant').fillna('')   # '': a seed not run
    return table[[c for c in table.columns if c != 'mean'] + ['mean']]


def plot_seeds(runs, variants, column='test_acc', ax=None):
    """Draw column per epoch for every recorded seed of each variant, a colour per variant; return the axes (the package's addition).

    runs: recorded_runs' dicts; a run's curve starts at epoch 0 where it
    recorded the untrained net (its 'start').
    """
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(5, 3.2), layout='constrained')
    for k, (variant, mine) in enumerate(_by_variant(runs, variants)):
        for j, r in enumerate(mine):
            records = ([r['start']] if r.get('start') else []) + r['history']
            ax.plot([e['epoch'] for e in records], [e[column] for e in records],
                    color=f'C{k}', alpha=0.8, label=variant if j == 0 else None)
    ax.set_xlabel('epoch')
    ax.set_ylabel(column.replace('_', ' '))
    ax.grid(True)
    ax.legend()
    return ax


def _jsonable(value):
    """Turn numpy/MXNet scalars and tuples into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, 'item') and getattr(value, 'size', 1) == 1:
        return value.item()
    return value


def format_results(results, skip=()):
    """Format results as ``name: loss 0.472, train acc 0.823; ...`` for the summary table, leaving out the names in skip."""
    parts = []
    for name, value in _jsonable(dict(results)).items():
        if name in skip:
            continue
        if isinstance(value, dict):
            inner = ', '.join(f'{k.replace("_", " ")} {_fmt(v)}' for k, v in value.items())
            parts.append(f'{name}: {inner}')
        else:
            parts.append(f'{name.replace("_", " ")} {_fmt(value)}')
    return '; '.join(parts)


def _fmt(value):
    return f'{value:.3f}' if isinstance(value, float) else str(value)


def history_results(history):
    """The final loss, train acc and test acc of a train_ch5 History, for the summary table."""
    last = history[-1]
    return {'loss': last.train_loss, 'train_acc': last.train_acc, 'test_acc': last.test_acc}
