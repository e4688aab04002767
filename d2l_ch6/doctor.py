"""Check that this installation can run the chapter, and say how to fix what cannot (the package's addition).

``d2l-ch6 doctor`` runs each check below and prints one line per check: ok,
warn (works, but not as the README describes: slower, or another device)
or fail (something the chapter needs is broken), with the fix. It exits 1
when a check fails.

Only the standard library is imported at the top, and every check imports
what it needs itself, so that one broken piece (mxnet that does not import,
say) is reported instead of stopping the doctor. When ``d2l-ch6`` itself
cannot start because ``import d2l_ch6`` fails, run this file directly:
``.venv/bin/python d2l_ch6/doctor.py``.
"""
import argparse
import dataclasses
import importlib
import importlib.metadata
import os
import pathlib
import shutil
import site
import sys
import tempfile

__all__ = ['Check', 'run_checks', 'format_report', 'add_doctor_parser', 'CHECKS']

SUPPORTED_PYTHON = ((3, 8), (3, 11))  # as setup.cfg's python_requires and the Makefile
MXNET_VERSION, NUMPY_VERSION = '1.9.1', '1.23.5'
CUDA_RUNTIME = (11, 2)  # mxnet-cu112
STATUSES = ('ok', 'warn', 'fail')


@dataclasses.dataclass
class Check:
    """One check's outcome: name, status ('ok', 'warn' or 'fail'), what was found and the fix."""
    name: str
    status: str
    detail: str
    fix: str = ''


def _python_range():
    (a, b), (c, d) = SUPPORTED_PYTHON
    return f'{a}.{b}-{c}.{d}'


# --- small probes, one place each, so that tests can simulate what they see -------

def _dist_version(name):
    """Return the installed version of the distribution name, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _import(name):
    """Import and return the module name (tests replace this to simulate a broken one)."""
    return importlib.import_module(name)


def _version_tuple(text):
    parts = []
    for p in text.split('.')[:3]:
        digits = ''.join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _startup_hook():
    """Return the path of d2l_ch6's interpreter startup hook (d2l_ch6_env.pth), or None."""
    dirs = list(site.getsitepackages()) if hasattr(site, 'getsitepackages') else []
    for folder in dirs:
        path = pathlib.Path(folder) / 'd2l_ch6_env.pth'
        if path.is_file():
            return path
    return None


def _cpu_flags(path='/proc/cpuinfo'):
    """Return the CPU's feature flags as a set, or None when they cannot be read."""
    try:
        text = pathlib.Path(path).read_text(errors='replace')
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith('flags'):
            return set(line.split(':', 1)[1].split())
    return None


def _cuda_runtime_version():
    """Return the CUDA runtime version (major, minor) that libcudart 11 gives, or an error text."""
    import ctypes
    try:
        lib = ctypes.CDLL('libcudart.so.11.0')
    except OSError as e:
        return str(e)
    version = ctypes.c_int()
    if lib.cudaRuntimeGetVersion(ctypes.byref(version)) != 0:
        return 'cudaRuntimeGetVersion failed'
    return version.value // 1000, version.value % 1000 // 10


def _nvidia_gpus():
    """Return how many NVIDIA GPUs the kernel driver lists (0 without the driver)."""
    folder = pathlib.Path('/proc/driver/nvidia/gpus')
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def _kernel_spec():
    """Return (argv, resource_dir) of the python3 kernel jupyter would start."""
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec('python3')
    return list(spec.argv), spec.resource_dir


# --- the checks -----------------------------------------------------------------

def check_python(version_info=None, executable=None):
    """Check that the interpreter is one the pinned numpy and mxnet support."""
    v = tuple(version_info or sys.version_info)[:3]
    where = executable or sys.executable
    text = '.'.join(map(str, v))
    if SUPPORTED_PYTHON[0] <= v[:2] <= SUPPORTED_PYTHON[1]:
        return Check('python', 'ok', f'{text} at {where} (supported: {_python_range()})')
    return Check('python', 'fail', f'{text} at {where}: not supported (mxnet {MXNET_VERSION} '
                 f'needs numpy {NUMPY_VERSION}, which has no build for 3.12 or later)',
                 f'recreate the environment with Python {_python_range()}: rm -rf .venv && '
                 'make setup (it finds python3.11 ... python3.8 or pyenv\'s; or '
                 'make setup PYTHON=/path/to/python3.11)')


def check_mxnet():
    """Check that exactly one mxnet build (CPU or cu112) is installed, the pinned one, and imports."""
    cpu, gpu = _dist_version('mxnet'), _dist_version('mxnet-cu112')
    if cpu and gpu:
        return Check('mxnet', 'fail', f'both mxnet {cpu} and mxnet-cu112 {gpu} are installed; '
                     'they share the module mxnet and overwrite each other',
                     'make setup (CPU) or make setup MXNET=mxnet-cu112 (GPU): it uninstalls '
                     'the other one first')
    if not (cpu or gpu):
        return Check('mxnet', 'fail', 'neither mxnet nor mxnet-cu112 is installed',
                     'make setup (or make setup MXNET=mxnet-cu112 for a GPU)')
    dist, version = ('mxnet', cpu) if cpu else ('mxnet-cu112', gpu)
    build = 'CPU build' if cpu else 'CUDA 11.2 build'
    try:
        _import('mxnet')
    except Exception as e:  # noqa: BLE001  (whatever breaks the import is the finding)
        numpy = _dist_version('numpy')
        hint = (f'; numpy {numpy} is installed and mxnet {MXNET_VERSION} breaks on numpy '
                f'>= 1.24' if numpy and _version_tuple(numpy) >= (1, 24) else '')
        return Check('mxnet', 'fail', f'{dist} {version} ({build}) is installed but does not '
                     f'import: {type(e).__name__}: {e}{hint}',
                     f'pip install numpy=={NUMPY_VERSION} {dist}=={MXNET_VERSION} into this '
                     'environment (make setup does)')
    if version != MXNET_VERSION:
        return Check('mxnet', 'warn', f'{dist} {version} ({build}) imports, but the chapter '
                     f'is tested with {MXNET_VERSION}', f'pip install {dist}=={MXNET_VERSION} '
                     '(make setup)')
    return Check('mxnet', 'ok', f'{dist} {version} ({build}), imports')


def check_numpy():
    """Check numpy's version (< 1.24, which mxnet 1.9.1 needs) and that it imports."""
    version = _dist_version('numpy')
    if version is None:
        return Check('numpy', 'fail', 'numpy is not installed', 'make setup')
    if _version_tuple(version) >= (1, 24):
        return Check('numpy', 'fail', f'numpy {version}: mxnet {MXNET_VERSION} uses names '
                     'numpy 1.24 removed (np.bool, ...) and breaks',
                     f'pip install numpy=={NUMPY_VERSION} (make setup pins it)')
    try:
        _import('numpy')
    except Exception as e:  # noqa: BLE001
        return Check('numpy', 'fail', f'numpy {version} does not import: {e}',
                     f'pip install --force-reinstall numpy=={NUMPY_VERSION}')
    if version != NUMPY_VERSION:
        return Check('numpy', 'warn', f'numpy {version}; the chapter is tested with '
                     f'{NUMPY_VERSION}', f'pip install numpy=={NUMPY_VERSION}')
    return Check('numpy', 'ok', f'numpy {version} (< 1.24, as mxnet {MXNET_VERSION} needs)')


def check_onednn():
    """Check that MXNet's oneDNN (MKLDNN) CPU kernels are built in and switched on."""
    mx = _import('mxnet')
    if not mx.runtime.Features().is_enabled('MKLDNN'):
        return Check('oneDNN', 'warn', 'this mxnet is built without oneDNN: CPU convolutions '
                     'run on slow reference kernels', f'pip install mxnet=={MXNET_VERSION} '
                     '(the pip wheels have oneDNN)')
    for name in ('MXNET_MKLDNN_ENABLED', 'MXNET_ONEDNN_ENABLED'):
        if os.environ.get(name) == '0':
            return Check('oneDNN', 'warn', f'built in but switched off by {name}=0: CPU '
                         'convolutions run on slow reference kernels', f'unset {name}')
    return Check('oneDNN', 'ok', 'on (CPU convolutions use its JIT kernels)')


def check_engine_settings():
    """Report each MXNet engine setting d2l_ch6 defaults: its value, the default, where it came from."""
    from d2l_ch6 import _env
    parts, differ = [], []
    for name, (value, where) in _env.sources().items():
        default = _env.DEFAULTS[name]
        if value == default:
            parts.append(f'{name}={value} (default, from {where})')
        else:
            differ.append(name)
            parts.append(f'{name}={value if value is not None else "unset"} (default {default}, '
                         f'{where})')
    hook = _startup_hook()
    detail = '; '.join(parts) + (f'; startup hook {hook}' if hook else '; no startup hook')
    if os.environ.get(_env.SWITCH) == '0':
        return Check('engine', 'warn', f'{_env.SWITCH}=0 switches the defaults off: {detail}',
                     f'unset {_env.SWITCH} for the measured speed (README, MXNet settings)')
    if differ:
        return Check('engine', 'warn', detail, f'unset {", ".join(differ)} in your shell to get '
                     'the defaults (they change no number, only the speed)')
    if hook is None:
        return Check('engine', 'warn', detail, 'install the startup hook, so that the settings '
                     'reach every process whatever it imports first: make setup, or python -c '
                     '"from d2l_ch6 import _env; _env.install_startup_hook()"')
    return Check('engine', 'ok', detail)


def check_cpu(path='/proc/cpuinfo'):
    """Report the CPU's vector units: AVX-512 and AVX2 decide oneDNN's kernels and the speed."""
    flags = _cpu_flags(path)
    if flags is None:
        return Check('cpu', 'warn', f'cannot read the CPU flags from {path}',
                     'none needed; the README\'s speeds were measured with AVX-512')
    if 'avx512f' in flags:
        return Check('cpu', 'ok', 'AVX-512 and AVX2: oneDNN\'s fastest kernels, as the README\'s '
                     'speeds were measured')
    if 'avx2' in flags:
        return Check('cpu', 'ok', 'AVX2, no AVX-512: oneDNN uses its AVX2 kernels; expect '
                     'lower speeds than the README\'s (measured with AVX-512)')
    return Check('cpu', 'warn', 'neither AVX2 nor AVX-512: oneDNN falls back to SSE kernels and '
                 'the zero-padded channels gain little', 'none; training is slower on this CPU')


def check_gpus():
    """Check the GPUs MXNet sees and, for mxnet-cu112, the CUDA 11.2 runtime."""
    gpu_build = _dist_version('mxnet-cu112') is not None
    hardware = _nvidia_gpus()
    mx = _import('mxnet')
    try:
        n = mx.context.num_gpus()
    except Exception as e:  # noqa: BLE001  (a CUDA build without a driver raises here)
        n, error = 0, f' ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""})'
    else:
        error = ''
    if not gpu_build:
        if hardware:
            return Check('gpu', 'warn', f'{hardware} NVIDIA GPU(s) here, but the CPU build of '
                         'mxnet is installed: training runs on the CPU',
                         'make setup MXNET=mxnet-cu112 (needs the CUDA 11.2 runtime)')
        return Check('gpu', 'ok', 'none (CPU build): training runs on CPU contexts')
    runtime = _cuda_runtime_version()
    if isinstance(runtime, str):
        return Check('gpu', 'fail', f'mxnet-cu112 is installed but the CUDA runtime '
                     f'libcudart.so.11.0 does not load: {runtime}',
                     'install the CUDA 11.2 runtime (cuda-cudart-11-2, with cuDNN 8) and add '
                     'its lib64 to LD_LIBRARY_PATH, or use the CPU build: make setup')
    if runtime < CUDA_RUNTIME:
        return Check('gpu', 'fail', f'mxnet-cu112 needs CUDA runtime >= 11.2, libcudart gives '
                     f'{runtime[0]}.{runtime[1]}', 'install the CUDA 11.2 runtime, or make setup '
                     '(CPU build)')
    if n == 0:
        return Check('gpu', 'fail', f'mxnet-cu112 with CUDA {runtime[0]}.{runtime[1]} sees no '
                     f'GPU{error}', 'check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES, or '
                     'use the CPU build: make setup')
    return Check('gpu', 'ok', f'{n} GPU(s), CUDA runtime {runtime[0]}.{runtime[1]} '
                 '(mxnet-cu112)')


def check_data():
    """Check that Fashion-MNIST is found and verified, naming the folder and where it came from."""
    from d2l_ch6 import data
    try:
        folder, source = data.locate_data_dir()
        arrays = data.load_fashion_mnist_arrays()
    except data.DataError as e:
        return Check('data', 'fail', str(e), 'make setup (installs Debian\'s '
                     f'dataset-fashion-mnist as root), or set ${data.ENV_VAR} to a folder '
                     'holding the four files')
    counts = ' + '.join(f'{len(arrays[s][1]):,}' for s in data.FILES)
    return Check('data', 'ok', f'Fashion-MNIST in {folder} (from {source}): {counts} '
                 'examples, SHA-256 verified')


def check_kernel():
    """Check that the python3 kernel jupyter would start is this environment's Python."""
    try:
        argv, resource_dir = _kernel_spec()
    except Exception as e:  # noqa: BLE001  (jupyter_client missing, or no python3 kernel)
        return Check('kernel', 'fail', f'no python3 Jupyter kernel: {type(e).__name__}: {e}',
                     'make setup (installs ipykernel and jupyter_client)')
    exe = argv[0] if argv else ''
    # jupyter_client starts 'python', 'python3' and 'python3.X' as its own sys.executable
    # (KernelManager.format_kernel_cmd): this Python, for the venv's jupyter.
    if exe in {'python', f'python{sys.version_info[0]}', 'python%d.%d' % sys.version_info[:2]}:
        return Check('kernel', 'ok', f'python3 kernel runs {exe!r}, which Jupyter started from '
                     f'this environment runs as {sys.executable}')
    path = exe if os.path.isabs(exe) else (shutil.which(exe) or exe)
    here = pathlib.Path(sys.executable).absolute().parent
    if path and pathlib.Path(path).absolute().parent == here:
        return Check('kernel', 'ok', f'python3 kernel runs {path}, this environment\'s Python')
    return Check('kernel', 'fail', f'the python3 kernel ({resource_dir}) runs {exe!r}, not this '
                 f'environment\'s Python ({sys.executable}): notebooks opened in Jupyter would '
                 'not find d2l_ch6', f'remove that kernelspec (rm -r {resource_dir}) so that '
                 f'Jupyter uses this environment\'s ipykernel, or run {sys.executable} -m '
                 'ipykernel install --user to replace it')


def check_build_dir(out='build'):
    """Check that the output folder can be created and written."""
    folder = pathlib.Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix='.doctor-'):
            pass
    except OSError as e:
        return Check('build', 'fail', f'cannot write in {folder}: {e}',
                     f'make {folder} a folder this user can write (chmod u+w), or pass '
                     '--out to another folder')
    return Check('build', 'ok', f'{folder.absolute()} is writable')


CHECKS = (check_python, check_mxnet, check_numpy, check_onednn, check_engine_settings, check_cpu,
          check_gpus, check_data, check_kernel, check_build_dir)
_NAMES = {check_python: 'python', check_mxnet: 'mxnet', check_numpy: 'numpy',
          check_onednn: 'oneDNN', check_engine_settings: 'engine', check_cpu: 'cpu',
          check_gpus: 'gpu', check_data: 'data', check_kernel: 'kernel', check_build_dir: 'build'}


def run_checks(out='build'):
    """Run every check and return their Checks; a check that raises is a failure, not a crash."""
    results = []
    for check in CHECKS:
        try:
            result = check(out) if check is check_build_dir else check()
        except Exception as e:  # noqa: BLE001  (e.g. mxnet or d2l_ch6 does not import)
            result = Check(_NAMES[check], 'fail', f'could not be checked: {type(e).__name__}: '
                           f'{e}', 'fix the failures above (mxnet or d2l_ch6 does not import)')
        results.append(result)
    return results


def format_report(checks):
    """Format the checks as aligned 'status  name  detail' lines, each fix below, and a tally."""
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f'{c.status:<4}  {c.name:<{width}}  {c.detail}')
        if c.fix and c.status != 'ok':
            lines.append(f'{"":<4}  {"":<{width}}  fix: {c.fix}')
    tally = {s: sum(c.status == s for c in checks) for s in STATUSES}
    lines.append(f'{tally["ok"]} ok, {tally["warn"]} warning(s), {tally["fail"]} failure(s)')
    return '\n'.join(lines)


# --- command line --------------------------------------------------------------

def add_doctor_parser(subparsers):
    """Register `doctor`: check the installation and say how to fix what is wrong."""
    p = subparsers.add_parser('doctor', help='check Python, mxnet, numpy, oneDNN, the engine '
                              'settings, CPU, GPUs, the data, the Jupyter kernel and the '
                              'output folder; exit 1 on a failure')
    _add_arguments(p)
    p.set_defaults(func=run_doctor)


def _add_arguments(p):
    p.add_argument('--out', default='build',
                   help='output folder to check for writing (default: build)')


def run_doctor(args):
    """Print the report; return 1 when a check failed, else 0."""
    checks = run_checks(args.out)
    print(format_report(checks))
    return 1 if any(c.status == 'fail' for c in checks) else 0


def main(argv=None):
    """Run the doctor as a script, without importing d2l_ch6 first."""
    parser = argparse.ArgumentParser(prog='doctor.py', description=__doc__.splitlines()[0])
    _add_arguments(parser)
    return run_doctor(parser.parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
