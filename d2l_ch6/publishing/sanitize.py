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
``srcset``, remote ``src``, image sizes that are not plain numbers and
styles that could load something (``url(``, ``@import``, ``image-set(``)
are dropped. The site's Content-Security-Policy (``site.CSP``) is the
second line behind this one.

``clean_svg`` does the same for the SVG figures the site writes as files:
opened on their own (no page, no policy around them) they run and load
nothing.
"""
import html
import html.parser
import re

__all__ = ['clean_html', 'clean_svg', 'UnsafeSvg']

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
SAFE_SIZE = re.compile(r'^\d{1,6}(\.\d{1,6})?%?$')  # an image's width or height: a plain number
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
            if name in ('width', 'height') and not SAFE_SIZE.match(value.strip()):
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


# --- SVG figures: the files the site writes, opened on their own, must run and load nothing ---

SVG_NS = 'http://www.w3.org/2000/svg'
XLINK_NS = 'http://www.w3.org/1999/xlink'
XML_NS = 'http://www.w3.org/XML/1998/namespace'
# What a figure is drawn with (matplotlib's and d2l's SVG use no more). No script, no
# foreignObject, no animation (<set>/<animate> can rewrite an href), no filter (feImage
# loads), no <a>, no <style> sheets beyond declarations: anything else is dropped with its content.
SVG_TAGS = frozenset('''svg g defs title desc symbol use path rect circle ellipse line polyline
    polygon text tspan textPath clipPath mask marker pattern linearGradient radialGradient stop
    image style'''.split())
SVG_ATTRS = frozenset('''id class style transform d x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width
    height viewBox preserveAspectRatio points pathLength fill fill-opacity fill-rule stroke
    stroke-width stroke-opacity stroke-linecap stroke-linejoin stroke-miterlimit stroke-dasharray
    stroke-dashoffset opacity clip-path clip-rule clipPathUnits mask maskUnits maskContentUnits
    font-family font-size font-style font-weight font-variant font-stretch text-anchor
    dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing writing-mode
    text-decoration dx dy rotate textLength lengthAdjust startOffset method spacing side
    gradientUnits gradientTransform spreadMethod offset stop-color stop-opacity patternUnits
    patternContentUnits patternTransform markerWidth markerHeight markerUnits refX refY orient
    marker-start marker-mid marker-end visibility display color overflow version vector-effect
    shape-rendering text-rendering image-rendering color-interpolation paint-order
    type'''.split())
LOCAL_HREF = re.compile(r'^#[\w.:-]{1,200}$')  # an element of this file only
HREF_TAGS = {'use': LOCAL_HREF, 'textPath': LOCAL_HREF, 'linearGradient': LOCAL_HREF,
             'radialGradient': LOCAL_HREF, 'pattern': LOCAL_HREF,
             'image': re.compile(r'^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$')}
# url(...) in a property may name a fragment of this file (clip paths, gradients), nothing else.
LOCAL_URL = re.compile(r'''url\(\s*(['"]?)#[\w.:-]{1,200}\1\s*\)''', re.IGNORECASE)
MAX_SVG_CHARACTERS = 50_000_000


class UnsafeSvg(ValueError):
    """An SVG the site refuses to write: not XML, not an <svg>, or declaring entities (a DTD)."""


def _safe_css(value):
    """Tell whether value (a style attribute, a property or a <style> sheet) reaches nothing."""
    return not UNSAFE_STYLE.search(LOCAL_URL.sub('', value))


class _SvgWriter:
    """Write back the allow-listed part of an SVG as expat reads it (names resolved to namespaces)."""

    def __init__(self):
        self.out, self.dropping, self.depth, self.style = [], 0, 0, None

    def start(self, name, attrs):
        namespace, _, tag = name.rpartition(' ')
        if self.dropping or self.style is not None or namespace != SVG_NS or tag not in SVG_TAGS:
            self.dropping += 1  # an element inside <style> too: the sheet is read whole
            return
        if self.depth == 0 and tag != 'svg':
            raise UnsafeSvg(f'the root element must be <svg>, got <{tag}>')
        kept = []
        if self.depth == 0:
            kept = [f' xmlns="{SVG_NS}"', f' xmlns:xlink="{XLINK_NS}"']
        for attr, value in attrs.items():
            attr_ns, _, local = attr.rpartition(' ')
            if local == 'href' and attr_ns in ('', XLINK_NS):
                pattern = HREF_TAGS.get(tag)
                if pattern is not None and pattern.match(value.strip()):
                    kept.append(f' xlink:href="{_escape_xml(value.strip())}"')
                continue
            if attr_ns == XML_NS and local == 'space' and value in ('default', 'preserve'):
                kept.append(f' xml:space="{value}"')
                continue
            if attr_ns or local not in SVG_ATTRS or not _safe_css(value):
                continue  # on*, other namespaces, url() that leaves the file, ...
            kept.append(f' {local}="{_escape_xml(value)}"')
        self.out.append(f'<{tag}{"".join(kept)}>')
        self.depth += 1
        self.style = [] if tag == 'style' else None

    def end(self, name):
        if self.dropping:
            self.dropping -= 1
            return
        tag = name.rpartition(' ')[2]
        if self.style is not None:  # a <style> sheet is kept only whole and harmless
            sheet = ''.join(self.style)
            self.out.append(_escape_xml(sheet) if _safe_css(sheet) else '')
            self.style = None
        self.depth -= 1
        self.out.append(f'</{tag}>')

    def text(self, data):
        if self.dropping or self.depth == 0:
            return
        if self.style is not None:
            self.style.append(data)
        else:
            self.out.append(_escape_xml(data))


def _escape_xml(text):
    """Return text escaped for XML character data and quoted attributes."""
    return html.escape(text, quote=True)


def _refuse(what):
    """Return an expat handler that refuses the SVG, naming what it declares."""
    def handler(*args):
        raise UnsafeSvg(f'the SVG declares {what}: refused (entities can expand without end)')
    return handler


def clean_svg(text):
    """Return the SVG text with only allow-listed elements, attributes and references; UnsafeSvg if refused.

    Parsed by expat (the standard library's XML parser) with no entity
    declared or loaded: an internal DTD subset, any ENTITY or an unknown
    entity reference is refused, so nothing can expand (a billion laughs).
    A DOCTYPE naming an external DTD alone (as matplotlib writes) is
    dropped, never fetched. Kept: the drawing elements of ``SVG_TAGS`` in
    the SVG namespace, ``SVG_ATTRS`` whose values hold no ``url()`` but to a
    fragment of the file, ``href`` only to a local ``#fragment`` (``<use>``,
    ``<textPath>``) or a base64 ``data:`` raster image (``<image>``), and a
    ``<style>`` sheet that imports and loads nothing. Everything else
    (script, foreignObject, animations, filters, links, handlers, comments,
    processing instructions) is dropped with its content.
    """
    import xml.parsers.expat
    if not isinstance(text, str):
        raise TypeError(f'text must be a str, got {type(text).__name__}')
    if len(text) > MAX_SVG_CHARACTERS:
        raise UnsafeSvg(f'the SVG has {len(text)} characters, more than {MAX_SVG_CHARACTERS}')
    writer = _SvgWriter()
    parser = xml.parsers.expat.ParserCreate(namespace_separator=' ')
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            raise UnsafeSvg('the SVG declares an internal DTD subset: refused (entities can '
                            'expand without end)')
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = _refuse('an entity')
    parser.UnparsedEntityDeclHandler = _refuse('an unparsed entity')
    parser.ExternalEntityRefHandler = _refuse('an external entity')
    parser.SkippedEntityHandler = _refuse('an entity it does not define')
    parser.StartElementHandler = writer.start
    parser.EndElementHandler = writer.end
    parser.CharacterDataHandler = writer.text
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as e:
        raise UnsafeSvg(f'the SVG is not well-formed XML: {e}') from None
    if not writer.out:
        raise UnsafeSvg('the SVG has no <svg> element in the SVG namespace')
    return ''.join(writer.out)
