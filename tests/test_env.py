"""Tests for d2l_ch6._env: MXNet's engine settings reach every process before mxnet loads.

Each process is started as a reader starts it: a fresh Python of this
environment, a Jupyter kernel started the way Jupyter starts one, a script
that imports mxnet first. The reference is os.environ inside that process,
read before anything is imported.
"""
import json
import os
import subprocess
import sys
import sysconfig

import pytest

from d2l_ch6 import _env

READ = 'import os, json; print(json.dumps({k: os.environ.get(k) for k in %r}))' % (
    list(_env.DEFAULTS),)


def clean_env(**extra):
    """This process's environment without the settings and d2l_ch6's mark, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if k not in _env.DEFAULTS and k not in (_env.MARK, _env.SWITCH)}
    env.update(extra)
    return env


def run(code, **extra):
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=clean_env(**extra))
    assert out.returncode == 0, out.stderr
    return out


def test_this_environment_has_the_startup_hook_of_these_defaults():
    """make setup installs it; it must be the line this version writes."""
    hook = os.path.join(sysconfig.get_paths()['purelib'], _env.HOOK_FILE)
    assert open(hook).read().splitlines()[1] == _env.hook_line().strip()


def test_a_fresh_python_starts_with_the_defaults_before_any_import():
    assert json.loads(run(READ).stdout) == _env.DEFAULTS
    assert json.loads(run(READ, OMP_NUM_THREADS='3').stdout)['OMP_NUM_THREADS'] == '3'
    assert set(json.loads(run(READ, D2L_CH6_ENV_DEFAULTS='0').stdout).values()) == {None}


def test_the_hook_line_works_in_any_site_folder(tmp_path):
    _env.install_startup_hook(tmp_path)
    code = (f'import site, os; [os.environ.pop(k, None) for k in {list(_env.DEFAULTS)!r}]; '
            f'site.addsitedir({str(tmp_path)!r}); import json; ' + READ.split('; ', 1)[1])
    assert json.loads(run(code).stdout) == _env.DEFAULTS


def test_a_notebook_opened_by_hand_gets_the_settings():
    """A kernel started as Jupyter starts one (its kernelspec), not through the runner."""
    jupyter_client = pytest.importorskip('jupyter_client')
    km = jupyter_client.KernelManager(kernel_name='python3')
    km.start_kernel(env=clean_env(), cwd=os.getcwd())
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        outputs = []
        kc.execute_interactive(READ + '\nimport sys; print(sys.executable)',
                               output_hook=lambda msg: outputs.append(msg), timeout=60)
        text = ''.join(m['content'].get('text', '') for m in outputs
                       if m['msg_type'] == 'stream')
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    settings, executable = text.splitlines()
    assert json.loads(settings) == _env.DEFAULTS
    assert os.path.realpath(executable) == os.path.realpath(sys.executable)


def test_without_the_hook_the_import_sets_them_or_says_how():
    pop = f'import os; [os.environ.pop(k) for k in {list(_env.DEFAULTS) + [_env.MARK]!r}]\n'
    out = run(pop + 'import d2l_ch6, json\n' + READ.replace('import os, json; ', '') +
              f'\nprint(os.environ[{_env.MARK!r}])')
    settings, mark = out.stdout.splitlines()
    assert json.loads(settings) == _env.DEFAULTS
    assert mark == 'import:' + ','.join(_env.DEFAULTS)
    out = run(pop + 'import mxnet\nimport d2l_ch6')
    assert "mxnet was loaded before d2l_ch6, without d2l_ch6's startup hook" in out.stderr
    assert 'Install the hook once with' in out.stderr


def test_sources_and_without_defaults():
    environ = {'OMP_NUM_THREADS': '1', 'MXNET_CPU_WORKER_NTHREADS': '1',
               'MXNET_CPU_TEMP_COPY': '4', _env.MARK: 'hook:OMP_NUM_THREADS,'
               'MXNET_CPU_WORKER_NTHREADS', 'PATH': '/bin'}
    assert _env.sources(environ) == {
        'OMP_NUM_THREADS': ('1', "d2l_ch6's startup hook"),
        'MXNET_CPU_WORKER_NTHREADS': ('1', "d2l_ch6's startup hook"),
        'MXNET_CPU_TEMP_COPY': ('4', 'your environment'),
        'MXNET_EXEC_BULK_EXEC_TRAIN': (None, 'unset')}
    assert _env.without_defaults(environ) == {'MXNET_CPU_TEMP_COPY': '4', 'PATH': '/bin',
                                              _env.SWITCH: '0'}
