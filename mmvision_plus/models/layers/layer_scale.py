"""Per-channel residual scaling (CaiT's LayerScale)."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor


class LayerScale(BaseModule):
    """Multiply the last dimension by a learnt vector ``gamma``.

    The parameter is named ``gamma`` as in the official DINOv2 checkpoints
    (``blocks.N.ls1.gamma``); mmpretrain's ``LayerScale`` calls it
    ``weight``.

    Args:
        embed_dims: Channels C.
        init_value: Initial value of every entry of ``gamma``.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 init_value: float,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gamma = nn.Parameter(torch.full((embed_dims, ), init_value))

    def forward(self, x: Tensor) -> Tensor:
        """Scale (..., C) -> (..., C)."""
        return x * self.gamma
