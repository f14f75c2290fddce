"""Multiway Transformer block (VLMo): shared self-attention, one FFN expert
per modality.

torchscale's ``MultiwayNetwork`` (the layer of the official BEiT-3, used by
our BEiT-3) routes tokens to exactly two copies of a module, A (image) and
B (text), and wraps every linear of the attention too (``q_proj.A`` /
``q_proj.B``). VLMo's block differs in three ways torchscale cannot
express: one *shared* attention (``attn.qkv`` / ``attn.proj``), a third
expert (VL-FFN) that takes every token of an image-text input in the top
layers, and layer scale (``gamma_1`` / ``gamma_2``). This block is built
from the shared :class:`~.attention.MultiheadSelfAttention` and
:class:`~.mlp.Mlp` with VLMo's parameter names (``norm1``, ``attn``,
``gamma_1``, ``norm2_imag`` / ``mlp_imag``, ``norm2_text`` / ``mlp_text``,
``norm2_vl`` / ``mlp_vl``, ``gamma_2``)::

    x = x + drop_path(gamma_1 * attn(norm1(x)))
    image:  x = x + drop_path(gamma_2 * mlp_imag(norm2_imag(x)))
    text:   x = x + drop_path(gamma_2 * mlp_text(norm2_text(x)))
    vl, VL expert:     every token through mlp_vl(norm2_vl(.))
    vl, no VL expert:  the first ``num_text`` tokens (text first, VLMo's
                       order) through the text expert, the rest through the
                       image expert

VLMo's attention keeps separate ``q_bias`` / ``v_bias`` and no key bias;
here the one ``qkv.bias`` holds them (the converter writes ``[q_bias, 0,
v_bias]``): a key bias adds ``q . b_k`` to every logit of a query, which the
softmax cancels, so the two are the same function.
"""
from typing import Optional

import torch
from mmcv.cnn.bricks.drop import DropPath
from mmengine.model import BaseModule
from torch import Tensor, nn

from .attention import MultiheadSelfAttention
from .mlp import Mlp

#: Token routings of :meth:`MultiwayBlock.forward`.
MODALITIES = ('image', 'text', 'vl')
#: Expert suffixes (``norm2_<e>`` / ``mlp_<e>``).
EXPERTS = ('imag', 'text', 'vl')


class MultiwayBlock(BaseModule):
    """Pre-norm block with shared attention and modality FFN experts.

    Args:
        embed_dims (int): Token width C.
        num_heads (int): Attention heads.
        mlp_ratio (float): Expert hidden width / C. Defaults to 4.
        with_vl_expert (bool): Add the VL-FFN (VLMo's top layers).
            Defaults to False.
        layer_scale_init (float, optional): Initial ``gamma_1`` /
            ``gamma_2`` (VLMo: 0.1); None: no layer scale. Defaults to 0.1.
        qkv_bias (bool): Bias of ``attn.qkv``. Defaults to True.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6 (VLMo).
        drop (float): Dropout after the attention and inside the experts.
            Defaults to 0.
        attn_drop (float): Dropout on the attention weights. Defaults to 0.
        drop_path (float): Stochastic depth of both branches. Defaults to 0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 mlp_ratio: float = 4.0,
                 with_vl_expert: bool = False,
                 layer_scale_init: Optional[float] = 0.1,
                 qkv_bias: bool = True,
                 norm_eps: float = 1e-6,
                 drop: float = 0.,
                 attn_drop: float = 0.,
                 drop_path: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.norm1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.attn = MultiheadSelfAttention(embed_dims, num_heads,
                                           qkv_bias=qkv_bias,
                                           attn_drop=attn_drop,
                                           proj_drop=drop)
        hidden = int(embed_dims * mlp_ratio)
        self.with_vl_expert = with_vl_expert
        for expert in EXPERTS if with_vl_expert else EXPERTS[:2]:
            setattr(self, f'norm2_{expert}',
                    nn.LayerNorm(embed_dims, eps=norm_eps))
            setattr(self, f'mlp_{expert}',
                    Mlp(embed_dims, hidden, drop=drop))
        if layer_scale_init is None:
            self.gamma_1 = self.gamma_2 = None
        else:
            self.gamma_1 = nn.Parameter(
                torch.full((embed_dims, ), float(layer_scale_init)))
            self.gamma_2 = nn.Parameter(
                torch.full((embed_dims, ), float(layer_scale_init)))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()

    @staticmethod
    def _scale(gamma: Optional[Tensor], x: Tensor) -> Tensor:
        return x if gamma is None else gamma * x

    def expert(self, x: Tensor, name: str) -> Tensor:
        """Residual update of one expert: ``drop_path(gamma_2 *
        mlp_<name>(norm2_<name>(x)))``, shape of ``x``."""
        out = getattr(self, f'mlp_{name}')(getattr(self, f'norm2_{name}')(x))
        return self.drop_path(self._scale(self.gamma_2, out))

    def forward(self,
                x: Tensor,
                modality: str,
                num_text: Optional[int] = None,
                attn_mask: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None) -> Tensor:
        """Run the block.

        Args:
            x (Tensor): Tokens (B, N, C).
            modality (str): ``'image'``, ``'text'`` or ``'vl'`` (see the
                module docstring).
            num_text (int, optional): With ``'vl'`` and no VL expert: the
                first ``num_text`` tokens are text.
            attn_mask (Tensor, optional): Bool (True = attend) or additive
                mask broadcastable to (B, heads, N, N), e.g. a relative
                position bias (heads, N, N).
            key_padding_mask (Tensor, optional): (B, N), True for padding.

        Returns:
            Tensor: (B, N, C).
        """
        if modality not in MODALITIES:
            raise ValueError(f'MultiwayBlock: modality must be one of '
                             f'{MODALITIES}, got {modality!r}')
        x = x + self.drop_path(self._scale(
            self.gamma_1,
            self.attn(self.norm1(x), attn_mask, key_padding_mask)))
        if modality == 'image':
            return x + self.expert(x, 'imag')
        if modality == 'text':
            return x + self.expert(x, 'text')
        if self.with_vl_expert:
            return x + self.expert(x, 'vl')
        if num_text is None or not 0 < num_text < x.size(1):
            raise ValueError(f'MultiwayBlock: a "vl" input of {x.size(1)} '
                             f'tokens needs 0 < num_text < {x.size(1)}, got '
                             f'{num_text}')
        text, image = x[:, :num_text], x[:, num_text:]
        return torch.cat([text + self.expert(text, 'text'),
                          image + self.expert(image, 'imag')], dim=1)
