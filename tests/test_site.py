"""Tests for d2l_ch6.site: the executed chapter as an offline site, checked in a real browser.

The pages are built from small executed notebooks written here and, in the
browser test, from the six chapter notebooks that tests/test_notebooks.py
executes in quick mode (the session's quick_run folder; whatever has not run
yet runs there). Debian's chromium is driven headless by playwright, with
every request that is not a local file aborted and reported.
"""
import base64
import html.parser
import io
import json
import pathlib

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from d2l_ch6 import site as sitemod
from d2l_ch6.notebooks import SUMMARY_FILE, find_notebooks

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / 'notebooks'
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
        new_code_cell('conv_explorer()', outputs=[widget], execution_count=2)])
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
    assert (site / 'images' / 'lenet_curves_cell01_2.svg').read_text() == SVG
    text = index.read_text()
    order = [href for cls, href in refs(index).links][:3]
    assert order == ['6.1-one.html', '6.2-two.html', '6.6-lenet.html']
    assert 'src="images/lenet_curves_cell01_1.png"' in text
    assert 'src="images/lenet_curves_cell01_2.svg"' in text
    assert 'src="images/fashion_mnist_samples.png"' in text


def test_summary_table_from_the_runner_or_the_notebook(small_site):
    """The run's table takes status, mode, seconds and results from summary.json, else from the notebook."""
    text = (small_site[1]).read_text()
    rows = text.split('<tr>')[2:]
    assert '>ok<' in rows[0] and '>quick<' in rows[0] and '>1.2<' in rows[0]  # 1.25 s
    assert 'lenet: loss 0.500' in rows[0]
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


def test_widgets_become_a_note(small_site):
    """A widget view (it needs a kernel) becomes a note; no widget state or manager is left."""
    text = (small_site[0] / 'site' / '6.1-one.html').read_text()
    assert 'An interactive widget was here' in text
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
    with pytest.raises(sitemod.BrowserUnavailable, match='is missing: install Debian'):
        sitemod.check_site(small_site[0] / 'site', chromium=tmp_path / 'no-chromium')
    with pytest.raises(sitemod.SiteError, match='no index.html'):
        sitemod.check_site(tmp_path)


# --- in a real browser -------------------------------------------------------------------------

@pytest.fixture(scope='module')
def chromium():
    """Skip, saying why, where Debian's chromium or playwright is missing."""
    if not pathlib.Path(sitemod.CHROMIUM).is_file():
        pytest.skip(f'{sitemod.CHROMIUM} is missing: make setup installs Debian\'s chromium '
                    'when it runs as root')
    pytest.importorskip('playwright', reason='playwright is missing (the test extra)')
    return sitemod.CHROMIUM


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
    page.write_text(text)
    problems = sitemod.check_site(site, screens=tmp_path / 'screens')
    found = '\n'.join(problems['6.1-one.html'])
    assert 'request to the network: https://cdn.invalid/mathjax.js' in found
    assert 'image with no natural size: file://' in found
    assert "math left untypeset: ['$a^2 + b^2 = c^2$', '$n - k + 1.$']" in found
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
    assert sitemod.check_site(site, screens=tmp_path / 'ok')['6.1-one.html'] == []
    report = json.loads((tmp_path / 'ok' / 'report.json').read_text())
    assert report['6.1-one.html']['equations'] == 2


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
    problems = sitemod.check_site(index.parent)
    assert problems == {name: [] for name in ['index.html'] + [f'{p.stem}.html' for p in paths]}
    report = json.loads((index.parent / 'screens' / 'report.json').read_text())
    for path in paths:  # every section has equations, all typeset by the local MathJax
        assert report[f'{path.stem}.html']['equations'] > 0, path.stem
    screens = sorted((index.parent / 'screens').glob('*.png'))
    assert len(screens) == 7 and all(p.read_bytes()[:4] == b'\x89PNG' for p in screens)
    # The explorer's static figure and the note for its widget are on the 6.3 and 6.5 pages.
    for stem in ('6.3-padding-and-stride', '6.5-pooling'):
        text = (index.parent / f'{stem}.html').read_text()
        assert 'An interactive widget was here' in text
        assert text.count('<img') >= 3
    lenet = next(p for p in find_notebooks() if p.stem.startswith('6.6'))
    cell = next(i for i, c in enumerate(nbformat.read(lenet, as_version=4).cells)
                if '\nhistory = train_ch5(' in c.source)    # the book LeNet's curves
    assert [p.name for p in (index.parent / 'images').glob('lenet_curves_*')] == [
        f'lenet_curves_cell{cell:02d}_1.png']   # the chapter's figures are PNG, 6.6's too
