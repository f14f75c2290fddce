"""PCA visualisation of DINOv2 patch features (the paper's Fig. 1 demo).

1. Fit a 3-component PCA over the patch features of all given images.
2. Threshold the first component to separate foreground from background.
   The sign of a principal component is arbitrary, so it is oriented such
   that the patches on the image border (mostly background in object-centric
   photos) have a negative mean projection; foreground is then
   ``projection > threshold`` (default 0, i.e. the positive side of the
   centred first component).
3. Refit a 3-component PCA on the foreground patches only.
4. Min-max scale each component over the foreground patches to [0, 1] and use
   the three as RGB; background patches are black.
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torch import Tensor

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _pca_basis(x: Tensor, num_components: int) -> Tuple[Tensor, Tensor]:
    """Mean (C,) and top principal directions (C, k) of rows of ``x``."""
    mean = x.mean(dim=0)
    _, _, vh = torch.linalg.svd(x - mean, full_matrices=False)
    return mean, vh[:num_components].T


@torch.no_grad()
def extract_patch_features(model: nn.Module, images: Sequence[Image.Image],
                           size: int) -> Tuple[List[Tensor], Tuple[int, int]]:
    """Normalised patch tokens of each image resized to ``size x size``.

    Args:
        model: A DINOv2ViT (anything with ``forward_features`` returning
            ``x_norm_patchtokens`` and a ``patch_size``).
        images: RGB PIL images.
        size: Square input side in pixels.

    Returns:
        tuple: per-image (N, C) features and the (h, w) patch grid.
    """
    if size % model.patch_size:
        raise ValueError(f'PCA input size {size} must be a multiple of the '
                         f'patch size {model.patch_size}')
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    batch = []
    for img in images:
        arr = np.asarray(img.convert('RGB').resize((size, size),
                                                   Image.BICUBIC))
        t = torch.from_numpy(arr.copy()).permute(2, 0, 1).float() / 255.
        batch.append((t - mean) / std)
    was_training = model.training
    model.eval()
    feats = model.forward_features(torch.stack(batch))['x_norm_patchtokens']
    model.train(was_training)
    side = size // model.patch_size
    return list(feats.float()), (side, side)


def pca_colour_maps(features: Sequence[Tensor],
                    grid: Tuple[int, int],
                    threshold: float = 0.0
                    ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Foreground PCA colour maps from patch features.

    Args:
        features: Per-image (h*w, C) patch features.
        grid: Patch grid (h, w).
        threshold: Foreground threshold on the oriented first component.

    Returns:
        tuple: per-image (h, w, 3) float RGB maps in [0, 1] (background
        zero) and (h, w) bool foreground masks.
    """
    h, w = grid
    x = torch.cat(list(features)).double()
    mean, basis = _pca_basis(x, 3)
    first = (x - mean) @ basis[:, 0]
    border = torch.zeros(h, w, dtype=torch.bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    border = border.flatten().repeat(len(features))
    if first[border].mean() > 0:
        first = -first
    fg = first > threshold
    if fg.sum() < 3:
        raise ValueError(
            f'PCA foreground has {int(fg.sum())} patches (< 3) at threshold '
            f'{threshold}; lower the threshold')
    fg_mean, fg_basis = _pca_basis(x[fg], 3)
    proj = (x[fg] - fg_mean) @ fg_basis
    lo, hi = proj.min(dim=0).values, proj.max(dim=0).values
    colours = torch.zeros(x.shape[0], 3, dtype=torch.float64)
    colours[fg] = (proj - lo) / (hi - lo).clamp_min(1e-12)
    n = h * w
    maps = [colours[i * n:(i + 1) * n].reshape(h, w, 3).numpy()
            for i in range(len(features))]
    masks = [fg[i * n:(i + 1) * n].reshape(h, w).numpy()
             for i in range(len(features))]
    return maps, masks


def make_pca_grid(images: Sequence[Image.Image],
                  maps: Sequence[np.ndarray],
                  cell: int) -> np.ndarray:
    """One row per image: the input and its PCA map, each ``cell`` pixels.

    Args:
        images: RGB PIL images.
        maps: (h, w, 3) maps in [0, 1]; upsampled with nearest neighbour so
            every patch is a flat block.
        cell: Side of each square cell.

    Returns:
        np.ndarray: (len(images) * cell, 2 * cell, 3) uint8 image.
    """
    rows = []
    for img, cmap in zip(images, maps):
        left = np.asarray(img.convert('RGB').resize((cell, cell),
                                                    Image.BICUBIC))
        pca = Image.fromarray(np.round(cmap * 255).astype(np.uint8))
        right = np.asarray(pca.resize((cell, cell), Image.NEAREST))
        rows.append(np.concatenate([left, right], axis=1))
    return np.concatenate(rows, axis=0)


def dinov2_pca_figure(model: nn.Module,
                      images: Sequence[Image.Image],
                      size: int = 448,
                      threshold: float = 0.0
                      ) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Full PCA demo: features -> foreground PCA -> image grid.

    Args:
        model: DINOv2 backbone.
        images: RGB PIL images.
        size: Input side; also the cell side of the output grid.
        threshold: Foreground threshold (see module docstring).

    Returns:
        tuple: (len(images) * size, 2 * size, 3) uint8 grid and the per-image
        (h, w) foreground masks.
    """
    feats, grid = extract_patch_features(model, images, size)
    maps, masks = pca_colour_maps(feats, grid, threshold)
    return make_pca_grid(images, maps, size), masks
