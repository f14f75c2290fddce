"""End to end: train a linear segmentation head on frozen DINOv2-arch
features of a tiny generated demo world, then test it."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmvision_plus.datasets import CocoSemSegDataset, generate_demo_world
from mmvision_plus.evaluation.metrics import MeanIoUMetric
from mmvision_plus.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'dinov2',
                  'dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py')


def _all_background_miou(data_root: str) -> float:
    """mIoU of predicting background everywhere on the val split."""
    ds = CocoSemSegDataset(
        ann_file='annotations/instances_val.json', data_root=data_root,
        data_prefix=dict(img='images/val/'),
        pipeline=[dict(type='RasterizeCocoSemSeg'),
                  dict(type='PackDenseInputs')])
    metric = MeanIoUMetric()
    metric.dataset_meta = ds.metainfo
    for i in range(len(ds)):
        gt = ds[i]['data_samples'].gt_sem_seg.data
        metric.process({}, [dict(gt_sem_seg=dict(data=gt),
                                 pred_sem_seg=dict(data=torch.zeros_like(gt)))
                            ])
    return metric.evaluate(len(ds))['mIoU']


@pytest.mark.slow
def test_linear_seg_on_frozen_features_beats_background(tmp_path):
    register_all_modules()
    data_root = str(generate_demo_world(
        tmp_path / 'demo_world', seed=0, num_train=48, num_val=16,
        img_size=112, only=('detection', ))) + '/'
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
        for step in loader.dataset.pipeline:
            if step.type == 'Resize':
                step.scale = (112, 112)
    cfg.train_cfg.max_epochs = 8
    cfg.train_cfg.val_interval = 8
    cfg.param_scheduler[0].T_max = 8
    cfg.param_scheduler[0].end = 8
    cfg.optim_wrapper.optimizer.lr = 1e-2
    cfg.default_hooks.logger.interval = 5
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    baseline = _all_background_miou(data_root)
    assert metrics['mIoU'] > baseline + 5, (metrics, baseline)
    # The frozen backbone did not move.
    assert not any(p.requires_grad
                   for p in runner.model.backbone.parameters())
