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
           'show_source', 'book_source', 'recorded_runs', 'seeds_table', 'plot_seeds',
           'cpu_line', 'busy_cores', 'speed_comparison']

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


def cpu_line(cpuinfo=None, cores=None):
    """Return 'CPU: <model>, <widest vector unit>, <n> cores' from /proc/cpuinfo's flags, as the recorded runs name theirs (the package's addition).

    cpuinfo: the text of /proc/cpuinfo (default: read it); cores: the core
    count (default: os.cpu_count()). The unit is AVX-512 when the flags
    hold avx512f, AVX2 when they hold avx2, else 'no AVX2'.
    """
    if cpuinfo is None:
        try:
            with open('/proc/cpuinfo', encoding='utf-8') as f:
                cpuinfo = f.read()
        except OSError:
            return 'CPU: unknown'
    fields = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(':')
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get('flags', '').split())
    units = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'
    return f"CPU: {fields.get('model name', 'unknown')}, {units}, {cores or os.cpu_count()} cores"


def speed_comparison(history, runs, variant='book', cpu=None, busy=None):
    """Say this run's speed beside the recorded runs' of variant, their ratio, and what differs between the machines (the package's addition).

    history: train_ch5's History; runs: recorded_runs' dicts; cpu: this
    machine's cpu_line() (default: read now); busy: how many cores other
    processes keep busy (default: measured over a second, busy_cores()). A
    gap is explained only by what was measured here: another CPU model,
    vector unit or core count, or other processes on the cores; otherwise
    the lines say nothing measured explains it.
    """
    mine = [r for r in runs if r.get('variant') == variant]
    if not mine:
        raise ValueError(f'variant must have recorded runs, got none for {variant!r}')
    cpu = cpu_line() if cpu is None else cpu
    busy = busy_cores() if busy is None else busy
    live = history.examples_per_sec
    recorded = sum(r['examples_per_sec'] for r in mine) / len(mine)
    lines = [f'this run: {live:,.0f} examples/sec on {history.ctx}, {cpu}',
             f"recorded ({variant}, {len(mine)} runs, {', '.join(sorted({r['date'] for r in mine}))}): "
             f"{recorded:,.0f} examples/sec on {', '.join(sorted({r['ctx'] for r in mine}))}, "
             f"{', '.join(sorted({r['cpu'] for r in mine}))}",
             f'ratio: this run is {live / recorded:.2f} times the recorded speed']
    theirs = _cpu_fields(mine[0]['cpu'])
    ours = _cpu_fields(cpu)
    reasons = [f'{what} differs: {ours[k]} here, {theirs[k]} recorded'
               for k, what in (('model', 'the CPU model'), ('units', 'the widest vector unit'),
                               ('cores', 'the core count')) if ours[k] != theirs[k]]
    if busy is not None and busy >= 0.25:
        reasons.append(f'other processes keep {busy:.1f} of the {ours["cores"]} busy now '
                       '(measured over a second after the training), so they share the cores')
    if abs(live / recorded - 1) < 0.1:
        lines.append('within 10% of the recorded speed')
    elif reasons:
        lines.append('measured here: ' + '; '.join(reasons))
    else:
        lines.append('the same CPU model, vector unit and core count, and no other process '
                     'busy now: nothing measured here explains the gap')
    return '\n'.join(lines)


def busy_cores(seconds=1.0):
    """Return how many cores other processes kept busy over the next seconds, from /proc/stat (None without it)."""
    import time

    def sample():
        with open('/proc/stat', encoding='ascii') as f:
            total = [int(v) for v in f.readline().split()[1:]]
        with open('/proc/self/stat', encoding='ascii') as f:
            mine = f.read().rsplit(')', 1)[1].split()
        return sum(total), total[3] + total[4], int(mine[11]) + int(mine[12])  # idle + iowait; utime + stime
    try:
        (t0, idle0, own0), _ = sample(), time.sleep(seconds)
        t1, idle1, own1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if t1 <= t0:
        return 0.0
    return max(0.0, (t1 - t0) - (idle1 - idle0) - (own1 - own0)) / (t1 - t0) * os.cpu_count()


def _cpu_fields(line):
    """{'model', 'units', 'cores', 'cores_n'} of a cpu_line() text."""
    parts = line.removeprefix('CPU: ').rsplit(', ', 2)
    model, units, cores = (parts + ['unknown'] * 3)[:3] if len(parts) == 3 else (line, '?', '?')
    n = cores.split()[0]
    return {'model': model, 'units': units, 'cores': cores, 'cores_n': int(n) if n.isdigit() else None}


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
