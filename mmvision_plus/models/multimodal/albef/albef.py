"""ALBEF: Align before Fuse (Li et al., NeurIPS 2021).

A ViT image encoder and a BERT split in two: layers ``[0, F)`` encode the
text alone (ITC with the image [CLS]), layers ``[F, N)`` fuse it with the
image through cross-attention (ITM with hard negatives, MLM). Momentum
encoders give the ITC queue and the soft targets of momentum distillation
for ITC and MLM. Retrieval ranks by ITC and re-ranks the top k with ITM.

Module names follow the official code (``visual_encoder``,
``text_encoder.{bert,cls}``, ``vision_proj``, ``text_proj``, ``itm_head``,
``temp`` and the ``*_m`` momentum copies), so its checkpoints load after
``tools/model_converters/albef2mmvp.py`` (which only moves the momentum
copies under ``.module``, the queue under ``distill.queue.`` and the ITM layer
under ``itm_head.fc``).
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch import Tensor

from mmvision_plus.models.losses import IGNORE_INDEX
from mmvision_plus.registry import MODELS
from ..base import cls_embedding
from ..fusion_base import BaseFusionModel
from ..token_masking import mask_tokens


@MODELS.register_module()
class ALBEF(BaseFusionModel):
    """ALBEF (see the module docstring).

    Args:
        visual_encoder (dict): Image encoder config.
        text_encoder (dict): ``CrossAttentionBert`` config
            with ``cross_attention_from`` = F > 0 (6 of 12 for BERT-base)
            and ``with_token_head=True`` when MLM is on.
        tokenizer (dict): Tokenizer config (needs ``[MASK]`` for MLM).
        max_text_length (int): Token length of texts (ALBEF: 30 for
            pretraining, 35 for COCO retrieval). Defaults to 30.
        with_mlm (bool): Train MLM (pretraining); retrieval fine-tuning
            uses ITC + ITM only. Defaults to True.
        mlm_prob (float): MLM masking probability. Defaults to 0.15.
        loss_mlm (dict): MLM loss config. Defaults to ``MLMLoss``.
        queue_size (int): Defaults to 65,536 (ALBEF).
        rerank_topk (int, optional): ITM re-ranking depth for retrieval.
            Defaults to 256.
        **kwargs: Other arguments of :class:`~..fusion_base.BaseFusionModel`.
    """

    def __init__(self,
                 visual_encoder: dict,
                 text_encoder: dict,
                 tokenizer: dict,
                 max_text_length: int = 30,
                 with_mlm: bool = True,
                 mlm_prob: float = 0.15,
                 loss_mlm: Optional[dict] = None,
                 queue_size: int = 65536,
                 rerank_topk: Optional[int] = 256,
                 **kwargs) -> None:
        super().__init__(visual_encoder, text_encoder, tokenizer,
                         max_text_length, queue_size=queue_size,
                         rerank_topk=rerank_topk, **kwargs)
        self.fusion_layer = self.text_encoder.cross_attention_from
        if self.fusion_layer < 1:
            raise ValueError('ALBEF: the text encoder needs at least one '
                             'layer without cross-attention '
                             '(cross_attention_from >= 1)')
        self.with_mlm = with_mlm
        self.mlm_prob = mlm_prob
        if with_mlm:
            if self.text_encoder.cls is None:
                raise ValueError('ALBEF with MLM needs a text encoder built '
                                 'with with_token_head=True')
            if self.tokenizer.mask_token_id is None:
                raise ValueError('ALBEF with MLM needs a tokenizer with a '
                                 '[MASK] token')
        self.loss_mlm = MODELS.build(loss_mlm or dict(type='MLMLoss'))

    def text_hidden(self, text_encoder, input_ids: Tensor,
                    attention_mask: Tensor) -> Tensor:
        """The text encoder: layers ``[0, F)``."""
        return text_encoder(input_ids, attention_mask,
                            end_layer=self.fusion_layer)

    def fuse(self, image_embeds: Tensor, input_ids: Tensor,
             attention_mask: Tensor, text_hidden: Optional[Tensor]) -> Tensor:
        """The multimodal encoder: layers ``[F, N)`` on the text states."""
        if text_hidden is None:
            text_hidden = self.text_hidden(self.text_encoder, input_ids,
                                           attention_mask)
        return self.text_encoder(hidden_states=text_hidden,
                                 attention_mask=attention_mask,
                                 image_embeds=image_embeds,
                                 start_layer=self.fusion_layer)

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        """``text_feat`` and the text states ``text_embeds`` that ITM
        re-ranking reuses (as the official evaluation does)."""
        hidden = self.text_hidden(self.text_encoder, input_ids,
                                  attention_mask)
        return dict(text_feat=cls_embedding(self.text_proj, hidden),
                    text_embeds=hidden)

    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """ITC + ITM (+ MLM with momentum distillation)."""
        input_ids, attention_mask = self.tokenize(
            self.texts_of(data_samples), pad_to_longest=True)
        image_ids = self.image_ids_of(data_samples, images.device)
        losses, states = self.itc_itm_losses(images, input_ids,
                                             attention_mask, image_ids)
        if self.with_mlm:
            losses['loss_mlm'] = self.mlm_loss(input_ids, attention_mask,
                                               states)
        return losses

    def mlm_loss(self, input_ids: Tensor, attention_mask: Tensor,
                 states: Dict[str, Tensor]) -> Tensor:
        """MLM over the whole text side conditioned on the image, the
        momentum model's predictions as soft targets (weight ``alpha``)."""
        tokenizer = self.tokenizer
        masked_ids, labels = mask_tokens(input_ids, tokenizer.mask_token_id,
                                         tokenizer.vocab_size,
                                         tokenizer.special_token_ids,
                                         self.mlm_prob)
        chosen = labels != IGNORE_INDEX
        hidden = self.text_encoder(masked_ids, attention_mask,
                                   image_embeds=states['image_embeds'])
        # the vocabulary projection only where there is a target
        logits = self.text_encoder.token_logits(hidden[chosen])[None]
        soft_targets = None
        alpha = self.distill.alpha
        if alpha > 0:
            with torch.no_grad():
                encoder_m = self.momentum('text_encoder')
                hidden_m = encoder_m(masked_ids, attention_mask,
                                     image_embeds=states['image_embeds_m'])
                soft_targets = F.softmax(
                    encoder_m.token_logits(hidden_m[chosen]), dim=-1)[None]
        return self.loss_mlm(logits, labels[chosen][None], soft_targets,
                             alpha)
