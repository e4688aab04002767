"""This package's wheel, for the bundles: built from a source checkout, or repacked from an installed copy.

From a source checkout (an editable install, or the repository on the path),
``pip wheel --no-deps --no-build-isolation`` builds it with the setuptools
already installed (no network). From a pip-installed wheel there is no
source to build from: the installed files, as the installation's ``RECORD``
lists them (the package, the startup module and its ``.pth``), are packed
back into a wheel with the installed metadata and a fresh ``RECORD``.
"""
import base64
import hashlib
import importlib.metadata
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

__all__ = ['build_wheel', 'source_tree']

DIST = 'd2l-ch6'


def source_tree():
    """The source checkout this package runs from (the folder holding setup.cfg), or None."""
    import d2l_ch6
    root = pathlib.Path(d2l_ch6.__file__).resolve().parents[1]
    cfg = root / 'setup.cfg'
    if cfg.is_file() and (root / 'setup.py').is_file() and f'name = {DIST}' in cfg.read_text():
        return root
    return None


def build_wheel(out):
    """Write this package's wheel into folder out and return its path."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = source_tree()
    if root is not None:
        return _pip_wheel(root, out)
    return repack_installed(out)


SOURCES = ('setup.py', 'setup.cfg', 'pyproject.toml', 'README.md', 'd2l_ch6_startup.py', 'd2l_ch6')


def _pip_wheel(root, out):
    """Build from a clean copy of the sources (a build/ left in the checkout could add stale modules)."""
    with tempfile.TemporaryDirectory(prefix='d2l-ch6-wheel-') as tmp:
        for name in SOURCES:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, pathlib.Path(tmp) / name,
                                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            elif src.is_file():
                shutil.copy2(src, pathlib.Path(tmp) / name)
        built = pathlib.Path(tmp) / 'wheels'
        cmd = [sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
               '--no-build-isolation', '--wheel-dir', str(built), tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 and 'bdist_wheel' in (proc.stderr + proc.stdout):
            # an older setuptools without the wheel package: let pip build in its own environment
            cmd.remove('--no-build-isolation')
            proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f'could not build the wheel from {root}: '
                               f'{(proc.stderr or proc.stdout).strip()[-600:]}')
        (made,) = built.glob('d2l_ch6-*.whl')
        target = out / made.name
        shutil.copyfile(made, target)
        return target


def _hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    return f'sha256={digest}'


def repack_installed(out):
    """Pack the installed d2l-ch6 (its RECORD's files and metadata) into a wheel in out."""
    dist = importlib.metadata.distribution(DIST)
    direct = dist.read_text('direct_url.json')
    if direct and json.loads(direct).get('dir_info', {}).get('editable'):
        raise RuntimeError('d2l-ch6 is installed editable but its source checkout is not found: '
                           'run this from the checkout, or pip install the package')
    version = dist.version
    info = f'd2l_ch6-{version}.dist-info'
    name = pathlib.Path(out) / f'd2l_ch6-{version}-py3-none-any.whl'
    skip = ('RECORD', 'INSTALLER', 'REQUESTED', 'direct_url.json', 'WHEEL')
    records = []
    with zipfile.ZipFile(name, 'w', zipfile.ZIP_DEFLATED) as z:
        for f in dist.files or ():
            rel = str(f).replace('\\', '/')
            top = rel.split('/', 1)[0]
            if ('__pycache__' in rel or rel.endswith('.pyc') or rel.startswith('..')
                    or (top.endswith('.dist-info') and rel.rsplit('/', 1)[-1] in skip)):
                continue
            data = pathlib.Path(dist.locate_file(f)).read_bytes()
            arc = f'{info}/{rel.split("/", 1)[1]}' if top.endswith('.dist-info') else rel
            z.writestr(arc, data)
            records.append(f'{arc},{_hash(data)},{len(data)}')
        wheel = ('Wheel-Version: 1.0\nGenerator: d2l-ch6 repack\nRoot-Is-Purelib: true\n'
                 'Tag: py3-none-any\n').encode()
        z.writestr(f'{info}/WHEEL', wheel)
        records.append(f'{info}/WHEEL,{_hash(wheel)},{len(wheel)}')
        records.append(f'{info}/RECORD,,')
        z.writestr(f'{info}/RECORD', '\n'.join(records) + '\n')
    if not any(r.startswith('d2l_ch6/grading/') for r in records):
        name.unlink()
        raise RuntimeError('the installed d2l-ch6 lists no files of its own (RECORD): reinstall it')
    return name
