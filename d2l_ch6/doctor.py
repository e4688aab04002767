"""Check that this installation can run the chapter, and say how to fix what cannot (the package's addition).

``d2l-ch6 doctor`` runs each check below and prints one line per check: ok,
warn (works, but not as docs/installing.md describes: slower, or another device)
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
import platform
import shutil
import site
import sys
import tempfile

# standard library only: it prepares numpy for mxnet, and the doctor reports what it did
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # run as a file
import d2l_ch6_startup  # noqa: E402
del sys.path[0]

__all__ = ['Check', 'run_checks', 'format_report', 'add_doctor_parser', 'CHECKS']

SUPPORTED_PYTHON = ((3, 11), (3, 13))  # as setup.cfg's python_requires and the Makefile
MXNET_VERSION = '1.9.1'
NUMPY_TESTED = d2l_ch6_startup.NUMPY_TESTED
# the oldest numpy with a wheel for a Python (older ones pip compiles from source)
NUMPY_FIRST_WHEEL = {(3, 11): (1, 23), (3, 12): (1, 26), (3, 13): (2, 1)}
CUDA_RUNTIME = (11, 2)  # mxnet-cu112
CUDNN_LIBRARY = 'libcudnn.so.8'
# mxnet-cu112 1.9.1 carries SASS for compute capabilities 5.0 to 8.6 and no PTX: a major
# version's SASS runs on its later minors (8.0's on 8.9: L4, RTX 40xx), never on 9.0 and later
GPU_MAJORS = (5, 8)
GPU_RANGE = 'every compute capability 5.x to 8.x (Maxwell to Ada: L4 and RTX 40xx included); none from 9.0 (Hopper, Blackwell)'
FUSION_ENV = 'MXNET_USE_FUSION'  # 0: no pointwise fusion, so the runtime compiler (NVRTC) is not used
CPU_BUILD = 'pip uninstall -y mxnet-cu112 && pip install --no-deps mxnet==1.9.1 (make setup)'
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


def _numpy_range():
    (a, b), (c, d) = NUMPY_TESTED
    return f'{a}.{b} to {c}.{d}'


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
    """Return the path of d2l_ch6's interpreter startup hook (d2l_ch6_startup.pth), or None."""
    dirs = list(site.getsitepackages()) if hasattr(site, 'getsitepackages') else []
    for folder in dirs:
        path = pathlib.Path(folder) / d2l_ch6_startup.HOOK_FILE
        if path.is_file():
            return path
    return None


def _platform():
    """Return (system, machine, on Colab) of this interpreter."""
    colab = 'COLAB_RELEASE_TAG' in os.environ or 'google.colab' in sys.modules
    return platform.system(), platform.machine(), colab


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


def _cuda_library(name):
    """Return None when the shared library name loads, else the loader's error text."""
    import ctypes
    try:
        ctypes.CDLL(name)
    except OSError as e:
        return str(e)
    return None


def _probe_code(hybridize=False, ctx='gpu(0)'):
    """The child's code: one convolution on ctx, eager, or in a hybridized network as training runs it.

    Hybridized, the sigmoid, product and sum after the convolution are
    pointwise operators that MXNet fuses on a GPU into one kernel compiled at
    run time by NVRTC, CUDA 11.2's runtime compiler.
    """
    net = ('net = nn.Conv2D(1, 3)' if not hybridize else
           'net = nn.HybridSequential(); net.add(nn.Conv2D(1, 3), '
           'nn.HybridLambda(lambda F, x: F.npx.sigmoid(x) * 2 + 1)); net.hybridize()')
    return ('from mxnet import np, npx, gpu, cpu; from mxnet.gluon import nn; npx.set_np(); '
            f'{net}; net.initialize(ctx={ctx}); '
            f'print(float(net(np.ones((1, 1, 5, 5), ctx={ctx})).sum()))')


def _gpu_probe(hybridize=False, fusion=True):
    """Run one convolution on gpu(0) in a child process (hybridized: as training runs); return None or the error's last line.

    A child, because an unsupported GPU architecture can abort the process
    instead of raising (mxnet-cu112 has no kernels for it). fusion=False
    runs it with MXNET_USE_FUSION=0.
    """
    import subprocess
    env = dict(os.environ)
    if not fusion:
        env[FUSION_ENV] = '0'
    try:
        out = subprocess.run([sys.executable, '-c', _probe_code(hybridize)], capture_output=True,
                             text=True, timeout=300, env=env)
    except subprocess.TimeoutExpired:
        return 'no answer within 300 s'
    if out.returncode == 0:
        return None
    lines = [line for line in (out.stderr or '').splitlines() if line.strip()]
    return lines[-1] if lines else f'exit status {out.returncode}'


def _gpu_compute_capability():
    """Return gpu(0)'s compute capability (major, minor) from the CUDA runtime, or None."""
    import ctypes
    try:
        lib = ctypes.CDLL('libcudart.so.11.0')
    except OSError:
        return None
    major, minor = ctypes.c_int(), ctypes.c_int()
    # cudaDevAttrComputeCapabilityMajor = 75, ...Minor = 76
    if (lib.cudaDeviceGetAttribute(ctypes.byref(major), 75, 0) != 0
            or lib.cudaDeviceGetAttribute(ctypes.byref(minor), 76, 0) != 0):
        return None
    return major.value, minor.value


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
    """Check that the interpreter is one that the package is tested on (3.11-3.13)."""
    v = tuple(version_info or sys.version_info)[:3]
    where = executable or sys.executable
    text = '.'.join(map(str, v))
    if SUPPORTED_PYTHON[0] <= v[:2] <= SUPPORTED_PYTHON[1]:
        return Check('python', 'ok', f'{text} at {where} (supported: {_python_range()})')
    why = ('past its end of life and no longer tested' if v[:2] < SUPPORTED_PYTHON[0]
           else 'not tested yet')
    return Check('python', 'fail', f'{text} at {where}: not supported ({why}; supported: '
                 f'{_python_range()})',
                 f'recreate the environment with Python {_python_range()}: rm -rf .venv && '
                 'make setup (it finds the newest of python3.13 ... python3.11 or pyenv\'s; '
                 'or make setup PYTHON=/path/to/python3.13)')


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
                     'make setup (or make setup MXNET=mxnet-cu112 for a GPU); or pip install '
                     f'--no-deps mxnet=={MXNET_VERSION}')
    dist, version = ('mxnet', cpu) if cpu else ('mxnet-cu112', gpu)
    build = 'CPU build' if cpu else 'CUDA 11.2 build'
    try:
        d2l_ch6_startup.restore_numpy_names()
        _import('mxnet')
    except Exception as e:  # noqa: BLE001  (whatever breaks the import is the finding)
        numpy = _dist_version('numpy')
        hint = (f'; numpy {numpy} is outside the numpy {_numpy_range()} d2l-ch6 runs it with'
                if numpy and not d2l_ch6_startup.numpy_tested(_version_tuple(numpy)[:2])
                else '')
        return Check('mxnet', 'fail', f'{dist} {version} ({build}) is installed but does not '
                     f'import: {type(e).__name__}: {e}{hint}',
                     f'make setup; or pip install "{d2l_ch6_startup.numpy_requirement()}" and '
                     f'pip install --no-deps {dist}=={MXNET_VERSION} into this environment')
    if version != MXNET_VERSION:
        return Check('mxnet', 'warn', f'{dist} {version} ({build}) imports, but the chapter '
                     f'is tested with {MXNET_VERSION}', f'pip install {dist}=={MXNET_VERSION} '
                     '(make setup)')
    return Check('mxnet', 'ok', f'{dist} {version} ({build}), imports')


def check_numpy(version_info=None):
    """Check numpy's version (numpy 1.26 to 2.4 with a wheel for this Python) and the restored names."""
    version = _dist_version('numpy')
    if version is None:
        return Check('numpy', 'fail', 'numpy is not installed', 'make setup')
    want = f'pip install "{d2l_ch6_startup.numpy_requirement()}"'
    v = _version_tuple(version)[:2]
    if not d2l_ch6_startup.numpy_tested(v):
        return Check('numpy', 'fail', f'numpy {version}: d2l-ch6 runs mxnet {MXNET_VERSION} with '
                     f'numpy {_numpy_range()} only', f'{want} (make setup does)')
    try:
        numpy = _import('numpy')
    except Exception as e:  # noqa: BLE001
        return Check('numpy', 'fail', f'numpy {version} does not import: {e}',
                     f'pip install --force-reinstall numpy=={version}')
    d2l_ch6_startup.restore_numpy_names(numpy)
    restored = d2l_ch6_startup.restored_names()
    py = tuple(version_info or sys.version_info)[:2]
    first = NUMPY_FIRST_WHEEL.get(py)
    names = (f'; restored for mxnet: {", ".join(restored)}' if restored
             else '; mxnet needs no restored names with it')
    if first and v < first:
        return Check('numpy', 'warn', f'numpy {version} has no wheel for Python {py[0]}.{py[1]}: '
                     f'it was compiled here, and this pair is not tested{names}',
                     f'pip install "{d2l_ch6_startup.numpy_requirement(first)}"')
    return Check('numpy', 'ok', f'numpy {version} (tested: {_numpy_range()}){names}')


def check_platform():
    """Check the system and processor: mxnet 1.9.1 has wheels for Linux and Intel macOS only."""
    system, machine, colab = _platform()
    if system == 'Linux' and machine in ('x86_64', 'aarch64'):
        if colab:
            return Check('platform', 'ok', f'Google Colab (Linux {machine}): the CPU build '
                         f'(mxnet) runs; the GPU build (mxnet-cu112) cannot load Colab\'s '
                         'CUDA 12 and cuDNN 9 (it needs CUDA 11.2 and cuDNN 8)')
        return Check('platform', 'ok', f'Linux {machine} (mxnet {MXNET_VERSION} has wheels)')
    if system == 'Darwin' and machine == 'x86_64':
        return Check('platform', 'ok', 'macOS x86_64 (mxnet has wheels; on Apple Silicon this '
                     'is Rosetta)')
    if system == 'Darwin':
        return Check('platform', 'fail', f'macOS {machine}: mxnet {MXNET_VERSION} has no native '
                     'Apple Silicon wheel', 'use an x86_64 Python under Rosetta 2 (arch -x86_64),'
                     ' or conda\'s osx-64 environment')
    if system == 'Windows':
        return Check('platform', 'fail', f'Windows: mxnet has had no Windows wheel since '
                     '1.7.0.post2', 'use WSL2 (Ubuntu) and make setup there')
    return Check('platform', 'fail', f'{system} {machine}: mxnet {MXNET_VERSION} has wheels '
                 'for Linux x86_64/aarch64 and macOS x86_64 only', 'use one of those')


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
                     f'unset {_env.SWITCH} for the measured speed (docs/installing.md, MXNet settings)')
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
                     'none needed; the speeds in benchmarks/RESULTS.md were measured with AVX-512')
    if 'avx512f' in flags:
        return Check('cpu', 'ok', 'AVX-512 and AVX2: oneDNN\'s fastest kernels, as benchmarks/RESULTS.md\'s '
                     'speeds were measured')
    if 'avx2' in flags:
        return Check('cpu', 'ok', 'AVX2, no AVX-512: oneDNN uses its AVX2 kernels; expect '
                     'lower speeds than benchmarks/RESULTS.md\'s (measured with AVX-512)')
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
                         'make setup MXNET=mxnet-cu112 (needs the CUDA 11.2 runtime; its kernels '
                         f'run on {GPU_RANGE})')
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
    cudnn = _cuda_library(CUDNN_LIBRARY)
    if cudnn is not None:
        return Check('gpu', 'fail', f'mxnet-cu112 needs cuDNN 8 ({CUDNN_LIBRARY}), which does '
                     f'not load: {cudnn}', 'install cuDNN 8 for CUDA 11 and add it to '
                     f'LD_LIBRARY_PATH, or use the CPU build: {CPU_BUILD}')
    if n == 0:
        return Check('gpu', 'fail', f'mxnet-cu112 with CUDA {runtime[0]}.{runtime[1]} sees no '
                     f'GPU{error}', 'check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES, or '
                     f'use the CPU build: {CPU_BUILD}')
    failure = _gpu_probe()
    cc = _gpu_compute_capability() if failure is not None else None
    if cc is not None and not GPU_MAJORS[0] <= cc[0] <= GPU_MAJORS[1]:
        return Check('gpu', 'fail', f'gpu(0) has compute capability {cc[0]}.{cc[1]}; '
                     f'mxnet-cu112 {MXNET_VERSION}\'s kernels run on {GPU_RANGE}: a convolution '
                     f'there fails ({failure})', f'use the CPU build: {CPU_BUILD}')
    if failure is not None:
        return Check('gpu', 'fail', f'a convolution on gpu(0) fails: {failure}',
                     f'check CUDA 11.2 and cuDNN 8, or use the CPU build: {CPU_BUILD}')
    if os.environ.get(FUSION_ENV, '').strip() != '0':
        hybrid = _gpu_probe(hybridize=True)
        if hybrid is not None:
            cc = _gpu_compute_capability()
            where = f'compute capability {cc[0]}.{cc[1]}' if cc else 'this GPU'
            if _gpu_probe(hybridize=True, fusion=False) is None:
                return Check('gpu', 'fail', f'a convolution on gpu(0) runs, but a hybridized '
                             f'network (as training runs it) fails: {hybrid}; with '
                             f'{FUSION_ENV}=0 it runs: the CUDA 11.2 runtime compiler (NVRTC), '
                             f'which compiles the fused kernels, does not know {where}',
                             f'export {FUSION_ENV}=0 before Python starts (in a notebook: '
                             f'%env {FUSION_ENV}=0 in the first cell, before mxnet loads)')
            return Check('gpu', 'fail', f'a convolution on gpu(0) runs, but a hybridized network '
                         f'fails, with {FUSION_ENV}=0 too: {hybrid}',
                         f'check CUDA 11.2 and cuDNN 8, or use the CPU build: {CPU_BUILD}')
    fused = ('' if os.environ.get(FUSION_ENV, '').strip() != '0'
             else f' (with {FUSION_ENV}=0: no fused kernels)')
    return Check('gpu', 'ok', f'{n} GPU(s), CUDA runtime {runtime[0]}.{runtime[1]}, cuDNN 8, '
                 f'a convolution and a hybridized network run on gpu(0){fused} (mxnet-cu112: '
                 f'kernels for {GPU_RANGE})')


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


CHECKS = (check_python, check_platform, check_mxnet, check_numpy, check_onednn, check_engine_settings, check_cpu,
          check_gpus, check_data, check_kernel, check_build_dir)
_NAMES = {check_python: 'python', check_platform: 'platform', check_mxnet: 'mxnet', check_numpy: 'numpy',
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
