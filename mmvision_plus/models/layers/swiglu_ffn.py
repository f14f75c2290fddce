"""Fused SwiGLU feed-forward network (Shazeer 2020), as in DINOv2 ViT-g."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor


def swiglu_hidden_dims(embed_dims: int, mlp_ratio: float = 4.0) -> int:
    """Hidden width of the official fused SwiGLU FFN.

    The official ``SwiGLUFFNFused`` shrinks ``mlp_ratio * embed_dims`` by 2/3
    and rounds up to a multiple of 8 (1536 -> 4096 for ViT-g).
    """
    return (int(embed_dims * mlp_ratio * 2 / 3) + 7) // 8 * 8


class SwiGLUFFN(BaseModule):
    """``w3(silu(x1) * x2)`` with ``x1, x2 = w12(x).chunk(2)``.

    Parameter names ``w12`` / ``w3`` follow the official DINOv2 checkpoints.
    mmpretrain's ``SwiGLUFFNFused`` uses the same names but folds a layer
    scale into the FFN, which would move the official ``ls2.gamma``.

    Args:
        embed_dims: Input and output width C.
        hidden_dims: Hidden width H (``w12`` outputs 2H).
        bias: Whether ``w12`` and ``w3`` have biases. Defaults to True.
        drop: Dropout probability on the output. Defaults to 0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: int,
                 bias: bool = True,
                 drop: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.w12 = nn.Linear(embed_dims, 2 * hidden_dims, bias=bias)
        self.w3 = nn.Linear(hidden_dims, embed_dims, bias=bias)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        """Transform (..., C) -> (..., C)."""
        x1, x2 = self.w12(x).chunk(2, dim=-1)
        return self.drop(self.w3(F.silu(x1) * x2))
