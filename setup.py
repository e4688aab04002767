"""Build d2l-ch6 (setup.cfg has the metadata); a wheel also carries the startup hook."""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import d2l_ch6_startup  # noqa: E402  (standard library only)


class BuildPyWithStartupHook(build_py):
    """Write d2l_ch6_startup.pth beside the package, so that site-packages runs it at startup."""

    def run(self):
        super().run()
        path = os.path.join(self.build_lib, d2l_ch6_startup.HOOK_FILE)
        with open(path, 'w') as f:
            f.write(d2l_ch6_startup.HOOK_TEXT)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [
            os.path.join(self.build_lib, d2l_ch6_startup.HOOK_FILE)]


setup(cmdclass={'build_py': BuildPyWithStartupHook})
