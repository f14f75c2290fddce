"""dinov2_ssl2official: the exported teacher has the official hub keys and
loads strictly into DINOv2ViT with identical features."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.logging import MessageHub

from mmvision_plus.models.backbones import DINOv2ViT
from mmvision_plus.registry import MODELS

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools', 'model_converters', 'dinov2_ssl2official.py')
ARCH = dict(embed_dims=32, num_layers=2, num_heads=2)


def official_hub_keys(num_layers, registers):
    """The key set of the official hub models (dinov2_vits14[_reg])."""
    keys = {'cls_token', 'pos_embed', 'mask_token', 'patch_embed.proj.weight',
            'patch_embed.proj.bias', 'norm.weight', 'norm.bias'}
    if registers:
        keys.add('register_tokens')
    for i in range(num_layers):
        for name in ('norm1', 'attn.qkv', 'attn.proj', 'norm2', 'mlp.fc1',
                     'mlp.fc2'):
            keys |= {f'blocks.{i}.{name}.weight', f'blocks.{i}.{name}.bias'}
        keys |= {f'blocks.{i}.ls1.gamma', f'blocks.{i}.ls2.gamma'}
    return keys


@pytest.fixture(scope='module')
def ssl_checkpoint(tmp_path_factory):
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = MODELS.build(dict(
        type='DINOv2',
        backbone=dict(type='DINOv2ViT', arch=ARCH, img_size=28,
                      num_register_tokens=2),
        dino_head=dict(type='DINOv2ProjectionHead', num_prototypes=16,
                       hidden_channels=24, bottleneck_channels=8)))
    model.init_weights()
    inputs = [torch.randn(2, 3, 28, 28) for _ in range(2)]
    with torch.no_grad():
        model.loss(inputs, None, torch.zeros(4, 4, dtype=torch.bool))
        for p in model.teacher.parameters():   # teacher != student
            p.add_(0.01 * torch.randn_like(p))
    path = tmp_path_factory.mktemp('ssl') / 'iter_1.pth'
    torch.save(dict(meta={}, state_dict=model.state_dict()), path)
    return path, model


def run_tool(*args, env):
    subprocess.run([sys.executable, TOOL, *map(str, args)], check=True,
                   env=env)


def test_teacher_export_round_trip(ssl_checkpoint, tmp_path, subprocess_env):
    path, model = ssl_checkpoint
    out = tmp_path / 'teacher.pth'
    run_tool(path, out, env=subprocess_env)
    state = torch.load(out, map_location='cpu')
    assert set(state) == official_hub_keys(2, registers=True)
    loaded = DINOv2ViT(arch=ARCH, img_size=28, num_register_tokens=2,
                       init_cfg=dict(type='Pretrained', checkpoint=str(out)))
    loaded.init_weights()       # strict
    teacher = model.teacher_parts['backbone'].eval()
    x = torch.randn(2, 3, 42, 28)
    with torch.no_grad():
        assert torch.equal(loaded.eval().forward_features(x)['x_prenorm'],
                           teacher.forward_features(x)['x_prenorm'])
        student = model.backbone.eval().forward_features(x)['x_prenorm']
    assert not torch.equal(student, teacher.forward_features(x)['x_prenorm'])


def export_fn():
    sys.path.insert(0, osp.dirname(TOOL))
    from dinov2_ssl2official import export
    return export


def test_student_export_and_pos_grid_resampling(ssl_checkpoint, tmp_path):
    path, model = ssl_checkpoint
    out = tmp_path / 'student56.pth'
    state = export_fn()(torch.load(path, map_location='cpu'), 'student', 56)
    torch.save(state, out)
    assert state['pos_embed'].shape == (1, 1 + 4 * 4, 32)
    loaded = DINOv2ViT(arch=ARCH, img_size=56, num_register_tokens=2,
                       init_cfg=dict(type='Pretrained', checkpoint=str(out)))
    loaded.init_weights()
    x = torch.randn(1, 3, 56, 56)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded.eval().forward_features(x)['x_prenorm'],
            model.backbone.eval().forward_features(x)['x_prenorm'])


def test_distillation_checkpoint_needs_part_student():
    export = export_fn()
    backbone = DINOv2ViT(arch=ARCH, img_size=28)
    state = {f'teacher.backbone.{k}': v
             for k, v in backbone.state_dict().items()}
    with pytest.raises(ValueError, match='--part student'):
        export(dict(state_dict=state), 'teacher', source='distill.pth')
