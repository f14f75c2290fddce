"""Resizing a ViT's learnt position embeddings to another patch grid."""
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def resize_pos_embed(pos_embed: Tensor,
                     grid: Tuple[int, int],
                     antialias: bool = False,
                     offset: float = 0.0) -> Tensor:
    """Bicubic resize of a position-embedding table, [CLS] slot kept.

    The patch part is resized in float32 (DINOv2's ``interpolate_pos_encoding``
    and ALBEF's ``interpolate_pos_embed`` both do so).

    Args:
        pos_embed (Tensor): (1, 1 + M * M, C): the [CLS] position, then a
            square M x M grid.
        grid (tuple[int, int]): Target patch rows H and columns W.
        antialias (bool): Antialiased bicubic (DINOv2 with registers).
            Defaults to False.
        offset (float): DINOv2's ``interpolate_offset``: resize by the scale
            factors ``(H + offset) / M`` and ``(W + offset) / M`` as the
            official code does, instead of to ``(H, W)``. Defaults to 0.

    Returns:
        Tensor: (1, 1 + H * W, C) float32.

    Raises:
        ValueError: The table's patch grid is not square, or ``offset``
            resizes it to another size than ``grid``.
    """
    num_patches = pos_embed.shape[1] - 1
    side = math.isqrt(num_patches)
    if side * side != num_patches:
        raise ValueError(f'pos_embed: {num_patches} patch positions are not '
                         'a square grid')
    pos_embed = pos_embed.float()
    cls_pos, patch_pos = pos_embed[:, :1], pos_embed[:, 1:]
    patch_pos = patch_pos.reshape(1, side, side, -1).permute(0, 3, 1, 2)
    if offset:
        size_kwargs = dict(scale_factor=((grid[0] + offset) / side,
                                         (grid[1] + offset) / side))
    else:
        size_kwargs = dict(size=tuple(grid))
    patch_pos = F.interpolate(patch_pos, mode='bicubic', antialias=antialias,
                              **size_kwargs)
    if patch_pos.shape[-2:] != tuple(grid):
        raise ValueError(
            f'pos_embed: interpolate offset {offset} resized the '
            f'{side}x{side} position grid to {tuple(patch_pos.shape[-2:])} '
            f'instead of {grid[0]}x{grid[1]}')
    patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1],
                                                      -1)
    return torch.cat((cls_pos, patch_pos), dim=1)
