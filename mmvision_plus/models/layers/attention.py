"""Multi-head self-attention on ``F.scaled_dot_product_attention``."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor


def merge_attention_masks(attn_mask: Optional[Tensor],
                          key_padding_mask: Optional[Tensor],
                          batch: int, num_tokens: int) -> Optional[Tensor]:
    """Combine an attention mask and a key padding mask for SDPA.

    Args:
        attn_mask: Bool (True = may attend) or additive float mask
            broadcastable to (B, heads, N, N), e.g. (N, N) for a causal mask
            ``torch.ones(N, N, dtype=torch.bool).tril()``; or None.
        key_padding_mask: (B, N) bool, True for padding keys that no query
            may attend (the convention of ``nn.MultiheadAttention``); or
            None.
        batch: Batch size B.
        num_tokens: Sequence length N.

    Returns:
        Tensor | None: A mask for ``F.scaled_dot_product_attention``: bool
        (True = attend) when both inputs are bool or one is None, additive
        float otherwise; None when both are None.

    Raises:
        ValueError: When ``key_padding_mask`` is not a (B, N) bool tensor.
    """
    if key_padding_mask is None:
        return attn_mask
    if key_padding_mask.dtype != torch.bool or \
            tuple(key_padding_mask.shape) != (batch, num_tokens):
        raise ValueError(
            f'key_padding_mask must be a bool tensor of shape (B, N) = '
            f'{(batch, num_tokens)}, True for padding; got '
            f'{key_padding_mask.dtype} {tuple(key_padding_mask.shape)}')
    keep = ~key_padding_mask[:, None, None, :]  # (B, 1, 1, N)
    if attn_mask is None:
        return keep
    if attn_mask.dtype == torch.bool:
        return attn_mask & keep
    return torch.where(keep, attn_mask, float('-inf'))


class MultiheadSelfAttention(BaseModule):
    """Multi-head self-attention with a fused ``qkv`` projection.

    Parameter names ``qkv`` / ``proj`` are those of the official DINOv2 and
    timm models. ``qkv.weight`` stacks the query, key and value projections
    in the order and head layout of ``nn.MultiheadAttention.in_proj_weight``,
    so both load into each other unchanged. mmcv's ``MultiheadAttention``
    wraps ``nn.MultiheadAttention`` (other names) and mmpretrain's folds a
    layer scale into the module; neither keeps the official layout.

    Args:
        embed_dims: Token width C (divisible by ``num_heads``).
        num_heads: Number of heads h; each has C / h channels.
        qkv_bias: Whether ``qkv`` has a bias. Defaults to True.
        proj_bias: Whether ``proj`` has a bias. Defaults to True.
        attn_drop: Dropout probability on the attention weights (training
            only). Defaults to 0.
        proj_drop: Dropout probability after ``proj``. Defaults to 0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 proj_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'MultiheadSelfAttention: embed_dims '
                             f'{embed_dims} is not divisible by num_heads '
                             f'{num_heads}')
        self.num_heads = num_heads
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims, bias=proj_bias)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self,
                x: Tensor,
                attn_mask: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None) -> Tensor:
        """Attend every token to the (unmasked) tokens of its sequence.

        Args:
            x: Tokens (B, N, C).
            attn_mask: Bool (True = may attend) or additive float mask
                broadcastable to (B, h, N, N); e.g. a causal (N, N) mask.
            key_padding_mask: (B, N) bool, True for padding keys.

        Returns:
            Tensor: (B, N, C). A query row whose keys are all masked gives
            NaN, as in ``F.scaled_dot_product_attention``.
        """
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads,
                                  C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B, h, N, C / h) each
        mask = merge_attention_masks(attn_mask, key_padding_mask, B, N)
        x = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask,
            dropout_p=self.attn_drop if self.training else 0.)
        return self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))
