"""Every frozen-feature DINOv2 config loads, builds and runs a forward."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmvision_plus.models.backbones import DINOv2ViT
from mmvision_plus.registry import DATASETS, METRICS, MODELS
from mmvision_plus.utils import register_all_modules

register_all_modules()
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OFFICIAL = 'checkpoints/dinov2_vits14_pretrain.pth'
DEMO_BACKBONE = 'work_dirs/retinanet_dinov2-t14_demo/backbone.pth'

# (config, input size for the forward check, backbone checkpoint, frozen)
CONFIGS = [
    ('dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py', 56, None,
     True),
    ('dinov2-linear_vit-t14-det_1xb64-6e_demo-world-crops.py', 56,
     DEMO_BACKBONE, True),
    ('dinov2-linear_vit-s14_8xb128-12500i_in1k.py', 56, OFFICIAL, True),
    ('dinov2-linear4_vit-s14_8xb128-12500i_in1k.py', 56, OFFICIAL, True),
    ('dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py', 56, None, True),
    ('dinov2-linseg_vit-t14-det_1xb8-4e_demo-world.py', 56, DEMO_BACKBONE,
     True),
    ('dinov2-lindepth_vit-t14-rand_1xb8-4e_demo-world.py', 56, None, True),
    ('dinov2-lindepth_vit-t14-det_1xb8-4e_demo-world.py', 56,
     DEMO_BACKBONE, True),
    ('dinov2-lindepth4_vit-s14_1xb2-38400i_nyu.py', 56, OFFICIAL, True),
    ('retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py', 64, None,
     False),
    ('retinanet_dinov2-s14_simplefpn_8xb2-1x_coco.py', 64, OFFICIAL, False),
]


def _dataset_types(cfg):
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            yield loader.dataset.type


@pytest.mark.parametrize('name,size,checkpoint,frozen', CONFIGS)
def test_config_builds_and_runs(name, size, checkpoint, frozen):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'dinov2', name))
    assert cfg.default_scope == 'mmvision_plus'
    backbone_cfg = cfg.model.backbone
    init = backbone_cfg.get('init_cfg')
    if checkpoint is None:
        assert init is None
    else:
        assert init == dict(type='Pretrained', checkpoint=checkpoint)
    for ds_type in _dataset_types(cfg):
        assert DATASETS.get(ds_type) is not None, ds_type
    evaluator = cfg.val_evaluator
    assert METRICS.get(evaluator.type) is not None

    model = MODELS.build(cfg.model)  # no checkpoint is read at build time
    assert type(model.backbone) is DINOv2ViT
    model.eval()
    trainable = any(p.requires_grad for p in model.backbone.parameters())
    assert trainable != frozen
    with torch.no_grad():
        out = model(torch.randn(1, 3, size, size), mode='tensor')
    tensors = list(_flatten(out))
    assert tensors and all(torch.isfinite(t).all() for t in tensors)


def _flatten(out):
    if isinstance(out, torch.Tensor):
        yield out
    else:
        for item in out:
            yield from _flatten(item)
