"""ViLT: Vision-and-Language Transformer Without Convolution or Region
Supervision (Kim et al., ICML 2021).

No image tower: the image's patch embeddings (a linear projection, the
ViT's ``patch_embed``) and the caption's word embeddings go straight into
one transformer (``transformer.blocks``, text tokens first). It is trained
with

* ITM: half of the pairs of a batch get the image of another scene (ViLT's
  random negatives), the pooled [CLS] classifies matched / not matched;
* MLM with whole-word masking (15 % of the words; every piece of a chosen
  word is a target) on the matched pairs.

Retrieval scores every (image, text) pair with the ITM head (ViLT's
"rank" score, the matched logit): one fused pass per pair, so the cost per
query grows with the gallery. This is the family's cheap-*model* baseline
(one small transformer, no separate image tower) whose *retrieval* is the
most expensive. Word-patch alignment (ViLT's optimal-transport WPA loss)
and patch sampling (200 of the 384 px patches during training) are left
out.

Module names follow the official code (``transformer.{patch_embed,
cls_token,pos_embed,blocks,norm}`` of a timm ViT, ``text_embeddings``,
``token_type_embeddings``, ``pooler``, ``itm_score``, ``mlm_score``):
its checkpoints' ``state_dict`` loads without a converter (non-strictly:
heads not built here, such as ``mpp_score``, are skipped).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import get_world_size
from mmpretrain.models.multimodal.blip.blip_retrieval import \
    all_gather_concat
from mmpretrain.structures import DataSample
from torch import Tensor

from mmvision_plus.registry import MODELS
from ..retrieval import rerank_topk, retrieval_predictions
from ..single_stream import SingleStreamModel, check_tasks

TASKS = ('itm', 'mlm')


@MODELS.register_module()
class ViLT(SingleStreamModel):
    """ViLT (see the module docstring).

    Args:
        transformer (dict): :class:`~..vit_encoder.ViTImageEncoder`
            arguments (ViLT-B/32: 384 px, patch 32, 768 wide, 12 layers).
        tokenizer (dict): Tokenizer config (BERT's WordPiece vocabulary for
            ViLT; ``##`` pieces continue a word for whole-word masking).
        max_text_length (int): Token length (ViLT: 40).
        tasks (Sequence[str]): Subset of ``('itm', 'mlm')``; retrieval
            needs ``'itm'``.
        mlm_prob (float): Word masking probability. Defaults to 0.15.
        whole_word_masking (bool): Mask whole words (ViLT). Defaults to
            True.
        itm_negative_ratio (float): Share of the pairs given a random other
            image. Defaults to 0.5.
        loss_mlm (dict): Defaults to ``MLMLoss``.
        rerank_batch_size (int): Pairs per fused pass in retrieval.
        **kwargs: ``data_preprocessor``, ``init_cfg``.
    """

    def __init__(self,
                 transformer: dict,
                 tokenizer: dict,
                 max_text_length: int = 40,
                 tasks: Sequence[str] = TASKS,
                 mlm_prob: float = 0.15,
                 whole_word_masking: bool = True,
                 itm_negative_ratio: float = 0.5,
                 loss_mlm: Optional[dict] = None,
                 rerank_batch_size: int = 256,
                 **kwargs) -> None:
        tasks = check_tasks('ViLT', tasks, TASKS)
        transformer = MODELS.build(dict(transformer, type='ViTImageEncoder'))
        super().__init__(width=transformer.embed_dims,
                         with_itm='itm' in tasks, with_mlm='mlm' in tasks,
                         mlm_prob=mlm_prob,
                         whole_word_masking=whole_word_masking,
                         tokenizer=tokenizer,
                         max_text_length=max_text_length,
                         rerank_batch_size=rerank_batch_size, **kwargs)
        if not 0 < itm_negative_ratio < 1:
            raise ValueError(f'ViLT: itm_negative_ratio must be in (0, 1), '
                             f'got {itm_negative_ratio}')
        self.tasks = tasks
        self.transformer = transformer
        self.itm_negative_ratio = itm_negative_ratio
        if 'mlm' in tasks:
            self.loss_mlm = MODELS.build(loss_mlm or dict(type='MLMLoss'))
        self._init_parameters()

    def _init_parameters(self) -> None:
        """ViLT's ``init_weights`` on its own layers (normal 0.02 linears
        and embeddings); the ViT keeps timm's initialisation."""
        for name, m in self.named_modules():
            if name.startswith('transformer'):
                continue
            if isinstance(m, (torch.nn.Linear, torch.nn.Embedding)):
                torch.nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, torch.nn.Linear) and m.bias is not None:
                torch.nn.init.zeros_(m.bias)

    # -- passes ---------------------------------------------------------------
    def embed_images(self, images: Tensor) -> Tensor:
        """Patch tokens with [CLS], positions and type (B, 1 + N, C)."""
        return self.type_image_tokens(self.transformer.embed(images))

    def fuse_tokens(self, image_tokens: Tensor, input_ids: Tensor,
                    attention_mask: Tensor,
                    text_tokens: Optional[Tensor] = None) -> Tensor:
        if text_tokens is None:
            text_tokens = self.embed_texts(input_ids)
        x, padding = self.concat_text_image(text_tokens, image_tokens,
                                            attention_mask)
        for block in self.transformer.blocks:
            x = block(x, key_padding_mask=padding)
        return self.transformer.norm(x)

    # -- BaseImageTextModel ---------------------------------------------------
    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        """``image_embeds``: the embedded patches every fused pass starts
        from (ViLT has no image feature of its own)."""
        return dict(image_embeds=self.embed_images(images))

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        """Nothing: texts enter the fused pass as token ids."""
        return {}

    def score_all_pairs(self, image_embeds: Tensor, text_ids: Tensor,
                        text_mask: Tensor,
                        description: str = 'ViLT ITM scoring') -> Tensor:
        """Matched logit of every (image, text) pair (I, T), in fused
        passes of ``rerank_batch_size`` pairs (with a progress bar)."""
        if 'itm' not in self.tasks:
            raise RuntimeError('ViLT retrieval needs the ITM head (tasks '
                               'with "itm")')
        num_images, num_texts = image_embeds.size(0), text_ids.size(0)

        def score(image_idx: Tensor, text_idx: Tensor) -> Tensor:
            return self.match_logits(image_embeds[image_idx],
                                     text_ids[text_idx],
                                     text_mask[text_idx])[:, 1]

        return rerank_topk(image_embeds.new_zeros(num_images, num_texts),
                           score, num_texts, self.rerank_batch_size,
                           description=description)

    def retrieval_scores(self, query_feat: Optional[Tensor],
                         gallery_feat: Optional[Tensor],
                         image_embeds: Optional[Tensor],
                         text_ids: Optional[Tensor],
                         text_mask: Optional[Tensor],
                         queries_are_images: bool,
                         text_embeds: Optional[Tensor] = None) -> Tensor:
        """ITM score of every query against every gallery item (the
        features are unused: ViLT has none)."""
        scores = self.score_all_pairs(image_embeds, text_ids, text_mask)
        return scores if queries_are_images else scores.t()

    def predict_all(self,
                    feats: Dict[str, Tensor],
                    data_samples: List[DataSample],
                    num_images: Optional[int] = None,
                    num_texts: Optional[int] = None,
                    cal_i2t: bool = True,
                    cal_t2i: bool = True) -> Tuple[List[DataSample], ...]:
        """Both directions from one ITM score matrix (one process), or
        local images against all texts and local texts against all images
        (several processes)."""
        image_embeds, text_ids = feats['image_embeds'], feats['text_ids']
        text_mask = feats['text_mask']
        num_images = num_images or image_embeds.size(0)
        num_texts = num_texts or text_ids.size(0)
        if get_world_size() == 1:
            scores = self.score_all_pairs(image_embeds[:num_images],
                                          text_ids[:num_texts],
                                          text_mask[:num_texts])
            return retrieval_predictions(scores if cal_i2t else None,
                                         scores.t() if cal_t2i else None,
                                         data_samples)
        i2t = t2i = None
        if cal_i2t:
            i2t = self.score_all_pairs(
                image_embeds, all_gather_concat(text_ids)[:num_texts],
                all_gather_concat(text_mask)[:num_texts])
        if cal_t2i:
            t2i = self.score_all_pairs(
                all_gather_concat(image_embeds)[:num_images], text_ids,
                text_mask).t()
        return retrieval_predictions(i2t, t2i, data_samples)

    # -- training -------------------------------------------------------------
    def random_negative_images(self, image_ids: Tensor) -> Tensor:
        """Per pair the index of a uniformly drawn pair of another image
        (itself where the batch has no other image)."""
        other = (image_ids[None, :] != image_ids[:, None]).float()
        lonely = other.sum(dim=1) == 0
        other[lonely, lonely.nonzero().reshape(-1)] = 1.0
        return torch.multinomial(other, 1).reshape(-1)

    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """ITM (random negatives) and whole-word MLM."""
        input_ids, attention_mask = self.tokenize(
            self.texts_of(data_samples), pad_to_longest=True)
        image_tokens = self.embed_images(images)
        losses = {}
        if 'itm' in self.tasks:
            image_ids = self.image_ids_of(data_samples, images.device)
            batch = images.size(0)
            negative = torch.rand(batch, device=images.device) < \
                self.itm_negative_ratio
            swap = self.random_negative_images(image_ids)
            negative &= image_ids[swap] != image_ids
            image_idx = torch.where(negative, swap,
                                    torch.arange(batch, device=images.device))
            losses['loss_itm'] = self.itm_loss(
                image_tokens, input_ids, attention_mask, image_idx,
                torch.arange(batch, device=images.device),
                (~negative).long())
        if 'mlm' in self.tasks:
            losses['loss_mlm'] = self.fused_mlm_loss(
                image_tokens, input_ids, attention_mask, self.loss_mlm)
        return losses
