from .albef import *  # noqa: F401,F403
from .base import BaseImageTextModel
from .blip import *  # noqa: F401,F403
from .clip import *  # noqa: F401,F403
from .fusion_base import BaseFusionModel
from .generation import generate
from .momentum import (ImageTextFeatureQueue, MomentumDistillation,
                       distillation_targets, momentum_copy)
from .retrieval import (NOT_RERANKED, rerank_topk, rerank_topk_per_query,
                        retrieval_predictions)
from .token_masking import mask_tokens
from .vit_encoder import ViTImageEncoder, resize_pos_embed

__all__ = [
    'ALBEF', 'BLIPMED', 'BaseFusionModel', 'BaseImageTextModel',
    'ClipDualEncoder', 'DEFAULT_GENERATION', 'ViTImageEncoder',
    'resize_pos_embed', 'ImageTextFeatureQueue', 'MomentumDistillation',
    'NOT_RERANKED', 'distillation_targets', 'generate', 'mask_tokens',
    'momentum_copy', 'rerank_topk', 'rerank_topk_per_query',
    'retrieval_predictions'
]
