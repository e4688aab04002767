"""The first cell of every chapter notebook: install d2l-ch6 on Google Colab (the package's addition).

Colab's runtimes have numpy 2 (Python 3.13 with numpy 2.1.3 since August
2026; Python 3.12 with numpy 2.0.2 before). mxnet 1.9.1's metadata asks for
numpy<2, so a plain ``pip install mxnet`` would replace Colab's numpy (and on
3.13 compile numpy 1.26 from source). The cell installs mxnet and d2l
without their pins, then d2l-ch6, whose dependencies keep Colab's numpy, and
prepares the running kernel as the startup hook prepares a new one. Outside
Colab it does nothing, so the notebooks run unchanged everywhere else.
"""

__all__ = ['COLAB_CELL', 'SOURCE_LINE', 'with_colab_cell']

# Where the course publishes d2l-ch6: a git URL of this repository, or an uploaded wheel.
SOURCE_LINE = "    SOURCE = 'git+https://github.com/YOUR-COURSE/d2l-ch6'  # or an uploaded d2l_ch6-*.whl"

COLAB_CELL = '\n'.join([
    '# On Google Colab, install d2l-ch6 first (it keeps Colab\'s numpy); elsewhere this does nothing.',
    'import sys',
    "if 'google.colab' in sys.modules:",
    SOURCE_LINE,
    '    %pip install -q --no-deps mxnet==1.9.1 d2l==1.0.3',
    '    %pip install -q {SOURCE}',
    '    import importlib; importlib.invalidate_caches()',
    "    import d2l_ch6_startup; d2l_ch6_startup.install()  # before mxnet loads in this kernel",
])


def with_colab_cell(nb):
    """Return notebook nb (an nbformat node) with COLAB_CELL as its first code cell, once."""
    import nbformat
    code = [c for c in nb.cells if c.cell_type == 'code']
    if code and code[0].source == COLAB_CELL:
        return nb
    first_code = nb.cells.index(code[0]) if code else len(nb.cells)
    cell = nbformat.v4.new_code_cell(COLAB_CELL)
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        del cell['id']      # cell ids came with nbformat 4.5
    nb.cells.insert(first_code, cell)
    return nb
