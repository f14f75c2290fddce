"""End to end: train DINOv2's linear probe (mmpretrain ImageClassifier,
frozen DINOv2-arch backbone, DINOv2LinearNeck) on tiny generated crops, then
test the saved model."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmvision_plus.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'dinov2',
                  'dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py')
# Four classes told apart by colour only (BGR), with pixel noise and a
# random darker square inside each image.
COLOURS = dict(red=(30, 30, 200), green=(40, 180, 40), blue=(200, 60, 30),
               yellow=(30, 200, 220))


def _make_crops(root, per_class):
    rng = np.random.default_rng(0)
    for split, n in per_class.items():
        for name, bgr in COLOURS.items():
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(n):
                img = np.array(bgr) + rng.normal(0, 25, (48, 48, 3))
                y, x = rng.integers(0, 32, 2)
                img[y:y + 16, x:x + 16] *= 0.6
                cv2.imwrite(str(d / f'{i}.png'),
                            np.clip(img, 0, 255).astype(np.uint8))


@pytest.mark.slow
def test_linear_probe_train_then_test(tmp_path):
    register_all_modules()
    _make_crops(tmp_path / 'crops', dict(train=16, val=8))
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.batch_size = 16
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = str(tmp_path / 'crops') + '/'
    cfg.train_cfg.max_epochs = 4
    cfg.train_cfg.val_interval = 4
    cfg.param_scheduler[0].T_max = 4
    cfg.param_scheduler[0].end = 4
    cfg.default_hooks.checkpoint.interval = 4
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.model.init_weights()  # runner.train() then skips it
    backbone_before = {k: v.clone()
                       for k, v in runner.model.backbone.state_dict().items()}
    runner.train()
    # The frozen backbone did not move; only the linear head trained.
    for k, v in runner.model.backbone.state_dict().items():
        torch.testing.assert_close(v, backbone_before[k])

    # Test the saved checkpoint in a fresh runner (chance is 25 %).
    cfg.load_from = osp.join(cfg.work_dir, 'epoch_4.pth')
    cfg.work_dir = str(tmp_path / 'test')
    metrics = Runner.from_cfg(cfg).test()
    assert metrics['accuracy/top1'] > 75, metrics
