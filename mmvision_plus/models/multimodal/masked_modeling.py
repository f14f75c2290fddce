"""Masked image modelling inputs shared by BEiT-3 and VLMo's image stage.

The block-wise patch masks come from the data pipeline (mmpretrain's
``BEiTMaskGenerator``, packed by ``PackInputs`` as each sample's ``mask``);
the targets are the visual tokens of the intact image at the masked
patches (:class:`~.visual_tokenizer.KMeansVisualTokenizer`), scored with the
token-level cross-entropy of :class:`~mmvision_plus.models.losses.MLMLoss`.
"""
from typing import Sequence, Tuple

import torch
from mmpretrain.structures import DataSample
from torch import Tensor

from mmvision_plus.models.losses import IGNORE_INDEX


def patch_masks_of(data_samples: Sequence[DataSample], grid: Tuple[int, int],
                   device: torch.device) -> Tensor:
    """The samples' patch masks as a bool tensor (B, h * w), True = masked.

    Raises:
        KeyError: A sample without ``mask`` (the pipeline needs
            ``BEiTMaskGenerator``).
        ValueError: A mask of another grid.
    """
    masks = []
    for i, sample in enumerate(data_samples):
        if 'mask' not in sample:
            raise KeyError(f'data sample {i} has no "mask": masked image '
                           'modelling needs mmpretrain.BEiTMaskGenerator in '
                           'the training pipeline')
        mask = torch.as_tensor(sample.mask)
        if tuple(mask.shape) != tuple(grid):
            raise ValueError(f'data sample {i}: mask of shape '
                             f'{tuple(mask.shape)}, the patch grid is '
                             f'{tuple(grid)} (BEiTMaskGenerator input_size)')
        masks.append(mask.reshape(-1).bool())
    return torch.stack(masks).to(device)


def masked_token_labels(token_ids: Tensor, mask: Tensor) -> Tensor:
    """``token_ids`` where ``mask`` (both (B, N)), ``IGNORE_INDEX``
    elsewhere."""
    return torch.where(mask, token_ids, torch.full_like(token_ids,
                                                        IGNORE_INDEX))
