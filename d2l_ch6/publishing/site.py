"""The executed chapter as an offline site: `d2l-ch6 site` (the package's addition).

``build_site`` turns the executed notebooks in ``<out>/notebooks/`` (what
``d2l-ch6 notebooks --out <out>`` writes) into ``<out>/site/``: one page per
notebook, converted by nbconvert's lab template with prev / contents / next
links, and ``index.html``: each section in a sentence or two with its key
figure, the chapter's headline results in words and the machine behind them,
the live explorer, the run's table (``summary.json`` of the runner) and the
Fashion-MNIST sample grid of ``d2l-ch6 data``.

Offline: figures are embedded in the pages, nbconvert's network scripts
(require.js, the widget manager, mermaid, MathJax from a CDN) are left out,
and equations are typeset by a local copy of MathJax 3 (its ``tex-svg``
component, from the PyPI package ``django-static-mathjax``, which ``make
setup`` installs; Django itself is not needed) copied into
``<out>/site/mathjax/``. The SVG output draws glyphs as paths: Chromium
refuses web fonts from ``file://`` pages, so the fonts of the HTML outputs
would not load when the pages are opened from disk.

The site runs nothing it did not write. Every page carries a
Content-Security-Policy (``CSP``) that allows only the site's own scripts,
styles, fonts and images (``data:`` images too), no inline script, no
connection, frame, form or ``<base>``; and a notebook's Markdown and HTML
outputs are rewritten through an allow-list (``sanitize.clean_html``),
``application/javascript`` and other active outputs are dropped, and names
are escaped wherever they are written into HTML. The files in ``images/``
have no page and no policy around them when a reader opens one alone: an
SVG figure is written only through ``sanitize.clean_svg`` (no script,
handler or reference outside the file; one it refuses is left out, said),
a PNG only when it holds PNG bytes. An image's width and height metadata
reach its ``<img>`` only as plain numbers, and that tag passes
``clean_html`` too. A notebook is hostile input: one nbformat refuses is
skipped and named (on the index, and in ``notes``), and explorer settings
read from one are clamped to the sliders' ranges, with a note.

Widgets cannot run without a kernel: the explorer's widget becomes the live
explorer in plain JavaScript (``site_assets/explorer.js``, fed by
``explorer.site_description``), any other widget a note.
"""
import ast
import html
import json
import logging
import pathlib
import re
import secrets
import shutil
import sys
from urllib.parse import quote

from .runner import _read_results, _result_names, _section_key, read_summary
from .sanitize import UnsafeSvg, clean_html, clean_svg

__all__ = ['build_site', 'add_site_parser', 'SiteError', 'CSP']

log = logging.getLogger(__name__)

WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'
MATHJAX_FILES = ('tex-svg.js', 'input', 'ui', 'a11y')  # the component and what it loads lazily
ASSETS = pathlib.Path(__file__).resolve().parent / 'site_assets'
# What a page may load: its own files (and data: images and fonts); nothing runs inline, nothing
# connects, no frame, object, form or <base>. Inline styles stay allowed: nbconvert's lab styles
# and MathJax's SVG styles are inline, and with img-src and font-src closed they reach nothing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; media-src 'none'; "
       "object-src 'none'; frame-src 'none'; child-src 'none'; worker-src 'none'; "
       "manifest-src 'none'; base-uri 'none'; form-action 'none'")
HEAD = f"""<meta http-equiv="Content-Security-Policy" content="{CSP}">
<link rel="stylesheet" href="assets/d2l.css">
<script src="assets/mathjax-config.js"></script>
<script id="MathJax-script" src="mathjax/tex-svg.js"></script>
<script src="assets/explorer-data.js"></script>
<script src="assets/explorer.js"></script>"""
WIDGET_NOTE = ('<p class="d2l-widget-note"><em>An interactive widget was here. Widgets need a '
               'running kernel: open this notebook in JupyterLab to use it.</em></p>')
EXPLORER_NOTE = ('<p class="d2l-widget-note"><em>The notebook\'s <code>conv_explorer()</code> '
                 'widget, here without a kernel: the same explorer in plain JavaScript.</em></p>')
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'  # an image file is written only with the bytes of its type
# Outputs the site shows, each through its own filter; any other (application/javascript,
# text/vnd.mermaid, application/pdf, ...) is dropped and named in a note.
SHOWN_MIMES = ('text/html', 'text/markdown', 'text/latex', 'text/plain', 'image/png',
               'image/jpeg', 'image/svg+xml')

# nbconvert's lab template, less its network and inline scripts, with every notebook-written
# HTML through clean_html, plus the site's head and navigation bar.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{{ resources.d2l_head }}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block body_header -%}{{ super() }}{{ resources.d2l_nav }}{%- endblock body_header -%}
{% block body_footer %}{{ resources.d2l_nav }}{{ super() }}{% endblock body_footer %}
{% block markdowncell scoped %}
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">
<div class="jp-Cell-inputWrapper"><div class="jp-InputArea jp-Cell-inputArea">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="text/markdown">
{{ cell.source | markdown2html | strip_files_prefix | d2l_clean }}
</div></div></div></div>
{%- endblock markdowncell %}
{% block rawcell scoped %}{% endblock rawcell %}
{% block data_html scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output {{ extra_class }}" data-mime-type="text/html">
{{ output.data['text/html'] | d2l_clean }}
</div>
{%- endblock data_html %}
{% block data_markdown scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output {{ extra_class }}" data-mime-type="text/markdown">
{{ output.data['text/markdown'] | markdown2html | d2l_clean }}
</div>
{%- endblock data_markdown %}
{% block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
{{ output | d2l_image('image/png') }}
</div>
{%- endblock data_png %}
{% block data_jpg scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
{{ output | d2l_image('image/jpeg') }}
</div>
{%- endblock data_jpg %}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}">
</div>
{%- endblock data_svg %}
{%- block data_javascript scoped %}{%- endblock -%}
{%- block data_widget_view scoped %}{%- endblock -%}
"""
class SiteError(RuntimeError):
    """The site cannot be built: names what is missing and how to make it."""


def _mathjax_dir():
    """Return the folder of the local MathJax 3 build (es5/) shipped by django-static-mathjax."""
    import importlib.util
    spec = importlib.util.find_spec('mathjax')
    folder = (pathlib.Path(spec.origin).parent / 'static' / 'mathjax' / 'es5'
              if spec and spec.origin else None)
    if folder is None or not (folder / 'tex-svg.js').is_file():
        raise SiteError('the local MathJax copy is missing: install the PyPI package '
                        'django-static-mathjax (make setup does)')
    return folder


def _copy_mathjax(site):
    """Copy MathJax's tex-svg component, what it loads lazily and its licence into site/mathjax/."""
    source, target = _mathjax_dir(), site / 'mathjax'
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir()
    for name in MATHJAX_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        else:
            shutil.copyfile(source / name, target / name)
    shutil.copyfile(source.parent / 'LICENSE', target / 'LICENSE')


def _title(nb, stem):
    """Return the notebook's first Markdown heading, or its file stem."""
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            for line in cell.source.splitlines():
                if line.startswith('# '):
                    return line[2:].strip()
    return stem


def _href(name):
    """Return a file name as an attribute-safe relative URL (quoted, then HTML-escaped)."""
    return html.escape(quote(name), quote=True)


# --- what a notebook may put on a page --------------------------------------------------

_MATH = re.compile(r'(?<![\\$])(\$\$?)(?!\$)(.+?)(?<!\\)\1', re.DOTALL)
_SAFE_CELL_ID = re.compile(r'^[a-zA-Z0-9_-]{1,64}$')
_SAFE_TAG = re.compile(r'^[\w-]{1,64}$')


def join_math_lines(source):
    r"""Return Markdown source with line breaks inside $...$ and $$...$$ made spaces.

    Markdown reads a line that starts with '+', '-', '*', '1.' or '#' as a list
    or a heading even inside an equation, so an equation broken across lines
    there ("... = 19\n+ (1 \cdot 1 ...)$", 6.4) came out as a bullet and raw
    `$`. JupyterLab takes the maths out before Markdown reads the rest; joining
    its lines does the same for nbconvert. Code spans and fenced blocks are left
    alone, and so is maths holding a TeX comment (%), which a join would extend.
    """
    parts = re.split(r'(```.*?```|~~~.*?~~~|`[^`]*`)', source, flags=re.DOTALL)
    for i in range(0, len(parts), 2):  # the even parts are outside code
        parts[i] = _MATH.sub(lambda m: m.group(0) if re.search(r'(?<!\\)%', m.group(2))
                             else m.group(1) + ' '.join(m.group(2).splitlines())
                             + m.group(1), parts[i])
    return ''.join(parts)


def _explorer_settings(source, notes):
    """Return the ExplorerSettings a cell's conv_explorer(...) call starts from (ast only, nothing run).

    The notebook is hostile input: a field out of its range is clamped to it,
    one of the wrong type or unknown is left out; each change is appended to
    notes as a sentence.
    """
    from ..explorer import ExplorerSettings
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', getattr(node.func, 'attr', '')) \
                in ('conv_explorer', 'ConvExplorer'):
            fields = {}
            for kw in node.keywords:
                if kw.arg == 'settings' and isinstance(kw.value, ast.Call):
                    for inner in kw.value.keywords:
                        try:
                            fields[inner.arg] = ast.literal_eval(inner.value)
                        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                            notes.append(f'{inner.arg} is not a plain value: left out')
            fields = _bounded_settings(fields, notes)
            try:
                return ExplorerSettings(**fields)
            except (TypeError, ValueError) as e:
                notes.append(f'{e}: the explorer starts from its defaults')
                return ExplorerSettings()
    return None


def _bounded_settings(fields, notes):
    """Return the fields ExplorerSettings accepts: integers clamped to explorer.BOUNDS, the rest checked."""
    import numbers
    from ..explorer import BOUNDS, MODES, SOURCES
    kept = {}
    for name, value in fields.items():
        if name in BOUNDS:
            low, high = BOUNDS[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                notes.append(f'{name} must be an integer from {low} to {high}, got '
                             f'{type(value).__name__} {_shown(value)}: left out')
                continue
            if not low <= value <= high:
                clamped = min(max(value, low), high)
                notes.append(f'{name} must be from {low} to {high}, got {_shown(value)}: '
                             f'{clamped} instead')
                value = clamped
            kept[name] = int(value)
        elif name in ('mode', 'source'):
            allowed = MODES if name == 'mode' else SOURCES
            if isinstance(value, str) and value in allowed:
                kept[name] = value
            else:
                notes.append(f'{name} must be one of {", ".join(map(repr, allowed))}, got '
                             f'{_shown(value)}: left out')
        else:
            notes.append(f'{_shown(name)} is not a setting of the explorer: left out')
    return kept


def _shown(value, limit=40):
    """Return repr(value) cut to limit characters (a notebook's value can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'


def _explorer_div(settings):
    """Return the element explorer.js turns into the live explorer, starting at settings."""
    import dataclasses
    data = {k: v for k, v in dataclasses.asdict(settings).items() if k != 'image_index'}
    return (f'<div class="d2l-explorer" data-settings="{html.escape(json.dumps(data), quote=True)}">'
            '<noscript>The explorer needs JavaScript.</noscript></div>')


def _offline_notebook(nb, token, notes):
    """Make nb safe and kernel-free in place; return {slot text: explorer HTML} for the widgets' places.

    Widget views become the live explorer (a conv_explorer call, its settings
    bounded) or a note; outputs of a type the site does not show are dropped
    with a note; SVG figures are made inert (``sanitize.clean_svg``) or
    dropped; output metadata keeps only numeric sizes and the lab template's
    two flags (files it names, 'filenames', are forgotten); cell ids and tags
    that would not be safe in an attribute are dropped; equations broken
    across Markdown lines are joined. What was changed is appended to notes.
    """
    nb.metadata.pop('widgets', None)
    slots = {}
    for index, cell in enumerate(nb.cells):
        if 'id' in cell and not _SAFE_CELL_ID.match(str(cell.id)):
            del cell['id']
        tags = cell.metadata.get('tags')
        if tags is not None:
            cell.metadata['tags'] = [t for t in tags if isinstance(t, str) and _SAFE_TAG.match(t)] \
                if isinstance(tags, list) else []
        where = f'cell {index}'
        if cell.cell_type == 'markdown':  # its attachments become data: images
            for name, bundle in (cell.get('attachments') or {}).items():
                _inert_svg(bundle, f'{where}, attachment {_shown(name)}', notes)
            cell.source = join_math_lines(cell.source)
            continue
        for output in cell.get('outputs', []):
            if 'metadata' in output:
                output['metadata'] = _output_metadata(output.metadata, where, notes)
            data = output.get('data')
            if not data:
                continue
            if WIDGET_MIME in data:
                changed = []
                settings = _explorer_settings(cell.source, changed)
                data.clear()
                if settings is None:
                    data['text/html'] = WIDGET_NOTE
                else:
                    slot = f'D2L-EXPLORER-{token}-{len(slots)}'
                    slots[slot] = EXPLORER_NOTE + _settings_note(changed) + _explorer_div(settings)
                    data['text/html'] = slot
                    notes.extend(f'{where}: explorer setting {c}' for c in changed)
                continue
            dropped = sorted(m for m in data if m not in SHOWN_MIMES)
            for mime in dropped:
                del data[mime]
            _inert_svg(data, where, notes)
            if dropped and not data:
                data['text/plain'] = (f'[{", ".join(dropped)}: not shown in the offline site, '
                                      'which runs nothing a notebook wrote]')
    return slots


def _settings_note(changed):
    """Return the page's note on the explorer settings the notebook gave out of range ('' if none)."""
    if not changed:
        return ''
    return ('<p class="d2l-widget-note"><em>The notebook\'s settings were changed to ones the '
            f'explorer can show: {html.escape("; ".join(changed))}.</em></p>')


def _inert_svg(data, where, notes):
    """Replace data's SVG (a mime bundle) by its inert copy, or drop it with a note when it is refused."""
    svg = data.get('image/svg+xml')
    if svg is None:
        return
    try:
        data['image/svg+xml'] = clean_svg(svg if isinstance(svg, str) else ''.join(svg))
    except (UnsafeSvg, TypeError) as e:
        del data['image/svg+xml']
        notes.append(f'{where}: SVG figure left out: {e}')
        if not data:
            data['text/plain'] = '[an SVG figure the site could not make safe: left out]'


MAX_IMAGE_SIDE = 100_000  # the largest width or height an output's metadata may give (pixels)


def _output_metadata(metadata, where, notes):
    """Return the output metadata the page may use: plain-number width/height, the template's flags."""
    if not isinstance(metadata, dict):
        return {}
    kept = _size_and_flags(metadata, where, notes)
    for mime in ('image/png', 'image/jpeg', 'image/svg+xml'):
        if isinstance(metadata.get(mime), dict):
            kept[mime] = _size_and_flags(metadata[mime], f'{where}, {mime}', notes)
    return kept


def _size_and_flags(metadata, where, notes):
    """Return width/height when plain positive numbers (else a note each) and the flags unconfined, needs_background."""
    import math
    kept = {}
    for key in ('width', 'height'):
        if key not in metadata:
            continue
        value = metadata[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and 0 < value <= MAX_IMAGE_SIDE:
            kept[key] = value
        else:
            notes.append(f'{where}: output metadata {key} must be a number from 0 to '
                         f'{MAX_IMAGE_SIDE}, got {_shown(value)}: left out')
    if metadata.get('unconfined') is True:
        kept['unconfined'] = True
    if metadata.get('needs_background') in ('light', 'dark'):
        kept['needs_background'] = metadata['needs_background']
    return kept


def _image_tag(output, mime):
    """Return an output's PNG or JPEG as <img>, written here and passed through clean_html."""
    from nbconvert.filters import get_metadata
    data = output.get('data', {}).get(mime)
    data = ''.join(data.split()) if isinstance(data, str) else ''
    attrs = [f'src="data:{mime};base64,{html.escape(data, quote=True)}"']
    for key in ('width', 'height'):
        value = get_metadata(output, key, mime)
        if value is not None:
            attrs.append(f'{key}="{html.escape(str(value), quote=True)}"')
    classes = []
    if get_metadata(output, 'unconfined', mime) is True:
        classes.append('unconfined')
    background = get_metadata(output, 'needs_background', mime)
    if background in ('light', 'dark'):
        classes.append(f'jp-needs-{background}-background')
    attrs.append(f'class="{" ".join(classes)}"')
    return clean_html(f'<img {" ".join(attrs)}>')


def _nav(pages, i):
    """Return the prev / contents / next bar for page i of pages [(file name, title)]."""
    def link(k, arrow_left):
        if not 0 <= k < len(pages):
            return '<span class="d2l-none"></span>'
        name, title = pages[k]
        text = f'&larr; {html.escape(title)}' if arrow_left else f'{html.escape(title)} &rarr;'
        rel = 'prev' if arrow_left else 'next'
        return f'<a class="d2l-{rel}" rel="{rel}" href="{_href(name)}">{text}</a>'
    return (f'<nav class="d2l-nav">{link(i - 1, True)}'
            f'<a class="d2l-contents" href="index.html">Contents</a>{link(i + 1, False)}</nav>')


def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name='lab',
                            extra_loaders=[jinja2.DictLoader({'d2l_page.html.j2': TEMPLATE})])
    exporter.template_file = 'd2l_page.html.j2'
    exporter.register_filter('d2l_clean', clean_html)
    exporter.register_filter('d2l_image', _image_tag)
    exporter.log.setLevel(logging.ERROR)  # not nbconvert's 'Alternative text is missing' per figure
    return exporter


def _status(nb):
    """Return 'failed' if any cell of the executed notebook holds an error, else 'ok'."""
    errors = [o for c in nb.cells for o in c.get('outputs', []) if o.output_type == 'error']
    return 'failed' if errors else 'ok'


def _trains_lenet(nb):
    """Return a filter for the cell that trains the History nb's metadata reports as 'lenet' (its curves)."""
    name = _result_names(nb).get('lenet')
    if not name:
        return lambda source: False
    assignment = _lenet_assignment(name)
    return lambda source: assignment.search(source) is not None


def _lenet_assignment(name):
    """`name = train_ch5(` at the start of a line (train_ch5 also as d2l_ch6.train_ch5 and the like)."""
    return re.compile(rf'^{re.escape(name)}\s*=\s*(?:[A-Za-z_][\w.]*\.)?train_ch5\(', re.MULTILINE)


def _lenet_curves(nb, images):
    """Copy the executed 6.6 notebook's LeNet training curves into images.

    Returns (file names, '') or ([], why none were found): the notebook was
    executed, so the reason names what was looked for and where it stopped.
    """
    name = _result_names(nb).get('lenet')
    if not name:
        return [], ("the 6.6 notebook was executed, but its metadata names no history for "
                    "them (<code>d2l_ch6.results.lenet</code>), so its training cell could "
                    "not be found")
    call = html.escape(f'{name} = train_ch5(...)')
    trains = _trains_lenet(nb)
    cells = [c for c in nb.cells if c.cell_type == 'code' and trains(c.source)]
    if not cells:
        return [], (f'the 6.6 notebook was executed, but none of its code cells starts a line '
                    f'with <code>{call}</code>, the cell its curves were looked for in')
    names = _copy_images(nb, trains, images, 'lenet_curves')
    if names:
        return names, ''
    errors = [o for c in cells for o in c.get('outputs', []) if o.get('output_type') == 'error']
    if errors:
        what = f'{errors[0].get("ename", "an error")}: {errors[0].get("evalue", "")}'.rstrip(': ')
        return [], (f'the 6.6 notebook was executed, but its training cell '
                    f'(<code>{call}</code>) failed with {html.escape(what)}')
    return [], (f'the 6.6 notebook was executed, but its training cell (<code>{call}</code>) '
                'shows no PNG or SVG figure')


def _copy_images(nb, cell_filter, folder, prefix, limit=None):
    """Write the PNG or SVG figures of the cells whose source passes cell_filter; return the file names."""
    import base64
    import binascii
    names = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != 'code' or not cell_filter(cell.source):
            continue
        for output in cell.get('outputs', []):
            if limit is not None and len(names) >= limit:
                return names
            data = output.get('data', {})
            name = f'{prefix}_cell{index:02d}_{len(names) + 1}'
            if isinstance(data.get('image/png'), str):
                try:
                    png = base64.b64decode(data['image/png'], validate=False)
                except (binascii.Error, ValueError):
                    continue
                if not png.startswith(PNG_SIGNATURE):  # opened alone, a file is what it holds
                    continue
                (folder / f'{name}.png').write_bytes(png)
                names.append(f'{name}.png')
            elif isinstance(data.get('image/svg+xml'), str):  # d2l's figures are SVG
                try:  # written inert, whatever the notebook held: opened alone it runs nothing
                    svg = clean_svg(data['image/svg+xml'])
                except UnsafeSvg:
                    continue
                (folder / f'{name}.svg').write_text(svg, encoding='utf-8')
                names.append(f'{name}.svg')
    return names


# --- the index ------------------------------------------------------------------------

# Each section in a sentence or two (the book's sections 6.1-6.6); a notebook of another
# section gets its first paragraph.
SECTION_SUMMARIES = {
    '6.1': 'Why images need a layer of their own: a dense layer on a megapixel photo needs '
           'billions of weights, while translation invariance and locality shrink it to one '
           'small kernel slid over the image, a convolution.',
    '6.2': 'The cross-correlation behind every convolutional layer, computed by hand '
           '(<code>corr2d</code>), used to find the vertical edges of an image, and a kernel '
           'learned from the input and output alone.',
    '6.3': 'How padding keeps the output as large as the input and how a stride shrinks it: '
           'the output side is floor((n - k + p + s) / s), formula (6.3.3). The explorer below '
           'puts every number of it on a slider.',
    '6.4': 'Colour images have channels: a kernel per input channel, summed, and a stack of '
           'them per output channel; a 1 x 1 convolution mixes channels at each pixel alone.',
    '6.5': 'Pooling: the largest or the average value of each window, which makes a network '
           'less sensitive to where exactly a feature sits and halves the resolution with '
           'stride 2.',
    '6.6': 'LeNet, two convolutions with pooling and three dense layers, trained on '
           'Fashion-MNIST: the chapter put together, with the training curves of the run.',
}
RESULT_NAMES = {'lenet': "the book's LeNet on Fashion-MNIST",
                'lenet_improved': 'the improved LeNet (exercise 6.6.2) on Fashion-MNIST',
                'lenet_improved_mnist': 'the improved LeNet on MNIST digits (exercise 6.6.3)',
                'loss': 'loss', 'train_acc': 'train accuracy', 'test_acc': 'test accuracy',
                'quick': 'quick mode'}
# The book's LeNet (section 6.6 as printed, and across the book's builds).
BOOK_LENET = {'loss': 0.472, 'train_acc': 0.823, 'test_acc': 0.830, 'band': (0.70, 0.836)}


def _human(key):
    """Return a results key as words."""
    return RESULT_NAMES.get(key, str(key).replace('_', ' '))


def _first_paragraph(nb):
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            for block in cell.source.split('\n\n'):
                if block.strip() and not block.lstrip().startswith('#'):
                    sentences = re.split(r'(?<=[.!?])\s+', ' '.join(block.split()))
                    return html.escape(' '.join(sentences[:2]))
    return ''


def _summary_entry(stem, entry):
    """Check one summary.json entry: a dict with the runner's fields and types; SiteError if not."""
    where = f'summary.json entry {stem!r}'
    if not isinstance(entry, dict):
        raise SiteError(f'{where} must be an object, got {type(entry).__name__}')
    checks = {'status': (str,), 'seconds': (int, float, type(None)), 'quick': (bool, type(None)),
              'results': (dict, type(None))}
    for key, types in checks.items():
        if key in entry and (not isinstance(entry[key], types) or isinstance(entry[key], bool)
                             and bool not in types):
            raise SiteError(f'{where}: {key} must be {" or ".join(t.__name__ for t in types)}, '
                            f'got {type(entry[key]).__name__} {entry[key]!r}')
    for name, value in (entry.get('results') or {}).items():
        if not isinstance(value, (dict, int, float, str, bool, type(None))):
            raise SiteError(f'{where}: results[{name!r}] must be a number or an object, '
                            f'got {type(value).__name__}')
        if isinstance(value, dict) and not all(isinstance(v, (int, float, str, bool, type(None)))
                                               for v in value.values()):
            raise SiteError(f'{where}: results[{name!r}] must hold numbers, got {value!r}')
    return entry


def _read_site_summary(out):
    """Return summary.json as {stem: entry}, checked; SiteError naming the file when it is damaged."""
    path = pathlib.Path(out) / 'notebooks' / 'summary.json'
    try:
        summary = read_summary(out)
    except ValueError as e:
        raise SiteError(str(e)) from None
    if not isinstance(summary, dict):
        raise SiteError(f'{path} must hold an object {{notebook: run}}, got '
                        f'{type(summary).__name__}: run `d2l-ch6 notebooks --out {out}` again')
    try:
        return {str(stem): _summary_entry(stem, entry) for stem, entry in summary.items()}
    except SiteError as e:
        raise SiteError(f'{path}: {e}: run `d2l-ch6 notebooks --out {out}` again') from None


def _entry(nb, summary, stem):
    entry = summary.get(stem)
    if entry is None:  # executed by another runner: read what the notebook holds
        entry = {'status': _status(nb), 'seconds': None, 'results': _read_results(nb),
                 'quick': None}
    return entry


def _format_results(results):
    parts = []
    for name, value in results.items():
        if name == 'quick':
            continue
        if isinstance(value, dict):
            inner = ', '.join(f'{_human(k)} {v:.3f}' if isinstance(v, float) else
                              f'{_human(k)} {v}' for k, v in value.items())
            parts.append(f'{_human(name)}: {inner}')
        else:
            parts.append(f'{_human(name)} {value}')
    return '; '.join(parts)


def _summary_rows(notebooks, summary):
    rows = []
    for stem, title, nb in notebooks:
        entry = _entry(nb, summary, stem)
        seconds = '' if entry.get('seconds') is None else f'{float(entry["seconds"]):.1f}'
        mode = {True: 'quick', False: 'full size'}.get(entry.get('quick'), '')
        results = _format_results(entry['results']) if entry.get('results') else ''
        status = entry.get('status', 'unknown')
        css = status if status in ('ok', 'failed') else 'unknown'
        rows.append(f'<tr><td><a href="{_href(stem + ".html")}">{html.escape(title)}</a></td>'
                    f'<td class="{css}">{html.escape(status)}</td>'
                    f'<td class="mode">{mode}</td><td class="num">{seconds}</td>'
                    f'<td>{html.escape(results)}</td></tr>')
    return rows


def _cpu():
    """Return this machine's CPU model and core count, as words."""
    import os
    model = ''
    try:
        for line in pathlib.Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    import platform
    return f'{model or platform.processor() or platform.machine()}, {os.cpu_count()} cores'


def _device_of(nb):
    """Return the device of 6.6's training as its closing line prints it ('... examples/sec on X')."""
    for cell in nb.cells:
        for output in cell.get('outputs', []):
            text = output.get('text', '') if output.get('output_type') == 'stream' else ''
            match = re.search(r'examples/sec on (.+)', text if isinstance(text, str) else '')
            if match:
                return match.group(1).strip()
    return None


def _pct(x):
    return f'{100 * float(x):.1f}%'


def _headline(notebooks, summary):
    """Return the chapter's headline results in words (HTML)."""
    lenet = next(((stem, nb) for stem, _, nb in notebooks if stem.startswith('6.6')), None)
    items = []
    if lenet is None:
        items.append('<li>The 6.6 notebook was not executed: no LeNet results.</li>')
    else:
        stem, nb = lenet
        entry = _entry(nb, summary, stem)
        results = entry.get('results') or {}
        quick = entry.get('quick')
        book = results.get('lenet')
        lo, hi = BOOK_LENET['band']
        if isinstance(book, dict) and isinstance(book.get('test_acc'), (int, float)):
            acc = float(book['test_acc'])
            where = ('inside' if lo <= acc <= hi else 'below' if acc < lo else 'above')
            verdict = (f'{where} the book\'s band of {_pct(lo)}-{_pct(hi)}' if not quick else
                       'not comparable with the book\'s band: this run was in quick mode '
                       '(a few epochs on a subset); <code>make run</code> trains it in full')
            items.append(f'<li><b>The book\'s LeNet</b> (lr 0.9, batch 256, 10 epochs) reached '
                         f'a test accuracy of <b>{_pct(acc)}</b> in this run, {verdict}. The book '
                         f'prints loss {BOOK_LENET["loss"]}, train accuracy '
                         f'{_pct(BOOK_LENET["train_acc"])}, test accuracy '
                         f'{_pct(BOOK_LENET["test_acc"])}.</li>')
        else:
            looked = ("this notebook's entry in summary.json" if stem in summary
                      else "the notebook's Results output")
            items.append(f'<li>The 6.6 notebook was executed (status '
                         f'{html.escape(str(entry.get("status", "unknown")))}), but its results '
                         f'could not be read: no test accuracy of the book\'s LeNet '
                         f'(<code>lenet</code>, <code>test_acc</code>) in {looked}.</li>')
        mnist = results.get('lenet_improved_mnist')
        if isinstance(mnist, dict) and isinstance(mnist.get('test_acc'), (int, float)):
            items.append(f'<li><b>Exercise 6.6.3</b>: the improved LeNet recognises '
                         f'<b>{_pct(mnist["test_acc"])}</b> of the MNIST test digits in this run'
                         + (' (quick mode)' if quick else '') + '.</li>')
        device = _device_of(nb)
        if results:
            items.append(f'<li>Measured when the notebooks ran'
                         + (f' (finished {html.escape(str(entry.get("finished")))})'
                            if entry.get('finished') else '')
                         + (f', training on {html.escape(device)}' if device else '')
                         + f'; the machine that built this site: {html.escape(_cpu())}.</li>')
    try:
        from ..notebook_helpers import recorded_runs
        runs = [r for r in recorded_runs('improve_lenet') if r.get('variant') == 'improved']
    except (OSError, ValueError, KeyError):
        runs = []
    if runs:
        accs = [float(r['test_acc']) for r in runs]
        cpu = sorted({str(r.get('cpu', '')) for r in runs})
        dates = sorted({str(r.get('date', '')) for r in runs})
        items.append(f'<li><b>The improved LeNet</b> (exercise 6.6.2: BatchNorm, ReLU, max pooling, '
                     f'a third convolution, cosine learning rate) reaches <b>{_pct(min(accs))}-'
                     f'{_pct(max(accs))}</b> test accuracy on Fashion-MNIST over {len(runs)} seeds '
                     f'of 10 epochs, recorded by <code>benchmarks/improve_lenet.py</code> on '
                     f'{html.escape("; ".join(cpu))} ({html.escape(", ".join(dates))}).</li>')
    return '<ul class="d2l-headline">' + ''.join(items) + '</ul>'


def _skipped_html(skipped):
    """Return the index's list of the notebooks left out, each with why ('' when none)."""
    if not skipped:
        return ''
    items = ''.join(f'<li><code>{html.escape(name)}</code>: {html.escape(why)}</li>'
                    for name, why in skipped)
    return (f'<p class="d2l-skipped">Not in this site: {len(skipped)} notebook(s) that could '
            f'not be read as notebooks.</p><ul class="d2l-skipped">{items}</ul>')


def _index_html(notebooks, summary, figures, samples, curves, no_curves, skipped=()):
    sections = []
    for stem, title, nb in notebooks:
        key = stem.split('-', 1)[0]
        text = SECTION_SUMMARIES.get(key) or _first_paragraph(nb)
        figure = figures.get(stem)
        img = (f'<a href="{_href(stem + ".html")}"><img src="images/{_href(figure)}" '
               f'alt="{html.escape(title)}: its first figure"></a>' if figure else '')
        sections.append(f'<section class="d2l-section"><div class="d2l-section-text">'
                        f'<h3><a href="{_href(stem + ".html")}">{html.escape(title)}</a></h3>'
                        f'<p>{text}</p></div>{img}</section>')
    rows = ''.join(_summary_rows(notebooks, summary))
    extra = []
    for name in curves:
        extra.append(f'<figure><img src="images/{_href(name)}" alt="LeNet training curves">'
                     '<figcaption>The book\'s LeNet: loss, train and test accuracy per epoch '
                     '(from the executed 6.6 notebook).</figcaption></figure>')
    if not curves:
        extra.append(f'<p>No LeNet training curves: {no_curves}.</p>')
    if samples:
        extra.append(f'<figure><img src="images/{_href(samples)}" alt="Fashion-MNIST samples">'
                     '<figcaption>The first Fashion-MNIST training images with their labels '
                     '(<code>d2l-ch6 data</code>).</figcaption></figure>')
    else:
        extra.append('<p>No sample grid: run <code>d2l-ch6 data --out OUT</code> first.</p>')
    from ..explorer import ExplorerSettings
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Dive into Deep Learning, Chapter 6: Convolutional Neural Networks</title>
{HEAD}
</head>
<body class="d2l-index">
<h1>Dive into Deep Learning, Chapter 6: Convolutional Neural Networks</h1>
<p>The chapter's notebooks as they were executed (MXNet/Gluon edition, package
<code>d2l_ch6</code>), readable without Python: every page works offline, and the explorer
below runs in the page.</p>
<h2>The chapter's results</h2>
{_headline(notebooks, summary)}
<h2>The sections</h2>
<div class="d2l-sections">{''.join(sections)}</div>
{_skipped_html(skipped)}
<h2>Try it: convolution and pooling</h2>
<p>Move the sliders: the padded input (grey: padding) with the window of the chosen output cell
outlined and the kernel's weights in its corners, the kernel, the output, formula (6.3.3) with
the numbers and the Gluon layer that computes it.</p>
{_explorer_div(ExplorerSettings(n=5, k=3, p=1, s=2))}
<h2>LeNet and the data</h2>
{''.join(extra)}
<h2>The run</h2>
<table class="d2l-summary">
<tr><th>notebook</th><th>status</th><th>mode</th><th>seconds</th><th>results</th></tr>
{rows}
</table>
</body>
</html>
"""


def _copy_assets(site):
    """Copy the site's own CSS and scripts to site/assets/ and write the explorer's data there."""
    from ..explorer import site_description
    target = site / 'assets'
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir()
    for name in ('d2l.css', 'mathjax-config.js', 'explorer.js'):
        shutil.copyfile(ASSETS / name, target / name)
    description = json.dumps(site_description(), separators=(',', ':'))
    (target / 'explorer-data.js').write_text(
        f'window.D2L_EXPLORER = {description};\n', encoding='utf-8')


def _read_notebook(path):
    """Return (the notebook at path, '') when it is a valid notebook, else (None, why not)."""
    import nbformat
    try:
        # nbformat.read would log the whole schema error before our line: read, convert, validate
        nb = nbformat.convert(nbformat.reader.reads(path.read_text(encoding='utf-8')), 4)
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        return None, f'not a valid notebook: {_validation_error(e)}'
    except (ValueError, RecursionError) as e:  # NotJSONError, bad UTF-8, an unknown nbformat
        return None, f'not a notebook ({type(e).__name__}: {_first_line(str(e))})'
    except (TypeError, KeyError, AttributeError):  # nbformat's own errors on other JSON
        return None, 'not a notebook: its JSON is no object with nbformat, metadata and cells'
    except OSError as e:
        return None, f'cannot be read: {e.strerror or e}'
    return nb, ''


def _validation_error(e):
    """Return nbformat's ValidationError as a line: where in the notebook, and what is wrong."""
    where = ''.join(f'[{p}]' if isinstance(p, int) else f'.{p}' for p in e.absolute_path)
    where = where.lstrip('.') or 'the notebook'
    instance = e.instance
    if isinstance(instance, dict) and 'cell_type' in instance and e.validator == 'oneOf':
        kind = instance['cell_type']
        what = (f"cell_type {_shown(kind)} is not one of 'code', 'markdown', 'raw'"
                if kind not in ('code', 'markdown', 'raw') else 'not a valid cell of its type')
    else:
        what = e.message
    return f'{where}: {_first_line(what)}'


def _first_line(text, limit=200):
    """Return text's first line, cut to limit characters."""
    line = (str(text).strip().splitlines() or [''])[0]
    return line if len(line) <= limit else line[:limit] + '...'


def build_site(out='build', notes=None):
    """Write <out>/site/ from the executed notebooks in <out>/notebooks/; return index.html's path.

    A notebook that is not valid is skipped, named with why on the index; the
    others and the index are written. notes: a list that receives one line per
    notebook skipped ('skipped NAME: why') and per thing the site changed in a
    notebook to show it safely (default: not kept). Raises SiteError when
    there is no executed notebook, no local MathJax, or a damaged summary.json.
    """
    notes = [] if notes is None else notes
    out = pathlib.Path(out)
    source = out / 'notebooks'
    paths = sorted(source.glob('*.ipynb'), key=_section_key) if source.is_dir() else []
    if not paths:
        raise SiteError(f'no executed notebook in {source}: run `d2l-ch6 notebooks --out {out}` '
                        'first')
    summary = _read_site_summary(out)
    site = out / 'site'
    site.mkdir(parents=True, exist_ok=True)
    images = site / 'images'
    if images.is_dir():
        shutil.rmtree(images)
    images.mkdir()
    for old in site.glob('*.html'):
        old.unlink()
    _copy_mathjax(site)
    _copy_assets(site)

    notebooks, skipped = [], []
    for path in paths:
        nb, why = _read_notebook(path)
        if nb is None:
            skipped.append((path.name, why))
            notes.append(f'skipped {path.name}: {why}')
            continue
        notebooks.append((path.stem, _title(nb, path.stem), nb))
    pages = [(f'{stem}.html', title) for stem, title, _ in notebooks]
    exporter = _exporter()
    curves, figures = [], {}
    no_curves = f'the 6.6 notebook was not executed (there is none in {html.escape(str(source))})'
    token = secrets.token_hex(8)
    for i, (stem, title, nb) in enumerate(notebooks):
        if stem.startswith('6.6'):
            curves, no_curves = _lenet_curves(nb, images)
        key = _copy_images(nb, lambda source: True, images, f'section{i}', limit=1)
        if key:
            figures[stem] = key[0]
        changed = []
        slots = _offline_notebook(nb, token, changed)
        notes.extend(f'{stem}.ipynb, {line}' for line in changed)
        body, _ = exporter.from_notebook_node(
            nb, resources={'metadata': {'name': title}, 'd2l_nav': _nav(pages, i),
                           'd2l_head': HEAD})
        for slot, explorer in slots.items():
            body = body.replace(slot, explorer)
        (site / f'{stem}.html').write_text(body, encoding='utf-8')
        log.info('wrote %s', site / f'{stem}.html')
    samples = None
    if (out / 'fashion_mnist_samples.png').is_file():
        samples = 'fashion_mnist_samples.png'
        shutil.copyfile(out / samples, images / samples)
    index = site / 'index.html'
    index.write_text(_index_html(notebooks, summary, figures, samples, curves, no_curves,
                                 skipped), encoding='utf-8')
    return index


# --- command line --------------------------------------------------------------

def add_site_parser(subparsers):
    """Register `site`: the executed notebooks as an offline HTML site."""
    p = subparsers.add_parser(
        'site', help='turn the executed notebooks in OUT/notebooks/ into an offline site in '
        'OUT/site/ (index.html and one page per notebook)')
    p.add_argument('--out', default='build',
                   help='folder holding notebooks/ from `d2l-ch6 notebooks` (default: build)')
    p.add_argument('--check', action='store_true',
                   help='then open every page, and every file a page links to (images '
                        'included), in headless chromium, report requests leaving the site, '
                        'scripts in a file, console errors, broken images, untypeset equations '
                        'and broken links, and write a screenshot of each page to '
                        'OUT/site/screens/ (default: off)')
    p.epilog = ('exit codes: 0 written (and checked clean); 1 --check found problems; 2 not '
                'written; 3 chromium or playwright missing for --check; 4 written without the '
                'notebooks it names as skipped (not valid notebooks)')
    p.set_defaults(func=run_site_command)


def run_site_command(args):
    """Build the site and print its index's path; return the exit code."""
    notes = []
    try:
        index = build_site(args.out, notes=notes)
    except (SiteError, ValueError) as e:
        print(f'd2l-ch6 site: {e}', file=sys.stderr)
        return 2
    for note in notes:
        print(f'd2l-ch6 site: {note}', file=sys.stderr)
    skipped = sum(note.startswith('skipped ') for note in notes)
    print(f'site written: {index.resolve()}')
    if skipped:
        print(f'd2l-ch6 site: {skipped} notebook(s) skipped, named above (exit code 4)',
              file=sys.stderr)
    if not args.check:
        return 4 if skipped else 0
    from .browser_check import BrowserUnavailable, check_site
    try:
        problems = check_site(index.parent)
    except BrowserUnavailable as e:
        print(f'd2l-ch6 site: cannot check the pages: {e}', file=sys.stderr)
        return 3
    bad = 0
    for page, found in problems.items():
        print(f'  {page}: {"ok" if not found else f"{len(found)} problem(s)"}')
        for problem in found:
            print(f'    {problem}')
        bad += bool(found)
    print(f'checked {len(problems)} pages and files in chromium, screenshots in '
          f'{index.parent / "screens"}')
    return 1 if bad else 4 if skipped else 0
