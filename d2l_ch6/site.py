"""The executed chapter as an offline site: `d2l-ch6 site` (the package's addition).

``build_site`` turns the executed notebooks in ``<out>/notebooks/`` (what
``d2l-ch6 notebooks --out <out>`` writes) into ``<out>/site/``: one page per
notebook, converted by nbconvert's lab template with prev / contents / next
links, and ``index.html`` with the contents, the run's summary table
(``summary.json`` of the runner), the LeNet training curves of 6.6 and the
Fashion-MNIST sample grid of ``d2l-ch6 data``.

Offline: figures are embedded in the pages, nbconvert's network scripts
(require.js, the widget manager, mermaid, MathJax from a CDN) are left out,
and equations are typeset by a local copy of MathJax 3 (its ``tex-svg``
component, from the PyPI package ``django-static-mathjax``, which ``make
setup`` installs; Django itself is not needed) copied into
``<out>/site/mathjax/``. The SVG output draws glyphs as paths: Chromium
refuses web fonts from ``file://`` pages, so the fonts of the HTML outputs
would not load when the pages are opened from disk.
Widgets cannot run without a kernel: their outputs become a note, and the
notebooks draw a static figure beside them (``explorer_strip``).
"""
import html
import json
import logging
import pathlib
import re
import shutil
import sys

from .notebooks import (_read_results, _result_names, _section_key, format_results,
                        read_summary)

__all__ = ['build_site', 'check_site', 'add_site_parser', 'SiteError', 'BrowserUnavailable']

log = logging.getLogger(__name__)

WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'
MATHJAX_FILES = ('tex-svg.js', 'input', 'ui', 'a11y')  # the component and what it loads lazily
# nbconvert's delimiters and options, in MathJax 3's form (its own block is MathJax 2's).
MATHJAX_HEAD = r"""<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  svg: {fontCache: 'global'},
  startup: {typeset: true}
};
</script>
<script id="MathJax-script" src="mathjax/tex-svg.js"></script>"""
WIDGET_NOTE = ('<p class="d2l-widget-note"><em>An interactive widget was here. Widgets need a '
               'running kernel: open this notebook in JupyterLab to use it. The static figure '
               'below shows a few of its settings.</em></p>')

# nbconvert's lab template, less its network scripts, plus the navigation bar.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{{ resources.d2l_mathjax }}{%- endblock html_head_js_mathjax -%}
{%- block html_head_css -%}<style>{{ resources.d2l_css }}</style>{%- endblock html_head_css -%}
{%- block body_header -%}{{ super() }}{{ resources.d2l_nav }}{%- endblock body_header -%}
{% block body_footer %}{{ resources.d2l_nav }}{{ super() }}{% endblock body_footer %}
"""

CSS = """
nav.d2l-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em;
  margin: 0 0 1em 0; background: #f3f6fa; border: 1px solid #d8e0ea; border-radius: 4px;
  font: 14px sans-serif; }
nav.d2l-nav a { text-decoration: none; color: #1a5a96; }
nav.d2l-nav span.d2l-none { color: #999; }
body.d2l-index { max-width: 980px; margin: 2em auto; padding: 0 1em; font: 15px/1.5 sans-serif;
  color: #222; }
table.d2l-summary { border-collapse: collapse; margin: 1em 0; }
table.d2l-summary th, table.d2l-summary td { border: 1px solid #ccc; padding: 0.3em 0.7em;
  text-align: left; vertical-align: top; }
table.d2l-summary td.num { text-align: right; }
table.d2l-summary td.mode, table.d2l-summary td.ok, table.d2l-summary td.failed { white-space: nowrap; }
td.failed { color: #b00; font-weight: bold; }
td.ok { color: #060; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
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


def _offline_outputs(nb):
    """Drop widget views (they need a kernel) and the widget state, leaving a note where one was."""
    nb.metadata.pop('widgets', None)
    for cell in nb.cells:
        for output in cell.get('outputs', []):
            data = output.get('data')
            if data and WIDGET_MIME in data:
                data.pop(WIDGET_MIME)
                data.pop('text/plain', None)  # the widget's repr: "ConvExplorer(children=..."
                data['text/html'] = WIDGET_NOTE
    return nb


def _nav(pages, i):
    """Return the prev / contents / next bar for page i of pages [(file name, title)]."""
    def link(k, arrow_left):
        if not 0 <= k < len(pages):
            return '<span class="d2l-none"></span>'
        name, title = pages[k]
        text = f'&larr; {html.escape(title)}' if arrow_left else f'{html.escape(title)} &rarr;'
        rel = 'prev' if arrow_left else 'next'
        return f'<a class="d2l-{rel}" rel="{rel}" href="{name}">{text}</a>'
    return (f'<nav class="d2l-nav">{link(i - 1, True)}'
            f'<a class="d2l-contents" href="index.html">Contents</a>{link(i + 1, False)}</nav>')


def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name='lab',
                            extra_loaders=[jinja2.DictLoader({'d2l_page.html.j2': TEMPLATE})])
    exporter.template_file = 'd2l_page.html.j2'
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
    assignment = re.compile(rf'^{re.escape(name)}\s*=\s*train_ch5\(', re.MULTILINE)
    return lambda source: assignment.search(source) is not None


def _copy_images(nb, cell_filter, folder, prefix):
    """Write the PNG or SVG figures of the cells whose source passes cell_filter; return the file names."""
    import base64
    names = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != 'code' or not cell_filter(cell.source):
            continue
        for output in cell.get('outputs', []):
            data = output.get('data', {})
            name = f'{prefix}_cell{index:02d}_{len(names) + 1}'
            if 'image/png' in data:
                (folder / f'{name}.png').write_bytes(base64.b64decode(data['image/png']))
                names.append(f'{name}.png')
            elif 'image/svg+xml' in data:  # d2l's figures are SVG
                (folder / f'{name}.svg').write_text(data['image/svg+xml'], encoding='utf-8')
                names.append(f'{name}.svg')
    return names


def _summary_rows(notebooks, summary):
    rows = []
    for stem, title, nb in notebooks:
        entry = summary.get(stem)
        if entry is None:  # executed by another runner: read what the notebook holds
            entry = {'status': _status(nb), 'seconds': None, 'results': _read_results(nb),
                     'quick': None}
        seconds = '' if entry.get('seconds') is None else f'{entry["seconds"]:.1f}'
        mode = {True: 'quick', False: 'full size'}.get(entry.get('quick'), '')
        results = format_results(entry['results'], skip=('quick',)) \
            if entry.get('results') else ''                 # the mode has its own column
        status = entry.get('status', 'unknown')
        rows.append(f'<tr><td><a href="{stem}.html">{html.escape(title)}</a></td>'
                    f'<td class="{html.escape(status)}">{html.escape(status)}</td>'
                    f'<td class="mode">{mode}</td><td class="num">{seconds}</td>'
                    f'<td>{html.escape(results)}</td></tr>')
    return rows


def _index_html(notebooks, summary, curves, samples):
    contents = ''.join(f'<li><a href="{stem}.html">{html.escape(title)}</a></li>'
                       for stem, title, _ in notebooks)
    rows = ''.join(_summary_rows(notebooks, summary))
    figures = []
    for name in curves:
        figures.append(f'<figure><img src="images/{name}" alt="LeNet training curves">'
                       '<figcaption>LeNet training curves: loss, train and test accuracy per epoch '
                       '(from the executed 6.6 notebook).</figcaption></figure>')
    if not curves:
        figures.append('<p>No LeNet training curves: the 6.6 notebook was not executed.</p>')
    if samples:
        figures.append(f'<figure><img src="images/{samples}" alt="Fashion-MNIST samples">'
                       '<figcaption>The first Fashion-MNIST training images with their labels '
                       '(<code>d2l-ch6 data</code>).</figcaption></figure>')
    else:
        figures.append('<p>No sample grid: run <code>d2l-ch6 data --out OUT</code> first.</p>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Dive into Deep Learning, Chapter 6: Convolutional Neural Networks</title>
<style>{CSS}</style>
</head>
<body class="d2l-index">
<h1>Dive into Deep Learning, Chapter 6: Convolutional Neural Networks</h1>
<p>The chapter's notebooks as they were executed (MXNet/Gluon edition, package
<code>d2l_ch6</code>). Every page works offline.</p>
<h2>Contents</h2>
<ol class="d2l-contents">{contents}</ol>
<h2>The run</h2>
<table class="d2l-summary">
<tr><th>notebook</th><th>status</th><th>mode</th><th>seconds</th><th>results</th></tr>
{rows}
</table>
<h2>LeNet and the data</h2>
{''.join(figures)}
</body>
</html>
"""


def build_site(out='build'):
    """Write <out>/site/ from the executed notebooks in <out>/notebooks/; return index.html's path.

    Raises SiteError when there is no executed notebook or no local MathJax.
    """
    import nbformat
    out = pathlib.Path(out)
    source = out / 'notebooks'
    paths = sorted(source.glob('*.ipynb'), key=_section_key) if source.is_dir() else []
    if not paths:
        raise SiteError(f'no executed notebook in {source}: run `d2l-ch6 notebooks --out {out}` '
                        'first')
    site = out / 'site'
    site.mkdir(parents=True, exist_ok=True)
    images = site / 'images'
    if images.is_dir():
        shutil.rmtree(images)
    images.mkdir()
    for old in site.glob('*.html'):
        old.unlink()
    _copy_mathjax(site)

    notebooks = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        notebooks.append((path.stem, _title(nb, path.stem), nb))
    pages = [(f'{stem}.html', title) for stem, title, _ in notebooks]
    exporter = _exporter()
    curves = []
    for i, (stem, title, nb) in enumerate(notebooks):
        if stem.startswith('6.6'):
            curves = _copy_images(nb, _trains_lenet(nb), images, 'lenet_curves')
        body, _ = exporter.from_notebook_node(
            _offline_outputs(nb), resources={'metadata': {'name': title},
                                             'd2l_nav': _nav(pages, i), 'd2l_css': CSS,
                                             'd2l_mathjax': MATHJAX_HEAD})
        (site / f'{stem}.html').write_text(body, encoding='utf-8')
        log.info('wrote %s', site / f'{stem}.html')
    samples = None
    if (out / 'fashion_mnist_samples.png').is_file():
        samples = 'fashion_mnist_samples.png'
        shutil.copyfile(out / samples, images / samples)
    index = site / 'index.html'
    index.write_text(_index_html(notebooks, read_summary(out), curves, samples), encoding='utf-8')
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
                   help='then open every page in headless chromium, report console errors, '
                        'failed requests, broken images, untypeset equations and broken links, '
                        'and write a screenshot of each page to OUT/site/screens/ (default: off)')
    p.set_defaults(func=run_site_command)


def run_site_command(args):
    """Build the site and print its index's path; return the exit code."""
    try:
        index = build_site(args.out)
    except (SiteError, ValueError) as e:
        print(f'd2l-ch6 site: {e}', file=sys.stderr)
        return 2
    print(f'site written: {index.resolve()}')
    if not args.check:
        return 0
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
    print(f'checked {len(problems)} pages in chromium, screenshots in {index.parent / "screens"}')
    return 1 if bad else 0


# --- checking the site in a real browser ----------------------------------------------

CHROMIUM = '/usr/bin/chromium'  # Debian's; make setup installs it where it can
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']

# Run in each page once it has loaded: what a reader would see go wrong.
_PAGE_PROBE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const images = [...document.images].map(img => ({src: img.src.slice(0, 80), ok: img.complete
      && img.naturalWidth > 0 && img.naturalHeight > 0}));
  const markdown = [...document.querySelectorAll('.jp-MarkdownOutput')];
  const raw = markdown.map(m => m.innerText).join('\n').match(/\$[^$\n]+\$/g) || [];
  return {
    title: document.title,
    images: images,
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    rawMath: raw.slice(0, 5),
    links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.getAttribute('href'),
        url: a.href, cls: a.className})),
  };
}"""


class BrowserUnavailable(RuntimeError):
    """The site cannot be checked here: no chromium, or no playwright."""


def _file_of(url):
    """Return the local path of a file:// URL (without query or fragment), or None."""
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(url)
    return pathlib.Path(unquote(parts.path)) if parts.scheme == 'file' else None


def check_site(site, screens=None, chromium=CHROMIUM, user_data_dir=None):
    """Open every page of site in headless chromium; return {page: [problems]} and write screenshots.

    Problems: console errors, failed or non-local requests, images with no
    natural size, equations not typeset (MathJax errors, or raw ``$...$``
    left in the Markdown), links to missing
    files, prev/next links out of contents order. screens: folder for one
    PNG per page and report.json, what each page showed (title, equations
    typeset, images, links, problems) (default: <site>/screens). Raises BrowserUnavailable when
    chromium or playwright is missing.
    """
    import tempfile
    site = pathlib.Path(site).resolve()
    if not (site / 'index.html').is_file():
        raise SiteError(f'no index.html in {site}: run `d2l-ch6 site` first')
    if not pathlib.Path(chromium).is_file():
        raise BrowserUnavailable(f'{chromium} is missing: install Debian\'s chromium '
                                 '(make setup does as root)')
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable('the python package playwright is missing '
                                 '(make setup installs it with the test extra)') from None
    screens = pathlib.Path(screens) if screens is not None else site / 'screens'
    screens.mkdir(parents=True, exist_ok=True)
    pages = ['index.html'] + [p.name for p in sorted(site.glob('*.html'), key=_section_key)
                              if p.name != 'index.html']
    problems = {name: [] for name in pages}
    report = {}
    with tempfile.TemporaryDirectory(dir=user_data_dir) as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS,
            viewport={'width': 1280, 'height': 900})
        try:
            current = []  # the page's problem list, for the event handlers

            def route(r):
                if r.request.url.startswith('file:'):
                    r.continue_()
                else:  # nothing may come from the network
                    current.append(f'request to the network: {r.request.url}')
                    r.abort()

            context.route('**/*', route)
            page = context.new_page()
            page.on('console', lambda m: m.type == 'error' and current.append(
                f'console error: {m.text}'))
            page.on('pageerror', lambda e: current.append(f'script error: {e}'))
            page.on('requestfailed', lambda r: current.append(
                f'failed request: {r.url} ({r.failure})'))
            order = []
            for name in pages:
                current = problems[name]
                response = page.goto((site / name).as_uri(), wait_until='load')
                if response is not None and not response.ok:
                    current.append(f'load failed: status {response.status}')
                info = page.evaluate(_PAGE_PROBE)
                report[name] = {'title': info['title'], 'equations': info['math'],
                                'images': len(info['images']), 'links': len(info['links'])}
                _check_page(site, name, info, current)
                order.append((name, info['links']))
                page.screenshot(path=str(screens / f'{pathlib.Path(name).stem}.png'),
                                full_page=name == 'index.html')
            _check_order(pages, order, problems)
        finally:
            context.close()
    for name, found in problems.items():
        report[name]['problems'] = found
    (screens / 'report.json').write_text(json.dumps(report, indent=1), encoding='utf-8')
    return problems


def _check_page(site, name, info, problems):
    """Add the problems one page's probe shows: images, equations, links."""
    for img in info['images']:
        if not img['ok']:
            problems.append(f'image with no natural size: {img["src"]}')
    if info['mathErrors']:
        problems.append(f'{info["mathErrors"]} equations with MathJax errors')
    if info['rawMath']:
        problems.append(f'math left untypeset: {info["rawMath"]}')
    for link in info['links']:
        if link['href'].startswith('#'):
            continue
        path = _file_of(link['url'])
        if path is None:
            problems.append(f'link leaves the site: {link["href"]}')
        elif not path.is_file():
            problems.append(f'link to a missing file: {link["href"]}')


def _check_order(pages, order, problems):
    """Check that next/prev links follow the contents and that every page links to the index."""
    chapters = pages[1:]
    links = dict(order)
    contents = [pathlib.Path(_file_of(l['url'])).name for l in links['index.html']
                if 'd2l' not in l['cls'] and _file_of(l['url'])]
    seen = list(dict.fromkeys(c for c in contents if c in chapters))
    if seen != chapters:
        problems['index.html'].append(f'contents list {seen}, pages are {chapters}')
    for i, name in enumerate(chapters):
        got = {}
        for l in links[name]:
            for rel in ('prev', 'next', 'contents'):
                if f'd2l-{rel}' in l['cls'].split():
                    got.setdefault(rel, set()).add(pathlib.Path(_file_of(l['url'])).name)
        want = {'contents': {'index.html'}}
        if i > 0:
            want['prev'] = {chapters[i - 1]}
        if i + 1 < len(chapters):
            want['next'] = {chapters[i + 1]}
        if got != want:
            problems[name].append(f'navigation links {got}, expected {want}')
