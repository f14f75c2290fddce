"""Our CPU multi-scale deformable attention against mmcv's pure-PyTorch one.

mmcv's ``multi_scale_deformable_attn_pytorch`` (per-level ``grid_sample``)
is the reference for outputs and for the gradients of all three
differentiable inputs; the module variant is checked against mmcv's
``MultiScaleDeformableAttention`` holding the same weights.
"""
import copy

import pytest
import torch
from mmcv.ops import MultiScaleDeformableAttention
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch

import mmvision_plus.models.layers.ms_deform_attn as msda
from mmvision_plus.models.layers import (FastCPUMultiScaleDeformableAttention,
                                         multi_scale_deformable_attn_cpu,
                                         use_fast_cpu_deform_attn)


@pytest.fixture(params=['sort_first_corners', 'sort_all_corners'])
def backward_strategy(request, monkeypatch):
    """Run a test with each of the two table-gradient strategies."""
    threshold = 0 if request.param == 'sort_first_corners' else 10**9
    monkeypatch.setattr(msda, '_MIN_POINTS_PER_ROW_TO_SORT_FIRST_CORNERS',
                        threshold)
    return request.param


def random_inputs(bs, shapes, num_queries, num_heads=2, head_dims=4,
                  num_points=3, dtype=torch.float64, low=-0.2, high=1.2,
                  seed=0):
    """(value, spatial_shapes, sampling_locations, attention_weights), the
    floating ones requiring grad; locations uniform in [low, high)."""
    gen = torch.Generator().manual_seed(seed)
    spatial_shapes = torch.tensor(shapes)
    num_keys = int((spatial_shapes[:, 0] * spatial_shapes[:, 1]).sum())
    num_levels = len(shapes)
    value = torch.randn(bs, num_keys, num_heads, head_dims, generator=gen,
                        dtype=dtype)
    locations = torch.rand(bs, num_queries, num_heads, num_levels, num_points,
                           2, generator=gen, dtype=dtype) * (high - low) + low
    weights = torch.rand(bs, num_queries, num_heads, num_levels, num_points,
                         generator=gen, dtype=dtype)
    return (value.requires_grad_(), spatial_shapes,
            locations.requires_grad_(), weights.requires_grad_())


def outputs_and_grads(fn, inputs, seed=1):
    """fn's output and the gradients of a random projection of it with
    respect to value, sampling_locations and attention_weights."""
    value, shapes, locations, weights = inputs
    out = fn(value, shapes, locations, weights)
    upstream = torch.randn(out.shape, dtype=out.dtype,
                           generator=torch.Generator().manual_seed(seed))
    grads = torch.autograd.grad((out * upstream).sum(),
                                (value, locations, weights))
    return out, grads


def assert_matches_mmcv(inputs, atol, rtol=0.0):
    ref_out, ref_grads = outputs_and_grads(
        multi_scale_deformable_attn_pytorch, inputs)
    out, grads = outputs_and_grads(multi_scale_deformable_attn_cpu, inputs)
    assert out.shape == ref_out.shape
    torch.testing.assert_close(out, ref_out, atol=atol, rtol=rtol)
    for name, grad, ref in zip(('value', 'sampling_locations',
                                'attention_weights'), grads, ref_grads):
        torch.testing.assert_close(
            grad, ref, atol=atol, rtol=rtol, msg=lambda m: f'{name}: {m}')


CASES = {
    'bs1_one_level': (1, [(4, 5)], 7),
    'bs3_non_square_and_1x1': (3, [(6, 4), (3, 2), (1, 1)], 10),
    'tall_and_wide': (2, [(7, 1), (1, 6), (2, 3)], 5),
    'four_levels': (2, [(12, 12), (6, 6), (3, 3), (2, 2)], 30),
}


@pytest.mark.parametrize('case', CASES)
def test_matches_mmcv_float64(case, backward_strategy):
    bs, shapes, num_queries = CASES[case]
    assert_matches_mmcv(random_inputs(bs, shapes, num_queries), atol=1e-12)


@pytest.mark.parametrize('case', CASES)
def test_matches_mmcv_float32(case, backward_strategy):
    bs, shapes, num_queries = CASES[case]
    inputs = random_inputs(bs, shapes, num_queries, dtype=torch.float32,
                           head_dims=8, num_heads=4)
    assert_matches_mmcv(inputs, atol=2e-5, rtol=1e-5)


def test_matches_mmcv_far_outside_and_on_borders(backward_strategy):
    """Locations far outside [0, 1], on the image border (0, 1) and at
    exact pixel positions (where the bilinear cell changes), including the
    first and last positions whose cell still touches the level. Level
    sizes are powers of two so both implementations compute the pixel
    coordinates exactly."""
    shapes = [(4, 8), (2, 1), (1, 2)]
    value, spatial_shapes, _, weights = random_inputs(
        2, shapes, 12, num_points=4)
    coords = []
    for h, w in shapes:
        xs = [-3.0, 0.0, 1.0, 4.0, -0.5 / w, 0.5 / w, 1.5 / w, 1 - 0.5 / w,
              1 + 0.5 / w, 1 + 1.5 / w, 2.0 / w, -1.5 / w]
        ys = [-0.5 / h, 0.0, 1 + 0.5 / h, 0.5 / h, 1.0, -2.0, 1 - 0.5 / h,
              1.5 / h, 7.0, 1 + 1.5 / h, -1.5 / h, 0.25]
        coords.append(torch.tensor([xs, ys], dtype=torch.float64).t())
    # (levels, 12 positions, 2) -> queries x points cycle through them.
    grid = torch.stack(coords)
    locations = torch.empty(2, 12, 2, 3, 4, 2, dtype=torch.float64)
    for q in range(12):
        for p in range(4):
            locations[:, q, :, :, p] = grid[:, (q + 5 * p) % 12]
    locations.requires_grad_()
    assert_matches_mmcv((value, spatial_shapes, locations, weights),
                        atol=1e-12)


def test_point_outside_every_level_samples_zero():
    value, shapes, locations, weights = random_inputs(1, [(3, 3), (2, 2)], 4)
    with torch.no_grad():
        locations[:, 1] = 2.5  # query 1: all its points right of / below
    out = multi_scale_deformable_attn_cpu(value, shapes, locations, weights)
    assert torch.all(out[:, 1] == 0)
    assert torch.all(out[:, 0] != 0)


def test_nan_location_gives_nan_like_mmcv():
    value, shapes, locations, weights = random_inputs(1, [(3, 3)], 3)
    with torch.no_grad():
        locations[0, 1, 0, 0, 0, 0] = float('nan')
    ref = multi_scale_deformable_attn_pytorch(value, shapes, locations,
                                              weights)
    out = multi_scale_deformable_attn_cpu(value, shapes, locations, weights)
    assert torch.equal(out.isnan(), ref.isnan())
    assert out.isnan().any()
    torch.testing.assert_close(out[~out.isnan()], ref[~ref.isnan()])


@pytest.mark.parametrize('bs', [1, 2])
def test_gradcheck(bs, backward_strategy):
    inputs = random_inputs(bs, [(3, 2), (1, 1)], 3, num_heads=2, head_dims=2,
                           num_points=2)
    assert torch.autograd.gradcheck(multi_scale_deformable_attn_cpu, inputs)


def test_only_some_inputs_require_grad():
    value, shapes, locations, weights = random_inputs(2, [(3, 4)], 5)
    for wanted in ('value', 'locations'):
        v = value.detach().requires_grad_(wanted == 'value')
        loc = locations.detach().requires_grad_(wanted == 'locations')
        ref_in = (v, shapes, loc, weights.detach())
        out = multi_scale_deformable_attn_cpu(*ref_in)
        ref = multi_scale_deformable_attn_pytorch(*ref_in)
        leaf = v if wanted == 'value' else loc
        (grad, ) = torch.autograd.grad(out.sum(), leaf)
        (ref_grad, ) = torch.autograd.grad(ref.sum(), leaf)
        torch.testing.assert_close(grad, ref_grad, atol=1e-12, rtol=0)


def test_bf16_value_is_computed_in_float32():
    """A bf16 value (a Linear's output under autocast) is sampled in
    float32, as mmcv's grid_sample is under autocast."""
    inputs = random_inputs(2, [(8, 8), (4, 4)], 20, num_heads=2,
                           head_dims=16, dtype=torch.float32)
    value, shapes, locations, weights = inputs
    value_bf16 = value.detach().bfloat16().requires_grad_()
    ref = multi_scale_deformable_attn_pytorch(value_bf16.float(), shapes,
                                              locations, weights)
    out = multi_scale_deformable_attn_cpu(value_bf16, shapes, locations,
                                          weights)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, atol=2e-5, rtol=1e-5)
    out.sum().backward()
    assert value_bf16.grad.dtype == torch.bfloat16
    assert torch.isfinite(value_bf16.grad).all()
    assert locations.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs, message', [
    (dict(value=torch.zeros(2, 5, 2)), 'value must be'),
    (dict(spatial_shapes=torch.tensor([3, 3])), 'spatial_shapes must be'),
    (dict(sampling_locations=torch.zeros(2, 4, 2, 2, 3, 2)),
     'sampling_locations must be'),
    (dict(attention_weights=torch.zeros(2, 4, 2, 1, 2)),
     'attention_weights must be'),
    (dict(spatial_shapes=torch.tensor([[3, 4]])), 'cover 12 keys'),
])
def test_bad_shapes_are_named(kwargs, message):
    args = dict(
        value=torch.zeros(2, 9, 2, 4),
        spatial_shapes=torch.tensor([[3, 3]]),
        sampling_locations=torch.zeros(2, 4, 2, 1, 3, 2),
        attention_weights=torch.zeros(2, 4, 2, 1, 3))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        multi_scale_deformable_attn_cpu(**args)


# ----------------------------------------------------------------- module --
def randomize(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random parameters everywhere (mmcv's init zeroes the attention
    weights' and offsets' projections, which would hide wiring mistakes)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn(param.shape, generator=gen) * 0.3)
    return module


def module_pair(dtype=torch.float64, **kwargs):
    cfg = dict(embed_dims=16, num_heads=2, num_levels=2, num_points=3,
               dropout=0.0)
    cfg.update(kwargs)
    ref = randomize(MultiScaleDeformableAttention(**cfg)).to(dtype)
    ours = FastCPUMultiScaleDeformableAttention(**cfg).to(dtype)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ref, ours


def module_inputs(batch_first, ref_dims, dtype=torch.float64, bs=2,
                  num_query=5):
    gen = torch.Generator().manual_seed(3)
    shapes = torch.tensor([[4, 3], [2, 2]])
    level_start_index = torch.tensor([0, 12])
    num_value = 16

    def seq(n):
        x = torch.randn(bs, n, 16, generator=gen, dtype=dtype)
        return x if batch_first else x.transpose(0, 1)

    reference_points = torch.rand(bs, num_query, 2, ref_dims, generator=gen,
                                  dtype=dtype)
    if ref_dims == 4:
        reference_points[..., 2:] *= 0.5
    mask = torch.zeros(bs, num_value, dtype=torch.bool)
    mask[1, -3:] = True
    return dict(query=seq(num_query), value=seq(num_value),
                query_pos=seq(num_query), key_padding_mask=mask,
                reference_points=reference_points, spatial_shapes=shapes,
                level_start_index=level_start_index)


def test_module_state_dict_loads_strictly_both_ways():
    ref, ours = module_pair()
    assert list(ours.state_dict()) == list(ref.state_dict())
    fresh_ref = MultiScaleDeformableAttention(
        embed_dims=16, num_heads=2, num_levels=2, num_points=3).double()
    fresh_ref.load_state_dict(ours.state_dict(), strict=True)
    for key, tensor in fresh_ref.state_dict().items():
        assert torch.equal(tensor, ref.state_dict()[key])


def test_module_default_init_matches_mmcv():
    torch.manual_seed(0)
    ref = MultiScaleDeformableAttention(embed_dims=32, num_heads=4)
    torch.manual_seed(0)
    ours = FastCPUMultiScaleDeformableAttention(embed_dims=32, num_heads=4)
    for (key, tensor), ref_tensor in zip(ours.state_dict().items(),
                                         ref.state_dict().values()):
        assert torch.equal(tensor, ref_tensor), key


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('ref_dims', [2, 4])
def test_module_matches_mmcv(batch_first, ref_dims):
    ref, ours = module_pair(batch_first=batch_first)
    inputs = module_inputs(batch_first, ref_dims)
    ref_out = ref(**inputs)
    out = ours(**inputs)
    torch.testing.assert_close(out, ref_out, atol=1e-12, rtol=0)
    ref_out.square().sum().backward()
    out.square().sum().backward()
    for (name, param), ref_param in zip(ours.named_parameters(),
                                        ref.parameters()):
        torch.testing.assert_close(param.grad, ref_param.grad, atol=1e-10,
                                   rtol=0, msg=lambda m: f'{name}: {m}')


def test_module_rejects_bad_reference_points():
    _, ours = module_pair()
    inputs = module_inputs(False, 2)
    inputs['reference_points'] = torch.zeros(2, 5, 2, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match='reference_points'):
        ours(**inputs)


def test_module_bf16_autocast_is_close():
    ref, ours = module_pair(dtype=torch.float32)
    inputs = {
        k: v.float() if v.is_floating_point() else v
        for k, v in module_inputs(True, 2, dtype=torch.float32).items()
    }
    ref.batch_first = ours.batch_first = True
    expected = ref(**inputs)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = ours(**inputs)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(
        out.float(), expected, atol=0.05 * expected.abs().max().item(),
        rtol=0.05)
    out.float().sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in ours.parameters())


def test_registered_in_our_registry():
    from mmvision_plus.registry import MODELS
    module = MODELS.build(
        dict(type='FastCPUMultiScaleDeformableAttention', embed_dims=16,
             num_heads=2, num_levels=2))
    assert type(module) is FastCPUMultiScaleDeformableAttention
    # mmcv's own name still builds mmcv's class
    assert type(MODELS.build(dict(type='MultiScaleDeformableAttention',
                                  embed_dims=16, num_heads=2))) is \
        MultiScaleDeformableAttention


def test_use_fast_cpu_deform_attn_on_mmdet_encoder():
    from mmdet.models.layers import DeformableDetrTransformerEncoder
    encoder = DeformableDetrTransformerEncoder(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=16, num_heads=2, num_levels=2,
                               num_points=3, dropout=0.0),
            ffn_cfg=dict(embed_dims=16, feedforward_channels=32,
                         ffn_drop=0.0))).double()
    randomize(encoder)
    reference = copy.deepcopy(encoder)
    params_before = list(encoder.parameters())

    assert use_fast_cpu_deform_attn(encoder) == 2
    assert use_fast_cpu_deform_attn(encoder) == 0  # already switched
    attns = [m for m in encoder.modules()
             if isinstance(m, MultiScaleDeformableAttention)]
    assert len(attns) == 2 and all(
        type(m) is FastCPUMultiScaleDeformableAttention for m in attns)
    assert all(a is b for a, b in zip(encoder.parameters(), params_before))
    assert list(encoder.state_dict()) == list(reference.state_dict())

    gen = torch.Generator().manual_seed(0)
    shapes = torch.tensor([[4, 3], [2, 2]])
    inputs = dict(
        query=torch.randn(2, 16, 16, generator=gen, dtype=torch.float64),
        query_pos=torch.randn(2, 16, 16, generator=gen, dtype=torch.float64),
        key_padding_mask=torch.zeros(2, 16, dtype=torch.bool),
        spatial_shapes=shapes,
        level_start_index=torch.tensor([0, 12]),
        valid_ratios=torch.ones(2, 2, 2, dtype=torch.float64))
    torch.testing.assert_close(encoder(**inputs), reference(**inputs),
                               atol=1e-12, rtol=0)
