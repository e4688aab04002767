"""Tests for d2l_ch6.publishing (site, sanitize, browser_check): the executed chapter as an offline site, checked in a real browser.

The pages are built from small executed notebooks written here and, in the
browser test, from the six chapter notebooks that tests/test_notebooks.py
executes in quick mode (the session's quick_run folder; whatever has not run
yet runs there). Debian's chromium is driven headless by playwright, with
every request that is not a local file aborted and reported.
"""
import base64
import html
import html.parser
import io
import json
import pathlib
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from d2l_ch6.publishing import browser_check, sanitize
from d2l_ch6.publishing import site as sitemod
from d2l_ch6.publishing.runner import SUMMARY_FILE, find_notebooks

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / 'd2l_ch6' / 'notebooks'
WIDGET = 'application/vnd.jupyter.widget-view+json'


def png_bytes(width=12, height=8):
    """A real PNG drawn by matplotlib, width x height pixels."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png')
    plt.close(fig)
    return buffer.getvalue()


def image_output(svg=False):
    if svg:  # as d2l's notebooks show their figures
        return new_output('display_data', data={'image/svg+xml': SVG, 'text/plain': '<Figure>'})
    return new_output('display_data', data={'image/png': base64.b64encode(png_bytes()).decode(),
                                            'text/plain': '<Figure>'})


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">'
       '<path d="M0 20 L20 5 L40 10" stroke="blue" fill="none"/></svg>')


def svg_tree(text):
    """An SVG as the parser reads it: each element's tag, attributes and text, in document order."""
    import xml.etree.ElementTree as ET
    return [(e.tag, e.attrib, (e.text or '').strip(), (e.tail or '').strip())
            for e in ET.fromstring(text).iter()]


def write_executed(out):
    """Write three small executed notebooks (math, a figure, a widget, training curves) to out/notebooks."""
    folder = out / 'notebooks'
    folder.mkdir(parents=True)
    widget = new_output('execute_result', execution_count=2, data={
        WIDGET: {'model_id': 'abc', 'version_major': 2, 'version_minor': 0},
        'text/plain': 'ConvExplorer(children=(...))'})
    one = new_notebook(cells=[
        new_markdown_cell('# 6.1 One\n\nInline $a^2 + b^2 = c^2$ and displayed\n\n$$n - k + 1.$$'),
        new_code_cell('plt.plot([1, 2])', outputs=[image_output()], execution_count=1),
        new_code_cell("conv_explorer(settings=ExplorerSettings(n=4, mode='max'))",
                      outputs=[widget], execution_count=2),
        new_code_cell('widgets.IntSlider()', outputs=[widget], execution_count=3)])
    one.metadata['widgets'] = {'application/vnd.jupyter.widget-state+json': {'state': {}}}
    two = new_notebook(cells=[new_markdown_cell('# 6.2 Two\n\nNo maths here.'),
                              new_code_cell('print(1)', execution_count=1, outputs=[
                                  new_output('stream', name='stdout', text='1\n')])])
    six = new_notebook(cells=[
        new_markdown_cell('# 6.6 Convolutional Neural Networks (LeNet)'),
        new_code_cell("history = train_ch5(net, train_iter, test_iter, 10, 0.9, reporter='animator')",
                      outputs=[image_output(), image_output(svg=True)], execution_count=1),
        new_code_cell('history_mnist = train_ch5(lenet_improved(), mnist_train, mnist_test)',
                      outputs=[image_output()], execution_count=2),   # not LeNet's curves
        new_code_cell('1 / 0', execution_count=3, outputs=[new_output(
            'error', ename='ZeroDivisionError', evalue='division by zero', traceback=[])])])
    six.metadata['d2l_ch6'] = {'results': {'lenet': 'history', 'mnist': 'history_mnist'}}
    for name, nb in (('6.1-one', one), ('6.2-two', two), ('6.6-lenet', six)):
        nbformat.write(nb, folder / f'{name}.ipynb')
    (folder / SUMMARY_FILE).write_text(json.dumps({'6.1-one': {
        'status': 'ok', 'seconds': 1.25, 'quick': True, 'results': {'lenet': {'loss': 0.5}},
        'error': '', 'finished': ''}}))
    (out / 'fashion_mnist_samples.png').write_bytes(png_bytes(30, 20))
    return out


class Refs(html.parser.HTMLParser):
    """Collect what a page loads (script src, link href, img src, ...) and its links."""

    def __init__(self):
        super().__init__()
        self.loads, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for attr in ('src', 'data', 'poster', 'srcset'):
            if attrs.get(attr):
                self.loads.append((tag, attrs[attr]))
        if tag == 'link' and attrs.get('href'):
            self.loads.append((tag, attrs['href']))
        if tag == 'a' and attrs.get('href'):
            self.links.append((attrs.get('class', ''), attrs['href']))


def refs(path):
    parser = Refs()
    parser.feed(path.read_text(encoding='utf-8'))
    return parser


@pytest.fixture(scope='module')
def small_site(tmp_path_factory):
    out = write_executed(tmp_path_factory.mktemp('small'))
    return out, sitemod.build_site(out)


# --- building ----------------------------------------------------------------------------

def test_build_site_writes_index_and_one_page_per_notebook(small_site):
    """index.html and a page per notebook in section order, images and MathJax copied beside them."""
    out, index = small_site
    site = out / 'site'
    assert index == site / 'index.html'
    assert sorted(p.name for p in site.glob('*.html')) == [
        '6.1-one.html', '6.2-two.html', '6.6-lenet.html', 'index.html']
    assert (site / 'mathjax' / 'tex-svg.js').stat().st_size > 1_000_000
    assert (site / 'mathjax' / 'LICENSE').is_file()
    assert (site / 'images' / 'fashion_mnist_samples.png').read_bytes()[:4] == b'\x89PNG'
    curves = sorted((site / 'images').glob('lenet_curves_*.png'))
    assert [p.name for p in curves] == ['lenet_curves_cell01_1.png']
    assert svg_tree((site / 'images' / 'lenet_curves_cell01_2.svg').read_text()) == svg_tree(SVG)
    text = index.read_text()
    order = list(dict.fromkeys(href for cls, href in refs(index).links))[:3]
    assert order == ['6.1-one.html', '6.2-two.html', '6.6-lenet.html']
    assert 'src="images/lenet_curves_cell01_1.png"' in text
    assert 'src="images/lenet_curves_cell01_2.svg"' in text
    assert 'src="images/fashion_mnist_samples.png"' in text


def test_summary_table_from_the_runner_or_the_notebook(small_site):
    """The run's table takes status, mode, seconds and results from summary.json, else from the notebook."""
    text = (small_site[1]).read_text()
    rows = text.split('<tr>')[2:]
    assert '>ok<' in rows[0] and '>quick<' in rows[0] and '>1.2<' in rows[0]  # 1.25 s
    assert "the book&#x27;s LeNet on Fashion-MNIST: loss 0.500" in rows[0]  # words, not keys
    assert '>ok<' in rows[1]
    assert 'class="failed">failed<' in rows[2]  # 6.6's error output, no summary entry


def test_pages_load_nothing_from_the_network(small_site):
    """No page or index loads a script, style, font or image from elsewhere than the site itself."""
    site = small_site[0] / 'site'
    for page in site.glob('*.html'):
        loads = refs(page).loads
        remote = [(tag, url) for tag, url in loads
                  if url.startswith(('http:', 'https:', '//')) or '://' in url and
                  not url.startswith('data:')]
        assert remote == [], page.name
        text = page.read_text()
        assert '@import' not in text and 'cdnjs' not in text and 'unpkg' not in text
        for tag, url in loads:
            if not url.startswith('data:'):
                assert (site / url.split('?')[0]).is_file(), (page.name, url)


def test_pages_have_navigation_and_mathjax(small_site):
    """Each page has prev / contents / next links (twice) and loads the local MathJax."""
    site = small_site[0] / 'site'
    nav = [(cls, href) for cls, href in refs(site / '6.2-two.html').links if 'd2l-' in cls]
    assert nav == [('d2l-prev', '6.1-one.html'), ('d2l-contents', 'index.html'),
                   ('d2l-next', '6.6-lenet.html')] * 2
    first = [(cls, href) for cls, href in refs(site / '6.1-one.html').links if 'd2l-' in cls]
    assert ('d2l-prev', '6.1-one.html') not in first and first[0] == ('d2l-contents', 'index.html')
    for page in ('6.1-one.html', '6.2-two.html'):
        loads = refs(site / page).loads
        assert ('script', 'mathjax/tex-svg.js') in loads
        assert ('script', 'assets/mathjax-config.js') in loads


def test_widgets_become_a_note(small_site):
    """conv_explorer's view becomes the JavaScript explorer at its settings, another widget a note."""
    text = (small_site[0] / 'site' / '6.1-one.html').read_text()
    assert text.count('An interactive widget was here') == 1
    assert text.count('class="d2l-explorer"') == 1
    assert ('data-settings="{&quot;n&quot;: 4, &quot;k&quot;: 3, &quot;p&quot;: 0, &quot;s&quot;: 1, '
            '&quot;d&quot;: 1, &quot;mode&quot;: &quot;max&quot;') in text
    assert ('script', 'assets/explorer.js') in refs(small_site[0] / 'site' / '6.1-one.html').loads
    assert WIDGET not in text and 'widget-state' not in text and 'ConvExplorer(children' not in text


def test_build_site_errors(tmp_path, monkeypatch, capsys):
    """No executed notebook, or no local MathJax: SiteError saying what to run or install."""
    with pytest.raises(sitemod.SiteError, match=r'no executed notebook in .*notebooks: run '
                                                r'`d2l-ch6 notebooks --out'):
        sitemod.build_site(tmp_path)
    from d2l_ch6.__main__ import main
    assert main(['site', '--out', str(tmp_path)]) == 2
    assert 'd2l-ch6 site: no executed notebook' in capsys.readouterr().err
    write_executed(tmp_path / 'x')
    import importlib.util
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(sitemod.SiteError, match='install the PyPI package django-static-mathjax'):
        sitemod.build_site(tmp_path / 'x')


def test_cli_prints_the_index_path(tmp_path, capsys):
    """`d2l-ch6 site --out OUT` builds the site and prints where its index is."""
    from d2l_ch6.__main__ import main
    write_executed(tmp_path)
    assert main(['site', '--out', str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == \
        f'site written: {(tmp_path / "site" / "index.html").resolve()}'


def test_check_site_without_chromium(small_site, tmp_path):
    """Without a browser the check says what to install instead of failing deep inside."""
    with pytest.raises(browser_check.BrowserUnavailable, match='is missing: install Debian'):
        browser_check.check_site(small_site[0] / 'site', chromium=tmp_path / 'no-chromium')
    with pytest.raises(sitemod.SiteError, match='no index.html'):
        browser_check.check_site(tmp_path)


# --- in a real browser -------------------------------------------------------------------------

@pytest.fixture(scope='module')
def chromium():
    """Skip, saying why, where Debian's chromium or playwright is missing."""
    if not pathlib.Path(browser_check.CHROMIUM).is_file():
        pytest.skip(f'{browser_check.CHROMIUM} is missing: make setup installs Debian\'s chromium '
                    'when it runs as root')
    pytest.importorskip('playwright', reason='playwright is missing (the test extra)')
    return browser_check.CHROMIUM


@pytest.mark.once  # a real browser: the same on every Python
def test_browser_check_finds_what_breaks(chromium, tmp_path):
    """The checker reports a network script, a broken image, untypeset maths and a dead link."""
    out = write_executed(tmp_path)
    site = sitemod.build_site(out).parent
    page = site / '6.1-one.html'
    text = page.read_text()
    text = text.replace('<script id="MathJax-script" src="mathjax/tex-svg.js"></script>',
                        '<script src="https://cdn.invalid/mathjax.js"></script>'
                        '<img src="images/missing.png" alt="gone">')
    text = text.replace('href="6.2-two.html"', 'href="6.2-gone.html"')
    text = re.sub(r'<meta[^>]*Content-Security-Policy[^>]*>', '', text)  # a page without it
    page.write_text(text)
    problems = browser_check.check_site(site, screens=tmp_path / 'screens')
    found = '\n'.join(problems['6.1-one.html'])
    assert 'request outside the site: https://cdn.invalid/mathjax.js' in found
    assert 'image with no natural size: file://' in found
    assert 'math left untypeset: [' in found and '$a^2 + b^2 = c^2$' in found \
        and '$n - k + 1.$' in found
    assert 'link to a missing file: 6.2-gone.html' in found
    assert 'navigation links' in found
    assert 'console error' in found  # the failed loads
    assert problems['6.2-two.html'] == [] and problems['index.html'] == []
    report = json.loads((tmp_path / 'screens' / 'report.json').read_text())
    assert report['6.1-one.html']['equations'] == 0 and report['6.1-one.html']['images'] == 2
    assert sorted(p.name for p in (tmp_path / 'screens').glob('*.png')) == [
        '6.1-one.png', '6.2-two.png', '6.6-lenet.png', 'index.png']
    # the same page unbroken: both equations typeset
    sitemod.build_site(out)
    assert browser_check.check_site(site, screens=tmp_path / 'ok')['6.1-one.html'] == []
    report = json.loads((tmp_path / 'ok' / 'report.json').read_text())
    assert report['6.1-one.html']['equations'] == 2


@pytest.mark.once  # a real browser: the same on every Python
def test_the_executed_chapter_in_chromium(chromium, quick_run, fashion_dir):
    """The six quick-mode notebooks as a site: every page loads clean, images, maths, links; screenshots.

    Screenshots go to OUT/site/screens/ (OUT is the session's quick-run folder).
    """
    from d2l_ch6 import data
    from d2l_ch6.__main__ import write_sample_grid
    paths = find_notebooks(notebook_dir=NOTEBOOK_DIR)
    for path in paths:
        assert quick_run.run(path).status == 'ok'
    out = quick_run.out
    write_sample_grid(data.load_fashion_mnist_arrays()['train'], out / 'fashion_mnist_samples.png')
    index = sitemod.build_site(out)
    problems = browser_check.check_site(index.parent)
    images = [f'images/{p.name}' for p in sorted((index.parent / 'images').iterdir())]
    assert len(images) >= 6   # each section's key figure, the curves, the samples: each opened alone
    assert problems == {name: [] for name in ['index.html'] + [f'{p.stem}.html' for p in paths]
                        + images}
    report = json.loads((index.parent / 'screens' / 'report.json').read_text())
    for path in paths:  # every section has equations, all typeset by the local MathJax
        assert report[f'{path.stem}.html']['equations'] > 0, path.stem
    screens = sorted((index.parent / 'screens').glob('*.png'))
    assert len(screens) == 7 and all(p.read_bytes()[:4] == b'\x89PNG' for p in screens)
    # The live explorer (where the widget was) and its static figure are on the 6.3 and 6.5
    # pages, and the explorer on the index; the check saw each of them start.
    for stem in ('6.3-padding-and-stride', '6.5-pooling'):
        text = (index.parent / f'{stem}.html').read_text()
        assert text.count('class="d2l-explorer"') == 1 and 'An interactive widget' not in text
        assert text.count('<img') >= 3
        assert report[f'{stem}.html']['explorers'] == 1
    assert report['index.html']['explorers'] == 1
    assert 'data-settings="{&quot;n&quot;: 4, &quot;k&quot;: 3, &quot;p&quot;: 1, &quot;s&quot;: 2' \
        in (index.parent / '6.5-pooling.html').read_text()      # the 6.5 widget's own start
    lenet = next(p for p in find_notebooks() if p.stem.startswith('6.6'))
    cell = next(i for i, c in enumerate(nbformat.read(lenet, as_version=4).cells)
                if '\nhistory = train_ch5(' in c.source)    # the book LeNet's curves
    assert [p.name for p in (index.parent / 'images').glob('lenet_curves_*')] == [
        f'lenet_curves_cell{cell:02d}_1.png']   # the chapter's figures are PNG, 6.6's too


# --- hostile notebooks: the site runs nothing it did not write ------------------------------
# Each case is an output (or Markdown) that ran a script or reached the network in the site
# before: the built page must hold no trace of it (`forbidden`), and the browser test below
# opens all of them at once and sees nothing run and nothing leave the site.

EVIL = 'http://evil.invalid'


def html_output(text):
    return new_output('display_data', data={'text/html': text, 'text/plain': '<obj>'})


HOSTILE = {
    'markdown_onerror': (new_markdown_cell(
        f'Text <img src="x" onerror="fetch(\'{EVIL}/md-onerror\')"> and <b onmouseover="x()">b</b>'),
        r'onerror|onmouseover|md-onerror'),
    'html_script': (html_output(f'<p>table</p><script>fetch("{EVIL}/html-script")</script>'),
                    r'html-script|<script>fetch'),
    'javascript_output': (new_output('display_data', data={
        'application/javascript': f'fetch("{EVIL}/js-output")', 'text/plain': '<js>'}),
        r'js-output'),
    'javascript_only_output': (new_output('display_data', data={
        'application/javascript': f'fetch("{EVIL}/js-only")'}), r'js-only'),
    'remote_img': (html_output(f'<img src="{EVIL}/img.png" alt="remote"><img srcset="{EVIL}/s.png">'),
                   r'evil\.invalid'),
    'remote_css': (html_output(f'<link rel="stylesheet" href="{EVIL}/a.css">'
                               f'<style>@import url({EVIL}/b.css);</style>'
                               f'<div style="background:url({EVIL}/c.png)">x</div>'),
                   r'evil\.invalid|@import'),
    'iframe': (html_output(f'<iframe src="{EVIL}/frame"></iframe><object data="{EVIL}/o">'
                           f'</object><embed src="{EVIL}/e">'), r'evil\.invalid|<iframe|<object|<embed'),
    'delayed_fetch': (html_output(f'<script>setTimeout(() => fetch("{EVIL}/late"), 4000)</script>'),
                      r'/late'),
    'webdriver_gated': (html_output(
        f'<script>if (!navigator.webdriver) fetch("{EVIL}/gated")</script>'), r'gated'),
    'meta_refresh': (html_output(f'<meta http-equiv="refresh" content="1;url={EVIL}/refresh">'),
                     r'refresh'),
    'websocket': (html_output('<script>new WebSocket("ws://evil.invalid/socket")</script>'),
                  r'WebSocket|socket'),
    'base': (html_output(f'<base href="{EVIL}/">'), r'<base'),
    'svg_with_script': (new_output('display_data', data={'image/svg+xml': (
        '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/svg-onload\')">'
        f'<script>fetch("{EVIL}/svg-script")</script><image href="{EVIL}/svg.png"/></svg>')}),
        r'svg-script|svg-onload|<svg'),      # shown only as a data: image, where nothing runs
    'markdown_output_js_link': (new_output('display_data', data={
        'text/markdown': '[click](javascript:alert(1)) <script>alert(2)</script>'}),
        r'javascript:|alert\('),
    'output_filenames': (new_output('display_data', data={
        'image/png': base64.b64encode(png_bytes()).decode()},
        metadata={'filenames': {'image/png': f'{EVIL}/file.png'}}), r'evil\.invalid'),
    'image_size_metadata': (new_output('display_data', data={
        'image/png': base64.b64encode(png_bytes()).decode(), 'text/plain': '<Figure>'},
        metadata={'width': f'1 srcset={EVIL}/w.png onerror=fetch(1)',
                  'image/png': {'height': '2 onload=fetch(2)'}}),
        r'srcset|onerror|onload|evil\.invalid'),     # nbconvert wrote these unquoted into <img>
    'attribute_breakout': (html_output('<a href="#x" title=\'a" onclick="fetch(1)\'>x</a>'
                                       '<a href="java&#x09;script:alert(1)">y</a>'),
                           r'java\s*script:'),   # the title's text stays, inside its attribute
}


class AttributeNames(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        self.names.update(name for name, _ in attrs)


def hostile_notebook(cases):
    """A notebook made for the test: a heading, then each case as a Markdown cell or an output."""
    cells = [new_markdown_cell('# 6.1 Hostile\n\nMaths stays: $n - k + 1$.')]
    for i, name in enumerate(cases):
        item = HOSTILE[name][0]
        if item.get('cell_type') == 'markdown':
            cells.append(item)
        else:
            cells.append(new_code_cell(f'show({i})', outputs=[item], execution_count=i + 1))
    return new_notebook(cells=cells)


def build_one(out, nb, stem='6.1-hostile'):
    (out / 'notebooks').mkdir(parents=True)
    nbformat.write(nb, out / 'notebooks' / f'{stem}.ipynb')
    return sitemod.build_site(out)


@pytest.mark.parametrize('case', sorted(HOSTILE))
def test_hostile_output_is_left_out_of_the_page(case, tmp_path):
    """The case's script, handler, remote resource or redirect is not in the page; the CSP is."""
    site = build_one(tmp_path, hostile_notebook([case])).parent
    text = (site / '6.1-hostile.html').read_text()
    body = text.split('<body', 1)[1]
    found = re.findall(HOSTILE[case][1], body)
    assert found == [], (case, found)
    assert re.findall(r'<script[^>]*>', text) == [
        '<script src="assets/mathjax-config.js">', '<script id="MathJax-script" src="mathjax/tex-svg.js">',
        '<script src="assets/explorer-data.js">', '<script src="assets/explorer.js">'], case
    attributes = AttributeNames()
    attributes.feed(text)
    assert [a for a in attributes.names if a.startswith('on')] == [], case
    assert f'content="{sitemod.CSP}" http-equiv="Content-Security-Policy"' in text


def test_every_page_carries_the_policy(small_site):
    """index.html and each page: the CSP before any script, allowing only the site's own files."""
    for page in (small_site[0] / 'site').glob('*.html'):
        text = page.read_text()
        assert text.index('Content-Security-Policy') < text.index('<script'), page.name
    assert "script-src 'self';" in sitemod.CSP and "img-src 'self' data:;" in sitemod.CSP
    assert "default-src 'none'" in sitemod.CSP and "base-uri 'none'" in sitemod.CSP
    assert 'unsafe-eval' not in sitemod.CSP and "script-src 'self' 'unsafe-inline'" not in sitemod.CSP


def test_hostile_file_name_is_escaped(tmp_path):
    """A notebook named to break out of href="..." is linked quoted, in the index and the navigation."""
    name = '6.6-x" onmouseover="alert(1)" data-x="'
    (tmp_path / 'notebooks').mkdir()
    nbformat.write(new_notebook(cells=[new_markdown_cell('# 6.1 One')]),
                   tmp_path / 'notebooks' / '6.1-one.ipynb')
    nbformat.write(new_notebook(cells=[new_markdown_cell('# <b>6.6</b> "x"')]),
                   tmp_path / 'notebooks' / f'{name}.ipynb')
    site = sitemod.build_site(tmp_path).parent
    quoted = '6.6-x%22%20onmouseover%3D%22alert%281%29%22%20data-x%3D%22.html'
    for page in ('index.html', '6.1-one.html', f'{name}.html'):
        parser = refs(site / page)
        text = (site / page).read_text()
        assert 'onmouseover="alert' not in text and ' data-x=' not in text, page
        hrefs = [href for cls, href in parser.links]
        assert quoted in hrefs or page == f'{name}.html', (page, hrefs)
        assert not any('"' in href for href in hrefs)
    assert '&lt;b&gt;6.6&lt;/b&gt;' in (site / 'index.html').read_text()


@pytest.mark.parametrize('content, expected', [
    ('[]', r'summary\.json must hold an object \{notebook: run\}, got list'),
    ('"x"', r'must hold an object .* got str'),
    ('{"6.1-one": []}', r"summary.json entry '6.1-one' must be an object, got list"),
    ('{"6.1-one": {"seconds": "fast"}}', r"seconds must be int or float or NoneType, got str 'fast'"),
    ('{"6.1-one": {"results": {"lenet": [1]}}}', r"results\['lenet'\] must be a number or an object"),
    ('{"6.1-one": ', r'is not valid JSON'),
])
def test_damaged_summary_is_a_clear_error(tmp_path, capsys, content, expected):
    """A summary.json that is not the runner's {stem: entry} is a SiteError naming it, exit 2."""
    write_executed(tmp_path)
    (tmp_path / 'notebooks' / SUMMARY_FILE).write_text(content)
    with pytest.raises(sitemod.SiteError, match=expected):
        sitemod.build_site(tmp_path)
    from d2l_ch6.__main__ import main
    assert main(['site', '--out', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('d2l-ch6 site: ') and 'summary.json' in err and 'Traceback' not in err


def test_equations_broken_across_markdown_lines_are_joined():
    """A line of an equation that starts with '+' (6.4's) stays in the equation, not a bullet."""
    source = ('The sum is $(0 \\cdot 0 + 1 \\cdot 1) + (1 \\cdot 2)\n+ (1 \\cdot 1) = 56$.\n\n'
              '- a real bullet with $x$\n\n`$not\nmath$` and $$a\n+ b$$ and $50 %\ncomment$')
    out = sitemod.join_math_lines(source)
    assert '$(0 \\cdot 0 + 1 \\cdot 1) + (1 \\cdot 2) + (1 \\cdot 1) = 56$' in out
    assert '\n\n- a real bullet with $x$' in out
    assert '`$not\nmath$`' in out and '$$a + b$$' in out and '$50 %\ncomment$' in out
    from nbconvert.filters.markdown import markdown2html
    assert '<li>' not in markdown2html(sitemod.join_math_lines(source.split('\n\n')[0]))
    assert '<li>' in markdown2html(source.split('\n\n')[0])  # what the page showed before


def test_the_index_reads_as_words(tmp_path):
    """Summaries, key figures, headline results in words and the machine; no metadata keys shown."""
    out = write_executed(tmp_path)
    summary = json.loads((out / 'notebooks' / SUMMARY_FILE).read_text())
    summary['6.6-lenet'] = {'status': 'ok', 'seconds': 80.0, 'quick': False, 'results': {
        'lenet': {'loss': 0.48, 'train_acc': 0.82, 'test_acc': 0.804},
        'lenet_improved_mnist': {'loss': 0.05, 'train_acc': 0.99, 'test_acc': 0.987}},
        'finished': '2026-12-04 10:00:00 UTC', 'error': ''}
    (out / 'notebooks' / SUMMARY_FILE).write_text(json.dumps(summary))
    text = sitemod.build_site(out).read_text()
    assert ('reached a test accuracy of <b>80.4%</b> in this run, inside the book&#x27;s band '
            'of 70.0%-83.6%') in text.replace("book's", 'book&#x27;s')
    assert 'recognises <b>98.7%</b> of the MNIST test digits in this run.' in text
    assert 'finished 2026-12-04 10:00:00 UTC' in text
    for section in ('Why images need a layer of their own', 'The cross-correlation behind'):
        assert section in text
    assert 'src="images/section0_cell01_1.png"' in text   # 6.1's first figure
    assert 'src="images/section2_cell01_1.png"' in text   # 6.6's: LeNet's curves
    assert 'The improved LeNet</b> (exercise 6.6.2' in text and 'test accuracy on Fashion-MNIST' in text
    assert 'recorded by <code>benchmarks/improve_lenet.py</code> on CPU:' in text
    assert "the machine that built this site: " in text
    assert 'class="d2l-explorer"' in text
    visible = re.sub(r'<[^>]+>', ' ', text)
    for key in ('lenet_improved_mnist', 'train_acc', 'test_acc'):
        assert key not in visible, key


def lenet_index(out, six=None, metadata=None):
    """Build the site from write_executed's notebooks with 6.6 replaced by six (or removed); return index's text and words."""
    folder = out / 'notebooks'
    if six is None:
        (folder / '6.6-lenet.ipynb').unlink()
    else:
        six.metadata['d2l_ch6'] = metadata or {}
        nbformat.write(six, folder / '6.6-lenet.ipynb')
    text = sitemod.build_site(out).read_text()
    return text, ' '.join(re.sub(r'<[^>]+>', ' ', html.unescape(text)).split())


def training_cell(source, outputs):
    return new_code_cell(source, outputs=outputs, execution_count=1)


def test_the_index_says_not_executed_only_without_the_6_6_notebook(tmp_path):
    """No 6.6 notebook among the executed ones: no curves and no results, said as such."""
    text, words = lenet_index(write_executed(tmp_path))
    assert (f'No LeNet training curves: the 6.6 notebook was not executed (there is none in '
            f'{tmp_path / "notebooks"}).') in words
    assert 'The 6.6 notebook was not executed: no LeNet results.' in words
    assert 'lenet_curves' not in text


@pytest.mark.parametrize('cell, metadata, expected', [
    # the regex the curves are found by misses: the History is named otherwise in the cell
    (training_cell("hist = train_ch5(net, train_iter, test_iter, 10, 0.9)", [image_output()]),
     {'results': {'lenet': 'history'}},
     'No LeNet training curves: the 6.6 notebook was executed, but none of its code cells starts '
     'a line with history = train_ch5(...) , the cell its curves were looked for in.'),
    (training_cell("history = train_ch5(net, train_iter, test_iter, 10, 0.9)", [image_output()]),
     {}, 'No LeNet training curves: the 6.6 notebook was executed, but its metadata names no '
         'history for them ( d2l_ch6.results.lenet ), so its training cell could not be found.'),
    (training_cell("history = train_ch5(net, train_iter, test_iter, 10, 0.9)", [new_output(
        'error', ename='MXNetError', evalue='out of memory', traceback=[])]),
     {'results': {'lenet': 'history'}},
     'No LeNet training curves: the 6.6 notebook was executed, but its training cell '
     '( history = train_ch5(...) ) failed with MXNetError: out of memory.'),
    (training_cell("history = train_ch5(net, train_iter, test_iter, 10, 0.9)", [new_output(
        'stream', name='stdout', text='loss 0.466, train acc 0.827, test acc 0.799\n')]),
     {'results': {'lenet': 'history'}},
     'No LeNet training curves: the 6.6 notebook was executed, but its training cell '
     '( history = train_ch5(...) ) shows no PNG or SVG figure.'),
])
def test_executed_6_6_without_curves_says_what_was_looked_for(tmp_path, cell, metadata, expected):
    """An executed 6.6 notebook whose curves are not found is never called 'not executed'."""
    six = new_notebook(cells=[new_markdown_cell('# 6.6 LeNet'), cell])
    text, words = lenet_index(write_executed(tmp_path), six, metadata)
    assert expected in words
    assert 'not executed' not in words
    assert 'lenet_curves' not in text


def test_executed_6_6_with_unreadable_results_says_so(tmp_path):
    """Curves found (also for d2l_ch6.train_ch5), results not: the headline names what it looked for."""
    six = new_notebook(cells=[new_markdown_cell('# 6.6 LeNet'), training_cell(
        "history = d2l_ch6.train_ch5(net, train_iter, test_iter, 10, 0.9)", [image_output()])])
    text, words = lenet_index(write_executed(tmp_path), six, {'results': {'lenet': 'history'}})
    assert 'src="images/lenet_curves_cell01_1.png"' in text
    assert ("The 6.6 notebook was executed (status ok), but its results could not be read: no "
            "test accuracy of the book's LeNet ( lenet , test_acc ) in the notebook's Results "
            "output.") in words
    assert 'not executed' not in words
    # With summary.json's entry for it, that is where it was looked for.
    out = tmp_path / 'again'
    write_executed(out)
    summary = json.loads((out / 'notebooks' / SUMMARY_FILE).read_text())
    summary['6.6-lenet'] = {'status': 'failed', 'seconds': 3.0, 'quick': True, 'results': {},
                            'error': 'x', 'finished': ''}
    (out / 'notebooks' / SUMMARY_FILE).write_text(json.dumps(summary))
    _, words = lenet_index(out, six, {'results': {'lenet': 'history'}})
    assert ("The 6.6 notebook was executed (status failed), but its results could not be read: "
            "no test accuracy of the book's LeNet ( lenet , test_acc ) in this notebook's entry "
            "in summary.json.") in words


RAW_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
           'onload="fetch(\'/svg-onload\')">'
           '<script>fetch("http://evil.invalid/svg-script")</script>'
           '<image href="http://evil.invalid/svg.png" width="5" height="5"/>'
           '<path d="M0 0 L9 9" stroke="blue"/></svg>')


def write_checker_site(folder):
    """Hand-written pages (no policy, nothing cleaned) that each reach outside in their own way."""
    site = folder / 'site'
    site.mkdir(parents=True)
    page = '<!DOCTYPE html><html><head><title>{t}</title>{head}</head><body>{body}</body></html>'
    pages = {
        'index.html': ('', '<a href="6.1-late.html">1</a><a href="6.2-gated.html">2</a>'
                           '<a href="6.3-socket.html">3</a><a href="6.4-refresh.html">4</a>'
                           '<a href="6.5-base.html">5</a><a href="6.6-file.html">6</a>'),
        '6.1-late.html': ('', f'<script>setTimeout(() => fetch("{EVIL}/late"), 4000)</script>'),
        '6.2-gated.html': ('', f'<script>if (!navigator.webdriver) fetch("{EVIL}/gated")</script>'),
        '6.3-socket.html': ('', '<script>new WebSocket("ws://evil.invalid/socket")</script>'),
        '6.4-refresh.html': (f'<meta http-equiv="refresh" content="1;url={EVIL}/refresh">', ''),
        '6.5-base.html': (f'<base href="{EVIL}/">', '<a class="d2l-contents" href="index.html">c</a>'
                                                    '<a class="d2l-next" href="6.6-file.html">n</a>'),
        '6.6-file.html': ('', '<img src="file:///etc/hostname" alt="outside">'
                              '<a href="figures/linked.svg">a figure</a>'),
    }
    for name, (head, body) in pages.items():
        (site / name).write_text(page.format(t=name, head=head, body=body))
    # SVG files as the site wrote them before clean_svg: each runs or loads when opened alone
    (site / 'images').mkdir()
    (site / 'images' / 'raw.svg').write_text(RAW_SVG)
    (site / 'figures').mkdir()
    (site / 'figures' / 'linked.svg').write_text(svg('<path d="M0 0 L9 9"/>', ' onload="alert(7)"'))
    return site


@pytest.mark.once  # a real browser: the same on every Python
def test_check_catches_what_leaves_the_site(chromium, tmp_path):
    """Late, webdriver-gated and socket requests, a refresh, <base> and outside files: all reported.

    The check used to miss all but <base>, on which it crashed (TypeError in _check_order).
    """
    site = write_checker_site(tmp_path)
    problems = browser_check.check_site(site, screens=tmp_path / 'screens')
    text = {name: '\n'.join(found) for name, found in problems.items()}
    assert f'request outside the site: {EVIL}/late' in text['6.1-late.html']
    assert f'request outside the site: {EVIL}/gated' in text['6.2-gated.html']
    assert 'WebSocket outside the site: ws://evil.invalid/socket' in text['6.3-socket.html']
    assert f'request outside the site: {EVIL}/refresh' in text['6.4-refresh.html']
    assert f'link leaves the site: index.html' in text['6.5-base.html']
    assert 'navigation links' in text['6.5-base.html']
    assert 'request outside the site: file:///etc/hostname' in text['6.6-file.html']
    # the files, each opened on its own: images/ whether linked or not, and what a page links to
    raw = text['images/raw.svg']
    assert 'request outside the site: http://evil.invalid/svg-script' in raw
    assert 'request outside the site: http://evil.invalid/svg.png' in raw
    assert 'request outside the site: file:///svg-onload' in raw
    assert '1 script element(s) in the file' in raw and '1 element(s) with an event handler' in raw
    linked = text['figures/linked.svg']
    assert 'the page opened a dialog: 7' in linked and '1 element(s) with an event handler' in linked
    report = json.loads((tmp_path / 'screens' / 'report.json').read_text())
    assert report['images/raw.svg']['type'] == 'image/svg+xml'
    assert not (tmp_path / 'screens' / 'raw.png').exists()


@pytest.mark.once  # a real browser: the same on every Python
def test_hostile_notebook_runs_nothing_in_chromium(chromium, tmp_path):
    """Every hostile case on one page: nothing runs, nothing leaves the site, the maths still typesets.

    The 6.2 notebook's key figure is the hostile SVG: its file, opened on its
    own, runs and loads nothing either.
    """
    folder = tmp_path / 'notebooks'
    folder.mkdir()
    nbformat.write(hostile_notebook(sorted(HOSTILE)), folder / '6.1-hostile.ipynb')
    nbformat.write(new_notebook(cells=[new_markdown_cell('# 6.2 Figure'), new_code_cell(
        'show()', outputs=[new_output('display_data', data={'image/svg+xml': RAW_SVG})],
        execution_count=1)]), folder / '6.2-svg.ipynb')
    site = sitemod.build_site(tmp_path).parent
    images = sorted(f'images/{p.name}' for p in (site / 'images').iterdir())
    assert 'images/section1_cell01_1.svg' in images
    problems = browser_check.check_site(site, screens=tmp_path / 'screens')
    assert problems == {name: [] for name in ['index.html', '6.1-hostile.html', '6.2-svg.html']
                        + images}
    report = json.loads((tmp_path / 'screens' / 'report.json').read_text())
    assert report['6.1-hostile.html']['equations'] == 1


@pytest.mark.once  # a real browser: the same on every Python
def test_check_survives_a_page_that_never_returns(chromium, tmp_path, monkeypatch):
    """A script that loops for ever is that page's problem; the check still ends and reports."""
    monkeypatch.setattr(browser_check, 'LOAD_TIMEOUT_MS', 4000)
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'index.html').write_text('<!DOCTYPE html><title>i</title><a href="6.1-loop.html">1</a>')
    (site / '6.1-loop.html').write_text('<!DOCTYPE html><title>l</title>'
                                        '<script>setTimeout(() => { for (;;) {} }, 500)</script>')
    problems = browser_check.check_site(site, screens=tmp_path / 'screens', settle=2)
    assert any('does not respond' in p or 'did not load' in p or 'could not be read' in p
               for p in problems['6.1-loop.html']), problems


@pytest.mark.parametrize('dirty, clean', [
    ('<p onclick="x()">a</p>', '<p>a</p>'),
    ('<script>alert(1)</script>b', 'b'),
    ('<svg><script>alert(1)</script><p>in svg</p></svg>c', 'c'),
    ('<style>@import url(http://e/x.css);</style>d', 'd'),
    ('<script>never closed <p>e</p>', ''),
    ('<a href=" JaVa\tScRiPt:alert(1)">f</a>', '<a>f</a>'),
    ('<a href="java&#x0A;script:alert(1)">g</a>', '<a>g</a>'),
    ('<a href="https://d2l.ai">h</a><a href="#x">i</a><a href="6.2-two.html">j</a>',
     '<a href="https://d2l.ai">h</a><a href="#x">i</a><a href="6.2-two.html">j</a>'),
    ('<a href="//evil.invalid/x">k</a>', '<a>k</a>'),
    ('<img src="data:image/png;base64,AAAA" alt="l">', '<img src="data:image/png;base64,AAAA" alt="l">'),
    ('<img src="data:text/html,<script>x</script>" alt="m">', 'm'),
    ('<img src="http://evil.invalid/n.png" alt="n">', 'n'),
    ('<img src="images/o.png">', ''),
    ('<div style="color: red">p</div>', '<div style="color: red">p</div>'),
    ('<div style="background: u\\72l(http://e/q.png)">q</div>', '<div>q</div>'),
    ('<div style="background-image:url(data:image/png;base64,AA)">r</div>', '<div>r</div>'),
    ('<div id="ok-id" class="jp-x d2l-explorer">s</div>', '<div id="ok-id" class="jp-x">s</div>'),
    ('<div id="x y" data-settings="{}">t</div>', '<div>t</div>'),
    ('<base href="http://e/"><meta http-equiv="refresh" content="0;url=http://e"><link rel=x href=y>u',
     'u'),
    ('<form action="http://e"><input name=v value=w><button formaction="http://e">x</button></form>',
     'x'),
    ('<!-- <script>alert(1)</script> -->y', 'y'),
    ('<p title=\'a" onclick="z()\'>z</p>', '<p title="a&quot; onclick=&quot;z()">z</p>'),
    ('<table><tr><td colspan="2" onmouseover="x">1</td></tr></table>',
     '<table><tr><td colspan="2">1</td></tr></table>'),
    ('a < b &amp; c', 'a &lt; b &amp; c'),
    ('<img src="data:image/png;base64,AA" width="30" height="12.5">',
     '<img src="data:image/png;base64,AA" width="30" height="12.5">'),
    ('<img src="data:image/png;base64,AA" width="1 srcset=http://e/x" height="2px; x">',
     '<img src="data:image/png;base64,AA">'),
])
def test_clean_html(dirty, clean):
    """The allow-list, case by case: what runs or loads goes, text and safe markup stay."""
    assert sanitize.clean_html(dirty) == clean


def test_clean_html_bad_argument():
    with pytest.raises(TypeError, match='fragment must be a str, got bytes'):
        sanitize.clean_html(b'<p>')


def test_the_index_quotes_the_books_printed_lenet_line():
    """site.BOOK_LENET is the line section 6.6.2 prints (the book's text, beside the project)."""
    import re
    book = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'book' / 'chapter6.md'
    if not book.is_file():
        pytest.skip(f'the book text is not at {book}')
    loss, train, test = re.search(r'^loss ([\d.]+), train acc ([\d.]+), test acc ([\d.]+)$',
                                  book.read_text(), re.M).groups()
    from d2l_ch6.publishing.site import BOOK_LENET
    assert (BOOK_LENET['loss'], BOOK_LENET['train_acc'], BOOK_LENET['test_acc']) == (
        float(loss), float(train), float(test))


# --- issue 29: what a notebook hands the site is bounded, checked or left out -----------------

def test_explorer_settings_out_of_range_are_clamped_with_a_note(tmp_path):
    """conv_explorer(settings=ExplorerSettings(n=3000, ...)) in a cell: the page starts at n=28, and says so.

    n=3000 copied into the page killed the live explorer ("Maximum call stack
    size exceeded"). Out-of-range integers are clamped to the sliders' range,
    a wrong type, an unknown field or mode is left out; each is a note.
    """
    widget = new_output('display_data', data={WIDGET: {'model_id': 'a', 'version_major': 2,
                                                       'version_minor': 0}})
    source = ("w = conv_explorer(settings=ExplorerSettings(n=3000, k=-2, p=2, s='2', "
              "mode='evil', colour=1, d=__import__('os'), row=100000000000000000000))")
    nb = new_notebook(cells=[new_markdown_cell('# 6.3 Padding'),
                             new_code_cell(source, outputs=[widget], execution_count=1)])
    (tmp_path / 'notebooks').mkdir()
    nbformat.write(nb, tmp_path / 'notebooks' / '6.3-padding.ipynb')
    notes = []
    site = sitemod.build_site(tmp_path, notes=notes).parent
    text = (site / '6.3-padding.html').read_text()
    settings = json.loads(html.unescape(re.search(r'data-settings="([^"]*)"', text).group(1)))
    assert settings == {'n': 28, 'k': 1, 'p': 2, 's': 1, 'd': 1, 'mode': 'corr',
                        'source': 'grid', 'row': 28, 'col': 0}
    expected = ['n must be from 1 to 28, got 3000: 28 instead',
                'k must be from 1 to 7, got -2: 1 instead',
                "s must be an integer from 1 to 4, got str '2': left out",
                "mode must be one of 'corr', 'max', 'avg', got 'evil': left out",
                "'colour' is not a setting of the explorer: left out",
                'd is not a plain value: left out',
                'row must be from 0 to 28, got 100000000000000000000: 28 instead']
    assert sorted(notes) == sorted(f'6.3-padding.ipynb, cell 1: explorer setting {e}'
                                   for e in expected)
    for e in expected:  # the reader is told too
        assert html.escape(e) in text, e


def write_invalid(folder):
    """Write three notebooks nbformat refuses beside write_executed's: {file name: what is wrong}."""
    nb = nbformat.v4.new_notebook(cells=[new_markdown_cell('# 6.3 Bad'), new_code_cell(
        'print(1)', execution_count=1)])
    string_count = json.loads(nbformat.writes(nb))
    string_count['cells'][1]['execution_count'] = '1'
    evil = json.loads(nbformat.writes(nb))
    evil['cells'][0]['cell_type'] = 'evil'
    files = {'6.3-string-count.ipynb': json.dumps(string_count),
             '6.4-evil-cell.ipynb': json.dumps(evil),
             '6.5-not-json.ipynb': '{"cells": [',
             '6.7-not-a-notebook.ipynb': '[1, 2]'}
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


def test_invalid_notebooks_are_skipped_by_name(tmp_path, capsys):
    """A string execution_count, a cell of type 'evil', non-JSON: each named and skipped; the rest is written.

    One such notebook used to stop the build with a raw NotebookValidationError
    (rc 1), leaving no index.html.
    """
    out = write_executed(tmp_path)
    write_invalid(out / 'notebooks')
    notes = []
    index = sitemod.build_site(out, notes=notes)
    site = index.parent
    assert sorted(p.name for p in site.glob('*.html')) == [
        '6.1-one.html', '6.2-two.html', '6.6-lenet.html', 'index.html']
    skipped = sorted(n for n in notes if n.startswith('skipped '))
    assert skipped == [
        "skipped 6.3-string-count.ipynb: not a valid notebook: cells[1].execution_count: '1' is "
        "not of type 'integer', 'null'",
        "skipped 6.4-evil-cell.ipynb: not a valid notebook: cells[0]: cell_type 'evil' is not one "
        "of 'code', 'markdown', 'raw'",
        "skipped 6.5-not-json.ipynb: not a notebook (NotJSONError: Notebook does not appear to be "
        "JSON: '{\"cells\": [')",
        'skipped 6.7-not-a-notebook.ipynb: not a notebook: its JSON is no object with nbformat, '
        'metadata and cells']
    words = ' '.join(re.sub(r'<[^>]+>', ' ', html.unescape(index.read_text())).split())
    assert 'Not in this site: 4 notebook(s) that could not be read as notebooks.' in words
    for line in skipped:  # each named on the index, with why
        name, why = line.removeprefix('skipped ').split(': ', 1)
        assert f'{name} : {why}' in words, (name, why)
    nav = [href for cls, href in refs(site / '6.2-two.html').links if 'd2l-' in cls]
    assert nav[:3] == ['6.1-one.html', 'index.html', '6.6-lenet.html']   # around the skipped
    from d2l_ch6.__main__ import main
    assert main(['site', '--out', str(out)]) == 4
    captured = capsys.readouterr()
    assert 'Traceback' not in captured.err
    for name in ('6.3-string-count', '6.4-evil-cell', '6.5-not-json', '6.7-not-a-notebook'):
        assert f'd2l-ch6 site: skipped {name}.ipynb: ' in captured.err
    assert '4 notebook(s) skipped, named above (exit code 4)' in captured.err
    assert captured.out.strip() == f'site written: {index.resolve()}'


def image_attributes(text):
    """The attributes of each <img> of a page, as the browser's parser reads them."""
    class Images(html.parser.HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            if tag == 'img':
                self.found.append(dict(attrs))
    parser = Images()
    parser.found = []
    parser.feed(text)
    return parser.found


def test_output_metadata_keeps_only_numeric_sizes(tmp_path):
    """An image's width/height metadata reaches the page only as a plain number; anything else is a note.

    nbconvert writes them unquoted into <img>: `width='1 srcset=http://... onerror=...'`
    reached the page as attributes. Other metadata keys are dropped.
    """
    png = base64.b64encode(png_bytes()).decode()
    outputs = [
        new_output('display_data', data={'image/png': png}, metadata={'width': 30, 'height': 20}),
        new_output('display_data', data={'image/png': png}, metadata={
            'width': f'1 srcset={EVIL}/w.png', 'height': True, 'image/png': {'width': -4},
            'needs_background': 'light', 'unconfined': True, 'other': {'x': f'{EVIL}/x'}}),
        new_output('display_data', data={'image/jpeg': png}, metadata={
            'image/jpeg': {'height': float('inf')}})]
    nb = new_notebook(cells=[new_markdown_cell('# 6.1 Sizes'),
                             new_code_cell('show()', outputs=outputs, execution_count=1)])
    (tmp_path / 'notebooks').mkdir()
    nbformat.write(nb, tmp_path / 'notebooks' / '6.1-sizes.ipynb')
    notes = []
    site = sitemod.build_site(tmp_path, notes=notes).parent
    text = (site / '6.1-sizes.html').read_text()
    images = image_attributes(text)
    assert len(images) == 3
    assert (images[0]['width'], images[0]['height']) == ('30', '20')
    assert images[1]['class'] == 'unconfined jp-needs-light-background'
    assert [sorted(set(i) - {'src', 'alt', 'class'}) for i in images] == [['height', 'width'], [], []]
    assert 'evil.invalid' not in text
    assert notes == [
        f"6.1-sizes.ipynb, cell 1: output metadata width must be a number from 0 to 100000, got "
        f"'1 srcset={EVIL}/w.png': left out",
        '6.1-sizes.ipynb, cell 1: output metadata height must be a number from 0 to 100000, got '
        'True: left out',
        '6.1-sizes.ipynb, cell 1, image/png: output metadata width must be a number from 0 to '
        '100000, got -4: left out',
        '6.1-sizes.ipynb, cell 1, image/jpeg: output metadata height must be a number from 0 to '
        '100000, got inf: left out']


# --- SVG figures: opened on their own (no page, no policy) they run and load nothing -----------

def svg(body, root=''):
    return f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"{root}>{body}</svg>'


@pytest.mark.parametrize('dirty, clean', [
    (svg('<script>fetch("/x")</script><path d="M0 0"/>'), svg('<path d="M0 0"></path>')),
    (svg('<g onclick="x()"><rect width="2" height="1" onload="y()"/></g>', ' onload="fetch(1)"'),
     svg('<g><rect width="2" height="1"></rect></g>')),
    (svg(f'<image href="{EVIL}/a.png" width="2"/><image xlink:href="//evil.invalid/b.png"/>'),
     svg('<image width="2"></image><image></image>')),
    (svg('<image xlink:href="data:image/png;base64,AAAA"/><image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
     svg('<image xlink:href="data:image/png;base64,AAAA"></image><image></image>')),
    (svg(f'<use href="#g1"/><use xlink:href="{EVIL}/s.svg#g1"/><use href="other.svg#a"/>'),
     svg('<use xlink:href="#g1"></use><use></use><use></use>')),
    (svg(f'<linearGradient id="g0"/><linearGradient href="#g0"/><pattern href="{EVIL}/p.svg#p"/>'),
     svg('<linearGradient id="g0"></linearGradient><linearGradient xlink:href="#g0">'
         '</linearGradient><pattern></pattern>')),
    (svg(f'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml"><img src="{EVIL}/f"/></p>'
         '</foreignObject><text>kept</text>'), svg('<text>kept</text>')),
    (svg('<path fill="url(#grad)" clip-path="url(\'#c1\')" stroke="url(http://e/x#a)"/>'),
     svg('<path fill="url(#grad)" clip-path="url(&#x27;#c1&#x27;)"></path>')),
    (svg('<path style="fill: url(#h1); stroke: #000"/><path style="fill: url(http://e/p)"/>'),
     svg('<path style="fill: url(#h1); stroke: #000"></path><path></path>')),
    (svg('<style>*{stroke-linejoin: round}</style><style>@import "http://e/a.css";</style>'
         '<style>path{fill:url(http://e/b)}</style>'),
     svg('<style>*{stroke-linejoin: round}</style><style></style><style></style>')),
    (svg('<style>*{fill: red}<g/>@import "http://e/a.css";</style>'), svg('<style></style>')),
    (svg('<a href="javascript:alert(1)"><text>t</text></a><set attributeName="href" to="x"/>'
         '<animate attributeName="href" values="javascript:alert(1)"/><filter><feImage '
         f'href="{EVIL}/fe"/></filter><iframe src="{EVIL}/i"/>'), svg('')),
    (svg('<text x="1" xml:space="preserve">a &lt; b &amp; "c"</text><!-- <script>x</script> -->'
         '<?xml-stylesheet href="http://e/x.css"?><![CDATA[<script>y</script>]]>'),
     svg('<text x="1" xml:space="preserve">a &lt; b &amp; &quot;c&quot;</text>'
         '&lt;script&gt;y&lt;/script&gt;')),
    (svg('<path d="M0 0" data-x="1" xlink:title="t" xmlns:ev="http://www.w3.org/2001/xml-events" '
         'ev:event="click"/>'), svg('<path d="M0 0"></path>')),
    ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG '
     '1.1//EN"\n  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + svg('<g></g>'),
     svg('<g></g>')),                   # matplotlib's DOCTYPE names an external DTD: never read
])
def test_clean_svg(dirty, clean):
    """The SVG allow-list, case by case: what runs, loads or links goes; the drawing stays."""
    assert sanitize.clean_svg(dirty) == clean


@pytest.mark.parametrize('text, expected', [
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     + svg('<text>&b;</text>'), 'declares an internal DTD subset'),     # a billion laughs
    ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + svg('<text>&x;</text>'),
     'declares an internal DTD subset'),                                  # an external entity
    ('<!DOCTYPE svg SYSTEM "http://evil.invalid/x.dtd">' + svg('<text>&x;</text>'),
     'declares an entity it does not define'),
    (svg('<text>&x;</text>'), 'not well-formed XML: undefined entity'),
    (svg('<path d="M0 0">'), 'not well-formed XML: mismatched tag'),
    ('<svg><path/></svg>', 'no <svg> element in the SVG namespace'),
    ('<html xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></html>',
     'no <svg> element in the SVG namespace'),
    ('<g xmlns="http://www.w3.org/2000/svg"><path/></g>', 'the root element must be <svg>, got <g>'),
    ('', 'not well-formed XML: no element found'),
])
def test_clean_svg_refuses(text, expected):
    """An SVG that declares entities, is not XML or is no SVG is refused (UnsafeSvg), never half-written."""
    with pytest.raises(sanitize.UnsafeSvg, match=re.escape(expected)):
        sanitize.clean_svg(text)


def test_clean_svg_keeps_a_matplotlib_figure():
    """matplotlib's SVG (glyphs as <use>, clip paths, an embedded PNG, a <style>) keeps every element and attribute it draws with."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy
    fig, axes = plt.subplots(1, 2, figsize=(3, 1.5))
    axes[0].plot([1, 3, 2], label='loss')
    axes[0].legend()
    axes[0].set_title('$x^2$')
    axes[1].imshow(numpy.arange(16).reshape(4, 4))
    buffer = io.StringIO()
    fig.savefig(buffer, format='svg')
    plt.close(fig)
    original = buffer.getvalue()
    cleaned = svg_tree(sanitize.clean_svg(original))
    drawn = [e for e in svg_tree(original) if not e[0].startswith(
        ('{http://purl.org', '{http://www.w3.org/1999/02/22-rdf', '{http://creativecommons'))
        and not e[0].endswith('}metadata')]
    assert len(drawn) > 100 and cleaned == drawn


HOSTILE_SVG = svg(f'<script>fetch("{EVIL}/svg-script")</script><image href="{EVIL}/svg.png"/>'
                  f'<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="{EVIL}/f"/>'
                  '</foreignObject><path d="M0 0 L9 9" stroke="blue"/>',
                  ' onload="fetch(\'/svg-onload\')" width="10" height="10"')
LAUGHS = ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
          + svg('<text>&b;</text>'))


def test_svg_figures_are_written_inert(tmp_path):
    """The key figure's SVG file holds no script, handler or remote reference; a refused SVG is left out, said.

    site/images/section0_cell01_1.svg opened on its own (as "open image in
    new tab" does) ran its script and requested two remote URLs.
    """
    svg_output = lambda text: new_output('display_data', data={'image/svg+xml': text})  # noqa: E731
    png_lie = new_output('display_data', data={'image/png': base64.b64encode(
        HOSTILE_SVG.encode()).decode()})      # an SVG sent as PNG: as a file, it is what it holds
    nb = new_notebook(cells=[new_markdown_cell('# 6.1 Figures'),
                             new_code_cell('a()', outputs=[png_lie, svg_output(HOSTILE_SVG)],
                                           execution_count=1),
                             new_code_cell('b()', outputs=[svg_output(LAUGHS)], execution_count=2)])
    (tmp_path / 'notebooks').mkdir()
    nbformat.write(nb, tmp_path / 'notebooks' / '6.1-figures.ipynb')
    notes = []
    site = sitemod.build_site(tmp_path, notes=notes).parent
    assert [p.name for p in (site / 'images').iterdir()] == ['section0_cell01_1.svg']
    written = (site / 'images' / 'section0_cell01_1.svg').read_text()
    assert written == svg('<image></image><path d="M0 0 L9 9" stroke="blue"></path>',
                          ' width="10" height="10"')
    assert notes == ['6.1-figures.ipynb, cell 2: SVG figure left out: the SVG declares an internal '
                     'DTD subset: refused (entities can expand without end)']
    page = (site / '6.1-figures.html').read_text()
    assert '[an SVG figure the site could not make safe: left out]' in page
    shown = [base64.b64decode(src.split(',', 1)[1]).decode() for src in re.findall(
        r'src="(data:image/svg\+xml;base64,[^"]*)"', page)]
    assert shown == [written]            # the page's copy is the inert one too
