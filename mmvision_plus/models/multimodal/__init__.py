from .base import BaseImageTextModel
from .clip import *  # noqa: F401,F403
from .generation import generate
from .momentum import (ImageTextFeatureQueue, distillation_targets,
                       momentum_copy)
from .retrieval import (NOT_RERANKED, rerank_topk, rerank_topk_per_query,
                        retrieval_predictions)
from .token_masking import mask_tokens

__all__ = [
    'BaseImageTextModel', 'ClipDualEncoder', 'ImageTextFeatureQueue',
    'NOT_RERANKED', 'distillation_targets', 'generate', 'mask_tokens',
    'momentum_copy', 'rerank_topk', 'rerank_topk_per_query',
    'retrieval_predictions'
]
