"""The first cell of every chapter notebook: install d2l-ch6 on Google Colab (the package's addition).

Colab's runtimes have numpy 2 (Python 3.13 with numpy 2.1.3 since August
2026; Python 3.12 with numpy 2.0.2 before). mxnet 1.9.1's metadata asks for
numpy<2, so a plain ``pip install mxnet`` would replace Colab's numpy (and on
3.13 compile numpy 1.26 from source). The cell installs mxnet and d2l
without their pins, then d2l-ch6, whose dependencies keep Colab's numpy, and
prepares the running kernel as the startup hook prepares a new one.

Where d2l-ch6 comes from is the cell's ``SOURCE``: empty in the package's
notebooks, so that on Colab the cell says how to get the package and asks for
the wheel (an upload), then installs it; a course sets it once for all six
notebooks with ``d2l-ch6 notebooks --colab-source URL --copy DIR``. A failed
pip is said in words, never left as the cell's last traceback. Outside Colab
the cell does nothing, so the notebooks run unchanged everywhere else.
"""

__all__ = ['COLAB_CELL', 'colab_cell', 'with_colab_cell']

_SOURCE_LINE = ("    SOURCE = {source!r}  # the course's d2l-ch6: a wheel URL, git+https://... or a "
                "PyPI name; '' asks for the wheel")

_CELL = '\n'.join([
    "# On Google Colab, install d2l-ch6 first (it keeps Colab's numpy); elsewhere this does nothing.",
    'import sys',
    "if 'google.colab' in sys.modules:",
    '<source line>',
    '    import importlib, importlib.util, re, subprocess',
    "    if importlib.util.find_spec('d2l_ch6') is None:",
    '        if not SOURCE:',
    "            print('d2l-ch6 is installed from its wheel, d2l_ch6-*.whl (your course gives it; '",
    "                  'in a clone, `python -m pip wheel --no-deps -w dist .` builds it): choose it '",
    "                  'below. A course sets the source of all six notebooks once with '",
    "                  '`d2l-ch6 notebooks --colab-source URL --copy DIR`.')",
    '            from google.colab import files',
    '            uploaded = files.upload()  # {file name: bytes}; Colab renames a second copy "x (1).whl"',
    "            name = next((n for n in uploaded if n.endswith('.whl')), '')",
    '            if name:',
    "                SOURCE = '/tmp/' + re.sub(r' \\(\\d+\\)(?=\\.whl$)', '', name)  # pip reads the name",
    "                open(SOURCE, 'wb').write(uploaded[name])",
    '        if SOURCE:',
    "            print(f'installing d2l-ch6 from {SOURCE}, with mxnet 1.9.1 and d2l 1.0.3 without '",
    "                  'their numpy pins')",
    "            pip = [sys.executable, '-m', 'pip', 'install', '-q']",
    "            failed = (subprocess.run(pip + ['--no-deps', 'mxnet==1.9.1', 'd2l==1.0.3']).returncode",
    '                      or subprocess.run(pip + [SOURCE]).returncode)',
    "            print(f'pip could not install {SOURCE} (its message is above): check the URL or '",
    "                  'file, or set SOURCE = \\'\\' and run this cell again to upload the wheel'",
    "                  if failed else 'd2l-ch6 is installed: run the next cells')",
    '        else:',
    "            print('no .whl file was chosen, so nothing was installed: run this cell again and '",
    "                  'choose d2l_ch6-*.whl')",
    '    importlib.invalidate_caches()',
    "    if importlib.util.find_spec('d2l_ch6_startup') is not None:",
    '        import d2l_ch6_startup; d2l_ch6_startup.install()  # before mxnet loads in this kernel',
])


def colab_cell(source=''):
    """Return the first cell's code, installing d2l-ch6 from source on Colab ('' asks for the wheel)."""
    if not isinstance(source, str) or source != source.strip() or '\n' in source:
        raise ValueError(f'colab_source must be a URL, a path or a requirement on one line, '
                         f'got {source!r}')
    return _CELL.replace('<source line>', _SOURCE_LINE.format(source=source))


COLAB_CELL = colab_cell()  # the package's notebooks: on Colab, the reader uploads the wheel


def _is_colab_cell(cell):
    return cell.cell_type == 'code' and cell.source.startswith(COLAB_CELL.split('\n', 1)[0])


def with_colab_cell(nb, source=None):
    """Return notebook nb (an nbformat node) with colab_cell(source) as its first code cell, once.

    An earlier version of the cell (the one before the first code cell's
    other cells) is replaced; source None keeps COLAB_CELL.
    """
    import nbformat
    text = colab_cell(source or '')
    code = [c for c in nb.cells if c.cell_type == 'code']
    if code and _is_colab_cell(code[0]):
        code[0].source = text
        return nb
    first_code = nb.cells.index(code[0]) if code else len(nb.cells)
    cell = nbformat.v4.new_code_cell(text)
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        del cell['id']      # cell ids came with nbformat 4.5
    nb.cells.insert(first_code, cell)
    return nb
