"""The offline site checked in a real browser: `d2l-ch6 site --check` (the package's addition).

``check_site`` opens every page of a built site at once in Debian's headless
chromium (driven by playwright, never a browser of its own), and every file
a page links to or shows (its images: an SVG opened on its own has no page
and no policy around it), watches each from before its load until it has
settled, and reports what a reader would see go wrong: a request outside
the site, console and script errors, a dialog, a script or event handler in
a file, broken images, equations left untypeset, an explorer that did not
start, links to missing files or out of the contents' order. One screenshot
per page and a report.json are written beside the site.
"""
import html.parser
import json
import pathlib

from .runner import _section_key
from .site import SiteError

__all__ = ['check_site', 'BrowserUnavailable', 'CHROMIUM']

CHROMIUM = '/usr/bin/chromium'  # Debian's; make setup installs it where it can
# AutomationControlled off: navigator.webdriver is false, so a page that hides its requests
# from automated browsers shows them here too.
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run',
                 '--disable-blink-features=AutomationControlled',
                 '--force-webrtc-ip-handling-policy=disable_non_proxied_udp']
SETTLE_SECONDS = 10.0   # how long after its load a page is watched for requests
LOAD_TIMEOUT_MS = 60_000
_NOT_WEBDRIVER = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"

# Run in each file (an image, opened on its own) once it has settled: what could run in it.
_FILE_PROBE = r"""() => {
  const all = [...document.getElementsByTagName('*')];
  return {
    url: location.href,
    type: document.contentType,
    scripts: document.getElementsByTagNameNS('*', 'script').length,
    handlers: all.filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length,
    foreign: document.getElementsByTagNameNS('*', 'foreignObject').length,
    parseErrors: document.getElementsByTagName('parsererror').length,
    images: [...document.images].map(img => ({src: String(img.src).slice(0, 80),
        ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0})),
  };
}"""

# Run in each page once it has settled: what a reader would see go wrong.
_PAGE_PROBE = r"""async () => {
  const wait = (ms) => new Promise(r => setTimeout(r, ms));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, wait(20000)]);
  }
  const images = [...document.images].map(img => ({src: String(img.src).slice(0, 80),
      ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0}));
  // Raw TeX left in the text a reader sees: any $ (or \( \[) outside code and typeset maths.
  const raw = [];
  for (const root of document.querySelectorAll('.jp-MarkdownOutput, .jp-RenderedLatex')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code, pre, mjx-container, script, style')) continue;
      const text = node.textContent;
      const at = text.search(/\$|\\\(|\\\[/);
      if (at >= 0) raw.push(text.slice(Math.max(0, at - 20), at + 40).trim());
    }
  }
  const explorers = [...document.querySelectorAll('.d2l-explorer')];
  return {
    title: document.title,
    url: location.href,
    images: images,
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    rawMath: raw.slice(0, 5),
    explorers: explorers.length,
    explorersRunning: explorers.filter(e => e.querySelector('.d2l-ex-input')).length,
    links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.getAttribute('href'),
        url: String(a.href), cls: String(a.className)})),
  };
}"""


class BrowserUnavailable(RuntimeError):
    """The site cannot be checked here: no chromium, or no playwright."""


def _file_of(url):
    """Return the local path of a file:// URL (without query or fragment), or None."""
    from urllib.parse import unquote, urlsplit
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return None
    return pathlib.Path(unquote(parts.path)) if parts.scheme == 'file' else None


def _inside(site, url):
    """Tell whether url is a file of the site (its folder or below)."""
    path = _file_of(url)
    if path is None:
        return False
    try:
        path.resolve().relative_to(site)
    except (ValueError, OSError):
        return False
    return True


def check_site(site, screens=None, chromium=CHROMIUM, user_data_dir=None, settle=SETTLE_SECONDS):
    """Open every page of site, and every file they link to, in chromium; return {page or file: [problems]}.

    The files are those a page shows or links to (``<img src>``, ``<a
    href>``) and all of ``images/``, each opened on its own as "open image in
    new tab" does. Every page and file is open at once, each watched from
    before its load until ``settle`` seconds after the last load (default
    10), with ``navigator.webdriver`` false. Problems: any request outside
    the site (the network, WebSockets, files outside the site folder; each
    is aborted), a page that navigates away or opens a window or a dialog,
    console and script errors, images with no natural size, equations not
    typeset (MathJax errors, or a raw ``$`` left in the text), an explorer
    that did not start, links to missing files or out of contents order; in
    a file, any script element, event handler or foreignObject. A page's
    content never crashes the check: what cannot be read is a problem of
    that page. screens: folder for one PNG per page (not per file) and
    report.json, what each page and file showed (default: <site>/screens).
    Raises BrowserUnavailable when chromium or playwright is missing.
    """
    import tempfile
    import time
    site = pathlib.Path(site).resolve()
    if not (site / 'index.html').is_file():
        raise SiteError(f'no index.html in {site}: run `d2l-ch6 site` first')
    if not pathlib.Path(chromium).is_file():
        raise BrowserUnavailable(f'{chromium} is missing: install Debian\'s chromium '
                                 '(make setup does as root)')
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable('the python package playwright is missing '
                                 '(make setup installs it with the test extra)') from None
    screens = pathlib.Path(screens) if screens is not None else site / 'screens'
    screens.mkdir(parents=True, exist_ok=True)
    pages = ['index.html'] + [p.name for p in sorted(site.glob('*.html'), key=_section_key)
                              if p.name != 'index.html']
    files = _linked_files(site, pages)
    problems = {name: [] for name in pages + files}
    report = {name: {} for name in pages + files}
    with tempfile.TemporaryDirectory(dir=user_data_dir) as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS,
            viewport={'width': 1280, 'height': 900}, service_workers='block')
        try:
            context.add_init_script(_NOT_WEBDRIVER)
            stray = problems['index.html']

            def context_route(r):  # what no page's own route saw (a popup, a worker)
                stray.append(f'request outside the site (another window or worker): '
                             f'{r.request.url[:200]}')
                r.abort()
            context.route('**/*', context_route)
            context.route_web_socket('**/*', lambda ws: (stray.append(
                f'WebSocket outside the site: {ws.url[:200]}'), ws.close()))
            tabs = {}
            for name in pages + files:
                tabs[name] = _open_watched(context, site, name, problems[name])
            loaded_at = time.monotonic()
            for name, page in tabs.items():
                try:
                    response = page.goto((site / name).as_uri(), wait_until='load',
                                         timeout=LOAD_TIMEOUT_MS)
                    if response is not None and not response.ok:
                        problems[name].append(f'load failed: status {response.status}')
                except PlaywrightError as e:
                    problems[name].append(f'the page did not load: {str(e).splitlines()[0]}')
                loaded_at = time.monotonic()
            first = next(iter(tabs.values()))
            remaining = settle - (time.monotonic() - loaded_at)
            if remaining > 0:
                first.wait_for_timeout(remaining * 1000)  # keeps every tab's handlers running
            order = []
            for name, page in tabs.items():
                try:  # a page whose script never returns would hang the probe and screenshot
                    page.wait_for_function('() => true', timeout=min(LOAD_TIMEOUT_MS, 10_000))
                except PlaywrightError:
                    problems[name].append('the page does not respond (a script that never ends?)')
                    continue
                if name in files:
                    report[name] = _check_file(site, name, page, PlaywrightError, problems[name])
                    continue
                info = _probe(page, PlaywrightError)
                if isinstance(info, str):
                    problems[name].append(info)
                    continue
                report[name] = {'title': info['title'], 'equations': info['math'],
                                'images': len(info['images']), 'links': len(info['links']),
                                'explorers': info['explorers']}
                if _file_of(info['url']) != (site / name):
                    problems[name].append(f'the page navigated away to {info["url"][:200]}')
                _check_page(site, name, info, problems[name])
                order.append((name, info['links']))
                try:
                    page.screenshot(path=str(screens / f'{pathlib.Path(name).stem}.png'),
                                    full_page=name == 'index.html', timeout=LOAD_TIMEOUT_MS)
                except PlaywrightError as e:
                    problems[name].append(f'no screenshot: {str(e).splitlines()[0]}')
            _check_order(pages, order, problems)
        finally:
            context.close()
    for name, found in problems.items():
        report[name]['problems'] = found
    (screens / 'report.json').write_text(json.dumps(report, indent=1), encoding='utf-8')
    return problems


def _linked_files(site, pages):
    """Return the site's files, other than its pages, that a page links to or shows, and all of images/."""
    from urllib.parse import unquote, urlsplit
    found = {p.relative_to(site).as_posix() for p in (site / 'images').rglob('*') if p.is_file()} \
        if (site / 'images').is_dir() else set()
    for name in pages:
        refs = _References()
        try:
            refs.feed((site / name).read_text(encoding='utf-8', errors='replace'))
        except OSError:
            continue  # the browser reports what cannot be read
        for url in refs.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # a data: image, a link out of the site: the page's own check
            path = (site / name).parent / unquote(parts.path)
            try:
                relative = path.resolve().relative_to(site).as_posix()
            except (ValueError, OSError):
                continue
            if path.is_file() and relative not in pages:
                found.add(relative)
    return sorted(found)


class _References(html.parser.HTMLParser):
    """Collect a page's <img src> and <a href>: the files a reader can open from it."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        wanted = {'img': 'src', 'a': 'href'}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value.strip())


def _check_file(site, name, page, error_class, problems):
    """Add the problems of a file opened on its own (an image): scripts, handlers, a broken image; return its report."""
    try:
        info = page.evaluate(_FILE_PROBE)
    except error_class as e:
        problems.append(f'the file could not be read: {str(e).splitlines()[0][:300]}')
        return {}
    want = {'url': str, 'type': str, 'scripts': int, 'handlers': int, 'foreign': int,
            'parseErrors': int, 'images': list}
    if not isinstance(info, dict) or any(not isinstance(info.get(k), t) for k, t in want.items()):
        problems.append(f'the file could not be read: its probe returned {str(info)[:200]}')
        return {}
    if _file_of(info['url']) != site / name:
        problems.append(f'the file navigated away to {info["url"][:200]}')
    for key, what in (('scripts', 'script element(s)'), ('handlers', 'element(s) with an event '
                      'handler'), ('foreign', 'foreignObject element(s)')):
        if info[key]:
            problems.append(f'{info[key]} {what} in the file')
    if info['parseErrors']:
        problems.append(f'the browser could not parse it as {info["type"]}')
    for img in info['images']:
        if isinstance(img, dict) and not img.get('ok'):
            problems.append(f'image with no natural size: {img.get("src")}')
    return {'type': info['type'], 'scripts': info['scripts'], 'handlers': info['handlers']}


def _open_watched(context, site, name, current):
    """Open a tab for page `name` that records into current every request, socket and error."""
    page = context.new_page()
    own = site / name

    def route(r):
        url = r.request.url
        if _inside(site, url):
            if r.request.is_navigation_request() and r.request.frame == page.main_frame \
                    and _file_of(url) != own:
                current.append(f'the page navigates to {url[:200]}')
                r.abort()
                return
            r.continue_()
        else:  # nothing may come from the network, nor from files outside the site
            current.append(f'request outside the site: {url[:200]}')
            r.abort()

    page.route('**/*', route)
    page.route_web_socket('**/*', lambda ws: (current.append(
        f'WebSocket outside the site: {ws.url[:200]}'), ws.close()))
    page.on('websocket', lambda ws: current.append(f'WebSocket opened: {ws.url[:200]}'))
    page.on('console', lambda m: m.type == 'error' and current.append(
        f'console error: {m.text[:300]}'))
    page.on('pageerror', lambda e: current.append(f'script error: {str(e)[:300]}'))
    page.on('popup', lambda p: current.append(f'the page opened a window: {p.url[:200]}'))
    page.on('dialog', lambda d: (current.append(f'the page opened a dialog: {d.message[:200]}'),
                                 d.dismiss()))
    page.on('requestfailed', lambda r: _inside(site, r.url) and current.append(
        f'failed request: {r.url[:200]} ({r.failure})'))
    return page


def _probe(page, error_class):
    """Return what _PAGE_PROBE reads from page, checked; or a problem (str) when it cannot be read."""
    try:
        info = page.evaluate(_PAGE_PROBE)
    except error_class as e:
        return f'the page could not be read: {str(e).splitlines()[0][:300]}'
    want = {'title': str, 'url': str, 'images': list, 'math': int, 'mathErrors': int,
            'rawMath': list, 'links': list, 'explorers': int, 'explorersRunning': int}
    if not isinstance(info, dict) or any(not isinstance(info.get(k), t) for k, t in want.items()):
        return f'the page could not be read: its probe returned {str(info)[:200]}'
    ok_link = lambda l: isinstance(l, dict) and all(isinstance(l.get(k), str)  # noqa: E731
                                                    for k in ('href', 'url', 'cls'))
    info['links'] = [l for l in info['links'] if ok_link(l)]
    info['images'] = [i for i in info['images'] if isinstance(i, dict)]
    return info


def _check_page(site, name, info, problems):
    """Add the problems one page's probe shows: images, equations, explorers, links."""
    for img in info['images']:
        if not img.get('ok'):
            problems.append(f'image with no natural size: {img.get("src")}')
    if info['mathErrors']:
        problems.append(f'{info["mathErrors"]} equations with MathJax errors')
    if info['rawMath']:
        problems.append(f'math left untypeset: {info["rawMath"]}')
    if info['explorersRunning'] < info['explorers']:
        problems.append(f'{info["explorers"] - info["explorersRunning"]} of {info["explorers"]} '
                        'explorers did not start')
    for link in info['links']:
        if link['href'].startswith('#'):
            continue
        path = _file_of(link['url'])
        if path is None:
            problems.append(f'link leaves the site: {link["href"][:200]}')
        elif not path.is_file():
            problems.append(f'link to a missing file: {link["href"][:200]}')


def _check_order(pages, order, problems):
    """Check that next/prev links follow the contents and that every page links to the index."""
    chapters = pages[1:]
    links = dict(order)

    def target(link):
        path = _file_of(link['url'])
        return path.name if path is not None else link['url'][:200]

    contents = [target(l) for l in links.get('index.html', [])
                if 'd2l' not in l['cls'] and _file_of(l['url'])]
    seen = list(dict.fromkeys(c for c in contents if c in chapters))
    if 'index.html' in links and seen != chapters:
        problems['index.html'].append(f'contents list {seen}, pages are {chapters}')
    for i, name in enumerate(chapters):
        if name not in links:
            continue  # unreadable: already a problem of its own
        got = {}
        for l in links[name]:
            for rel in ('prev', 'next', 'contents'):
                if f'd2l-{rel}' in l['cls'].split():
                    got.setdefault(rel, set()).add(target(l))
        want = {'contents': {'index.html'}}
        if i > 0:
            want['prev'] = {chapters[i - 1]}
        if i + 1 < len(chapters):
            want['next'] = {chapters[i + 1]}
        if got != want:
            problems[name].append(f'navigation links {got}, expected {want}')
