"""The base of the image-text models: one data flow for CLIP, ALBEF, BLIP
and their successors.

A model encodes images (``encode_images``) and tokenised texts
(``encode_texts``) into L2-normalised embeddings of one space; a model with
a fusion encoder also scores image-text pairs (``match_logits``, the ITM
logits). Everything else is shared here:

* ``forward(mode='loss')`` trains (the subclass's :meth:`loss`);
* ``forward(mode='tensor')`` extracts the features of a batch of test-mode
  samples (one image with all its captions) and
  :meth:`BaseImageTextModel.predict_all` ranks every text for every image
  and every image for every text: this is the contract of mmpretrain's
  ``RetrievalValLoop`` / ``RetrievalTestLoop`` (with ``img_size`` and
  ``text_size`` on the dataset) and the predictions are those its
  ``RetrievalRecall`` (and our ``ImageTextRecall``) read;
* ranking is by ITC similarity, optionally re-ranked by ITM on the top k
  (:func:`~.retrieval.rerank_topk`, batched, with a progress bar).

Texts are tokenised inside the model from the samples' raw ``text``
fields (see :mod:`mmvision_plus.models.language.tokenizers`).
"""
from abc import abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.models.multimodal.blip.blip_retrieval import \
    all_gather_concat
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmvision_plus.models.language.tokenizers import (TextTokenizer,
                                                      build_text_tokenizer)
from mmvision_plus.models.utils.forward_modes import forward_by_mode
from mmvision_plus.utils.arg_checks import check_range
from .retrieval import rerank_topk, retrieval_predictions

Feats = Dict[str, Tensor]


def cls_embedding(proj: nn.Module, states: Tensor) -> Tensor:
    """The ITC embedding of token sequences: the [CLS] state (position 0)
    through ``proj``, L2-normalised.

    Args:
        proj (nn.Module): Projection C -> D.
        states (Tensor): Token states (N, L, C).

    Returns:
        Tensor: (N, D), unit norm.
    """
    return F.normalize(proj(states[:, 0]), dim=-1)


class BaseImageTextModel(BaseModel):
    """Base of dual-encoder / fusion image-text models.

    Args:
        tokenizer (dict | TextTokenizer): Tokenizer config, see
            ``build_text_tokenizer`` (:mod:`mmvision_plus.models.language`).
        max_text_length (int): Token length of every text (special tokens
            included); longer texts are truncated.
        rerank_topk (int, optional): Re-rank the top k candidates of every
            retrieval query with ITM; None or 0: rank by ITC only.
            Defaults to None.
        rerank_batch_size (int): Pairs per fusion-encoder call while
            re-ranking. Defaults to 128.
        rerank_add_similarity (bool): Re-ranked score = ITM logit + ITC
            similarity (BLIP) instead of the ITM logit (ALBEF).
            Defaults to False.
        data_preprocessor (dict, optional): Image normalisation, e.g.
            ``dict(type='mmpretrain.ClsDataPreprocessor', mean=..., std=...,
            to_rgb=True)``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 tokenizer: Union[dict, TextTokenizer],
                 max_text_length: int,
                 rerank_topk: Optional[int] = None,
                 rerank_batch_size: int = 128,
                 rerank_add_similarity: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.tokenizer = build_text_tokenizer(tokenizer)
        self.max_text_length = check_range(max_text_length,
                                           type(self).__name__,
                                           'max_text_length', 2)
        self.rerank_topk = rerank_topk
        self.rerank_batch_size = rerank_batch_size
        self.rerank_add_similarity = rerank_add_similarity

    # -- what a model defines (abstract: a model lacking one cannot be built)
    @abstractmethod
    def encode_images(self, images: Tensor) -> Feats:
        """``image_feat`` (N, D), L2-normalised, and for fusion models the
        ``image_embeds`` (N, T, C) the fusion encoder attends to."""

    @abstractmethod
    def encode_texts(self, input_ids: Tensor, attention_mask: Tensor) -> Feats:
        """``text_feat`` (M, D), L2-normalised, and optionally
        ``text_embeds`` (M, L, C) that ``match_logits`` reuses."""

    def match_logits(self,
                     image_embeds: Tensor,
                     input_ids: Tensor,
                     attention_mask: Tensor,
                     text_embeds: Optional[Tensor] = None) -> Tensor:
        """ITM logits (P, 2) of P image-text pairs (``text_embeds``: the
        unimodal text states when ``encode_texts`` returns them); models
        without a fusion encoder do not define it (and cannot re-rank)."""
        raise NotImplementedError(
            f'{type(self).__name__} has no image-text matching head; set '
            'rerank_topk=None')

    @abstractmethod
    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """Training losses of a batch of (image, caption) samples."""

    # -- shared ------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def tokenize(self,
                 texts: Sequence[str],
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Token ids and attention mask (N, L) on the model's device, L =
        ``max_text_length`` (or the longest text's, see
        :class:`~mmvision_plus.models.language.tokenizers.TextTokenizer`).
        """
        input_ids, attention_mask = self.tokenizer(texts, self.max_text_length,
                                                   pad_to_longest)
        return input_ids.to(self.device), attention_mask.to(self.device)

    @staticmethod
    def texts_of(data_samples: Sequence[DataSample]) -> List[str]:
        """The samples' ``text`` fields, lists flattened in order."""
        texts: List[str] = []
        for i, sample in enumerate(data_samples):
            if 'text' not in sample:
                raise KeyError(f'data sample {i} has no "text" field')
            text = sample.get('text')
            texts.extend([text] if isinstance(text, str) else list(text))
        return texts

    @staticmethod
    def image_ids_of(data_samples: Sequence[DataSample],
                     device: torch.device) -> Tensor:
        """Image index of each sample (B,), for same-image positives."""
        ids = []
        for i, sample in enumerate(data_samples):
            if 'image_id' not in sample:
                raise KeyError(f'data sample {i} has no "image_id" field '
                               '(needed to tell captions of one image apart)')
            ids.append(int(sample.get('image_id')))
        return torch.tensor(ids, dtype=torch.long, device=device)

    def forward(self,
                inputs: Optional[Tensor] = None,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``'loss'``: losses; ``'tensor'``: features (retrieval loops);
        ``'predict'``: :meth:`predict`."""
        return forward_by_mode(self, inputs, data_samples, mode)

    def extract_feat(self,
                     images: Optional[Tensor] = None,
                     data_samples: Optional[List[DataSample]] = None
                     ) -> Feats:
        """Features of a batch: the images' and, if the samples carry
        ``text``, the texts' (with their token ids for re-ranking)."""
        feats: Feats = {}
        if images is not None:
            feats.update(self.encode_images(images))
        if data_samples is not None and all('text' in s
                                            for s in data_samples):
            input_ids, attention_mask = self.tokenize(
                self.texts_of(data_samples))
            feats.update(self.encode_texts(input_ids, attention_mask))
            feats.update(text_ids=input_ids, text_mask=attention_mask)
        if not feats:
            raise ValueError('extract_feat needs images or texts')
        return feats

    def similarity(self, image_feat: Tensor, text_feat: Tensor) -> Tensor:
        """ITC similarity (N, M) of normalised features."""
        return image_feat @ text_feat.t()

    def retrieval_scores(self, query_feat: Tensor, gallery_feat: Tensor,
                         image_embeds: Optional[Tensor],
                         text_ids: Optional[Tensor],
                         text_mask: Optional[Tensor],
                         queries_are_images: bool,
                         text_embeds: Optional[Tensor] = None) -> Tensor:
        """Scores (Q, G) of every query against every gallery item: ITC
        similarity, re-ranked with ITM on the top ``rerank_topk``.

        Args:
            query_feat (Tensor): Normalised query features (Q, D).
            gallery_feat (Tensor): Normalised gallery features (G, D).
            image_embeds (Tensor, optional): Fusion inputs of the images
                (queries if ``queries_are_images`` else gallery).
            text_ids (Tensor, optional): Token ids of the texts (gallery if
                ``queries_are_images`` else queries).
            text_mask (Tensor, optional): Their attention mask.
            queries_are_images (bool): Image-to-text (True) or
                text-to-image retrieval.
            text_embeds (Tensor, optional): The texts' unimodal states.
        """
        sim = self.similarity(query_feat, gallery_feat)
        if not self.rerank_topk:
            return sim
        if image_embeds is None or text_ids is None:
            raise KeyError('ITM re-ranking needs image_embeds and text_ids '
                           'in the features')

        def score_pairs(q: Tensor, g: Tensor) -> Tensor:
            img, txt = (q, g) if queries_are_images else (g, q)
            return self.match_logits(
                image_embeds[img], text_ids[txt], text_mask[txt],
                None if text_embeds is None else text_embeds[txt])[:, 1]

        return rerank_topk(
            sim, score_pairs, self.rerank_topk, self.rerank_batch_size,
            self.rerank_add_similarity,
            description='ITM re-ranking ' +
            ('i2t' if queries_are_images else 't2i'))

    def predict_all(self,
                    feats: Feats,
                    data_samples: List[DataSample],
                    num_images: Optional[int] = None,
                    num_texts: Optional[int] = None,
                    cal_i2t: bool = True,
                    cal_t2i: bool = True) -> Tuple[List[DataSample], ...]:
        """Rank all texts for the local images and all images for the local
        texts (features gathered from every rank).

        Args:
            feats (dict[str, Tensor]): Features of the local samples
                (``extract_feat`` outputs concatenated).
            data_samples (list[DataSample]): The local test-mode samples.
            num_images (int, optional): Images in the whole dataset (drops
                the sampler's padding). Defaults to the local count.
            num_texts (int, optional): Texts in the whole dataset.
            cal_i2t (bool): Compute image-to-text predictions.
            cal_t2i (bool): Compute text-to-image predictions.

        Returns:
            tuple[list[DataSample], ...]: i2t then t2i predictions, see
            :func:`~.retrieval.retrieval_predictions`.
        """
        image_feat, text_feat = feats['image_feat'], feats['text_feat']
        num_images = num_images or image_feat.size(0)
        num_texts = num_texts or text_feat.size(0)
        image_embeds = feats.get('image_embeds')
        text_ids, text_mask = feats.get('text_ids'), feats.get('text_mask')
        text_embeds = feats.get('text_embeds')

        def gathered(x: Optional[Tensor], n: int) -> Optional[Tensor]:
            return None if x is None else all_gather_concat(x)[:n]

        i2t = t2i = None
        if cal_i2t:
            i2t = self.retrieval_scores(
                image_feat, gathered(text_feat, num_texts), image_embeds,
                gathered(text_ids, num_texts), gathered(text_mask, num_texts),
                queries_are_images=True,
                text_embeds=gathered(text_embeds, num_texts))
        if cal_t2i:
            t2i = self.retrieval_scores(
                text_feat, gathered(image_feat, num_images),
                gathered(image_embeds, num_images), text_ids, text_mask,
                queries_are_images=False, text_embeds=text_embeds)
        return retrieval_predictions(i2t, t2i, data_samples)

    def predict(self, images: Tensor,
                data_samples: List[DataSample]) -> Tuple[List[DataSample],
                                                         ...]:
        """Retrieval within one batch of test-mode samples."""
        return self.predict_all(self.extract_feat(images, data_samples),
                                data_samples)
