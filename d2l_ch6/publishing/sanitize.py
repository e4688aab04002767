"""Notebook HTML made safe for the offline site: an allow-list that re-writes every tag (the package's addition).

A notebook's outputs and Markdown were written by whoever wrote the notebook,
and the site promises to run nothing it did not write. ``clean_html`` parses
the fragment with the standard library's parser and writes back only what
is on the lists below: known formatting, list, table and image tags, a few
harmless attributes, links to the web or inside the page, images only as
``data:`` URIs. Nothing is passed through: text and attribute values are
escaped again, so what the browser reads is exactly what this module wrote,
whatever the parser made of odd input. Scripts, styles, frames, objects,
``<svg>``/``<math>`` islands, ``<base>``, ``<meta>`` (a refresh) and
``<link>`` are dropped with everything inside them; event handlers,
``srcset``, remote ``src`` and styles that could load something
(``url(``, ``@import``, ``image-set(``) are dropped. The site's
Content-Security-Policy (``site.CSP``) is the second line behind this one.
"""
import html
import html.parser
import re

__all__ = ['clean_html']

ALLOWED_TAGS = frozenset('''a abbr b bdi bdo blockquote br caption cite code col colgroup dd del
    details dfn div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre
    q rp rt ruby s samp small span strong sub summary sup table tbody td tfoot th thead time tr
    tt u ul var wbr'''.split())
VOID_TAGS = frozenset('br col hr img wbr area base link meta input embed source track param'
                      .split())
# Dropped together with everything inside them (their text is code, or loads something).
DROP_WITH_CONTENT = frozenset('''script style template iframe frame frameset object embed applet
    noscript noembed noframes svg math audio video canvas title textarea select head xmp
    plaintext portal fencedframe'''.split())
GLOBAL_ATTRS = frozenset('class id title lang dir style align valign'.split())
TAG_ATTRS = {'a': {'href'}, 'img': {'src', 'alt', 'width', 'height'}, 'td': {'colspan', 'rowspan'},
             'th': {'colspan', 'rowspan', 'scope'}, 'ol': {'start', 'type', 'reversed'},
             'col': {'span'}, 'colgroup': {'span'}, 'details': {'open'}, 'time': {'datetime'},
             'li': {'value'}, 'q': {'cite'}, 'blockquote': {'cite'}}
SAFE_ID = re.compile(r'^[A-Za-z][\w.:-]{0,100}$')
SAFE_DATA_IMAGE = re.compile(r'^data:image/(png|jpeg|gif|webp|svg\+xml)[;,]', re.IGNORECASE)
SAFE_LINK = re.compile(r'^(https?:|mailto:|#)', re.IGNORECASE)
SCHEME = re.compile(r'^[^/?#]*:')
# Anything in a style that can reach outside: urls, imports, old IE expressions and bindings.
UNSAFE_STYLE = re.compile(r'url\s*\(|image-set|image\s*\(|@|expression|binding|behavior|\\|'
                          r'javascript:|src\s*\(', re.IGNORECASE)


def _safe_url(value, tag):
    """Return value when tag may use it as its URL, else None."""
    v = ''.join(value.split())  # browsers ignore whitespace and control characters in schemes
    v = ''.join(ch for ch in v if ord(ch) >= 32)
    if tag == 'img':
        return value if SAFE_DATA_IMAGE.match(v) else None
    if SAFE_LINK.match(v):
        return value
    if not SCHEME.match(v) and not v.startswith('//'):  # a relative link: stays on the site
        return value
    return None


class _Cleaner(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.open = []        # allowed tags written and not closed yet
        self.dropping = []    # DROP_WITH_CONTENT tags we are inside

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag, attrs, closed):
        if self.dropping:
            if tag in DROP_WITH_CONTENT and not closed and tag not in VOID_TAGS:
                self.dropping.append(tag)
            return
        if tag in DROP_WITH_CONTENT:
            if not closed and tag not in VOID_TAGS:
                self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return  # its text stays, the tag goes (forms, inputs, custom elements, ...)
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = '' if value is None else value
            if name not in GLOBAL_ATTRS and name not in TAG_ATTRS.get(tag, ()):
                continue  # on*, srcset, formaction, data-*, ...
            if name == 'id' and not SAFE_ID.match(value):
                continue
            if name == 'class':
                value = ' '.join(c for c in value.split() if not c.startswith('d2l'))
            if name == 'style' and UNSAFE_STYLE.search(value):
                continue
            if name in ('href', 'src', 'cite'):
                value = _safe_url(value, tag if name == 'src' else 'a')
                if value is None:
                    continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == 'img' and not any(k.startswith(' src=') for k in kept):
            alt = dict(attrs).get('alt')
            if alt:
                self.out.append(html.escape(alt))
            return  # a remote or local file image: its alt text instead
        self.out.append(f'<{tag}{"".join(kept)}>')
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in self.open:
            while self.open:
                last = self.open.pop()
                self.out.append(f'</{last}>')
                if last == tag:
                    break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def close(self):
        super().close()
        self.out.extend(f'</{tag}>' for tag in reversed(self.open))
        self.open = []
        return ''.join(self.out)


def clean_html(fragment):
    """Return fragment with only allow-listed tags, attributes and URLs (see the module's docstring).

    fragment: HTML text (a notebook's ``text/html`` output or its rendered
    Markdown). Comments, processing instructions and doctypes are dropped.
    """
    if not isinstance(fragment, str):
        raise TypeError(f'fragment must be a str, got {type(fragment).__name__}')
    cleaner = _Cleaner()
    cleaner.feed(fragment)
    return cleaner.close()
