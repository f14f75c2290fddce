"""GLEE configs run our fast CPU deformable attention, with mmcv's results.

Every GLEE config builds ``FastCPUMultiScaleDeformableAttention`` (mmcv's
module with our CPU kernel) through the config bases. A demo GLEE built so
and one built with mmcv's ``MultiScaleDeformableAttention``, same weights,
have the same state-dict keys, the same predictions and output gradients in
float64 (the module tests' 1e-10 of ``test_ms_deform_attn.py``) and the
same training losses and gradients in float32 (its float32 tolerance).
"""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import mmvision_plus
from mmvision_plus.models.layers import FastCPUMultiScaleDeformableAttention
from mmvision_plus.registry import MODELS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
GLEE_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'glee', '*.py')))
DEMO_CONFIG = osp.join(ROOT, 'configs', 'glee',
                       'glee_r18_demo_1xb4-12e_demo-world-instance.py')
FAST = 'FastCPUMultiScaleDeformableAttention'
MMCV = 'MultiScaleDeformableAttention'
H, W = 64, 96
NAMES = ('circle', 'square', 'star')


def attention_types(model_cfg) -> set:
    """``type`` of every deformable attention config in a model config."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if 'DeformableAttention' in str(node.get('type', '')):
                found.add(node['type'])
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(model_cfg)
    return found


@pytest.mark.parametrize('config', GLEE_CONFIGS,
                         ids=[osp.basename(c) for c in GLEE_CONFIGS])
def test_every_glee_config_uses_the_fast_attention(config):
    model = Config.fromfile(config).model
    assert model.encoder.layer_cfg.self_attn_cfg.type == FAST
    assert model.decoder.layer_cfg.cross_attn_cfg.type == FAST
    assert attention_types(model) == {FAST}


def build_demo(attention_type: str):
    """The demo GLEE (R18, 3 + 3 layers, 100 queries) with the encoder's
    and decoder's deformable attention of ``attention_type``."""
    cfg = copy.deepcopy(Config.fromfile(DEMO_CONFIG).model)
    cfg.encoder.layer_cfg.self_attn_cfg.type = attention_type
    cfg.decoder.layer_cfg.cross_attn_cfg.type = attention_type
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        return MODELS.build(cfg)


def to_float64(model):
    """The model in float64 for inference (after ``init_weights``: mmcv's
    attention init assigns a float32 ``.data``), but for the text encoder:
    transformers' CLIP text model cannot build its causal mask in float64
    (``finfo.min`` overflows a float), so the text encoder, the same in both
    models, runs in float32 and hands its outputs on in float64."""
    model.double()
    text_encoder = model.text_encoder.float()
    encode = text_encoder.forward

    def encode_to_float64(texts):
        return {
            key: value.double() if value.is_floating_point() else value
            for key, value in encode(texts).items()
        }

    text_encoder.forward = encode_to_float64
    return model


def randomize_for_comparison(model, seed: int = 0) -> None:
    """Trained-like weights where the init is degenerate: random sampling
    offsets and attention weights (mmcv zeroes them: every point on a fixed
    grid, uniform weights) and a random class projection (zero at init:
    every score equal, ties in matching and top-k)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, MultiScaleDeformableAttention):
                for linear in (module.sampling_offsets,
                               module.attention_weights):
                    linear.weight.copy_(
                        torch.randn(linear.weight.shape, generator=gen) *
                        0.02)
        projection = model.bbox_head.class_projection
        projection.copy_(torch.randn(projection.shape, generator=gen) * 0.02)


@pytest.fixture(scope='module')
def float32_pair():
    """(mmcv-attention model, fast-attention model), same weights."""
    torch.manual_seed(0)
    reference = build_demo(MMCV)
    reference.init_weights()
    randomize_for_comparison(reference)
    fast = build_demo(FAST)
    fast.load_state_dict(reference.state_dict(), strict=True)
    return reference, fast


@pytest.fixture(scope='module')
def float64_pair(float32_pair):
    return tuple(to_float64(copy.deepcopy(model)) for model in float32_pair)


def make_sample(seed: int) -> DetDataSample:
    """A demo-world-like instance sample: 2 random boxes with box masks."""
    gen = torch.Generator().manual_seed(seed)
    xy = torch.rand(2, 2, generator=gen) * torch.tensor([W, H]) * 0.5
    wh = torch.rand(2, 2, generator=gen) * torch.tensor([W, H]) * 0.4 + 8
    boxes = torch.cat([xy, xy + wh], 1).round()
    sample = DetDataSample(metainfo=dict(
        img_shape=(H, W), batch_input_shape=(H, W), ori_shape=(H, W),
        pad_shape=(H, W), scale_factor=(1., 1.), img_path=f'{seed}.png',
        text=NAMES, task='instance', dn_table='demo_world'))
    bitmaps = torch.zeros(2, H, W, dtype=torch.uint8)
    for i, box in enumerate(boxes.long()):
        bitmaps[i, box[1]:box[3], box[0]:box[2]] = 1
    sample.gt_instances = InstanceData(
        bboxes=boxes, labels=torch.tensor([0, 2]),
        masks=BitmapMasks(bitmaps.numpy(), H, W))
    return sample


def batch(seed: int = 0, dtype: torch.dtype = torch.float64):
    """Two normalised images and their samples."""
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 3, H, W, generator=gen, dtype=dtype),
            [make_sample(seed), make_sample(seed + 1)])


def test_demo_model_builds_the_fast_attention_with_mmcv_keys(float32_pair):
    reference, fast = float32_pair
    fast_attns = [m for m in fast.modules()
                  if isinstance(m, MultiScaleDeformableAttention)]
    assert len(fast_attns) == 3 + 3  # encoder + decoder layers
    assert all(type(m) is FastCPUMultiScaleDeformableAttention
               for m in fast_attns)
    assert all(type(m) is MultiScaleDeformableAttention
               for m in reference.modules()
               if isinstance(m, MultiScaleDeformableAttention))
    assert list(fast.state_dict()) == list(reference.state_dict())


def test_fast_attention_predicts_as_mmcv(float64_pair):
    inputs, samples = batch(0)
    outputs = []
    for model in float64_pair:
        model.eval()
        with torch.no_grad():
            raw = model._forward(inputs, samples)
            preds = model.predict(inputs, copy.deepcopy(samples))
        outputs.append((raw, [p.pred_instances for p in preds]))
    (ref_raw, ref_preds), (raw, preds) = outputs
    for name, out, ref in zip(('cls', 'boxes', 'masks'), raw, ref_raw):
        torch.testing.assert_close(out, ref, atol=1e-10, rtol=0,
                                   msg=lambda m: f'{name}: {m}')
    for pred, ref in zip(preds, ref_preds):
        assert torch.equal(pred.labels, ref.labels)
        assert torch.equal(pred.masks, ref.masks)
        torch.testing.assert_close(pred.bboxes, ref.bboxes, atol=1e-10,
                                   rtol=0)
        torch.testing.assert_close(pred.scores, ref.scores, atol=1e-10,
                                   rtol=0)


def parameter_grads(model) -> dict:
    return {
        name: param.grad.clone()
        for name, param in model.named_parameters() if param.grad is not None
    }


def assert_same_grads(grads: dict, ref_grads: dict, atol_scale: float,
                      rtol: float) -> None:
    """Same parameters got gradients, each within ``atol_scale`` times its
    reference's largest entry (at least 1) plus ``rtol``."""
    assert list(grads) == list(ref_grads)
    attention = [n for n in grads if 'sampling_offsets.weight' in n]
    assert len(attention) == 3 + 3  # every deformable attention learns
    for name, grad in grads.items():
        ref = ref_grads[name]
        atol = atol_scale * max(1.0, ref.abs().max().item())
        torch.testing.assert_close(grad, ref, atol=atol, rtol=rtol,
                                   msg=lambda m: f'{name}: {m}')


def test_fast_attention_has_mmcv_output_gradients(float64_pair):
    """float64, the module tests' tolerance: gradients of the raw outputs
    (random projections of class logits, boxes and masks) reach every
    parameter through encoder and decoder."""
    inputs, samples = batch(2)
    grads = []
    for model in float64_pair:
        model.eval()
        model.zero_grad()
        outputs = model._forward(inputs, samples)
        gen = torch.Generator().manual_seed(0)
        sum((out * torch.randn(out.shape, generator=gen,
                               dtype=out.dtype)).sum()
            for out in outputs).backward()
        grads.append(parameter_grads(model))
    assert_same_grads(grads[1], grads[0], atol_scale=1e-10, rtol=0)


def test_fast_attention_has_mmcv_loss_gradients(float32_pair):
    """A training step's losses and gradients (denoising, Hungarian
    matching, point-sampled mask losses: mmdet's matching costs and
    denoising queries are float32 only), with the float32 tolerance of the
    kernel tests (atol 2e-5, rtol 1e-5), the atol scaled by each gradient's
    largest entry: float32 rounding differences grow through the model."""
    inputs, samples = batch(1, torch.float32)
    results = []
    for model in float32_pair:
        model.train()
        model.zero_grad()
        torch.manual_seed(0)  # same denoising noise and sampled points
        losses = model.loss(inputs, copy.deepcopy(samples))
        sum(losses.values()).backward()
        results.append((losses, parameter_grads(model)))
    (ref_losses, ref_grads), (losses, grads) = results
    assert {'loss_mask', 'loss_dice', 'dn_loss_bbox'} <= set(losses)
    assert list(losses) == list(ref_losses)
    for key, value in losses.items():
        torch.testing.assert_close(value, ref_losses[key], atol=2e-5,
                                   rtol=1e-5, msg=lambda m: f'{key}: {m}')
    assert_same_grads(grads, ref_grads, atol_scale=2e-5, rtol=1e-5)
