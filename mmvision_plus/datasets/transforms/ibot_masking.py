"""iBOT block masks for DINOv2 and the collate function that draws them.

The masks are drawn per batch (not per image) because their ratios are
spread over the batch: of the ``num_global_views * B`` global crops,
``int(mask_probability * num_global_views * B)`` are masked, the i-th with a
ratio drawn uniformly from the i-th of that many equal slices of
``mask_ratio_range``, then shuffled (official ``collate_data_and_cast``).
"""
import math
import random
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import default_collate

from mmvision_plus.registry import FUNCTIONS


class BlockMaskGenerator:
    """Random rectangular block masks on a patch grid (BEiT / DINOv2).

    Blocks are added until ``num_masking_patches`` patches are masked or no
    block can be added: each block has an area uniform in
    ``[min_num_patches, remaining]`` (``remaining`` capped at
    ``max_num_patches``) and a log-uniform aspect ratio in
    ``[min_aspect, max_aspect]``, lies fully inside the grid (any row / column,
    the last included) and must add between 1 and ``remaining`` new patches;
    10 tries per block (official ``MaskingGenerator``). The result never
    exceeds ``num_masking_patches`` and can fall short of it.

    mmpretrain's ``BEiTMaskGenerator`` is the same algorithm, but its
    ``np.random.randint(0, H - h)`` never places a block on the last row or
    column, its loop does not stop when no block fits, and it takes one fixed
    patch count per instance; hence this class.

    Args:
        grid: Patch grid (rows, cols) or its side.
        min_num_patches: Smallest block area. Defaults to 4.
        max_num_patches: Largest block area (DINOv2: half the grid). None:
            no cap beyond the requested count.
        min_aspect: Smallest block aspect ratio. Defaults to 0.3.
        max_aspect: Largest aspect ratio; None: ``1 / min_aspect``.
    """

    def __init__(self,
                 grid: Union[int, Tuple[int, int]],
                 min_num_patches: int = 4,
                 max_num_patches: Optional[float] = None,
                 min_aspect: float = 0.3,
                 max_aspect: Optional[float] = None) -> None:
        self.height, self.width = (grid, grid) if isinstance(grid, int) \
            else tuple(grid)
        if self.height < 1 or self.width < 1:
            raise ValueError(f'BlockMaskGenerator: grid must be positive, got '
                             f'{(self.height, self.width)}')
        if not 0 < min_aspect <= (max_aspect or 1 / min_aspect):
            raise ValueError('BlockMaskGenerator: need 0 < min_aspect <= '
                             f'max_aspect, got {min_aspect}, {max_aspect}')
        self.num_patches = self.height * self.width
        self.min_num_patches = min_num_patches
        self.max_num_patches = max_num_patches
        max_aspect = max_aspect or 1 / min_aspect
        self.log_aspect_ratio = (math.log(min_aspect), math.log(max_aspect))

    def _add_block(self, mask: np.ndarray, max_new: float) -> int:
        """Try up to 10 blocks; mask the first valid one. Returns #new."""
        added = 0
        for _ in range(10):
            area = random.uniform(self.min_num_patches, max_new)
            aspect = math.exp(random.uniform(*self.log_aspect_ratio))
            h = int(round(math.sqrt(area * aspect)))
            w = int(round(math.sqrt(area / aspect)))
            if w < self.width and h < self.height:
                top = random.randint(0, self.height - h)
                left = random.randint(0, self.width - w)
                block = mask[top:top + h, left:left + w]
                new = h * w - int(block.sum())
                if 0 < new <= max_new:
                    block[...] = True
                    added = new
                    break
        return added

    def __call__(self, num_masking_patches: int = 0) -> np.ndarray:
        """Draw a mask with at most ``num_masking_patches`` masked patches.

        Returns:
            np.ndarray: (rows, cols) bool mask.
        """
        mask = np.zeros((self.height, self.width), dtype=bool)
        count = 0
        while count < num_masking_patches:
            max_new = num_masking_patches - count
            if self.max_num_patches is not None:
                max_new = min(max_new, self.max_num_patches)
            added = self._add_block(mask, max_new)
            if added == 0:
                break
            count += added
        return mask


def ibot_block_masks(num_images: int,
                     generator: BlockMaskGenerator,
                     mask_ratio_range: Tuple[float, float] = (0.1, 0.5),
                     mask_probability: float = 0.5) -> torch.Tensor:
    """Masks of a batch of crops with ratios spread over the batch.

    ``n = int(num_images * mask_probability)`` crops get masks, the i-th with
    ``int(N * U(r_i, r_{i+1}))`` patches requested, ``r = linspace(lo, hi,
    n + 1)``; the others none; the order is shuffled (official
    ``collate_data_and_cast``).

    Args:
        num_images: Number of crops to mask (all global crops of the batch).
        generator: Block mask generator of the crops' patch grid.
        mask_ratio_range: (lo, hi) ratio range. Defaults to (0.1, 0.5).
        mask_probability: Share of masked crops. Defaults to 0.5.

    Returns:
        Tensor: (num_images, N) bool masks, N the patches of the grid.
    """
    lo, hi = mask_ratio_range
    if not 0 <= lo <= hi <= 1:
        raise ValueError('mask_ratio_range must satisfy 0 <= lo <= hi <= 1, '
                         f'got {tuple(mask_ratio_range)}')
    if not 0 <= mask_probability <= 1:
        raise ValueError('mask_probability must be in [0, 1], got '
                         f'{mask_probability}')
    num_patches = generator.num_patches
    num_masked = int(num_images * mask_probability)
    bounds = torch.linspace(lo, hi, num_masked + 1).tolist()
    masks = [
        generator(int(num_patches * random.uniform(bounds[i], bounds[i + 1])))
        for i in range(num_masked)
    ]
    masks += [generator(0) for _ in range(num_images - num_masked)]
    random.shuffle(masks)
    return torch.from_numpy(np.stack(masks)).flatten(1)


@FUNCTIONS.register_module()
def dinov2_collate(data_batch: Sequence[dict],
                   patch_size: int = 14,
                   num_global_views: int = 2,
                   mask_ratio_range: Tuple[float, float] = (0.1, 0.5),
                   mask_probability: float = 0.5,
                   max_mask_ratio: float = 0.5,
                   min_num_patches: int = 4,
                   min_aspect: float = 0.3) -> dict:
    """``default_collate`` plus the iBOT masks of the global crops.

    Use as ``collate_fn=dict(type='mmvision_plus.dinov2_collate')``. The
    samples are packed multi-view inputs (:class:`DINOv2MultiCrop` +
    ``mmpretrain.PackInputs``): ``inputs`` becomes the list of per-view
    batches (B, C, H, W); ``masks`` is added: (num_global_views * B, N) bool,
    in the order of ``torch.cat(inputs[:num_global_views])`` (view-major), N
    the patches of the global crops' grid (``ceil(H / patch_size) x
    ceil(W / patch_size)``, as the backbone pads).

    Args:
        data_batch: Samples from the dataset.
        patch_size: Backbone patch size. Defaults to 14.
        num_global_views: Leading views that are global crops. Defaults to 2.
        mask_ratio_range: See :func:`ibot_block_masks`.
        mask_probability: See :func:`ibot_block_masks`.
        max_mask_ratio: Largest block as a share of the grid (official 0.5).
        min_num_patches: Smallest block area. Defaults to 4.
        min_aspect: Smallest block aspect ratio. Defaults to 0.3.

    Returns:
        dict: ``inputs`` (list of tensors), ``data_samples``, ``masks``.
    """
    batch = default_collate(data_batch)
    views = batch.get('inputs') if isinstance(batch, dict) else None
    if not isinstance(views, list) or len(views) < num_global_views:
        raise ValueError(
            'dinov2_collate expects samples packed from a multi-view pipeline '
            f"(DINOv2MultiCrop + PackInputs) with at least {num_global_views} "
            "views in 'inputs'")
    height, width = views[0].shape[-2:]
    grid = (math.ceil(height / patch_size), math.ceil(width / patch_size))
    generator = BlockMaskGenerator(
        grid,
        min_num_patches=min_num_patches,
        max_num_patches=max_mask_ratio * grid[0] * grid[1],
        min_aspect=min_aspect)
    batch['masks'] = ibot_block_masks(num_global_views * views[0].shape[0],
                                      generator, mask_ratio_range,
                                      mask_probability)
    return batch
