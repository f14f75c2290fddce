"""Transformer building blocks shared by the models of mmvision_plus.

They keep the official DINOv2 / timm parameter names (``patch_embed.proj``,
``attn.qkv``, ``attn.proj``, ``ls1.gamma``, ``mlp.fc1``...) so that official
ViT checkpoints load strictly. Stochastic depth is mmcv's ``DropPath``.
The multi-scale deformable attention of the DETR-family models has a fast
CPU kernel here (mmcv's compiled op is CUDA-only).
GLEE's encoder/decoder pieces (assembled from mmdet's DINO layers) are in
``glee_layers``.
"""
from mmcv.cnn.bricks.drop import DropPath

from .attention import MultiheadSelfAttention, merge_attention_masks
from .cls_token_vit import ClsTokenViT
from .glee_layers import (DenoisingTableError, GLEEDecoder, GLEEDecoderLayer,
                          GLEEDenoisingQueryGenerator, GLEEEncoder,
                          GLEEEncoderLayer, GLEEPixelEmbedding)
from .layer_scale import LayerScale
from .mlp import Mlp
from .ms_deform_attn import (FastCPUMultiScaleDeformableAttention,
                             multi_scale_deformable_attn_cpu,
                             use_fast_cpu_deform_attn, use_mmcv_deform_attn)
from .patch_embed import PatchEmbed
from .pos_embed import resize_pos_embed
from .swiglu_ffn import SwiGLUFFN, swiglu_hidden_dims
from .transformer_block import (TORCH_ENCODER_LAYER_KEYS, TransformerBlock,
                                init_encoder_layer_weights)

__all__ = [
    'ClsTokenViT', 'DropPath', 'LayerScale', 'Mlp', 'MultiheadSelfAttention',
    'PatchEmbed',
    'SwiGLUFFN', 'TORCH_ENCODER_LAYER_KEYS', 'TransformerBlock',
    'init_encoder_layer_weights', 'merge_attention_masks',
    'swiglu_hidden_dims', 'FastCPUMultiScaleDeformableAttention',
    'multi_scale_deformable_attn_cpu', 'use_fast_cpu_deform_attn',
    'use_mmcv_deform_attn', 'resize_pos_embed'
]
__all__ += ['DenoisingTableError', 'GLEEDecoder', 'GLEEDecoderLayer',
            'GLEEDenoisingQueryGenerator', 'GLEEEncoder', 'GLEEEncoderLayer',
            'GLEEPixelEmbedding']
from .glee_visual_prompt import (GLEEVisualPrompter, VisualPrompt,
                                 VisualPromptError)
__all__ += ['GLEEVisualPrompter', 'VisualPrompt', 'VisualPromptError']
from .multiway_block import MultiwayBlock
__all__ += ['MultiwayBlock']
