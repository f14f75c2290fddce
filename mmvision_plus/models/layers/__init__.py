"""Transformer building blocks shared by the models of mmvision_plus.

They keep the official DINOv2 / timm parameter names (``patch_embed.proj``,
``attn.qkv``, ``attn.proj``, ``ls1.gamma``, ``mlp.fc1``...) so that official
ViT checkpoints load strictly. Stochastic depth is mmcv's ``DropPath``.
"""
from mmcv.cnn.bricks.drop import DropPath

from .attention import MultiheadSelfAttention, merge_attention_masks
from .layer_scale import LayerScale
from .mlp import Mlp
from .patch_embed import PatchEmbed
from .swiglu_ffn import SwiGLUFFN, swiglu_hidden_dims
from .transformer_block import (TORCH_ENCODER_LAYER_KEYS, TransformerBlock,
                                init_encoder_layer_weights)

__all__ = [
    'DropPath', 'LayerScale', 'Mlp', 'MultiheadSelfAttention', 'PatchEmbed',
    'SwiGLUFFN', 'TORCH_ENCODER_LAYER_KEYS', 'TransformerBlock',
    'init_encoder_layer_weights', 'merge_attention_masks',
    'swiglu_hidden_dims'
]
