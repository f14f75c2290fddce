"""SimpleFPN: declared strides, output grids, prior alignment, errors."""
import math

import pytest
import torch

from mmvision_plus.models.necks import SimpleFPN
from mmvision_plus.registry import MODELS


@pytest.mark.parametrize('hw', [(160, 160), (224, 336), (150, 97)])
@pytest.mark.parametrize('strides', [(8, 16, 32, 64, 128),
                                     (4, 8, 16, 32, 64)])
def test_simple_fpn_grids(hw, strides):
    neck = SimpleFPN(in_channels=64, out_channels=32, strides=strides)
    # The backbone pads the input to a multiple of 14.
    h, w = math.ceil(hw[0] / 14), math.ceil(hw[1] / 14)
    feat = torch.randn(2, 64, h, w)
    outs = neck((feat, ))
    assert len(outs) == len(strides)
    for s, out in zip(strides, outs):
        assert out.shape == (2, 32, math.ceil(14 * h / s),
                             math.ceil(14 * w / s))
        # The level's grid covers the whole (padded) input.
        assert out.shape[2] * s >= hw[0] and out.shape[3] * s >= hw[1]


def test_simple_fpn_matches_mmdet_prior_generator():
    """Priors generated from the level sizes lie on the stride-s grid of
    the 168 px input, as for a stride-s CNN pyramid of the same input."""
    from mmdet.models.task_modules.prior_generators import \
        MlvlPointGenerator
    strides = (8, 16, 32, 64, 128)
    neck = SimpleFPN(in_channels=32, out_channels=32, strides=strides)
    outs = neck((torch.randn(1, 32, 12, 12), ))  # 168 px input
    gen = MlvlPointGenerator(strides)
    points = gen.grid_priors([o.shape[2:] for o in outs], device='cpu')
    for s, pts in zip(strides, points):
        n = math.ceil(168 / s)
        assert pts.shape == (n * n, 2)
        assert pts[:, 0].max().item() == (n - 1 + gen.offset) * s
        assert pts[:, 0].max().item() < 168 + s / 2


def test_simple_fpn_is_trainable_and_registered():
    neck = MODELS.build(
        dict(type='SimpleFPN', in_channels=64, out_channels=32,
             strides=(4, 8, 16, 32)))
    outs = neck([torch.randn(1, 64, 4, 6)])
    sum(o.sum() for o in outs).backward()
    grads = [p.grad for p in neck.parameters()]
    assert all(g is not None for g in grads)
    # Stride 4 uses two deconvolutions: C/4 channels before the lateral.
    assert neck.lateral_convs[0].conv.in_channels == 16


def test_simple_fpn_bad_strides():
    with pytest.raises(ValueError, match='power of two'):
        SimpleFPN(32, 32, strides=(12, 24))
    with pytest.raises(ValueError, match='increasing'):
        SimpleFPN(32, 32, strides=(16, 8))
    with pytest.raises(ValueError, match='must precede'):
        SimpleFPN(32, 32, strides=(8, 16, 128))
    with pytest.raises(ValueError, match='divisible by 4'):
        SimpleFPN(30, 32, strides=(4, 8))
    with pytest.raises(ValueError, match='backbone map'):
        SimpleFPN(32, 32)((torch.randn(1, 10, 32), ))
