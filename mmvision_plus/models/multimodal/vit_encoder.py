"""The ViT image encoder of ALBEF and BLIP, on the shared layers.

Both official codebases use a timm-style ViT (``cls_token``, ``pos_embed``,
``patch_embed.proj``, ``blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,
mlp.fc2}``, ``norm``; LayerNorm eps 1e-6, no LayerScale) and return every
token after the final norm. :class:`ViTImageEncoder` has exactly that
module tree, built from :mod:`mmvision_plus.models.layers`, so their
``visual_encoder.*`` weights load unchanged; position embeddings of
another grid (ALBEF pretrains at 256 px and fine-tunes at 384) are
resized bicubically when a state dict is loaded, as ALBEF's
``interpolate_pos_embed`` does (:func:`~mmvision_plus.models.layers.
resize_pos_embed`, shared with DINOv2).
"""
from typing import List, Optional

import torch
from torch import Tensor, nn

from mmvision_plus.models.layers import (ClsTokenViT, TransformerBlock,
                                         resize_pos_embed)
from mmvision_plus.registry import MODELS


@MODELS.register_module()
class ViTImageEncoder(ClsTokenViT):
    """Plain ViT returning all tokens (ALBEF's and BLIP's visual encoder).

    Args:
        img_size (int): Input side in pixels (a multiple of
            ``patch_size``).
        patch_size (int): Patch side. Defaults to 16.
        embed_dims (int): Token width C. Defaults to 768.
        num_layers (int): Blocks. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 12.
        mlp_ratio (float): FFN hidden width / C. Defaults to 4.
        drop_path_rate (float): Stochastic depth of the last block, linear
            from 0 over the blocks. Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        init_cfg (dict, optional): Initialisation config (e.g.
            ``dict(type='Pretrained', checkpoint=..., prefix=...)``).
    """

    def __init__(self,
                 img_size: int = 224,
                 patch_size: int = 16,
                 embed_dims: int = 768,
                 num_layers: int = 12,
                 num_heads: int = 12,
                 mlp_ratio: float = 4.0,
                 drop_path_rate: float = 0.0,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(img_size, patch_size, embed_dims,
                         abs_pos_embed=True, init_cfg=init_cfg)
        norm_cfg = dict(type='LN', eps=norm_eps)
        rates = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads,
                             int(embed_dims * mlp_ratio), norm_cfg=norm_cfg,
                             drop_path=rate) for rate in rates
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self._init_parameters()

    def _init_parameters(self) -> None:
        """timm's ViT initialisation (truncated normal 0.02)."""
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        key = prefix + 'pos_embed'
        if key in state_dict and state_dict[key].shape[1] != \
                self.pos_embed.shape[1]:
            side = self.img_size // self.patch_size
            state_dict[key] = resize_pos_embed(
                state_dict[key], (side, side)).to(state_dict[key].dtype)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, images: Tensor) -> Tensor:
        """Encode images.

        Args:
            images (Tensor): (B, 3, img_size, img_size).

        Returns:
            Tensor: Tokens (B, 1 + N, C) after the final norm; position 0
            is [CLS].
        """
        x = self.embed(images)  # ViLT feeds these to its fusion blocks
        for block in self.blocks:
            x = block(x)
        return self.norm(x)
