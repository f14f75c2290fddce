"""Disordered Local Learning (DLL), the local branch of MDRL.

Grouping, for one modality with ``L`` tokens and ``G`` groups::

    tokens  t1 t2 t3 t4 t5 t6 t7 (pad pad)      valid mask from the input
       |  order: train -> random permutation, fresh every forward, per sample
       |         eval  -> a fixed pseudo-random permutation (seed), shared
       |         hard_split -> the original order (contiguous groups)
       v
    t5 t2 t7 | t1 t4 | t3 t6                    balanced split of the valid
       |          |        |                    tokens (torch.tensor_split
       v          v        v                    sizes: differ by at most 1)
    [g;t5 t2 t7] [g;t1 t4] [g;t3 t6]            prepend the global token g
       |          |        |
       +---- local shared transformer layer ----+  (pre-norm block: MHA + MLP)
       v          v        v
      l_1        l_2      l_3                   output at g's position

Design decisions (the paper leaves them open):

* Padding. Text sequences are padded to a common length; only the valid
  tokens of each sample (``valid_mask``) are permuted and split, so every
  group of a sample gets ``floor(n / G)`` or ``ceil(n / G)`` of its ``n``
  real tokens, and padding never counts as content. Groups are stored
  padded to the largest group in the batch and the layer attends with a key
  padding mask. The global token is always attended, so a group with no
  real token (``n < G``) is well defined: its feature is the layer applied
  to the global token alone.
* Lengths not divisible by ``G`` (e.g. 192 visual tokens in 5 groups, or
  any caption length): the first ``n mod G`` groups take one token more,
  exactly as ``torch.tensor_split`` splits.
* Test-time grouping is deterministic: a permutation drawn from a fixed
  seed, so the test groups are "disordered" like the training ones but
  identical across runs and batches. ``hard_split=True`` uses the original
  token order in training and test alike (horizontal stripes for a ViT's
  raster-ordered patches, consecutive words for text): the ablation against
  disordered grouping.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvision_plus.models.layers import (TransformerBlock,
                                         init_encoder_layer_weights)
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range


def balanced_split_groups(rank: Tensor, lengths: Tensor,
                          num_groups: int) -> Tuple[Tensor, Tensor]:
    """Group and slot of each ranked token under a ``tensor_split`` split.

    The first ``n mod G`` groups hold ``n // G + 1`` tokens, the others
    ``n // G``, where ``n`` is the sample's number of valid tokens.

    Args:
        rank (Tensor): Position of each token in its sample's order, valid
            tokens ranked ``0..n-1``; shape (B, L), int64.
        lengths (Tensor): Valid tokens per sample ``n``, shape (B,).
        num_groups (int): Number of groups ``G``.

    Returns:
        tuple[Tensor, Tensor]: Group index and slot inside the group, both
        (B, L); meaningless where ``rank >= n`` (padding).
    """
    n = lengths.unsqueeze(1)
    small = n // num_groups
    num_big = n % num_groups
    big_span = num_big * (small + 1)
    in_big = rank < big_span
    group_big = rank // (small + 1)
    # clamp: `small` is 0 when n < G, and then no token is outside big groups
    group_small = num_big + (rank - big_span) // small.clamp(min=1)
    group = torch.where(in_big, group_big, group_small)
    start = group * small + torch.minimum(group, num_big)
    return group, rank - start


@MODELS.register_module()
class DisorderedLocalLearning(BaseModule):
    """Random token groups + a local shared transformer layer.

    Args:
        embed_dims (int): Token feature size.
        num_groups (int): Number of groups (P for images, Q for text).
        num_heads (int): Attention heads of the local layer. Default 8.
        mlp_ratio (float): Feed-forward width / ``embed_dims``. Default 4.
        dropout (float): Dropout inside the local layer (attention weights,
            after the attention projection, inside and after the MLP).
            Default 0.
        hard_split (bool): Contiguous groups in the original order instead
            of random ones. Default False.
        eval_seed (int): Seed of the fixed test-time permutation.
            Default 0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_groups: int,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.0,
                 dropout: float = 0.0,
                 hard_split: bool = False,
                 eval_seed: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_groups = check_range(num_groups, 'DisorderedLocalLearning',
                                      'num_groups', 1)
        self.hard_split = hard_split
        self.eval_seed = eval_seed
        self.local_layer = TransformerBlock(
            embed_dims,
            num_heads,
            ffn_hidden_dims=int(embed_dims * mlp_ratio),
            attn_drop=dropout,
            drop=dropout)
        self.norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        """Truncated-normal linear weights, zero biases, xavier ``qkv``."""
        super().init_weights()
        init_encoder_layer_weights(self)

    def _order_keys(self, valid: Tensor) -> Tensor:
        """Sort keys: valid tokens sorted by them, padding always last."""
        batch, length = valid.shape
        if self.hard_split:
            keys = torch.arange(
                length, device=valid.device, dtype=torch.float32).expand(
                    batch, length) / length
        elif self.training:
            keys = torch.rand(batch, length, device=valid.device)
        else:
            generator = torch.Generator().manual_seed(self.eval_seed)
            keys = torch.rand(length, generator=generator).to(
                valid.device).expand(batch, length)
        return torch.where(valid, keys, keys + 2.0)

    def group_tokens(self, valid: Tensor) -> Tuple[Tensor, Tensor]:
        """Assign every valid token to exactly one group.

        Args:
            valid (Tensor): True for real tokens, shape (B, L), bool.

        Returns:
            tuple[Tensor, Tensor]: Group index in ``[0, G)`` and slot inside
            the group, both (B, L) int64; -1 for padding tokens.
        """
        order = self._order_keys(valid).argsort(dim=1)
        rank = order.argsort(dim=1)
        group, slot = balanced_split_groups(rank, valid.sum(dim=1),
                                            self.num_groups)
        return group.masked_fill(~valid, -1), slot.masked_fill(~valid, -1)

    def forward(self,
                global_token: Tensor,
                tokens: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Local features of random token groups.

        Args:
            global_token (Tensor): The modality's global token, (B, C).
            tokens (Tensor): Its other tokens, (B, L, C).
            valid_mask (Tensor, optional): True (or 1) for real tokens,
                (B, L). Default None: all tokens are real.

        Returns:
            Tensor: One local feature per group, (B, G, C).
        """
        batch, length, channels = tokens.shape
        if valid_mask is None:
            valid = tokens.new_ones(batch, length, dtype=torch.bool)
        else:
            valid = valid_mask.bool()
        group, slot = self.group_tokens(valid)
        groups = self.num_groups
        group_size = max(int(slot.max().item()) + 1, 1)

        # Scatter the valid tokens into (B, G * S) slots; the extra last slot
        # is a dump for padding tokens.
        flat_index = torch.where(valid, group * group_size + slot,
                                 torch.full_like(group, groups * group_size))
        grouped = tokens.new_zeros(batch, groups * group_size + 1, channels)
        grouped.scatter_(1, flat_index.unsqueeze(-1).expand(-1, -1, channels),
                         tokens)
        filled = valid.new_zeros(batch, groups * group_size + 1)
        filled.scatter_(1, flat_index, valid)
        grouped = grouped[:, :-1].reshape(batch * groups, group_size,
                                          channels)
        filled = filled[:, :-1].reshape(batch * groups, group_size)

        head = global_token.unsqueeze(1).expand(-1, groups, -1).reshape(
            batch * groups, 1, channels)
        sequence = torch.cat([head, grouped], dim=1)
        padding = torch.cat([filled.new_zeros(batch * groups, 1), ~filled],
                            dim=1)
        out = self.local_layer(sequence, key_padding_mask=padding)
        return self.norm(out[:, 0]).reshape(batch, groups, channels)
