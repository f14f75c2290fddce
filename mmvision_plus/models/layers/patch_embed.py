"""Non-overlapping patch embedding of a Vision Transformer."""
from typing import Optional

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor


class PatchEmbed(BaseModule):
    """Project non-overlapping ``p x p`` patches to tokens.

    A strided convolution named ``proj`` as in the official DINOv2 and timm
    models, so their ``patch_embed.proj.{weight,bias}`` load as they are
    (mmcv's ``PatchEmbed`` calls it ``projection`` and pads adaptively).
    The input size must be a multiple of ``patch_size``; padding is the
    caller's choice (see ``DINOv2ViT.pad_to_multiple``).

    Args:
        in_channels: Input image channels.
        embed_dims: Token width C.
        patch_size: Patch side p in pixels.
        bias: Whether the projection has a bias. Defaults to True.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int,
                 patch_size: int,
                 bias: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, embed_dims, patch_size,
                              patch_size, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Embed patches.

        Args:
            x: Images, (B, C_in, H, W) with H, W multiples of p.

        Returns:
            Tensor: Tokens (B, H/p * W/p, C) in row-major patch order.
        """
        return self.proj(x).flatten(2).transpose(1, 2)
