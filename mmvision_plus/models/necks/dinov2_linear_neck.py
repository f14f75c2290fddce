"""The input of DINOv2's official linear probe, as a classifier neck."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class DINOv2LinearNeck(BaseModule):
    """Builds the feature the official DINOv2 linear probe classifies.

    DINOv2's ``create_linear_input`` concatenates the class tokens of the
    last ``n`` blocks and, with ``avgpool``, the mean patch token of the last
    of them: ``[cls_1, ..., cls_n, mean(patch_n)]``, i.e. ``(n + 1) * C``
    channels with avgpool and ``n * C`` without. The paper's default is
    ``n = 1`` with avgpool (``2 * C``); ``n = 4`` is the "last 4 blocks"
    option.

    It expects the backbone to run with ``out_type='cls_patch_mean'`` and
    ``norm_out=True`` (each block output passed through the final norm, as
    ``get_intermediate_layers(norm=True)``), so that every backbone output is
    ``cat([cls_token, mean_patch_token])`` of one block, shape (B, 2C).
    Choose the blocks with the backbone's ``out_indices``, e.g.
    ``(-4, -3, -2, -1)`` for the last four.

    Args:
        use_avgpool (bool): Append the mean patch token of the last given
            block. Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 use_avgpool: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.use_avgpool = use_avgpool

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor]:
        """Concatenate the official linear-probe feature.

        Args:
            inputs (Sequence[Tensor]): One (B, 2C) tensor per block,
                ``[cls ; mean patch]``, ordered from earliest to last block.

        Returns:
            tuple[Tensor]: One tensor of shape (B, (n + 1) * C) with avgpool,
            (B, n * C) without.
        """
        if len(inputs) == 0:
            raise ValueError('DINOv2LinearNeck: got no backbone outputs')
        for i, x in enumerate(inputs):
            if x.dim() != 2 or x.shape[1] % 2:
                raise ValueError(
                    'DINOv2LinearNeck: backbone output {} has shape {}; '
                    "expected (B, 2C) from out_type='cls_patch_mean'".format(
                        i, tuple(x.shape)))
        dim = inputs[-1].shape[1] // 2
        feats = [x[:, :dim] for x in inputs]
        if self.use_avgpool:
            feats.append(inputs[-1][:, dim:])
        return (torch.cat(feats, dim=1), )
