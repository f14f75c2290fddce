"""Vision-language models and the pieces they share.

Shared (part 2 -- ViLT, VLMo, BEiT-3, CoCa -- builds on them):

* :class:`BaseImageTextModel` (``base.py``): tokenisation in the model, the
  ``loss`` / ``tensor`` / ``predict`` modes, mmpretrain's retrieval-loop
  contract (``extract_feat`` + ``predict_all``), ITC ranking with optional
  ITM re-ranking; a model defines ``encode_images``, ``encode_texts``,
  ``loss`` and, with a fusion encoder, ``match_logits``.
* :class:`BaseFusionModel` (``fusion_base.py``): ITC with momentum
  encoders, a feature queue and momentum distillation plus ITM with hard
  negatives (ALBEF, BLIP).
* ``momentum.py`` (EMA copies, :class:`ImageTextFeatureQueue`,
  :class:`MomentumDistillation`), ``retrieval.py`` (:func:`rerank_topk`,
  retrieval predictions), ``generation.py`` (:func:`generate`: greedy, beam,
  nucleus over any step function), ``token_masking.py``
  (:func:`mask_tokens`), ``vit_encoder.py`` (:class:`ViTImageEncoder`),
  ``checkpoint_convert.py`` (official ALBEF / BLIP layouts).

Models: ``clip/`` (:class:`ClipDualEncoder`), ``albef/`` (:class:`ALBEF`),
``blip/`` (:class:`BLIPMED`), ``vilt/`` (:class:`ViLT`), ``vlmo/``
(:class:`VLMo` on the Multiway block of ``models/layers``), ``beit3/``
(:class:`BEiT3` on torchscale), ``coca/`` (:class:`CoCa` on open_clip).
ViLT and VLMo share :class:`SingleStreamModel` (``single_stream.py``: text
embeddings, the fused pass's heads and losses); masked image modelling
reads :class:`KMeansVisualTokenizer` (``visual_tokenizer.py``) and
``masked_modeling.py``; ITM batches with hard negatives come from
:func:`itm_pairs`. Losses live in ``models/losses`` (ITC, ITM,
MLM, LM), the BERT side in ``models/language`` (``CrossAttentionBert``,
tokenizers), the ITM head in ``models/heads``.
"""
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
from .vit_encoder import ViTImageEncoder

__all__ = [
    'ALBEF', 'BLIPMED', 'BaseFusionModel', 'BaseImageTextModel',
    'ClipDualEncoder', 'DEFAULT_GENERATION', 'ViTImageEncoder',
    'ImageTextFeatureQueue', 'MomentumDistillation',
    'NOT_RERANKED', 'distillation_targets', 'generate', 'mask_tokens',
    'momentum_copy', 'rerank_topk', 'rerank_topk_per_query',
    'retrieval_predictions'
]
# part 2: single-stream / Multiway models and CoCa
from .captioning import attach_captions  # noqa: E402
from .itm_pairs import itm_pairs  # noqa: E402
from .masked_modeling import masked_token_labels, patch_masks_of  # noqa
from .single_stream import SingleStreamModel  # noqa: E402
from .visual_tokenizer import KMeansVisualTokenizer  # noqa: E402
from .beit3 import *  # noqa: F401,F403,E402
from .coca import *  # noqa: F401,F403,E402
from .vilt import *  # noqa: F401,F403,E402
from .vlmo import *  # noqa: F401,F403,E402
__all__ += ['BEiT3', 'CoCa', 'KMeansVisualTokenizer', 'SingleStreamModel',
            'ViLT', 'VLMo', 'VLMoTransformer', 'attach_captions', 'itm_pairs',
            'masked_token_labels', 'patch_masks_of']
