"""The publishing tools: the chapter's notebooks run headless and turned into an offline site.

- ``runner``: ``d2l-ch6 notebooks``, each notebook executed in a fresh kernel,
  written with its outputs and figures, and a summary of the runs.
- ``site``: ``d2l-ch6 site``, the executed notebooks as offline HTML pages and
  an index; its own CSS and the explorer's JavaScript are in ``site_assets/``.
- ``sanitize``: the allow-list every notebook-written piece of HTML passes
  through before it reaches a page.
- ``browser_check``: ``d2l-ch6 site --check``, every page opened in headless
  chromium and what a reader would see go wrong reported.

Nothing here is imported by ``import d2l_ch6``; the notebooks import their
helpers from ``d2l_ch6.notebook_helpers``.
"""
