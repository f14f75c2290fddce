"""tools/analysis_tools/{profile_detr_cpu,benchmark_ms_deform_attn}.py."""
import importlib.util
import json
import os.path as osp
import re
import subprocess

import pytest
import torch
from torch.profiler import ProfilerActivity, profile, record_function

from tests.conftest import REPO_ROOT

TOOLS = osp.join(REPO_ROOT, 'tools', 'analysis_tools')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stage_times_charges_backward_to_the_forward_stage():
    """A stage's backward nodes go to 'backward: <stage>'; nested labels
    are charged to the innermost one and excluded from the outer one."""
    tool = load_tool('profile_detr_cpu')
    x = torch.randn(64, 64, requires_grad=True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function('outer'):
            y = x.tanh()
            with record_function('inner'):
                z = torch.linalg.matrix_exp(y @ y * 1e-3)
        z.sum().backward()
    times = tool.stage_times(prof.events(), {'outer', 'inner'})
    assert {'outer', 'outer / inner', 'backward: outer',
            'backward: outer / inner'} <= set(times)
    assert all(v >= 0 for v in times.values())
    inner_total = sum(e.cpu_time_total for e in prof.events()
                      if e.name == 'inner')
    assert times['outer / inner'] == pytest.approx(inner_total)


def test_benchmark_prints_ratios(python_exe, subprocess_env, tmp_path):
    record = tmp_path / 'bench.json'
    proc = subprocess.run(
        [python_exe, osp.join(TOOLS, 'benchmark_ms_deform_attn.py'),
         '--cases', 'demo-dec', '--batch-size', '1', '--repeats', '2',
         '--warmup', '0', '--threads', '1', '--record', str(record)],
        env=subprocess_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    saved = json.loads(record.read_text())
    assert 'benchmark_ms_deform_attn.py' in saved['tool']['command']
    assert [(r['dtype'], r['mode']) for r in saved['rows']] == [
        ('fp32', 'fwd'), ('fp32', 'fwd+bwd'), ('bf16', 'fwd'),
        ('bf16', 'fwd+bwd')]
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith('| demo-dec')]
    # fp32 and bf16, fwd and fwd+bwd
    assert len(rows) == 4
    for row in rows:
        cells = [c.strip() for c in row.strip('|').split('|')]
        assert float(cells[6]) > 0  # mmcv / ours
        assert float(cells[8]) < 1e-4  # max abs diff of the outputs


@pytest.mark.slow
def test_profile_detr_runs_both_kernels(python_exe, subprocess_env,
                                        tmp_path):
    record = tmp_path / 'profile.json'
    proc = subprocess.run(
        [python_exe, osp.join(TOOLS, 'profile_detr_cpu.py'), '--kernel',
         'both', '--batch-size', '2', '--img-size', '96', '--timing-iters',
         '1', '--threads', '1', '--record', str(record)],
        env=subprocess_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'mmcv kernel: 6 deformable attention modules, 0 switched' in out
    assert 'fast kernel: 6 deformable attention modules, 6 switched' in out
    diff = float(re.search(r'abs diff ([0-9.e+-]+)', out).group(1))
    assert diff < 1e-3
    for kernel in ('mmcv', 'fast'):
        assert f'### {kernel} kernel' in out
    assert out.count('| encoder / ms_deform_attn kernel |') == 2
    assert out.count('| backward: decoder / ms_deform_attn kernel |') == 2
    assert 'mmcv / fast:' in out
    result = json.loads(record.read_text())
    assert 'profile_detr_cpu.py' in result['tool']['command']
    assert result['first_step_loss']['mmcv'] == pytest.approx(
        result['first_step_loss']['fast'], abs=1e-3)
    for kernel in ('mmcv', 'fast'):
        assert f'{kernel}: {result["s_per_iter"][kernel]:.3f} s/iter' in out
        assert 'encoder / ms_deform_attn kernel' in \
            result['profiles'][kernel]['stages']
