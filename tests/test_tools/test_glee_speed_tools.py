"""tools/analysis_tools/{profile_glee_cpu,benchmark_glee}.py."""
import json
import os.path as osp
import subprocess

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn
from torch.profiler import ProfilerActivity, profile

from tests.conftest import REPO_ROOT
from tests.test_tools.test_ms_deform_attn_tools import TOOLS, load_tool

TINY_GLEE = osp.join(REPO_ROOT, 'tests', 'data', 'glee',
                     'glee_tiny_demo-world.py')
LITE_COCO = osp.join(REPO_ROOT, 'configs', 'glee',
                     'glee-lite_r50_8xb2-90k_coco-instance.py')


@pytest.fixture(scope='module')
def glee_tool():
    return load_tool('profile_glee_cpu')


@pytest.fixture(scope='module')
def detr_tool():
    return load_tool('profile_detr_cpu')


def test_summary_splits_backward_and_nested_labels(glee_tool):
    aux = glee_tool.AUX_LOSSES  # a label with ': ' in it
    times = {
        'encoder': 1.0,
        'backward: encoder': 2.0,
        'encoder / ms_deform_attn kernel': 0.5,
        'backward: encoder / ms_deform_attn kernel': 0.25,
        f'head losses / {aux}': 0.1,
        f'head losses / {aux} / mask point sampling': 0.2,
        f'backward: head losses / {aux} / mask point sampling': 0.4,
        'head losses / losses: last layer / mask point sampling': 0.8,
    }
    summary = glee_tool.summarize(times)
    assert summary['encoder'] == (1.0, 2.0)
    assert summary['ms_deform_attn kernel'] == (0.5, 0.25)
    assert summary[aux] == (0.1, 0.0)
    assert summary['mask point sampling'] == pytest.approx((1.0, 0.4))
    assert glee_tool.inclusive(times, aux) == pytest.approx(0.7)
    assert glee_tool.inclusive(times, 'head losses') == pytest.approx(1.5)


def test_glee_data_reads_prompts_task_and_shape_from_configs(glee_tool):
    demo = glee_tool.GLEEData(glee_tool.DEMO_CONFIG)
    assert demo.prompts == ('circle', 'square', 'triangle', 'star',
                            'hexagon', 'ellipse', 'cross', 'diamond')
    assert (demo.task, demo.dn_table) == ('instance', 'demo_world')
    assert (demo.batch_size, demo.img_size) == (4, 160)
    batch = demo.batch(3, 96, 4, torch.Generator().manual_seed(0))
    assert len(batch['inputs']) == 3
    for sample in batch['data_samples']:
        assert sample.text == demo.prompts
        assert (sample.task, sample.dn_table) == ('instance', 'demo_world')
        gt = sample.gt_instances
        assert gt.labels.max() < 8
        masks = gt.masks.to_ndarray()
        assert masks.shape == (len(gt.bboxes), 96, 96)
        for mask, (x1, y1, x2, y2) in zip(masks, gt.bboxes.tolist()):
            ys, xs = np.nonzero(mask)
            assert len(xs) > 0.6 * (x2 - x1) * (y2 - y1)  # pi/4 of the box
            assert xs.min() >= x1 - 1 and xs.max() <= x2
            assert ys.min() >= y1 - 1 and ys.max() <= y2
    lite = glee_tool.GLEEData(LITE_COCO)
    assert len(lite.prompts) == 80 and lite.prompts[0] == 'person'
    assert (lite.task, lite.dn_table, lite.batch_size) == ('instance',
                                                           'coco', 2)


def test_glee_data_names_a_config_without_prompts(glee_tool, tmp_path):
    config = tmp_path / 'no_prompts.py'
    config.write_text("train_dataloader = dict(dataset=dict(type='x', "
                      "pipeline=[dict(type='LoadImageFromFile')]))\n")
    with pytest.raises(KeyError, match='FormatGLEEPrompts'):
        glee_tool.GLEEData(str(config))


def test_glee_stages_label_every_loss_set(glee_tool, detr_tool):
    """Every stage target exists on GLEE (none silently skipped), and a
    training step's loss calls get the right set labels."""
    cfg = Config.fromfile(TINY_GLEE)
    data = glee_tool.GLEEData(TINY_GLEE)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = detr_tool.build_quietly(cfg.model).train()
    targets = glee_tool.glee_stage_targets(model)
    missing = [(type(owner).__name__, name) for owner, name, _ in targets
               if not hasattr(owner, name)]
    assert not missing
    batch = data.batch(2, 96, 3, torch.Generator().manual_seed(0))
    with detr_tool.labelled_ranges(targets), \
            profile(activities=[ProfilerActivity.CPU]) as prof:
        data_in = model.data_preprocessor(batch, True)
        losses = model(**data_in, mode='loss')
        model.parse_losses(losses)[0].backward()
    names = [event.name for event in prof.events()]
    num_sets = 1 + 2  # initial queries + 2 decoder layers (tiny config)
    assert names.count(glee_tool.LAST_LAYER_LOSSES) == 1
    assert names.count(glee_tool.AUX_LOSSES) == num_sets - 1 + 1  # + enc
    assert names.count(glee_tool.DENOISING_LOSSES) == num_sets
    # one assignment per image and matched set
    assert names.count(glee_tool.SCIPY) == 2 * (num_sets + 1)
    assert names.count(glee_tool.MATCHING) == 2 * (num_sets + 1)
    labels = set(glee_tool.CALLABLE_LABELS) | {
        label for _, _, label in targets if isinstance(label, str)}
    summary = glee_tool.summarize(
        detr_tool.stage_times(prof.events(), labels))
    for stage in ('backbone', 'text encoder (prompts)', 'image-text fusion',
                  'pixel embedding', 'ms_deform_attn kernel', 'decoder',
                  glee_tool.POINT_SAMPLING, glee_tool.MATCHING):
        assert sum(summary[stage]) > 0, stage
    assert summary['ms_deform_attn kernel'][1] > 0  # its backward


def test_set_deform_attn_kernel_switches_both_ways(detr_tool):
    from mmcv.ops import MultiScaleDeformableAttention

    from mmvision_plus.models.layers import \
        FastCPUMultiScaleDeformableAttention
    model = nn.ModuleList([
        FastCPUMultiScaleDeformableAttention(embed_dims=16, num_heads=2),
        MultiScaleDeformableAttention(embed_dims=16, num_heads=2)
    ])
    params = list(model.parameters())
    assert detr_tool.set_deform_attn_kernel(model, 'mmcv') == 1
    assert all(type(m) is MultiScaleDeformableAttention for m in model)
    assert detr_tool.set_deform_attn_kernel(model, 'fast') == 2
    assert all(type(m) is FastCPUMultiScaleDeformableAttention
               for m in model)
    assert all(a is b for a, b in zip(model.parameters(), params))
    with pytest.raises(ValueError, match='kernel'):
        detr_tool.set_deform_attn_kernel(model, 'cuda')


def test_encoder_tokens_match_glee_levels(detr_tool):
    bench = load_tool('benchmark_glee')
    cfg = Config.fromfile(TINY_GLEE)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = detr_tool.build_quietly(cfg.model).eval()
    glee_tool = load_tool('profile_glee_cpu')
    data = glee_tool.GLEEData(TINY_GLEE)
    for size in (64, 100, 160):
        batch = data.batch(1, size, 1, torch.Generator().manual_seed(0))
        batch = model.data_preprocessor(batch, False)
        samples = batch['data_samples']
        with torch.no_grad():
            feats = model.extract_feat(batch['inputs'])
            enc_in, _ = model.pre_transformer(feats, samples,
                                              model.encode_prompts(samples))
        # GLEE pads to a multiple of 32, DINO-R50 not at all
        padded = -(-size // 32) * 32
        assert enc_in['feat'].shape[1] == bench.encoder_tokens(padded)
    assert bench.encoder_tokens(160) == 534
    assert bench.encoder_tokens(208) >= 900 > bench.encoder_tokens(200)


def test_benchmark_picks_the_dino_that_fits():
    bench = load_tool('benchmark_glee')

    def fake(name, num_queries):
        module = nn.Module()
        module.num_queries = num_queries
        return bench.InferenceModel(name, module, lambda size: {}, 'mmdet')

    few = f'{bench.DINO_NAME[:-1]}, 300 queries)'
    models = [fake('GLEE demo (R18)', 100), fake(bench.DINO_NAME, 900),
              fake(few, 300)]
    assert [m.name for m in bench.models_at(models, 160)] == [
        'GLEE demo (R18)', few]
    assert [m.name for m in bench.models_at(models, 800)] == [
        'GLEE demo (R18)', bench.DINO_NAME]


def test_benchmark_rejects_mismatched_repeats():
    bench = load_tool('benchmark_glee')
    with pytest.raises(SystemExit):
        bench.parse_args(['--sizes', '160', '800', '--repeats', '3'])


@pytest.mark.slow
def test_benchmark_glee_smoke(python_exe, subprocess_env, tmp_path):
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [python_exe, osp.join(TOOLS, 'benchmark_glee.py'), '--models',
         'glee-demo', 'dino-r50', '--sizes', '160', '--repeats', '1',
         '--warmup', '0', '--dtypes', 'fp32', 'bf16', '--train-iters', '1',
         '--threads', '1', '--record', str(out)],
        env=subprocess_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    # a results record: the run's facts beside the tables
    assert 'benchmark_glee.py' in result['tool']['command']
    assert result['tool']['environment']['threads']['torch'] == 1
    rows = result['inference']
    # 2 models x 2 kernels x 2 dtypes at 160 px (DINO with 300 queries)
    assert len(rows) == 8
    assert {r['model'] for r in rows} == {'GLEE demo (R18)',
                                          'DINO-R50 (mmdet, 300 queries)'}
    for row in rows:
        assert row['median_s'] > 0
        if row['model'].startswith('DINO'):
            assert row['ratio_to_dino'] == 1.0
        else:
            assert row['ratio_to_dino'] == pytest.approx(
                row['median_s'] / next(
                    r['median_s'] for r in rows
                    if r['model'].startswith('DINO') and all(
                        r[k] == row[k] for k in ('kernel', 'dtype'))))
    train = result['training']
    assert [r['kernel'] for r in train] == ['mmcv', 'fast']
    assert train[0]['mmcv_over_fast'] == pytest.approx(
        train[0]['median_s_per_iter'] / train[1]['median_s_per_iter'])
    assert '| GLEE demo (R18) | 160 | bf16 | fast |' in proc.stdout


@pytest.mark.slow
def test_profile_glee_runs_both_kernels(python_exe, subprocess_env,
                                        tmp_path):
    record = tmp_path / 'profile.json'
    proc = subprocess.run(
        [python_exe, osp.join(TOOLS, 'profile_glee_cpu.py'), '--config',
         TINY_GLEE, '--kernel', 'both', '--batch-size', '2', '--img-size',
         '96', '--timing-iters', '1', '--threads', '1', '--record',
         str(record)],
        env=subprocess_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'mmcv kernel: 3 deformable attention modules, 3 switched' in out
    assert 'fast kernel: 3 deformable attention modules, 0 switched' in out
    for kernel in ('mmcv', 'fast'):
        assert f'#### {kernel} kernel: summary' in out
    assert out.count('| ms_deform_attn kernel |') == 2
    assert out.count(f'| {load_tool("profile_glee_cpu").AUX_LOSSES} |') >= 2
    assert 'mmcv / fast:' in out
    # the record holds what was printed, beside the run's facts
    result = json.loads(record.read_text())
    assert 'profile_glee_cpu.py' in result['tool']['command']
    assert result['tool']['environment']['threads']['torch'] == 1
    assert (result['batch_size'], result['img_size']) == (2, 96)
    assert set(result['s_per_iter']) == {'mmcv', 'fast'}
    for kernel in ('mmcv', 'fast'):
        assert f'{kernel}: {result["s_per_iter"][kernel]:.3f} s/iter' in out
        summary = result['summaries'][kernel]['ms_deform_attn kernel']
        row = f"| ms_deform_attn kernel | {summary['fwd_s']:.3f} | " \
            f"{summary['bwd_s']:.3f} |"
        assert row in out
        assert result['profiles'][kernel]['wall_s'] > 0
    assert result['first_step_loss']['mmcv'] == pytest.approx(
        result['first_step_loss']['fast'], abs=1e-3)
