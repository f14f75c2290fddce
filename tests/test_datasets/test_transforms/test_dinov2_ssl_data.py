"""DINOv2 self-supervised data: multi-crop views, iBOT block masks, collate."""
import random

import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomApply
from mmpretrain.datasets.transforms import GaussianBlur, PackInputs, Solarize

from mmvision_plus.datasets.transforms import (BlockMaskGenerator,
                                               DINOv2MultiCrop,
                                               dinov2_collate,
                                               ibot_block_masks)


def _image(value=None, size=(150, 200)):
    rng = np.random.default_rng(0)
    if value is None:
        return rng.integers(0, 256, size + (3, ), dtype=np.uint8)
    return np.full(size + (3, ), value, dtype=np.uint8)


def test_multicrop_shapes_and_order():
    t = DINOv2MultiCrop(global_crop_size=56, local_crop_size=28,
                        num_local_crops=3)
    out = t(dict(img=_image(), img_shape=(150, 200), ori_shape=(150, 200)))
    shapes = [v.shape for v in out['img']]
    assert shapes == [(56, 56, 3)] * 2 + [(28, 28, 3)] * 3
    assert all(v.dtype == np.uint8 for v in out['img'])
    packed = PackInputs()(out)
    assert [tuple(x.shape) for x in packed['inputs']] == \
        [(3, 56, 56)] * 2 + [(3, 28, 28)] * 3


def test_multicrop_recipe_per_view():
    t = DINOv2MultiCrop(num_local_crops=2)

    def ops(view):
        return view.transforms

    g1, g2, local = t.pipelines
    blur = [[op for op in ops(p) if isinstance(op, GaussianBlur)][0].prob
            for p in (g1, g2, local)]
    assert blur == [1.0, 0.1, 0.5]
    assert [any(isinstance(op, Solarize) for op in ops(p))
            for p in (g1, g2, local)] == [False, True, False]
    jitter = [op for op in ops(g1) if isinstance(op, RandomApply)][0]
    assert jitter.prob == 0.8
    crop = ops(local)[0]
    assert crop.crop_ratio_range == (0.05, 0.32)
    assert ops(g1)[0].crop_ratio_range == (0.32, 1.0)
    assert ops(g1)[0].interpolation == 'bicubic'


def test_multicrop_solarises_only_global_2():
    # a flat bright image: crops, flips and blur keep it flat; solarising
    # (threshold 128) turns 200 into 55
    t = DINOv2MultiCrop(global_crop_size=28, local_crop_size=14,
                        num_local_crops=2, color_jitter_prob=0.0,
                        grayscale_prob=0.0, solarize_prob=1.0)
    out = t(dict(img=_image(200)))
    assert [int(v.mean().round()) for v in out['img']] == [200, 55, 200, 200]


def test_multicrop_bad_args():
    with pytest.raises(ValueError, match='blur_probs'):
        DINOv2MultiCrop(blur_probs=(1.0, 0.5))
    with pytest.raises(ValueError, match='local_crop_scale'):
        DINOv2MultiCrop(local_crop_scale=(0.5, 0.2))


def test_block_masks_respect_the_request_and_reach_every_edge():
    random.seed(0)
    gen = BlockMaskGenerator(16, max_num_patches=0.5 * 256)
    edge_hits = 0
    ratios = []
    for request in [10, 40, 80, 120] * 25:
        mask = gen(request)
        assert mask.shape == (16, 16) and mask.dtype == bool
        assert mask.sum() <= request
        ratios.append(mask.sum() / request)
        edge_hits += bool(mask[-1].any() or mask[:, -1].any())
    assert np.mean(ratios) > 0.9       # it does not stop early as a rule
    assert edge_hits > 0               # mmpretrain's port never gets here
    assert gen(0).sum() == 0


def test_ibot_block_masks_ratios_within_bounds():
    random.seed(1)
    gen = BlockMaskGenerator(16, max_num_patches=128)
    n, lo, hi = 32, 0.1, 0.5
    masks = ibot_block_masks(n, gen, (lo, hi), 0.5)
    assert masks.shape == (n, 256) and masks.dtype == torch.bool
    counts = masks.sum(dim=1)
    masked = counts[counts > 0].sort().values
    assert len(masked) == 16               # int(32 * 0.5) crops masked
    # the i-th masked crop asks for at most int(N * r_{i+1}) patches
    caps = torch.tensor([int(256 * b) for b in
                         torch.linspace(lo, hi, 17).tolist()[1:]])
    assert (masked <= caps).all()
    assert lo * 0.9 <= masked.float().mean() / 256 <= hi
    assert masked.max() > 256 * 0.3        # ratios spread up to 0.5
    with pytest.raises(ValueError, match='mask_ratio_range'):
        ibot_block_masks(4, gen, (0.5, 0.1))


def _samples(num, num_local=2):
    t = DINOv2MultiCrop(global_crop_size=98, local_crop_size=42,
                        num_local_crops=num_local)
    pack = PackInputs()
    return [pack(t(dict(img=_image()))) for _ in range(num)]


def test_collate_builds_masks_of_the_global_crops():
    random.seed(2)
    batch = dinov2_collate(_samples(4), patch_size=14)
    assert [tuple(x.shape) for x in batch['inputs']] == \
        [(4, 3, 98, 98)] * 2 + [(4, 3, 42, 42)] * 2
    assert batch['masks'].shape == (8, 49)
    assert (batch['masks'].sum(1) > 0).sum() == 4
    # a grid the patch size does not divide: the backbone pads (ceil)
    batch = dinov2_collate(_samples(2), patch_size=16)
    assert batch['masks'].shape == (4, 49)
    with pytest.raises(ValueError, match='multi-view'):
        dinov2_collate([dict(inputs=torch.zeros(3, 8, 8))])


def test_collate_from_a_config_dataloader(tmp_path):
    from mmengine.runner import Runner
    for i in range(4):
        mmcv.imwrite(_image(), str(tmp_path / 'imgs' / f'{i}.png'))
    loader = Runner.build_dataloader(
        dict(batch_size=2, num_workers=0,
             sampler=dict(type='DefaultSampler', shuffle=False),
             collate_fn=dict(type='mmvision_plus.dinov2_collate',
                             patch_size=14),
             dataset=dict(type='mmpretrain.CustomDataset',
                          data_root=str(tmp_path / 'imgs'), with_label=False,
                          pipeline=[
                              dict(type='mmvision_plus.'
                                   'StrictLoadImageFromFile'),
                              dict(type='mmvision_plus.DINOv2MultiCrop',
                                   global_crop_size=28, local_crop_size=14,
                                   num_local_crops=1),
                              dict(type='mmpretrain.PackInputs')])))
    batch = next(iter(loader))
    assert batch['masks'].shape == (4, 4)
    assert len(batch['inputs']) == 3


def test_shift_hue_matches_mmcv_and_takes_negative_factors():
    from mmvision_plus.datasets.transforms.dinov2_multicrop import shift_hue
    img = _image(size=(20, 30))
    for factor in (0.0, 0.1, 0.37):
        np.testing.assert_array_equal(
            shift_hue(img, factor), mmcv.adjust_hue(img, factor, 'pillow'))
    # mmcv 2.1.0 raises OverflowError here under numpy >= 2
    out = shift_hue(img, -0.1)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - img).mean() > 5
