"""`d2l-ch6 doctor`: each check's ok, warn and fail, every failure simulated, and the exit status."""
import os
import pathlib
import subprocess
import sys

import mxnet as mx
import pytest

from d2l_ch6 import _env, data, doctor
from d2l_ch6.__main__ import main

REPO = pathlib.Path(__file__).resolve().parent.parent


def versions(monkeypatch, **installed):
    """Pretend exactly these distributions are installed (mxnet_cu112 for mxnet-cu112)."""
    table = {k.replace('_', '-'): v for k, v in installed.items()}
    monkeypatch.setattr(doctor, '_dist_version', table.get)


# --- Python --------------------------------------------------------------------------

@pytest.mark.parametrize('version, status, words', [
    ((3, 10, 13), 'fail', 'past its end of life'), ((3, 11, 7), 'ok', 'supported: 3.11-3.13'),
    ((3, 12, 1), 'ok', 'supported'), ((3, 13, 0), 'ok', 'supported'),
    ((3, 14, 0), 'fail', 'not tested yet'), ((3, 8, 18), 'fail', 'past its end of life')])
def test_python_version(version, status, words):
    check = doctor.check_python(version, '/x/bin/python')
    assert check.status == status and words in check.detail
    if status == 'fail':
        assert 'not supported' in check.detail
        assert 'Python 3.11-3.13' in check.fix and 'rm -rf .venv && make setup' in check.fix


def test_python_range_matches_setup_cfg():
    """One supported range everywhere: setup.cfg's python_requires says the doctor's."""
    text = (REPO / 'setup.cfg').read_text()
    assert 'python_requires = >=3.11, <3.14' in text
    assert doctor.SUPPORTED_PYTHON == ((3, 11), (3, 13))
    for minor in (11, 12, 13):
        assert f'Programming Language :: Python :: 3.{minor}' in text


# --- the platform -------------------------------------------------------------------------

@pytest.mark.parametrize('system, machine, colab, status, words', [
    ('Linux', 'x86_64', False, 'ok', 'Linux x86_64'),
    ('Linux', 'aarch64', False, 'ok', 'Linux aarch64'),
    ('Linux', 'x86_64', True, 'ok', 'cannot load Colab\'s CUDA 12 and cuDNN 9'),
    ('Darwin', 'x86_64', False, 'ok', 'Rosetta'),
    ('Darwin', 'arm64', False, 'fail', 'no native Apple Silicon wheel'),
    ('Windows', 'AMD64', False, 'fail', 'no Windows wheel'),
    ('FreeBSD', 'amd64', False, 'fail', 'Linux x86_64/aarch64 and macOS x86_64 only'),
])
def test_platform(monkeypatch, system, machine, colab, status, words):
    monkeypatch.setattr(doctor, '_platform', lambda: (system, machine, colab))
    check = doctor.check_platform()
    assert check.status == status and words in check.detail
    if system == 'Windows':
        assert 'WSL2' in check.fix


def test_colab_is_recognised_by_its_environment(monkeypatch):
    monkeypatch.setenv('COLAB_RELEASE_TAG', 'release-colab-20260801')
    assert doctor._platform()[2] is True
    monkeypatch.delenv('COLAB_RELEASE_TAG')
    monkeypatch.delitem(sys.modules, 'google.colab', raising=False)
    assert doctor._platform()[2] is False


# --- mxnet and numpy -------------------------------------------------------------------

def test_mxnet_ok_here():
    check = doctor.check_mxnet()
    assert check.status == 'ok' and 'imports' in check.detail


def test_mxnet_both_builds_installed(monkeypatch):
    versions(monkeypatch, mxnet='1.9.1', mxnet_cu112='1.9.1', numpy='1.26.4')
    check = doctor.check_mxnet()
    assert check.status == 'fail' and 'both mxnet 1.9.1 and mxnet-cu112 1.9.1' in check.detail
    assert 'uninstalls the other' in check.fix


def test_mxnet_missing(monkeypatch):
    versions(monkeypatch, numpy='1.26.4')
    check = doctor.check_mxnet()
    assert check.status == 'fail' and 'neither mxnet nor mxnet-cu112' in check.detail


def test_mxnet_that_does_not_import_names_numpy(monkeypatch):
    """What a numpy past the tested range may do to mxnet 1.9.1: its import fails on a name."""
    versions(monkeypatch, mxnet='1.9.1', numpy='2.5.0')

    def broken(name):
        raise AttributeError("module 'numpy' has no attribute 'newname'")

    monkeypatch.setattr(doctor, '_import', broken)
    check = doctor.check_mxnet()
    assert check.status == 'fail'
    assert ("does not import: AttributeError: module 'numpy' has no attribute 'newname'; "
            'numpy 2.5.0 is outside the numpy 1.26 to 2.4 d2l-ch6 runs it with') in check.detail
    assert 'pip install "numpy>=1.26,<2.5"' in check.fix
    assert 'pip install --no-deps mxnet==1.9.1' in check.fix


def test_mxnet_other_version_warns(monkeypatch):
    versions(monkeypatch, mxnet_cu112='1.8.0', numpy='1.26.4')
    check = doctor.check_mxnet()
    assert check.status == 'warn' and 'mxnet-cu112 1.8.0 (CUDA 11.2 build)' in check.detail


@pytest.mark.parametrize('version, python, status, words', [
    ('1.26.4', (3, 12), 'ok', 'tested: 1.26 to 2.4'), ('2.1.3', (3, 13), 'ok', 'tested'),
    ('2.4.6', (3, 13), 'ok', 'tested'), ('1.23.5', (3, 11), 'fail', 'numpy 1.26 to 2.4 only'),
    ('2.5.0', (3, 13), 'fail', 'numpy 1.26 to 2.4 only'),
    ('1.26.4', (3, 13), 'warn', 'no wheel for Python 3.13'),
    ('2.0.2', (3, 13), 'warn', 'no wheel for Python 3.13'),
    (None, (3, 12), 'fail', 'not installed')])
def test_numpy_version(monkeypatch, version, python, status, words):
    """Outside the tested range fails; a numpy pip had to compile for this Python warns."""
    versions(monkeypatch, numpy=version)
    check = doctor.check_numpy(python)
    assert check.status == status and words in check.detail
    if status == 'fail' and version:
        assert check.fix.startswith('pip install "numpy>=1.26,<2.5"')


def test_numpy_here_names_what_was_restored():
    import numpy
    check = doctor.check_numpy()
    assert check.status == 'ok', check
    if numpy.__version__.startswith('2.'):
        assert 'restored for mxnet: ' in check.detail and 'NINF' in check.detail
    else:
        assert 'restored for mxnet: bool, int' in check.detail


# --- oneDNN and the engine settings -----------------------------------------------------

def test_onednn_on_here():
    assert doctor.check_onednn().status == 'ok'


def test_onednn_switched_off_warns(monkeypatch):
    monkeypatch.setenv('MXNET_MKLDNN_ENABLED', '0')
    check = doctor.check_onednn()
    assert check.status == 'warn' and 'MXNET_MKLDNN_ENABLED=0' in check.detail


def test_onednn_not_built_in_warns(monkeypatch):
    class Features:
        def is_enabled(self, name):
            return False

    fake = type('mx', (), {'runtime': type('runtime', (), {'Features': Features})})
    monkeypatch.setattr(doctor, '_import', lambda name: fake)
    check = doctor.check_onednn()
    assert check.status == 'warn' and 'built without oneDNN' in check.detail


def test_engine_defaults_in_effect_here():
    check = doctor.check_engine_settings()
    assert check.status == 'ok', check
    for name, value in _env.DEFAULTS.items():
        assert f"{name}={value} (default, from d2l_ch6's startup hook)" in check.detail


def test_engine_setting_from_the_shell_warns_and_says_so(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    monkeypatch.setenv(_env.MARK, 'hook:MXNET_CPU_WORKER_NTHREADS')
    check = doctor.check_engine_settings()
    assert check.status == 'warn'
    assert 'OMP_NUM_THREADS=2 (default 1, your environment)' in check.detail
    assert 'unset OMP_NUM_THREADS' in check.fix


def test_engine_settings_without_the_startup_hook_warn(monkeypatch):
    monkeypatch.setattr(doctor, '_startup_hook', lambda: None)
    check = doctor.check_engine_settings()
    assert check.status == 'warn' and check.detail.endswith('; no startup hook')
    assert 'install_startup_hook()' in check.fix


def run_python(code, **env):
    environ = {k: v for k, v in os.environ.items() if k not in _env.DEFAULTS and k != _env.SWITCH}
    environ.update(env)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=environ, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_engine_sources_in_a_fresh_process():
    """In a real process: a shell setting is told apart from the defaults the hook sets."""
    code = 'from d2l_ch6 import doctor; c = doctor.check_engine_settings(); print(c.status, c.detail)'
    out = run_python(code, MXNET_CPU_TEMP_COPY='4')
    assert out.startswith('warn ')
    assert 'MXNET_CPU_TEMP_COPY=4 (default 16, your environment)' in out
    assert "OMP_NUM_THREADS=1 (default, from d2l_ch6's startup hook)" in out
    out = run_python(code, **{_env.SWITCH: '0'})
    assert out.startswith('warn D2L_CH6_ENV_DEFAULTS=0 switches the defaults off')
    assert 'OMP_NUM_THREADS=unset (default 1, unset)' in out


# --- CPU and GPUs ---------------------------------------------------------------------------

@pytest.mark.parametrize('flags, status, words', [
    ('fpu sse2 avx avx2 avx512f avx512bw', 'ok', 'AVX-512 and AVX2'),
    ('fpu sse2 avx avx2 fma', 'ok', 'AVX2, no AVX-512'),
    ('fpu sse2 sse4_2', 'warn', 'neither AVX2 nor AVX-512'),
])
def test_cpu_vector_units(tmp_path, flags, status, words):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text(f'processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n')
    check = doctor.check_cpu(cpuinfo)
    assert check.status == status and words in check.detail


def test_cpu_flags_unreadable_warns(tmp_path):
    check = doctor.check_cpu(tmp_path / 'absent')
    assert check.status == 'warn' and 'cannot read the CPU flags' in check.detail


def test_cpu_build_without_gpu_is_ok(monkeypatch):
    versions(monkeypatch, mxnet='1.9.1')
    monkeypatch.setattr(doctor, '_nvidia_gpus', lambda: 0)
    assert doctor.check_gpus().status == 'ok'


def test_cpu_build_on_a_gpu_machine_warns(monkeypatch):
    versions(monkeypatch, mxnet='1.9.1')
    monkeypatch.setattr(doctor, '_nvidia_gpus', lambda: 2)
    check = doctor.check_gpus()
    assert check.status == 'warn' and '2 NVIDIA GPU(s) here' in check.detail
    assert 'make setup MXNET=mxnet-cu112' in check.fix


@pytest.mark.parametrize('runtime, cudnn, gpus, probe, cc, status, words', [
    ('libcudart.so.11.0: cannot open shared object file', None, 1, None, None, 'fail',
     'does not load'),
    ((10, 2), None, 1, None, None, 'fail', 'libcudart gives 10.2'),
    ((11, 2), 'libcudnn.so.8: cannot open shared object file', 1, None, None, 'fail',
     'needs cuDNN 8 (libcudnn.so.8), which does not load'),
    ((11, 2), None, 0, None, None, 'fail', 'sees no GPU'),
    ((11, 8), None, 1, 'MXNetError: no kernel image is available for execution on the device',
     (9, 0), 'fail', "compute capability 9.0; mxnet-cu112 1.9.1's kernels run on every compute "
     'capability 5.x to 8.x (Maxwell to Ada: L4 and RTX 40xx included); none from 9.0'),
    ((11, 8), None, 1, 'MXNetError: CUDNN_STATUS_INTERNAL_ERROR', (8, 0), 'fail',
     'a convolution on gpu(0) fails: MXNetError: CUDNN_STATUS_INTERNAL_ERROR'),
    ((11, 8), None, 1, None, (8, 6), 'ok', '1 GPU(s), CUDA runtime 11.8, cuDNN 8, a convolution '
     'and a hybridized network run on gpu(0) (mxnet-cu112: kernels for every compute capability '
     '5.x to 8.x'),
    ((11, 8), None, 1, None, (8, 9), 'ok', '1 GPU(s), CUDA runtime 11.8'),   # Ada: 8.0's SASS runs
    ((11, 8), None, 1, 'MXNetError: CUDNN_STATUS_INTERNAL_ERROR', (8, 9), 'fail',   # not its arch
     'a convolution on gpu(0) fails: MXNetError: CUDNN_STATUS_INTERNAL_ERROR'),
    ((11, 8), None, 1, 'MXNetError: no kernel image', (10, 0), 'fail', 'compute capability 10.0;'),
])
def test_cu112_build(monkeypatch, runtime, cudnn, gpus, probe, cc, status, words):
    versions(monkeypatch, mxnet_cu112='1.9.1')
    monkeypatch.setattr(doctor, '_nvidia_gpus', lambda: gpus)
    monkeypatch.setattr(doctor, '_cuda_runtime_version', lambda: runtime)
    monkeypatch.setattr(doctor, '_cuda_library', lambda name: cudnn)
    monkeypatch.setattr(doctor, '_gpu_probe', lambda hybridize=False, fusion=True: probe)
    monkeypatch.setattr(doctor, '_gpu_compute_capability', lambda: cc)
    monkeypatch.setattr(mx.context, 'num_gpus', lambda: gpus)
    monkeypatch.delenv(doctor.FUSION_ENV, raising=False)
    check = doctor.check_gpus()
    assert check.status == status and words in check.detail
    if status == 'fail' and not isinstance(runtime, str) and runtime >= (11, 2):
        assert 'pip install --no-deps mxnet==1.9.1' in check.fix   # the way back


NVRTC = "MXNetError: Error compiling fused kernel: nvrtc: error: invalid value for --gpu-architecture (-arch)"


@pytest.mark.parametrize('cc', [(8, 9), (8, 6)])
def test_a_hybridized_network_that_fails_only_with_fusion_names_mxnet_use_fusion(monkeypatch, cc):
    """On an 8.9 GPU the eager convolution ran, but training (hybridized) failed in NVRTC."""
    versions(monkeypatch, mxnet_cu112='1.9.1')
    monkeypatch.setattr(doctor, '_nvidia_gpus', lambda: 1)
    monkeypatch.setattr(doctor, '_cuda_runtime_version', lambda: (11, 2))
    monkeypatch.setattr(doctor, '_cuda_library', lambda name: None)
    monkeypatch.setattr(doctor, '_gpu_compute_capability', lambda: cc)
    monkeypatch.setattr(mx.context, 'num_gpus', lambda: 1)
    monkeypatch.delenv(doctor.FUSION_ENV, raising=False)
    probes = {(False, True): None, (True, True): NVRTC, (True, False): None}
    calls = []
    monkeypatch.setattr(doctor, '_gpu_probe', lambda hybridize=False, fusion=True: (
        calls.append((hybridize, fusion)) or probes[(hybridize, fusion)]))
    check = doctor.check_gpus()
    assert calls == [(False, True), (True, True), (True, False)]
    assert check.status == 'fail'
    assert check.detail == (
        f'a convolution on gpu(0) runs, but a hybridized network (as training runs it) fails: '
        f'{NVRTC}; with MXNET_USE_FUSION=0 it runs: the CUDA 11.2 runtime compiler (NVRTC), which '
        f'compiles the fused kernels, does not know compute capability {cc[0]}.{cc[1]}')
    assert check.fix.startswith('export MXNET_USE_FUSION=0 before Python starts')
    # Fusion off failing too: not fusion's fault, and the fix does not name it.
    probes[(True, False)] = 'MXNetError: CUDNN_STATUS_EXECUTION_FAILED'
    check = doctor.check_gpus()
    assert check.status == 'fail' and 'with MXNET_USE_FUSION=0 too' in check.detail
    assert 'MXNET_USE_FUSION' not in check.fix
    # Already set: the doctor says the network runs without fused kernels.
    monkeypatch.setenv(doctor.FUSION_ENV, '0')
    probes[(True, True)] = 'never asked'
    check = doctor.check_gpus()
    assert check.status == 'ok' and '(with MXNET_USE_FUSION=0: no fused kernels)' in check.detail


def test_the_hybridized_probe_is_a_network_that_runs(monkeypatch):
    """The child's hybridized code, run here on the CPU: conv, sigmoid * 2 + 1, summed over 3 x 3.

    All-ones input, one 3x3 kernel: every output element is the kernel's sum
    plus its bias, so the result lies between 9 * (2 * 0 + 1) and 9 * (2 * 1 + 1).
    """
    import subprocess
    for hybridize in (False, True):
        out = subprocess.run([sys.executable, '-c', doctor._probe_code(hybridize, ctx='cpu()')],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        value = float(out.stdout.split()[-1])
        assert (9 < value < 27) if hybridize else abs(value) < 9 * 9 * 0.1


def test_gpu_probe_reports_the_childs_last_error_line(monkeypatch):
    """Here (no GPU) the child's convolution on gpu(0) fails, and the probe says how."""
    failure = doctor._gpu_probe()
    assert failure is not None and failure.strip()
    assert 'Traceback' not in failure


def test_cuda_runtime_probe_reports_a_missing_library():
    """On a machine without CUDA 11 the probe returns the loader's error text, not a crash."""
    result = doctor._cuda_runtime_version()
    assert isinstance(result, (str, tuple))
    if isinstance(result, tuple):
        assert result >= (11, 0)


# --- data, kernel, build folder --------------------------------------------------------------

def test_data_found_and_verified_here():
    check = doctor.check_data()
    assert check.status == 'ok' and '60,000 + 10,000 examples, SHA-256 verified' in check.detail


def test_data_env_var_pointing_at_nothing_fails(monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / 'nowhere'))
    check = doctor.check_data()
    assert check.status == 'fail' and '$D2L_CH6_DATA=' in check.detail
    assert 'no such folder' in check.detail


def test_data_missing_fails_saying_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(data, 'DEBIAN_DIR', tmp_path / 'no-debian')
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'no-mxnet'))
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    check = doctor.check_data()
    assert check.status == 'fail' and 'Fashion-MNIST not found' in check.detail
    assert 'dataset-fashion-mnist' in check.fix


@pytest.mark.parametrize('argv0, status', [
    (sys.executable, 'ok'), ('python', 'ok'), ('python3', 'ok'),
    ('/usr/bin/python3', 'fail'), ('/opt/conda/bin/python', 'fail')])
def test_kernel_is_this_environments_python(monkeypatch, argv0, status):
    spec_dir = '/usr/local/share/jupyter/kernels/python3'
    monkeypatch.setattr(doctor, '_kernel_spec',
                        lambda: ([argv0, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                 spec_dir))
    check = doctor.check_kernel()
    assert check.status == status
    if status == 'fail':
        assert f"runs '{argv0}', not this environment's Python" in check.detail
        assert f'rm -r {spec_dir}' in check.fix


def test_kernel_here_is_this_environments_python():
    assert doctor.check_kernel().status == 'ok'


def test_no_kernel_fails(monkeypatch):
    def none():
        from jupyter_client.kernelspec import NoSuchKernel
        raise NoSuchKernel('python3')

    monkeypatch.setattr(doctor, '_kernel_spec', none)
    check = doctor.check_kernel()
    assert check.status == 'fail' and 'no python3 Jupyter kernel: NoSuchKernel' in check.detail


def test_build_folder(tmp_path, monkeypatch):
    assert doctor.check_build_dir(tmp_path / 'build').status == 'ok'
    (tmp_path / 'file').write_text('x')
    check = doctor.check_build_dir(tmp_path / 'file')
    assert check.status == 'fail' and 'cannot write in' in check.detail

    def refuse(**kwargs):  # root writes anywhere: simulate a read-only folder
        raise PermissionError(13, 'Permission denied', kwargs['dir'])

    monkeypatch.setattr(doctor.tempfile, 'NamedTemporaryFile', refuse)
    check = doctor.check_build_dir(tmp_path / 'build')
    assert check.status == 'fail' and 'Permission denied' in check.detail
    assert '--out' in check.fix


# --- the report and the exit status --------------------------------------------------------

def fake_checks(monkeypatch, *statuses):
    checks = [lambda s=s, i=i: doctor.Check(f'c{i}', s, f'detail {i}', f'fix {i}')
              for i, s in enumerate(statuses)]
    monkeypatch.setattr(doctor, 'CHECKS', tuple(checks))


def test_exit_status_is_1_on_a_failure_only(monkeypatch, capsys, tmp_path):
    fake_checks(monkeypatch, 'ok', 'warn')
    assert main(['doctor', '--out', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert 'ok    c0  detail 0' in out and 'warn  c1  detail 1\n          fix: fix 1' in out
    assert out.rstrip().endswith('1 ok, 1 warning(s), 0 failure(s)')
    fake_checks(monkeypatch, 'ok', 'fail')
    assert main(['doctor']) == 1
    assert 'fail  c1  detail 1' in capsys.readouterr().out


def test_a_check_that_raises_is_a_failure_not_a_crash(monkeypatch):
    def broken():
        raise ImportError('no module named mxnet')

    monkeypatch.setattr(doctor, 'CHECKS', (broken,))
    monkeypatch.setitem(doctor._NAMES, broken, 'mxnet')
    (check,) = doctor.run_checks()
    assert check.status == 'fail'
    assert check.detail == 'could not be checked: ImportError: no module named mxnet'


def test_every_check_runs_here(tmp_path):
    """One line per check, each with a known status."""
    checks = doctor.run_checks(tmp_path / 'out')
    assert [c.name for c in checks] == ['python', 'platform', 'mxnet', 'numpy', 'oneDNN',
                                        'engine', 'cpu', 'gpu', 'data', 'kernel', 'build']
    assert all(c.status in doctor.STATUSES for c in checks)


def test_doctor_runs_as_a_file_when_mxnet_does_not_import(tmp_path):
    """`python d2l_ch6/doctor.py` reports a broken mxnet instead of dying with the import."""
    fake = tmp_path / 'fake' / 'mxnet'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text(
        'raise AttributeError("module \'numpy\' has no attribute \'bool\'")\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path / 'fake'))
    out = subprocess.run([sys.executable, str(REPO / 'd2l_ch6' / 'doctor.py'),
                          '--out', str(tmp_path / 'out')],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith('ok    python')
    assert ("fail  mxnet     mxnet 1.9.1 (CPU build) is installed but does not import: "
            "AttributeError: module 'numpy' has no attribute 'bool'") in out.stdout
    assert 'ok    build' in out.stdout
