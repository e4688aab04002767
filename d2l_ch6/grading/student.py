"""`d2l-ch6 exercises`: the six notebooks in a student version, with stubs and check cells (the package's addition).

Each book helper a notebook uses becomes a stub with the package's signature
and a docstring that names it (never the answer), raising
``NotImplementedError``, followed by a ``check(...)`` cell. The stub takes the
place of the cell that showed the package's source (``show_source(name)``),
or goes before the first cell that uses the name. The exercises keep only
their questions: per exercise, the question, then for each function that
answers it its signature, a stub and a check cell (a discussion question gets
a cell for the student's answer); the notebook's answers, in prose and code,
are left out. ``with_answers=True`` writes the teacher's copy: the answers
kept, each followed by its check. Later cells may fail until the stubs are
filled in, so they carry Jupyter's ``raises-exception`` tag and the notebook
still runs to the end: unchanged, every check shows red.
"""
import ast
import copy
import inspect
import pathlib
import sys
import textwrap

from .cases import BOOK_SECTION

__all__ = ['STUB_TAG', 'CHECK_TAG', 'signature', 'stub_source', 'contract_text', 'key_source',
           'signature_table',
           'student_notebook', 'write_exercises', 'add_exercises_parser']

STUB_TAG, CHECK_TAG = 'd2l-ch6-stub', 'd2l-ch6-check'
SETUP = ('from d2l_ch6 import check  # runs the package\'s cases on your code\n'
         'from mxnet import autograd, np, npx\n'
         'from mxnet.gluon import nn')


def _package_object(name):
    """The package's answer for name (a graded name or an alias), where its registry entry says."""
    import d2l_ch6
    from .cases import ALIASES, REGISTRY
    graded = REGISTRY.get(ALIASES.get(name, name))
    return graded.package_answer() if graded is not None else getattr(d2l_ch6, name)


def signature(name):
    """Return the call signature a student implements, e.g. 'pool2d(X, pool_size, mode=\\'max\\')'."""
    return f'{name}{inspect.signature(_package_object(name))}'


def _first_doc_line(obj):
    doc = inspect.getdoc(obj) or ''
    return doc.splitlines()[0] if doc else ''


def stub_source(name):
    """Return a stub's source: the package's signature and a docstring that names the task and
    states what to return (the registry's contract), no body."""
    obj = _package_object(name)
    number = _check_exercise(name)
    doc = (f'Your answer to exercise {number}: see the question above.' if number else
           f'The book\'s {name}, section {BOOK_SECTION.get(name, "")}: write it yourself.')
    doc += '\n\n' + contract_text(name, '    ') + '\n    '
    if inspect.isclass(obj):  # the book's Conv2D block
        return (f'class {name}(nn.Block):\n'
                f'    """{doc}"""\n\n'
                f'    def __init__(self, kernel_size, **kwargs):\n'
                f'        super().__init__(**kwargs)\n'
                f'        # self.weight = self.params.get(...); self.bias = ...\n'
                f'        raise NotImplementedError\n\n'
                f'    def forward(self, x):\n'
                f'        raise NotImplementedError\n')
    return (f'def {signature(name)}:\n'
            f'    """{doc}"""\n'
            f'    raise NotImplementedError  # your code here\n')


def key_source(name):
    """Return the teacher's key for a stub: the package's answer, its argument checks included.

    The whole source, decorators too: a decorator such as ``@checked(...)``
    may resolve arguments (``evaluate_accuracy_gpu``'s devices), so the key
    runs exactly as the package does.
    """
    import textwrap
    return textwrap.dedent(inspect.getsource(_package_object(name))).rstrip() + '\n'


def _free_names(source):
    """The names source reads but does not bind itself (arguments, assignments, definitions)."""
    tree = ast.parse(source)
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, (ast.Store, ast.Del))}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
              for a in n.posonlyargs + n.args + n.kwonlyargs + [n.vararg, n.kwarg] if a}
    bound |= {n.name for n in ast.walk(tree)
              if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}
    return [n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound]


def _withheld_in_grader(value):
    """True for a package function or class the grader's child does not have (runtime.py stubs it)."""
    from .runtime import ANSWER_MODULES, _is_kept
    module = getattr(value, '__module__', '') or ''
    if not module.startswith('d2l_ch6.') or not (inspect.isfunction(value) or inspect.isclass(value)):
        return False
    stem = module[len('d2l_ch6.'):].replace('.', '/')
    files = {f'{stem}.py', f'{stem}/__init__.py'}
    return bool(files & set(ANSWER_MODULES)) and not _is_kept(value.__name__)


def _reads_withheld(value, seen=frozenset()):
    """True for a kept package function or class that reads a withheld one, maybe through others.

    ``_check_evaluate_args`` wraps net in the withheld ``call``: imported
    under the grader, it would call a stub.
    """
    module = getattr(value, '__module__', '') or ''
    if (not module.startswith('d2l_ch6.') or value in seen
            or not (inspect.isfunction(value) or inspect.isclass(value))):
        return False
    names = vars(inspect.getmodule(value))
    used = [names[n] for n in _free_names(textwrap.dedent(inspect.getsource(value))) if n in names]
    return any(_withheld_in_grader(v) or _reads_withheld(v, seen | {value}) for v in used)


def key_prelude(names):
    """Return the key's import cell: the names its answers use that the notebook does not define.

    The package's answers call its argument checks (``checked``,
    ``check_int``...) and helpers (``onp``, ``corr2d_fast``). A helper the
    grader withholds from a student's file (a sibling answer such as
    ``corr2d_fast``) is written out in full, so the key runs under the
    grader as a student's own code would, and so is a helper the grader
    keeps that reads a withheld one (``_check_evaluate_args``, which wraps
    net in ``call``); everything else is imported from
    the module the answer comes from. The graded names themselves are the
    key's own, and so are the helpers written out: the notebook's own
    imports of them are cut (``student_notebook``), or a later import
    cell would put the package's, withheld under the grader, back over them.
    """
    imports, helpers = _key_parts(names)
    return ('# the teacher\'s key: what the package\'s answers below use besides the book\'s imports\n'
            + '\n'.join(sorted(set(imports.values())))
            + ''.join('\n\n\n' + helpers[n].rstrip() for n in _definition_order(helpers)))


def _key_parts(names):
    """Return ({name: its import line}, {name: its source written out}) for names' answers."""
    import builtins
    imports, helpers = {}, {}
    todo = [(key_source(name), inspect.getmodule(_package_object(name))) for name in names]
    while todo:
        source, module = todo.pop()
        for name in _free_names(source):
            if (name in names or name in helpers or name in imports or hasattr(builtins, name)
                    or name not in vars(module)):
                continue
            value = vars(module)[name]
            if _withheld_in_grader(value) or _reads_withheld(value):
                helpers[name] = textwrap.dedent(inspect.getsource(value)).rstrip() + '\n'
                todo.append((helpers[name], inspect.getmodule(value)))
            elif inspect.ismodule(value):
                full = value.__name__
                imports[name] = (f'import {full}' if full == name else
                                 f'from {full.rpartition(".")[0]} import {name}'
                                 if full.rpartition('.')[2] == name else f'import {full} as {name}')
            else:
                origin = getattr(value, '__module__', None) or module.__name__
                where = origin if hasattr(sys.modules.get(origin), name) else module.__name__
                imports[name] = f'from {where} import {name}'
    return imports, helpers


def _needed_to_define(source):
    """Return the free names a definition reads as it runs, not those read only when called.

    A class's bases, keywords, decorators and body; a function's
    decorators, defaults and annotations.
    """
    node = ast.parse(source).body[0]
    if isinstance(node, ast.ClassDef):
        parts = node.bases + [k.value for k in node.keywords] + node.decorator_list + [
            s for s in node.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        parts += [d for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for d in _evaluated_at_def(s)]
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parts = _evaluated_at_def(node)
    else:
        parts = [node]
    return {n.id for part in parts for n in ast.walk(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _evaluated_at_def(node):
    """Return what Python evaluates as it runs a def: decorators, defaults, annotations."""
    args = node.args
    return (node.decorator_list + args.defaults + [d for d in args.kw_defaults if d]
            + [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs
               + [args.vararg, args.kwarg] if a and a.annotation]
            + ([node.returns] if node.returns else []))


def _definition_order(helpers):
    """Return the helpers' names, each after those its definition reads (a base class first).

    Alphabetical otherwise; a cycle raises ValueError naming the helpers.
    """
    needs = {n: _needed_to_define(src) & set(helpers) - {n} for n, src in helpers.items()}
    order, done = [], set()

    def visit(name, path):
        if name in done:
            return
        if name in path:
            raise ValueError(f'the key\'s helpers {sorted(path)} need each other to be defined')
        for other in sorted(needs[name]):
            visit(other, path | {name})
        done.add(name)
        order.append(name)

    for name in sorted(helpers):
        visit(name, frozenset())
    return order


def contract_text(name, indent=''):
    """Return what name must return, in words, as its stub states it (the registry's contract)."""
    from .cases import ALIASES, REGISTRY
    returns = REGISTRY[ALIASES.get(name, name)].returns
    text = f'{"Defines" if returns.kind == "class" else "Returns"} {returns.text}.'
    if returns.note:
        text += f' {returns.note[0].upper()}{returns.note[1:]}.'
    return textwrap.fill(text, width=92, initial_indent=indent, subsequent_indent=indent)


def signature_table(section=None):
    """Return the Markdown table of what a student implements and how to check it.

    section: '6.2' for that section's book helpers and exercises (a
    notebook's exercise cell); None for the whole chapter (docs/teaching.md).
    """
    from .cases import BOOK_TARGETS, EXERCISES, REGISTRY
    rows = ['| Book / exercise | Implement | Check with |', '|---|---|---|']
    helpers = [REGISTRY[n].answer.partition(':')[2] for n in BOOK_TARGETS]  # the package's names
    for name in helpers:
        if section in (None, BOOK_SECTION[name]):
            rows.append(f'| {BOOK_SECTION[name]} (book) | `{signature(name)}` | `{_check_call(name)}` |')
    for number, names in EXERCISES.items():
        if section is None or number.rsplit('.', 1)[0] == section:
            for name in names:
                rows.append(f'| {number} | `{signature(name)}` | `{_check_call(name)}` |')
    return '\n'.join(rows)


def _check_exercise(name):
    from .cases import exercise_of
    return exercise_of(name)


def _check_call(name):
    from .cases import exercise_of
    number = exercise_of(name)
    return f'check({name}, exercise={number!r})' if number else f'check({name})'


def _section_of(name):
    from .cases import exercise_of
    number = exercise_of(name)
    return BOOK_SECTION.get(name) or number.rsplit('.', 1)[0]


def _targets_used(nb, section):
    """Names of this section that the notebook imports from d2l_ch6 and check() grades."""
    from .cases import ALIASES, TARGETS
    names = []
    for cell in nb.cells:
        if cell.cell_type != 'code':
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('d2l_ch6'):
                for alias in node.names:
                    if ((alias.name in TARGETS or alias.name in ALIASES) and alias.name not in names
                            and _section_of(alias.name) == section):
                        names.append(alias.name)
    return names


def _python(source):
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)


def _uses(cell, name):
    if cell.cell_type != 'code':
        return False
    try:
        tree = ast.parse(_python(cell.source))
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))


def _shows_source(cell, name):
    return cell.cell_type == 'code' and cell.source.strip() == f'show_source({name})'


def _answer_parts(names):
    """The package's functions and classes the answers of names read by name (``evaluate`` for
    ``evaluate_accuracy_gpu``): a student notebook shows none of their sources."""
    from .cases import ALIASES, REGISTRY
    parts = set()
    for name in names:
        answer = REGISTRY[ALIASES.get(name, name)].package_answer()
        scope = vars(inspect.getmodule(answer))
        for used in _free_names(textwrap.dedent(inspect.getsource(answer))):
            value = scope.get(used)
            if ((inspect.isfunction(value) or inspect.isclass(value))
                    and (getattr(value, '__module__', '') or '').startswith('d2l_ch6.')):
                parts.add(used)
    return parts


def _exercise_questions(nb):
    """(index of the '## Exercises' cell, text before the heading, the heading's intro,
    [(number, question markdown)]) from a chapter notebook; None without an exercise section.

    An exercise is a '### N. Title' line, then its question in italics (the book's words)
    up to the first blank line; what follows, up to the next exercise, is the answer.
    """
    at = next((i for i, c in enumerate(nb.cells)
               if c.cell_type == 'markdown' and '## Exercises' in c.source), None)
    if at is None:
        return None
    head, _, rest = nb.cells[at].source.partition('## Exercises')
    lines = rest.splitlines()
    for cell in nb.cells[at + 1:]:
        if cell.cell_type == 'markdown':
            lines += [''] + cell.source.splitlines()
    intro, questions, current, state = [], [], None, 'intro'
    for line in lines:
        if line.startswith('### '):
            number = line[4:].split('.', 1)[0].strip()
            current = [line]
            questions.append((number, current))
            state = 'title'
        elif state == 'intro':
            intro.append(line)
        elif state == 'title':
            if line.strip().startswith('*') and not line.strip().startswith('**'):
                current.append(line)
                state = 'question' if not _closes(line) else 'answer'
            elif line.strip():
                state = 'answer'
        elif state == 'question':
            current.append(line)
            if _closes(line) or not line.strip():
                state = 'answer'
    return at, head, '\n'.join(intro).strip(), [(n, '\n'.join(q).strip()) for n, q in questions]


def _closes(line):
    """True when an italic question ends on this line."""
    text = line.rstrip()
    return text.endswith('*') and not text.endswith('**') and len(text.strip()) > 1 and (
        text.strip() != '*' and (text.count('*') % 2 == 0 or not text.lstrip().startswith('*')))


def student_notebook(nb, section, with_answers=False):
    """Return the student version of section's notebook (a new notebook; nb is not changed).

    with_answers: keep the notebook's exercise answers (the teacher's copy).
    """
    from nbformat.v4 import new_code_cell as _code, new_markdown_cell as _markdown
    nb = copy.deepcopy(nb)
    ids = (nb.nbformat, nb.nbformat_minor) >= (4, 5)  # cell ids exist from nbformat 4.5 on

    def new_code_cell(source, **kw):
        cell = _code(source, **kw)
        return cell if ids else cell.__delitem__('id') or cell

    def new_markdown_cell(source):
        cell = _markdown(source)
        return cell if ids else cell.__delitem__('id') or cell

    names = _targets_used(nb, section)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == 'code')
    cells = list(nb.cells)
    placed = {}
    found = None if with_answers else _exercise_questions(nb)
    if found is not None:
        at, head, intro, questions = found
        from .cases import EXERCISES
        tail = []
        if head.strip():
            tail.append(new_markdown_cell(head.rstrip()))
        tail.append(new_markdown_cell(('## Exercises\n\n' + intro).strip()))
        for number, question in questions:
            tail.append(new_markdown_cell(question))
            functions = EXERCISES.get(f'{section}.{number}', [])
            for name in functions:
                tail += [new_markdown_cell(f'**Your turn:** implement `{signature(name)}` below, '
                                           f'then run the check after it (red until it is right).'),
                         new_code_cell(stub_source(name), metadata={'tags': [STUB_TAG],
                                                                    'd2l_ch6': {'stub': name}}),
                         new_code_cell(_check_call(name), metadata={'tags': [CHECK_TAG],
                                                                    'd2l_ch6': {'check': name}})]
                placed[name] = True
            if not functions:
                tail.append(new_markdown_cell('*Your answer:* (write it here, with code cells '
                                              'below if it helps)'))
        cells = cells[:at] + tail
    for name in names:
        if name in placed:
            continue
        at = next((i for i, c in enumerate(cells) if _shows_source(c, name)), None)
        replace = at is not None
        if at is None:
            at = next((i for i, c in enumerate(cells) if i > first_code and _uses(c, name)), None)
        if at is None:
            continue
        stub = new_code_cell(key_source(name) if with_answers else stub_source(name),
                             metadata={'tags': [STUB_TAG], 'd2l_ch6': {'stub': name}})
        chk = new_code_cell(_check_call(name), metadata={'tags': [CHECK_TAG],
                                                         'd2l_ch6': {'check': name}})
        intro = new_markdown_cell(f'**Your turn:** implement `{signature(name)}` below, then '
                                  f'run the check after it (red until it is right).')
        cells[at:at + (1 if replace else 0)] = [intro, stub, chk]
        placed[name] = at
    if not with_answers:
        parts = _answer_parts(placed)
        cells = [c for c in cells if not any(_shows_source(c, n) for n in parts)]
        _import_only_what_the_book_cells_need(cells)
    else:  # the helpers the key writes out are its own: no import puts the package's back
        written = set(_key_parts(list(placed))[1])
        for cell in cells:
            _cut_d2l_imports(cell, lambda alias: (alias.asname or alias.name) not in written)
    setup = new_code_cell(SETUP, metadata={'tags': ['d2l-ch6-setup']})
    cells.insert(first_code + 1, setup)
    if with_answers:  # the key's answers run on the package's helpers
        cells.insert(first_code + 2, new_code_cell(key_prelude(list(placed)),
                                                   metadata={'tags': ['d2l-ch6-key']}))
    first_stub = next((i for i, c in enumerate(cells) if STUB_TAG in c.metadata.get('tags', [])),
                      len(cells))
    for i, cell in enumerate(cells):
        tags = cell.metadata.get('tags', [])
        if (i > first_stub and cell.cell_type == 'code' and STUB_TAG not in tags
                and CHECK_TAG not in tags):
            cell.metadata['tags'] = tags + ['raises-exception']  # may fail until you fill the stubs
    header = new_markdown_cell(
        '**Student version.** Each book helper and exercise answer this notebook uses is a stub '
        'for you to fill in, followed by a `check(...)` cell that runs the package\'s cases on '
        'your code. Cells after the first stub may raise errors until the stubs are filled in.')
    cells.insert(1, header)
    nb.cells = cells
    return nb


def _import_only_what_the_book_cells_need(cells):
    """Cut from the notebook's imports of d2l_ch6 every name no cell uses before its stub (in place).

    A stubbed name is the student's from its stub on, and the exercises' answers are gone with
    their cells, so the import cell brings only what the book's cells call (the package's
    answers are not a name away).
    """
    stub_at = {c.metadata['d2l_ch6']['stub']: i for i, c in enumerate(cells)
               if STUB_TAG in c.metadata.get('tags', [])}
    for at, cell in enumerate(cells):
        _cut_d2l_imports(cell, lambda a, at=at: any(
            _uses(c, a.asname or a.name) for i, c in enumerate(cells)
            if i != at and i < stub_at.get(a.asname or a.name, len(cells))
            and CHECK_TAG not in c.metadata.get('tags', [])))


def _cut_d2l_imports(cell, keep):
    """Cut from cell's `from d2l_ch6... import` lines each name keep(alias) refuses (in place)."""
    if cell.cell_type != 'code' or STUB_TAG in cell.metadata.get('tags', []) or 'd2l_ch6' not in cell.source:
        return
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:  # IPython syntax: not an import cell
        return
    lines = cell.source.splitlines()
    for node in reversed(tree.body):
        if not (isinstance(node, ast.ImportFrom) and (node.module or '').startswith('d2l_ch6')):
            continue
        kept = [a for a in node.names if keep(a)]
        if len(kept) == len(node.names):
            continue
        lines[node.lineno - 1:node.end_lineno] = _import_lines(node.module, kept)
    cell.source = '\n'.join(lines).strip('\n')


def _import_lines(module, aliases):
    """'from module import a, b' as the notebooks write it, wrapped in parentheses past 100 columns."""
    if not aliases:
        return []
    names = [a.name if a.asname is None else f'{a.name} as {a.asname}' for a in aliases]
    line = f'from {module} import {", ".join(names)}'
    if len(line) <= 100:
        return [line]
    head = f'from {module} import ('
    text = textwrap.fill(', '.join(names) + ')', width=100, initial_indent=head,
                         subsequent_indent=' ' * len(head), break_on_hyphens=False, break_long_words=False)
    return text.splitlines()


def write_exercises(out, notebook_dir=None, with_answers=False):
    """Write the student version of each chapter notebook to out; return their paths.

    with_answers: the teacher's copy, the notebooks' exercise answers kept.
    """
    import nbformat
    from ..publishing.runner import find_notebooks
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for path in find_notebooks(None, notebook_dir):
        section = path.stem.split('-', 1)[0]
        nb = student_notebook(nbformat.read(path, as_version=4), section, with_answers)
        target = out / path.name
        nbformat.write(nb, target)
        paths.append(target)
    return paths


def add_exercises_parser(subparsers):
    """Register `exercises`: write the student versions of the six notebooks."""
    p = subparsers.add_parser('exercises', help='write the six notebooks in a student version: '
                              'stubs to fill in, each followed by a check(...) cell')
    p.add_argument('--out', default='exercises', help='output folder (default: exercises)')
    p.add_argument('--notebook-dir', default=None,
                   help='folder of the chapter notebooks (default: the package\'s notebooks/)')
    p.add_argument('--with-answers', action='store_true',
                   help='write the teacher\'s copy: the exercises\' answers kept, each followed '
                   'by its check (default: questions, stubs and checks only)')
    p.set_defaults(func=run_exercises_command)


def run_exercises_command(args):
    """Write the student notebooks and list them; return the exit status."""
    try:
        paths = write_exercises(args.out, args.notebook_dir, args.with_answers)
    except ValueError as e:
        print(f'd2l-ch6 exercises: {e}', file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0
