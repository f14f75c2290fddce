"""DINOv2 PCA demo: grid layout, black background, CLI."""
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from mmvision_plus.models.backbones.dinov2 import DINOv2ViT
from mmvision_plus.visualization.dinov2_pca import (dinov2_pca_figure,
                                                    pca_colour_maps)

TOOLS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'tools')
TINY = dict(embed_dims=48, num_layers=2, num_heads=3)


def scene(seed: int) -> Image.Image:
    """A bright square on a dark, slightly noisy background."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 40, (70, 70, 3), dtype=np.uint8)
    img[20:50, 15:55] = rng.integers(150, 255, 3, dtype=np.uint8)
    return Image.fromarray(img)


def test_pca_figure_layout_and_black_background():
    torch.manual_seed(0)
    model = DINOv2ViT(arch=TINY, img_size=70)
    images = [scene(0), scene(1)]
    grid, masks = dinov2_pca_figure(model, images, size=70)
    assert grid.shape == (140, 140, 3) and grid.dtype == np.uint8
    assert len(masks) == 2 and masks[0].shape == (5, 5)
    total_fg = 0
    for row, mask in enumerate(masks):
        pca = grid[row * 70:(row + 1) * 70, 70:]
        for r, c in zip(*np.nonzero(~mask)):
            assert not pca[r * 14:(r + 1) * 14, c * 14:(c + 1) * 14].any()
        fg = [pca[r * 14:(r + 1) * 14, c * 14:(c + 1) * 14]
              for r, c in zip(*np.nonzero(mask))]
        total_fg += len(fg)
        assert sum(int(block.any()) for block in fg) >= len(fg) - 1
    assert 0 < total_fg < 50
    # left column is the resized input
    assert np.array_equal(grid[:70, :70], np.asarray(images[0]))


def test_pca_orientation_border_is_background():
    # Features whose first principal direction separates centre from border.
    g = torch.Generator().manual_seed(0)
    centre = torch.zeros(5, 5, dtype=torch.bool)
    centre[1:4, 1:4] = True
    feats = []
    for _ in range(2):
        f = 0.05 * torch.randn(25, 8, generator=g)
        f[centre.flatten(), 0] -= 3.0  # centre on the negative side
        feats.append(f)
    maps, masks = pca_colour_maps(feats, (5, 5))
    for m, cmap in zip(masks, maps):
        assert np.array_equal(m, centre.numpy())
        assert (cmap[~m] == 0).all() and cmap.max() <= 1
    with pytest.raises(ValueError, match='foreground has'):
        pca_colour_maps(feats, (5, 5), threshold=1e3)


def test_pca_cli_with_config(tmp_path, monkeypatch):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("default_scope = 'mmvision_plus'\n"
                   f"model = dict(type='DINOv2ViT', arch={TINY!r}, "
                   'img_size=70)\n')
    paths = []
    for i in range(2):
        paths.append(str(tmp_path / f'{i}.png'))
        scene(i).save(paths[-1])
    monkeypatch.setattr(sys, 'argv', ['dinov2_pca.py', *paths, '--config',
                                      str(cfg), '--size', '70'])
    runpy.run_path(osp.join(TOOLS, 'visualization', 'dinov2_pca.py'),
                   run_name='__main__')
    out = Image.open(tmp_path / 'dinov2_pca.png')
    assert out.size == (140, 140)
