"""extract_dinov2_backbone: a trained model's backbone loads strictly."""
import os.path as osp
import subprocess
import sys

import torch

from mmvision_plus.models.backbones import DINOv2ViT
from mmvision_plus.registry import MODELS
from mmvision_plus.utils import register_all_modules

TINY = dict(embed_dims=32, num_layers=2, num_heads=2)
TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools', 'model_converters', 'extract_dinov2_backbone.py')


def test_extract_then_load(tmp_path, subprocess_env):
    register_all_modules()
    model = MODELS.build(dict(
        type='FrozenFeatureDenseModel',
        backbone=dict(type='DINOv2ViT', arch=TINY, img_size=56),
        head=dict(type='DINOv2LinearSegHead', num_classes=3,
                  in_channels=32)))
    src, dst = tmp_path / 'epoch_1.pth', tmp_path / 'out' / 'backbone.pth'
    torch.save(dict(meta={}, state_dict=model.state_dict()), src)
    subprocess.run([sys.executable, TOOL, str(src), str(dst)], check=True,
                   env=subprocess_env)
    loaded = DINOv2ViT(arch=TINY, img_size=56, init_cfg=dict(
        type='Pretrained', checkpoint=str(dst)))
    loaded.init_weights()  # strict: every key used, none missing
    for k, v in model.backbone.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[k], v)

    bad = subprocess.run(
        [sys.executable, TOOL, str(src), str(dst), '--prefix', 'encoder.'],
        capture_output=True, text=True, env=subprocess_env)
    assert bad.returncode != 0
    assert "no DINOv2 backbone under prefix 'encoder.'" in bad.stderr
