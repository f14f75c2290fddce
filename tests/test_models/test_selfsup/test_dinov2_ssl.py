"""The DINOv2 self-supervised model: losses as the official SSLMetaArch
composes them, EMA teacher, frozen distillation teacher."""
import math

import pytest
import torch
from mmengine.logging import MessageHub

from mmvision_plus.datasets.transforms import (BlockMaskGenerator,
                                               ibot_block_masks)
from mmvision_plus.models.losses import (dino_cross_entropy,
                                         ibot_masked_cross_entropy,
                                         koleo_loss, sinkhorn_knopp)
from mmvision_plus.registry import MODELS

B, NUM_LOCAL, K = 4, 3, 32


def tiny_cfg(embed_dims=24, num_layers=2, num_heads=2, **kwargs):
    cfg = dict(
        type='DINOv2',
        backbone=dict(type='DINOv2ViT',
                      arch=dict(embed_dims=embed_dims, num_layers=num_layers,
                                num_heads=num_heads),
                      img_size=28, layer_scale_init=0.5),
        dino_head=dict(type='DINOv2ProjectionHead', num_prototypes=K,
                       hidden_channels=40, bottleneck_channels=12),
        dino_loss=dict(type='DINOLoss'),
        ibot_loss=dict(type='IBOTPatchLoss'))
    cfg.update(kwargs)
    return cfg


def build(**kwargs):
    model = MODELS.build(tiny_cfg(**kwargs))
    model.init_weights()
    return model


def batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(B, 3, 28, 28, generator=g) for _ in range(2)]
    inputs += [torch.randn(B, 3, 14, 14, generator=g)
               for _ in range(NUM_LOCAL)]
    torch.manual_seed(seed)
    import random
    random.seed(seed)
    masks = ibot_block_masks(2 * B, BlockMaskGenerator(
        2, min_num_patches=1, max_num_patches=2), (0.25, 0.75), 0.5)
    return inputs, masks


@pytest.fixture(autouse=True)
def hub():
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', 10)
    hub.update_info('iter', 0)
    return hub


def official_terms(model, inputs, masks, temp, mask_student=True):
    """The official forward_backward terms, composed pair by pair."""
    teacher = model.teacher_parts
    student = model.backbone
    globals_ = torch.cat(inputs[:2])
    with torch.no_grad():
        t_out = teacher['backbone'].forward_features(globals_)
        t_cls = t_out['x_norm_clstoken'].chunk(2)
        # targets of student crop 0 come from teacher crop 1 and vice versa
        logits = teacher['dino_head'](torch.cat((t_cls[1], t_cls[0])))
        targets = sinkhorn_knopp(logits, temp).view(2, B, K)
        t_patch = t_out['x_norm_patchtokens'].flatten(0, 1)[masks.flatten()]
        ibot_targets = sinkhorn_knopp(teacher['dino_head'](t_patch), temp)
    s_out = student.forward_features(globals_,
                                     masks if mask_student else None)
    s_cls = s_out['x_norm_clstoken'].chunk(2)
    pairs = 2 + 2 * NUM_LOCAL
    local = 0
    for crop in inputs[2:]:
        s_local = model.dino_head(
            student.forward_features(crop)['x_norm_clstoken'])
        local = local + sum(dino_cross_entropy(s_local, targets[i])
                            for i in range(2))
    global_ = sum(dino_cross_entropy(model.dino_head(s_cls[i]), targets[i])
                  for i in range(2))
    s_patch = s_out['x_norm_patchtokens'].flatten(0, 1)[masks.flatten()]
    return dict(
        loss_dino_local=local / pairs,
        loss_dino_global=global_ / pairs,
        loss_koleo=0.1 * (koleo_loss(s_cls[0]) + koleo_loss(s_cls[1])),
        loss_ibot=ibot_masked_cross_entropy(model.dino_head(s_patch),
                                            ibot_targets, masks))


def test_losses_follow_the_official_composition():
    model = build(dino_loss=dict(type='DINOLoss'),
                  ibot_loss=dict(type='IBOTPatchLoss'))
    model.teacher_temp = 0.05
    inputs, masks = batch()
    assert masks.any() and not masks.all()
    losses = model.loss(inputs, None, masks)   # first call: teacher = copy
    # perturb the student so teacher and student differ, then compare
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.05 * torch.randn_like(p))
    losses = model.loss(inputs, None, masks)
    ref = official_terms(model, inputs, masks, 0.05)
    assert set(losses) == set(ref)
    for key in ref:
        assert losses[key].item() == pytest.approx(ref[key].item(),
                                                   rel=1e-5), key


def test_teacher_gets_no_gradient_and_stays_in_eval():
    model = build(backbone=dict(
        type='DINOv2ViT', arch=dict(embed_dims=24, num_layers=2,
                                    num_heads=2),
        img_size=28, drop_path_rate=0.5))
    model.train()
    assert model.backbone.training and not model.teacher.training
    assert all(not m.training for m in model.teacher.modules())
    inputs, masks = batch()
    losses = model.loss(inputs, None, masks)
    sum(losses.values()).backward()
    assert all(p.grad is None and not p.requires_grad
               for p in model.teacher.parameters())
    student = dict(model.named_parameters())
    for name in ('backbone.mask_token', 'backbone.blocks.0.attn.qkv.weight',
                 'dino_head.mlp.0.weight',
                 'dino_head.last_layer.parametrizations.weight.original1'):
        assert student[name].grad is not None and \
            student[name].grad.abs().sum() > 0, name
    # eval-mode teacher: deterministic despite drop path in the student
    x = inputs[0]
    t = model.teacher_parts['backbone']
    assert torch.equal(t.forward_features(x)['x_norm_clstoken'],
                       t.forward_features(x)['x_norm_clstoken'])


def test_ema_teacher_follows_the_official_momentum(hub):
    model = build()
    inputs, masks = batch()
    with torch.no_grad():
        model.loss(inputs, None, masks)   # iteration 0: copy
    student = model.backbone.blocks[0].attn.qkv.weight
    teacher = model.teacher_parts['backbone'].blocks[0].attn.qkv.weight
    assert torch.equal(student, teacher)
    for iteration in (1, 5, 10):
        before = teacher.detach().clone()
        with torch.no_grad():
            student.add_(torch.randn_like(student))
        hub.update_info('iter', iteration)
        with torch.no_grad():
            model.loss(inputs, None, masks)
        # official momentum_schedule[iteration - 1], 0.992 -> 1 over 10
        m = 1 + 0.5 * (0.992 - 1) * (
            1 + math.cos(math.pi * (iteration - 1) / 10))
        torch.testing.assert_close(teacher, m * before + (1 - m) * student)


def test_separate_head_and_switches():
    model = build(ibot_head=dict(type='DINOv2ProjectionHead',
                                 num_prototypes=16, hidden_channels=20,
                                 bottleneck_channels=8))
    assert model.ibot_loss.center.shape == (1, 16)
    assert 'ibot_head' in model.teacher_parts
    inputs, masks = batch()
    losses = model.loss(inputs, None, masks)
    sum(losses.values()).backward()
    assert model.ibot_head.mlp[0].weight.grad.abs().sum() > 0
    plain = build(ibot_loss=None, koleo_loss=None)
    assert set(plain.loss(inputs[:2], None, None)) == {'loss_dino_global'}


def test_bad_inputs_are_named():
    model = build()
    inputs, _ = batch()
    with pytest.raises(ValueError, match='dinov2_collate'):
        model.loss(inputs, None, None)
    with pytest.raises(ValueError, match='list of views'):
        model.loss(inputs[0], None, None)


def test_ibot_on_all_patches_uses_unmasked_crops():
    model = build(ibot_on_all_patches=True)
    inputs, masks = batch()
    losses = model.loss(inputs, None, masks)
    everything = torch.ones(2 * B, 4, dtype=torch.bool)
    ref = official_terms(model, inputs, everything, model.teacher_temp,
                         mask_student=False)
    assert losses['loss_ibot'].item() == pytest.approx(
        ref['loss_ibot'].item(), rel=1e-5)


def test_distillation_teacher_is_loaded_and_frozen(tmp_path):
    big = build(embed_dims=32, num_layers=3)
    inputs, masks = batch()
    big.loss(inputs, None, masks)
    with torch.no_grad():
        for p in big.teacher.parameters():
            p.add_(0.1)        # a teacher that differs from its student
    ckpt = tmp_path / 'ssl.pth'
    torch.save(dict(state_dict=big.state_dict()), ckpt)
    teacher = dict(backbone=tiny_cfg(32, 3)['backbone'],
                   dino_head=tiny_cfg()['dino_head'], checkpoint=str(ckpt))
    small = build(embed_dims=16, num_layers=1, teacher=teacher)
    for (name, p), q in zip(small.teacher.named_parameters(),
                            big.teacher.module.parameters()):
        assert torch.equal(p, q), name
    frozen = {k: v.clone() for k, v in small.teacher.state_dict().items()}
    optimizer = torch.optim.SGD(small.parameters(), lr=1.0)
    losses = small.loss(inputs, None, masks)
    sum(losses.values()).backward()
    optimizer.step()
    for key, value in small.teacher.state_dict().items():
        assert torch.equal(value, frozen[key]), key
    assert small.backbone.blocks[0].attn.qkv.weight.grad is not None

    with pytest.raises(ValueError, match='prototypes'):
        build(teacher=dict(teacher, dino_head=dict(
            type='DINOv2ProjectionHead', num_prototypes=8)))
    bare = tmp_path / 'bare.pth'
    torch.save(dict(state_dict=big.backbone.state_dict()), bare)
    with pytest.raises(ValueError, match='teacher.module'):
        build(embed_dims=16, num_layers=1,
              teacher=dict(teacher, checkpoint=str(bare)))
