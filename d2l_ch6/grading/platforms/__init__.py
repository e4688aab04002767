"""Gradescope and PrairieLearn: results files, the autograder bundles, the runner they call (the package's addition).

- ``results``: Gradescope's ``results.json`` and PrairieLearn's, for one
  student under an ``Assignment`` (``gradebook``), as the platforms document them;
- ``run``: what ``run_autograder`` and the PrairieLearn entrypoint call: grade
  one submission folder and ALWAYS write a valid results file;
- ``bundle``: ``d2l-ch6 autograder gradescope|prairielearn --out DIR``: the
  Gradescope zip, the PrairieLearn question and image folders (the shell and
  Docker files are ``templates/``, shipped as package data);
- ``wheel``: this package's wheel, built from a source checkout or repacked
  from an installed copy.
"""
