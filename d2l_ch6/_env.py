"""Set MXNet's environment defaults before mxnet is first imported.

MXNet reads its engine and threading settings once, when the library loads, so
they are set here, as defaults a user's own environment overrides, and
`d2l_ch6/__init__.py` imports this module before it imports mxnet. If mxnet was
imported before d2l_ch6, these defaults come too late and have no effect.
"""
import os

DEFAULTS = {}


def apply(environ=os.environ):
    """Set each default that the environment does not already set."""
    for name, value in DEFAULTS.items():
        environ.setdefault(name, value)


apply()
