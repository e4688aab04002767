"""The README is a front door and the guides in docs/ hold the rest: links that resolve,
the first screen's commands, a check() output that a real run prints, no measured number
outside benchmarks/RESULTS.md."""
import pathlib
import re

import pytest

from d2l_ch6 import check
from d2l_ch6.colab import COLAB_CELL

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / 'README.md'
PAGES = [README, *sorted((ROOT / 'docs').glob('*.md')), ROOT / 'benchmarks' / 'RESULTS.md']
FENCE = re.compile(r'^```.*?^```[ \t]*$', re.S | re.M)
LINK = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)\)')


def prose(text):
    """The Markdown outside fenced code blocks (a link in a code block is not a link)."""
    return FENCE.sub('', text)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def anchors(path):
    """The anchors of a Markdown file's headings."""
    return {slug(m.group(1)) for m in re.finditer(r'^#{1,6} (.+)$', prose(path.read_text()), re.M)}


def relative_links(path):
    """(target file, anchor or None) for each link of a page that is not a URL."""
    for target in LINK.findall(prose(path.read_text(encoding='utf-8'))):
        if re.match(r'[a-z][a-z0-9+.-]*:', target):
            continue                                   # https:, mailto:
        file, _, anchor = target.partition('#')
        yield (path.parent / file).resolve() if file else path, anchor or None


def broken_links(path):
    """The relative links of a page that name a missing file or a heading its target lacks."""
    broken = []
    for target, anchor in relative_links(path):
        if not target.exists():
            broken.append(f'{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}'
                          ' does not exist')
        elif anchor and (target.suffix != '.md' or anchor not in anchors(target)):
            broken.append(f'{target.name}#{anchor}: no such heading')
    return broken


@pytest.mark.parametrize('path', PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    """Every link to a file of the repository, and to a heading in it, points at one."""
    assert broken_links(path) == []


def test_the_readme_points_to_every_guide():
    """Each guide in docs/ and the results file are one link away from the front door."""
    targets = {target for target, _ in relative_links(README)}
    guides = {ROOT / 'benchmarks' / 'RESULTS.md', *(ROOT / 'docs').glob('*.md')}
    assert sorted(p.name for p in guides - targets) == []


def test_the_link_checker_finds_a_broken_link_and_a_missing_heading(tmp_path):
    page = tmp_path / 'page.md'
    (tmp_path / 'there.md').write_text('# A heading: `with code`\n\n## make test\n')
    page.write_text('# Page\n[ok](there.md#a-heading-with-code) [ok](#page) [web](https://d2l.ai)\n'
                    '[gone](missing.md) [no heading](there.md#make-run)\n'
                    '```\n[in code](not-a-link.md)\n```\n')
    assert broken_links(page) == [f'{tmp_path / "missing.md"} does not exist',
                                  'there.md#make-run: no such heading']


def test_the_readme_is_a_front_door():
    """At most 200 lines; the two commands in its first screen; check() by line 120."""
    lines = README.read_text(encoding='utf-8').splitlines()
    assert len(lines) <= 200, f'README.md has {len(lines)} lines: move detail to docs/'
    first_screen = lines[:25]
    for command in ('make run', 'make test'):
        assert any(re.match(rf'{command}\b', line) for line in first_screen), (
            f'`{command}` is not a line of the README\'s first 25')
    calls = [k for k, line in enumerate(lines) if line.startswith('check(')]
    assert calls and calls[0] < 120, 'no line of the README\'s first 120 calls check('
    shown = shown_check_output(README)
    assert lines.index(shown[-1]) < 120, 'the example of check()\'s output ends after line 120'


def shown_check_output(path):
    """The lines of the one code block that shows check()'s output, in a page."""
    blocks = [m.group(0).splitlines()[1:-1] for m in FENCE.finditer(path.read_text())]
    shown = [b for b in blocks if b and b[0].startswith('check(corr2d): ')]
    assert len(shown) == 1, f'{path.name} shows check()\'s output {len(shown)} times, not once'
    return shown[0]


def corr2d(X, K):
    """A student's corr2d that flips the kernel (a true convolution)."""
    from mxnet import np
    K = K[::-1, ::-1]
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
    return Y


def test_the_check_output_shown_is_what_check_prints():
    """The README's and the teaching guide's three lines are lines a real run prints."""
    printed = str(check(corr2d)).splitlines()
    for path in (README, ROOT / 'docs' / 'teaching.md'):
        shown = shown_check_output(path)
        assert len(shown) == 3
        assert [line for line in shown if line not in printed] == [], path.name


MEASURED = [re.compile(r'\d[\d,.]*\s*examples/s'),             # a speed
            re.compile(r'\b(?:takes?|took)\s+(?:about\s+)?\d'),   # a duration
            re.compile(r'\b(?:acc|accuracy)\s+(?:of\s+)?0\.\d')]   # an accuracy


@pytest.mark.parametrize('path', PAGES[:-1], ids=lambda p: str(p.relative_to(ROOT)))
def test_measured_numbers_live_in_results(path):
    """The README and the guides link to benchmarks/RESULTS.md rather than quote a number."""
    text = ' '.join(path.read_text(encoding='utf-8').split())
    found = [m.group(0) for pattern in MEASURED for m in pattern.finditer(text)]
    assert found == [], f'{path.name} quotes measurements: move them to benchmarks/RESULTS.md'


def test_the_installing_guide_shows_the_notebooks_first_cell():
    """The Colab cell the guide prints is the one the six notebooks open with, to the letter."""
    text = (ROOT / 'docs' / 'installing.md').read_text(encoding='utf-8')
    blocks = [b.rstrip('\n') for b in re.findall(r'^```python\n(.*?)^```', text, re.S | re.M)]
    assert COLAB_CELL.rstrip('\n') in blocks
