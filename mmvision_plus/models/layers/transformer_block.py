"""Pre-norm transformer block: the one encoder layer of mmvision_plus."""
from typing import Dict, List, Optional

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.drop import DropPath
from mmengine.model import BaseModule
from torch import Tensor

from .attention import MultiheadSelfAttention
from .layer_scale import LayerScale
from .mlp import Mlp
from .swiglu_ffn import SwiGLUFFN

# ``nn.TransformerEncoderLayer`` parameter -> TransformerBlock parameter
# (``norm1`` / ``norm2`` are named alike). ``in_proj_weight`` stacks q, k, v
# exactly as ``attn.qkv.weight`` does, so the values are copied unchanged.
TORCH_ENCODER_LAYER_KEYS: Dict[str, str] = {
    'self_attn.in_proj_weight': 'attn.qkv.weight',
    'self_attn.in_proj_bias': 'attn.qkv.bias',
    'self_attn.out_proj.weight': 'attn.proj.weight',
    'self_attn.out_proj.bias': 'attn.proj.bias',
    'linear1.weight': 'mlp.fc1.weight',
    'linear1.bias': 'mlp.fc1.bias',
    'linear2.weight': 'mlp.fc2.weight',
    'linear2.bias': 'mlp.fc2.bias',
}


class TransformerBlock(BaseModule):
    """Pre-norm transformer block with optional LayerScale and drop path.

    ::

        x = x + drop_path(ls1(attn(norm1(x), masks)))
        x = x + drop_path(ls2(mlp(norm2(x))))

    The module tree is the official DINOv2 / timm one (``norm1``,
    ``attn.qkv``, ``attn.proj``, ``ls1.gamma``, ``norm2``,
    ``mlp.fc1``/``mlp.fc2`` or ``mlp.w12``/``mlp.w3``, ``ls2.gamma``), so
    official ViT checkpoints load strictly. Without LayerScale and drop path
    it computes exactly ``nn.TransformerEncoderLayer(norm_first=True,
    batch_first=True)`` with the same dropout places, and state dicts in that
    layer's layout load into it (see :data:`TORCH_ENCODER_LAYER_KEYS`).
    mmcv's ``BaseTransformerLayer`` builds the same computation from configs
    but under other parameter names (``attentions.0.attn.in_proj_weight``,
    ``ffns.0.layers``...), which would break official checkpoint loading.

    Args:
        embed_dims: Token width C.
        num_heads: Attention heads.
        ffn_hidden_dims: FFN hidden width. Defaults to 4 * C.
        ffn_type: ``'mlp'`` (``fc1``/``fc2``) or ``'swiglu'``
            (``w12``/``w3``, hidden width as given). Defaults to ``'mlp'``.
        qkv_bias: Bias of ``attn.qkv``. Defaults to True.
        proj_bias: Bias of ``attn.proj``. Defaults to True.
        ffn_bias: Biases of the FFN linears. Defaults to True.
        norm_cfg: Config of both norms for mmcv's ``build_norm_layer``.
            Defaults to ``dict(type='LN', eps=1e-5)`` (PyTorch's default;
            DINOv2 uses 1e-6).
        act_cfg: FFN activation of ``'mlp'`` (SwiGLU always gates with
            SiLU). Defaults to exact GELU.
        layer_scale_init: Initial LayerScale value, or None for no
            LayerScale (``ls1``/``ls2`` are then identities without
            parameters). Defaults to None.
        attn_drop: Dropout on the attention weights. Defaults to 0.
        drop: Dropout after ``attn.proj`` and inside/after the FFN (the
            places of ``nn.TransformerEncoderLayer``'s ``dropout``).
            Defaults to 0.
        drop_path: Stochastic depth rate of both residual branches (mmcv's
            ``DropPath``, drawn independently per branch and sample).
            Defaults to 0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 ffn_hidden_dims: Optional[int] = None,
                 ffn_type: str = 'mlp',
                 qkv_bias: bool = True,
                 proj_bias: bool = True,
                 ffn_bias: bool = True,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 layer_scale_init: Optional[float] = None,
                 attn_drop: float = 0.,
                 drop: float = 0.,
                 drop_path: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        norm_cfg = norm_cfg or dict(type='LN', eps=1e-5)
        hidden = ffn_hidden_dims or 4 * embed_dims
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiheadSelfAttention(
            embed_dims, num_heads, qkv_bias=qkv_bias, proj_bias=proj_bias,
            attn_drop=attn_drop, proj_drop=drop)
        self.ls1 = self._layer_scale(embed_dims, layer_scale_init)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        if ffn_type == 'mlp':
            self.mlp = Mlp(embed_dims, hidden, act_cfg=act_cfg, bias=ffn_bias,
                           drop=drop)
        elif ffn_type == 'swiglu':
            self.mlp = SwiGLUFFN(embed_dims, hidden, bias=ffn_bias, drop=drop)
        else:
            raise ValueError(f"TransformerBlock: ffn_type must be 'mlp' or "
                             f"'swiglu', got {ffn_type!r}")
        self.ls2 = self._layer_scale(embed_dims, layer_scale_init)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()

    @staticmethod
    def _layer_scale(embed_dims: int, init: Optional[float]) -> nn.Module:
        return nn.Identity() if init is None else LayerScale(embed_dims, init)

    def forward(self,
                x: Tensor,
                attn_mask: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None) -> Tensor:
        """Run the block on (B, N, C) tokens.

        The masks go to the attention unchanged (see
        :meth:`MultiheadSelfAttention.forward`): ``attn_mask`` bool (True =
        may attend) or additive, broadcastable to (B, heads, N, N), e.g. a
        causal (N, N) one; ``key_padding_mask`` (B, N) bool, True for padding
        keys (never attended; their own outputs are computed but
        meaningless).

        Returns:
            Tensor: (B, N, C).
        """
        x = x + self.drop_path(
            self.ls1(self.attn(self.norm1(x), attn_mask, key_padding_mask)))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Rename ``nn.TransformerEncoderLayer`` keys before loading.

        Checkpoints written while a model used PyTorch's encoder layer at
        this place (MDRL's DLL and CIM did) load unchanged.
        """
        for old, new in TORCH_ENCODER_LAYER_KEYS.items():
            if prefix + old in state_dict:
                state_dict[prefix + new] = state_dict.pop(prefix + old)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)


def init_encoder_layer_weights(module: nn.Module, std: float = 0.02) -> None:
    """Truncated-normal linear weights, zero biases, xavier-uniform ``qkv``.

    The initialisation MDRL's DLL and CIM had on ``nn.TransformerEncoderLayer``
    when they re-initialised every ``nn.Linear``: that layer's attention
    ``in_proj_weight`` is a bare parameter, not a linear, and kept
    ``nn.MultiheadAttention``'s xavier-uniform init. Kept so that the
    :class:`TransformerBlock` versions start from the same distribution.

    Args:
        module: Module whose linears and attentions are initialised.
        std: Standard deviation of the truncated normal (cut at +-2).
    """
    for sub in module.modules():
        if isinstance(sub, nn.Linear):
            nn.init.trunc_normal_(sub.weight, std=std)
            if sub.bias is not None:
                nn.init.zeros_(sub.bias)
    for sub in module.modules():
        if isinstance(sub, MultiheadSelfAttention):
            nn.init.xavier_uniform_(sub.qkv.weight)
