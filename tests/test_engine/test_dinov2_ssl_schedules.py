"""DINOv2 schedules through a real mmengine Runner, against their formulas.

Teacher temperature warm-up, layer-wise lr decay with the patch-embedding
multiplier, lr warm-up + cosine, weight-decay cosine, last-layer freezing in
the first epoch, per-sub-module gradient clipping.
"""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmvision_plus.engine import (SubmoduleGradClipHook,
                                  TeacherTempWarmupHook, teacher_temp_at)
from mmvision_plus.engine.optimizers import dinov2_vit_layer_depth
from mmvision_plus.models.backbones import DINOv2ViT

NUM_LAYERS = 2
ITERS_PER_EPOCH = 2
EPOCHS = 3
TOTAL = ITERS_PER_EPOCH * EPOCHS
WARMUP = 3
BASE_LR, MIN_RATIO, WD, WD_END = 1e-2, 1e-2, 0.04, 0.4


class ToySSL(BaseModel):
    """A DINOv2ViT and a head with a ``last_layer``; loss = mean square."""

    def __init__(self):
        super().__init__()
        self.backbone = DINOv2ViT(
            arch=dict(embed_dims=8, num_layers=NUM_LAYERS, num_heads=2),
            patch_size=4, img_size=8)
        self.dino_head = nn.Sequential()
        self.dino_head.add_module('mlp', nn.Linear(8, 8))
        self.dino_head.add_module('last_layer', nn.Linear(8, 4, bias=False))
        self.teacher_temp = 0.0

    def forward(self, inputs, data_samples=None, mode='loss'):
        feats = self.backbone.forward_features(inputs)['x_norm_clstoken']
        out = self.dino_head(feats)
        return dict(loss=(out - 1).pow(2).mean() * 10)


class ToyData(torch.utils.data.Dataset):

    def __len__(self):
        return 2 * ITERS_PER_EPOCH

    def __getitem__(self, index):
        g = torch.Generator().manual_seed(index)
        return dict(inputs=torch.randn(3, 8, 8, generator=g))


class Recorder(Hook):
    """Values seen by the optimizer step of each iteration."""
    priority = 'BELOW_NORMAL'

    def __init__(self):
        self.rows = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        groups = runner.optim_wrapper.optimizer.param_groups
        self.rows.append(dict(
            iter=runner.iter,
            temp=model.teacher_temp,
            lr={g['param_name']: g['lr'] for g in groups},
            wd={g['param_name']: g['weight_decay'] for g in groups},
            last=model.dino_head.last_layer.weight.detach().clone()))


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    recorder = Recorder()
    runner = Runner(
        model=ToySSL(),
        work_dir=str(tmp_path_factory.mktemp('sched')),
        train_dataloader=dict(
            dataset=ToyData(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=EPOCHS),
        optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=WD),
            constructor='DINOv2LayerDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=0.9,
                               patch_embed_lr_mult=0.2,
                               flat_decay_mult=0.0)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=1e-6, by_epoch=False,
                 begin=0, end=WARMUP),
            dict(type='CosineAnnealingLR', eta_min_ratio=MIN_RATIO,
                 by_epoch=False, begin=WARMUP, end=TOTAL,
                 T_max=TOTAL - WARMUP),
            dict(type='CosineAnnealingParamScheduler',
                 param_name='weight_decay', eta_min_ratio=WD_END / WD,
                 by_epoch=False, begin=0, end=TOTAL, T_max=TOTAL),
        ],
        custom_hooks=[
            dict(type='TeacherTempWarmupHook', start=0.04, end=0.07,
                 warmup_iters=4),
            dict(type='FreezeLastLayerHook', freeze_epochs=1),
            dict(type='SubmoduleGradClipHook', max_norm=3.0), recorder
        ],
        default_scope='mmvision_plus',
        default_hooks=dict(checkpoint=None, logger=None),
        log_level='WARNING')
    runner.train()
    final = runner.model.dino_head.last_layer.weight.detach().clone()
    return runner, recorder.rows, final


def test_teacher_temperature_warmup(trained):
    _, rows, _ = trained
    # linspace(0.04, 0.07, 4) then 0.07
    expected = [0.04, 0.05, 0.06, 0.07, 0.07, 0.07]
    assert [r['temp'] for r in rows] == pytest.approx(expected)
    assert teacher_temp_at(100, 0.04, 0.07, 30) == 0.07
    assert teacher_temp_at(29, 0.04, 0.07, 30) == pytest.approx(0.07)
    assert teacher_temp_at(0, 0.04, 0.07, 1) == 0.04
    with pytest.raises(ValueError):
        TeacherTempWarmupHook(start=0.0)


def layer_scale(name):
    depth, max_depth = dinov2_vit_layer_depth(name, NUM_LAYERS)
    scale = 0.9**(max_depth - depth - 1)
    return scale * (0.2 if 'patch_embed' in name else 1.0)


def test_layer_depth_rules():
    assert dinov2_vit_layer_depth('backbone.cls_token', 12) == (0, 14)
    assert dinov2_vit_layer_depth('backbone.mask_token', 12) == (0, 14)
    assert dinov2_vit_layer_depth('backbone.register_tokens', 12) == (0, 14)
    assert dinov2_vit_layer_depth('backbone.patch_embed.proj.weight',
                                  12) == (0, 14)
    assert dinov2_vit_layer_depth('backbone.blocks.11.mlp.fc1.weight',
                                  12) == (12, 14)
    assert dinov2_vit_layer_depth('backbone.norm.weight', 12) == (13, 14)
    assert dinov2_vit_layer_depth('dino_head.mlp.0.weight', 12) == (13, 14)


def scheduled_lr(i):
    """Official lr at iteration i: ``linspace(~0, base, W)`` (mmengine's
    LinearLR reaches the end factor at ``end - 1``), then cosine."""
    if i < WARMUP:
        return BASE_LR * (1e-6 + (1 - 1e-6) * i / (WARMUP - 1))
    t = (i - WARMUP) / (TOTAL - WARMUP)
    low = BASE_LR * MIN_RATIO
    return low + 0.5 * (BASE_LR - low) * (1 + math.cos(math.pi * t))


def test_lr_layer_decay_patch_embed_and_last_layer(trained):
    _, rows, _ = trained
    names = rows[0]['lr'].keys()
    assert 'backbone.patch_embed.proj.weight' in names
    assert 'dino_head.last_layer.weight' in names
    # official multipliers: 0.9 ** (L + 1 - depth); patch_embed x 0.2
    assert layer_scale('backbone.patch_embed.proj.weight') == \
        pytest.approx(0.2 * 0.9**3)
    assert layer_scale('backbone.blocks.1.attn.qkv.weight') == \
        pytest.approx(0.9)
    for row in rows:
        i = row['iter']
        for name, lr in row['lr'].items():
            expected = scheduled_lr(i) * layer_scale(name)
            if 'last_layer' in name and i < ITERS_PER_EPOCH:
                expected = 0.0
            assert lr == pytest.approx(expected, rel=1e-6, abs=1e-12), \
                (i, name)


def test_weight_decay_cosine(trained):
    _, rows, _ = trained
    for row in rows:
        wd = WD_END + 0.5 * (WD - WD_END) * (
            1 + math.cos(math.pi * row['iter'] / TOTAL))
        for name, value in row['wd'].items():
            flat = name.endswith('bias') or 'norm' in name or \
                'gamma' in name
            assert value == pytest.approx(0.0 if flat else wd,
                                          rel=1e-6), (row['iter'], name)


def test_last_layer_frozen_in_first_epoch_only(trained):
    _, rows, final = trained
    by_iter = {r['iter']: r['last'] for r in rows}
    # the updates of iterations 0 and 1 (epoch 0) leave it unchanged even
    # with weight decay; the epoch-1 updates change it
    assert torch.equal(by_iter[0], by_iter[1])
    assert torch.equal(by_iter[1], by_iter[2])
    assert not torch.equal(by_iter[2], by_iter[3])
    assert not torch.equal(by_iter[5], final)


def test_freeze_hook_needs_own_groups(tmp_path):
    runner = Runner(
        model=ToySSL(), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=ToyData(), batch_size=2,
                              sampler=dict(type='DefaultSampler'),
                              collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        custom_hooks=[dict(type='FreezeLastLayerHook')],
        default_scope='mmvision_plus', log_level='WARNING',
        default_hooks=dict(checkpoint=None, logger=None))
    with pytest.raises(ValueError, match='mixes'):
        runner.train()


def test_submodule_grad_clip_is_per_part():
    model = ToySSL()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    hook = SubmoduleGradClipHook(max_norm=3.0)
    hub = SimpleNamespace(values={})
    hub.update_scalar = lambda k, v: hub.values.__setitem__(k, v)
    runner = SimpleNamespace(model=model, message_hub=hub,
                             optim_wrapper=SimpleNamespace(
                                 optimizer=optimizer))
    hook.before_train(runner)
    for p in model.backbone.parameters():
        p.grad = torch.full_like(p, 1e-3)       # small: must stay as is
    for p in model.dino_head.parameters():
        p.grad = torch.full_like(p, 10.0)       # large: clipped to 3
    backbone_before = [p.grad.clone() for p in model.backbone.parameters()]
    optimizer.step()
    for before, p in zip(backbone_before, model.backbone.parameters()):
        assert torch.equal(before, p.grad)
    head_norm = torch.norm(torch.stack(
        [p.grad.norm() for p in model.dino_head.parameters()]))
    assert head_norm == pytest.approx(3.0, rel=1e-4)
    assert set(hub.values) == {'train/grad_norm_backbone',
                               'train/grad_norm_dino_head'}
    hook.after_train(runner)
    with pytest.raises(ValueError, match='no sub-module'):
        SubmoduleGradClipHook(submodules=['nope']).before_train(runner)
