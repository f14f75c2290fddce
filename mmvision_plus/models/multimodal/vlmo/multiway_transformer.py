"""VLMo's Multiway Transformer: patch embedding, [CLS], optional absolute
position embedding, :class:`~mmvision_plus.models.layers.MultiwayBlock`
s (VL-FFN from ``vl_ffn_start`` on) and the final norm.

The module tree is the official ``transformer.*`` of VLMo
(``patch_embed.proj``, ``cls_token``, ``pos_embed``, ``blocks.N.*``,
``norm``), so its weights load with :func:`~.convert.vlmo_to_mmvp`
(which only folds ``q_bias`` / ``v_bias`` into ``qkv.bias``).
"""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from mmvision_plus.models.layers import ClsTokenViT, MultiwayBlock
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range


@MODELS.register_module()
class VLMoTransformer(ClsTokenViT):
    """The shared backbone of VLMo (see the module docstring).

    Args:
        img_size (int): Input side (a multiple of ``patch_size``).
        patch_size (int): Patch side. Defaults to 16.
        embed_dims (int): Width C. Defaults to 768.
        num_layers (int): Blocks. Defaults to 12.
        num_heads (int): Heads. Defaults to 12.
        mlp_ratio (float): Expert hidden width / C. Defaults to 4.
        vl_ffn_start (int): First block with a VL-FFN (VLMo-B: 10 of 12,
            VLMo-L: 21 of 24); ``num_layers``: none. Defaults to 10.
        layer_scale_init (float, optional): Initial ``gamma_1/2`` (0.1);
            None: no layer scale. Defaults to 0.1.
        use_abs_pos_emb (bool): Absolute image position embedding
            (VLMo-B/L use the relative bias instead). Defaults to False.
        drop_path_rate (float): Stochastic depth of the last block (linear
            from 0). Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 img_size: int = 224,
                 patch_size: int = 16,
                 embed_dims: int = 768,
                 num_layers: int = 12,
                 num_heads: int = 12,
                 mlp_ratio: float = 4.0,
                 vl_ffn_start: int = 10,
                 layer_scale_init: Optional[float] = 0.1,
                 use_abs_pos_emb: bool = False,
                 drop_path_rate: float = 0.0,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(img_size, patch_size, embed_dims,
                         abs_pos_embed=use_abs_pos_emb, init_cfg=init_cfg)
        check_range(vl_ffn_start, 'VLMoTransformer', 'vl_ffn_start', 0,
                    num_layers)
        self.num_heads = num_heads
        self.num_layers, self.vl_ffn_start = num_layers, vl_ffn_start
        rates = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.blocks = nn.ModuleList([
            MultiwayBlock(embed_dims, num_heads, mlp_ratio,
                          with_vl_expert=i >= vl_ffn_start,
                          layer_scale_init=layer_scale_init,
                          norm_eps=norm_eps, drop_path=rate)
            for i, rate in enumerate(rates)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)

    #: Patch tokens with [CLS] first (B, 1 + N, C), patches optionally
    #: replaced by a mask token: :meth:`ClsTokenViT.embed` (VLMo's name).
    visual_embed = ClsTokenViT.embed

    def run_blocks(self,
                   x: Tensor,
                   modality: str,
                   layers: Sequence[int],
                   biases: Optional[Sequence[Tensor]] = None,
                   key_padding_mask: Optional[Tensor] = None,
                   num_text: Optional[int] = None) -> Tensor:
        """Run blocks ``layers`` (in order) on tokens (B, N, C).

        Args:
            x (Tensor): Tokens.
            modality (str): Routing, see :class:`MultiwayBlock`.
            layers (Sequence[int]): Block indices.
            biases (Sequence[Tensor], optional): Attention bias (heads, N,
                N) of every block (indexed by block).
            key_padding_mask (Tensor, optional): (B, N), True = padding.
            num_text (int, optional): Leading text tokens of ``'vl'``.

        Returns:
            Tensor: (B, N, C), before the final norm.
        """
        for i in layers:
            x = self.blocks[i](x, modality, num_text,
                               None if biases is None else biases[i],
                               key_padding_mask)
        return x
