"""Cross-modal Interaction Module (CIM) of MDRL.

::

    [x_cls^c ; v_0 v_1 .. v_N ; t_0 t_1 .. t_M (pad..)]
                         |
      K cross-modal interaction transformer blocks
      (pre-norm, joint self-attention, text padding masked out)
                         |
                    LayerNorm
                         |
                output at x_cls^c  ->  f_c  (to the shared ID classifier)

A learnable cross-modal [cls] token attends jointly to the visual and the
textual tokens of the same (image, caption) pair, so the ID loss on ``f_c``
back-propagates into both branches through the other modality's tokens.
CIM is a training-time aid: retrieval never runs it.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvision_plus.models.layers import (TransformerBlock,
                                         init_encoder_layer_weights)
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range


@MODELS.register_module()
class CrossModalInteraction(BaseModule):
    """K pre-norm transformer blocks over [cross cls; visual; text] tokens.

    Args:
        embed_dims (int): Token feature size (both modalities).
        num_layers (int): Number of layers K. Default 2.
        num_heads (int): Attention heads. Default 8.
        mlp_ratio (float): Feed-forward width / ``embed_dims``. Default 4.
        dropout (float): Dropout inside the blocks (attention weights, after
            the attention projection, inside and after the MLP). Default 0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_layers: int = 2,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.0,
                 dropout: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_range(num_layers, 'CrossModalInteraction', 'num_layers', 1)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.layers = nn.ModuleList([
            TransformerBlock(
                embed_dims,
                num_heads,
                ffn_hidden_dims=int(embed_dims * mlp_ratio),
                attn_drop=dropout,
                drop=dropout) for _ in range(num_layers)
        ])
        self.norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        """Truncated-normal [cls] token and linear weights, zero biases,
        xavier ``qkv``."""
        super().init_weights()
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        init_encoder_layer_weights(self)

    def forward(self,
                visual_tokens: Tensor,
                text_tokens: Tensor,
                text_mask: Optional[Tensor] = None) -> Tensor:
        """Cross-modal feature of each (image, text) pair.

        Args:
            visual_tokens (Tensor): Visual tokens incl. the global one,
                (B, N + 1, C).
            text_tokens (Tensor): Text tokens incl. [CLS], (B, M, C).
            text_mask (Tensor, optional): 1 for tokens, 0 for padding,
                (B, M). Default None: no padding.

        Returns:
            Tensor: Cross-modal feature ``f_c``, (B, C).
        """
        batch = visual_tokens.shape[0]
        x = torch.cat(
            [self.cls_token.expand(batch, -1, -1), visual_tokens, text_tokens],
            dim=1)
        padding = x.new_zeros(batch, x.shape[1], dtype=torch.bool)
        if text_mask is not None:
            padding[:, -text_tokens.shape[1]:] = text_mask == 0
        for layer in self.layers:
            x = layer(x, key_padding_mask=padding)
        return self.norm(x[:, 0])
