"""tools/data/curate.py: the CLI on a tiny image folder (DINOv2 arch and
model-config routes), cache reuse and refusal, synthetic mode, bad input."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmvision_plus.datasets.curation import UnreadableImageError
from tests.conftest import REPO_ROOT
from tests.test_datasets.test_curation_images import (make_curation_images,
                                                      make_tiny_vit_checkpoint)

TOOL = osp.join(REPO_ROOT, 'tools', 'data', 'curate.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'dinov2',
                  'dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py')
TINY_ARCH = '{"embed_dims": 32, "num_layers": 2, "num_heads": 2}'

_spec = importlib.util.spec_from_file_location('curate', TOOL)
curate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(curate)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('curate_tool')
    make_curation_images(root / 'images')
    return dict(images=str(root / 'images'),
                ckpt=make_tiny_vit_checkpoint(root / 'tiny_vit.pth'))


def _selection_args(world, out_dir):
    images = world['images']
    return ['--curated', osp.join(images, 'curated'), '--pool',
            osp.join(images, 'pool'), '--eval', osp.join(images, 'eval'),
            '--out-dir', str(out_dir), '--image-size', '56',
            '--batch-size', '4', '--shard-size', '4',
            '--dedup-threshold', '0.9999', '--eval-threshold', '0.9999',
            '--num-clusters', '3', '--neighbours', '2',
            '--small-query-size', '0', '--no-progress']


def _arch_args(world, ckpt=None):
    return ['--arch', TINY_ARCH, '--backbone-options', 'img_size=56',
            '--checkpoint', ckpt or world['ckpt']]


def _run(args, env):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True,
                          text=True, env=env, cwd=REPO_ROOT)


def _shard_times(cache):
    return {osp.join(d, f): os.stat(osp.join(d, f)).st_mtime_ns
            for d, _, files in os.walk(cache) for f in files
            if f.endswith('.npy')}


def test_cli_end_to_end_with_cache(tmp_path, world, subprocess_env):
    out = tmp_path / 'out'
    args = _selection_args(world, out) + _arch_args(world)
    proc = _run(args, subprocess_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '- near-duplicates      3' in proc.stdout
    assert '- near evaluation set  1' in proc.stdout
    assert '= clustered            9' in proc.stdout
    report = json.loads((out / 'report.json').read_text())
    listed = (out / 'selected_images.txt').read_text().split()
    assert report['final']['size'] == len(listed) > 0
    assert report['files']['list'] == str(out / 'selected_images.txt')
    # 4 curated + 13 pool + 2 eval images at 4 per shard: 1 + 4 + 1 shards.
    times = _shard_times(out / 'embeddings')
    assert len(times) == 6

    # Same run again: everything comes from the cache.
    again = _run(args, subprocess_env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _shard_times(out / 'embeddings') == times
    assert (out / 'selected_images.txt').read_text().split() == listed

    # Other weights, same cache: refused, naming what differs.
    other = make_tiny_vit_checkpoint(tmp_path / 'other.pth')
    state = torch.load(other)
    state['norm.bias'] += 1.0
    torch.save(state, other)
    refused = _run(_selection_args(world, out) + _arch_args(world, other),
                   subprocess_env)
    assert refused.returncode != 0
    assert "different embedder: 'checkpoint_sha256' was" in refused.stderr
    assert osp.join(str(out), 'embeddings', 'curated') in refused.stderr


def test_cli_model_config_route(tmp_path, world):
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmvision_plus')
    from mmvision_plus.registry import MODELS
    torch.manual_seed(0)
    cfg.model.backbone.layer_scale_init = 1.0  # informative random features
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'classifier.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = tmp_path / 'out'
    assert curate.main(_selection_args(world, out) +
                       ['--config', CONFIG, '--checkpoint', ckpt]) == 0
    report = json.loads((out / 'report.json').read_text())
    assert report['pool_accounting']['near_duplicates'] == 3
    assert report['pool_accounting']['near_eval'] == 1
    assert '"DINOv2ViT"' in report['embedding']['model']
    # 192-d cls feature of the t14 config.
    assert json.loads(report['embedding']['model'])['backbone']['arch'][
        'embed_dims'] == 192


def test_cli_synthetic(tmp_path, capsys):
    out = tmp_path / 'syn'
    record_path = tmp_path / 'record.json'
    assert curate.main(['--synthetic', '3000', '--num-clusters', '20',
                        '--out-dir', str(out), '--record',
                        str(record_path)]) == 0
    report = json.loads((out / 'report.json').read_text())
    record = json.loads(record_path.read_text())
    assert record['report']['timings_s'] == report['timings_s']
    assert record['report']['final'] == report['final']
    assert 'removed' not in record['report']
    assert '--synthetic 3000' in record['tool']['command']
    assert record['tool']['environment']['threads']['torch'] >= 1
    planted = report['embedding']
    assert report['pool_accounting']['near_duplicates'] == \
        planted['planted_duplicates'] > 0
    assert report['pool_accounting']['near_eval'] == \
        planted['planted_near_eval'] > 0
    assert set(report['timings_s']) == {'generation', 'deduplication',
                                        'eval_filter', 'kmeans', 'retrieval'}
    assert 'final list:' in capsys.readouterr().out


def test_cli_skip_unreadable(tmp_path, world):
    pool_list = tmp_path / 'pool.txt'
    pool_list.write_text(''.join(
        f'a/img_{i:02d}.png\n' for i in range(10)) + 'a/not_there.png\n')
    args = _selection_args(world, tmp_path / 'out') + _arch_args(world)
    args[args.index('--pool') + 1] = str(pool_list)
    args += ['--pool-root', osp.join(world['images'], 'pool')]
    with pytest.raises(UnreadableImageError,
                       match='not_there.png: cannot read image'):
        curate.main(args)
    assert curate.main(args + ['--skip-unreadable']) == 0
    report = json.loads((tmp_path / 'out' / 'report.json').read_text())
    assert report['removed']['unreadable']['pool'] == [
        osp.join(world['images'], 'pool', 'a', 'not_there.png')]


@pytest.mark.parametrize('args, message', [
    (['--out-dir', 'x'], '--curated and --pool are required'),
    (['--out-dir', 'x', '--curated', 'a', '--pool', 'b', '--arch', 'small'],
     'give --checkpoint and exactly one of --arch and --config'),
    (['--out-dir', 'x', '--synthetic', '10', '--pool', 'b'],
     '--synthetic replaces --curated, --pool and --eval'),
])
def test_cli_argument_errors(args, message, capsys):
    with pytest.raises(SystemExit):
        curate.parse_args(args)
    assert message in capsys.readouterr().err


def test_cli_empty_pool_is_named(tmp_path, world):
    (tmp_path / 'empty_pool').mkdir()
    args = _selection_args(world, tmp_path / 'out') + _arch_args(world)
    args[args.index('--pool') + 1] = str(tmp_path / 'empty_pool')
    with pytest.raises(ValueError, match='empty_pool: no image files found'):
        curate.main(args)
