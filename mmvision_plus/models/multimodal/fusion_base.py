"""The recipe ALBEF and BLIP share: a ViT image encoder and a BERT text
side with a fusion (cross-attention) path, trained with

* ITC against momentum features and a feature queue, with momentum
  distillation (soft targets ``alpha * softmax(momentum similarity) +
  (1 - alpha) * same-image targets``), the learnable temperature clamped
  to [0.001, 0.5];
* ITM on every positive pair plus, per pair, a hard negative image for the
  text and a hard negative text for the image, sampled from the ITC
  similarity (never the same image).

Subclasses say how texts are encoded and fused (ALBEF: text layers then
fusion layers; BLIP: one MED encoder run without or with cross-attention)
and add their third objective (MLM, LM).
"""
from typing import Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from mmvision_plus.registry import MODELS
from .base import BaseImageTextModel, cls_embedding
from .itm_pairs import itm_pairs
from .momentum import MomentumDistillation, momentum_copy

#: ALBEF / BLIP clamp the learnable temperature to this range.
TEMPERATURE_RANGE = (0.001, 0.5)


class BaseFusionModel(BaseImageTextModel):
    """Base of ALBEF and BLIP (see the module docstring).

    Args:
        visual_encoder (dict): Image encoder config returning tokens
            (B, 1 + N, C_v), e.g. :class:`~.vit_encoder.ViTImageEncoder`.
        text_encoder (dict): ``CrossAttentionBert`` config
            (:mod:`mmvision_plus.models.language`).
        tokenizer (dict): Tokenizer config.
        max_text_length (int): Token length of texts.
        embed_dim (int): Dimension of the ITC space. Defaults to 256.
        temperature (float): Initial learnable temperature. Defaults to
            0.07.
        queue_size (int): Feature queue length (ALBEF 65,536, BLIP 57,600).
        momentum (float): Momentum of the momentum encoders. Defaults to
            0.995.
        alpha (float): Distillation weight, ``distill.alpha`` (ramped from
            0 by a ``WarmupParamHook`` on it). Defaults to 0.4.
        loss_itc (dict): ITC loss config. Defaults to ``ITCLoss``.
        itm_head (dict): ITM head config (``in_channels`` is filled in).
            Defaults to ``ImageTextMatchingHead``.
        momentum_modules (tuple[str]): Online modules with a momentum copy
            named ``<name>_m``.
        **kwargs: Arguments of :class:`~.base.BaseImageTextModel`
            (``rerank_topk`` ..., ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(self,
                 visual_encoder: dict,
                 text_encoder: dict,
                 tokenizer: dict,
                 max_text_length: int,
                 embed_dim: int = 256,
                 temperature: float = 0.07,
                 queue_size: int = 57600,
                 momentum: float = 0.995,
                 alpha: float = 0.4,
                 loss_itc: Optional[dict] = None,
                 itm_head: Optional[dict] = None,
                 momentum_modules: Tuple[str, ...] = (
                     'visual_encoder', 'vision_proj', 'text_encoder',
                     'text_proj'),
                 **kwargs) -> None:
        super().__init__(tokenizer=tokenizer, max_text_length=max_text_length,
                         **kwargs)
        self.visual_encoder = MODELS.build(visual_encoder)
        self.text_encoder = MODELS.build(self.complete_text_cfg(text_encoder))
        text_width = self.text_encoder.hidden_size
        self.vision_proj = nn.Linear(self.visual_encoder.embed_dims,
                                     embed_dim)
        self.text_proj = nn.Linear(text_width, embed_dim)
        self.temp = nn.Parameter(torch.tensor(float(temperature)))
        self.loss_itc = MODELS.build(loss_itc or dict(type='ITCLoss'))
        self.itm_head = MODELS.build(
            dict(itm_head or dict(type='ImageTextMatchingHead'),
                 in_channels=text_width))
        self.distill = MomentumDistillation(queue_size, embed_dim, alpha)
        self.momentum_modules = tuple(momentum_modules)
        for name in self.momentum_modules:
            setattr(self, f'{name}_m',
                    momentum_copy(getattr(self, name), momentum))

    def complete_text_cfg(self, text_model: dict) -> dict:
        """``text_model`` with ``encoder_width`` set to the image tokens'
        width and ``arch.vocab_size`` to the tokenizer's, where left out;
        an arch whose vocabulary is smaller than the tokenizer's is
        refused."""
        text_model = dict(text_model)
        text_model.setdefault('encoder_width',
                              self.visual_encoder.embed_dims)
        arch = text_model.get('arch')
        if arch is None:
            return text_model
        arch = dict(arch)
        arch.setdefault('vocab_size', self.tokenizer.vocab_size)
        if arch['vocab_size'] < self.tokenizer.vocab_size:
            raise ValueError(
                f'text model vocab_size {arch["vocab_size"]} is smaller than '
                f'the tokenizer\'s {self.tokenizer.vocab_size}')
        text_model['arch'] = arch
        return text_model

    # -- what ALBEF / BLIP define -------------------------------------------
    def text_hidden(self, text_encoder, input_ids: Tensor,
                    attention_mask: Tensor) -> Tensor:
        """Unimodal text states (B, L, C) of ``text_encoder`` (the online
        one or its momentum copy)."""
        raise NotImplementedError

    def fuse(self, image_embeds: Tensor, input_ids: Tensor,
             attention_mask: Tensor, text_hidden: Optional[Tensor]) -> Tensor:
        """Fused states (B, L, C) of image-text pairs."""
        raise NotImplementedError

    # -- shared --------------------------------------------------------------
    def momentum(self, name: str) -> nn.Module:
        """The momentum copy of online module ``name``."""
        return getattr(self, f'{name}_m').module

    @torch.no_grad()
    def update_momentum(self) -> None:
        """EMA step of every momentum copy."""
        for name in self.momentum_modules:
            getattr(self, f'{name}_m').update_parameters(getattr(self, name))

    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        image_embeds = self.visual_encoder(images)
        return dict(image_embeds=image_embeds,
                    image_feat=cls_embedding(self.vision_proj,
                                             image_embeds))

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        hidden = self.text_hidden(self.text_encoder, input_ids,
                                  attention_mask)
        return dict(text_feat=cls_embedding(self.text_proj, hidden))

    def match_logits(self,
                     image_embeds: Tensor,
                     input_ids: Tensor,
                     attention_mask: Tensor,
                     text_embeds: Optional[Tensor] = None) -> Tensor:
        fused = self.fuse(image_embeds, input_ids, attention_mask,
                          text_embeds)
        return self.itm_head(fused[:, 0])

    def itc_itm_losses(self, images: Tensor, input_ids: Tensor,
                       attention_mask: Tensor, image_ids: Tensor
                       ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """ITC (queue, distillation) and ITM (hard negatives) of a batch.

        Args:
            images (Tensor): (B, 3, H, W).
            input_ids (Tensor): Caption ids (B, L).
            attention_mask (Tensor): (B, L).
            image_ids (Tensor): Image index of each pair (B,).

        Returns:
            tuple[dict, dict]: The losses ``loss_itc``, ``loss_itm`` and
            the intermediate states the subclass's third objective reuses:
            ``image_embeds``, ``image_embeds_m`` (momentum) and
            ``text_hidden``.
        """
        with torch.no_grad():
            self.temp.clamp_(*TEMPERATURE_RANGE)
        image_embeds = self.visual_encoder(images)
        image_feat = cls_embedding(self.vision_proj, image_embeds)
        text_hidden = self.text_hidden(self.text_encoder, input_ids,
                                       attention_mask)
        text_feat = cls_embedding(self.text_proj, text_hidden)

        with torch.no_grad():
            self.update_momentum()
            image_embeds_m = self.momentum('visual_encoder')(images)
            image_feat_m = cls_embedding(self.momentum('vision_proj'),
                                         image_embeds_m)
            text_hidden_m = self.text_hidden(
                self.momentum('text_encoder'), input_ids, attention_mask)
            text_feat_m = cls_embedding(self.momentum('text_proj'),
                                        text_hidden_m)
            image_keys, text_keys, i2t_targets, t2i_targets = \
                self.distill.targets(image_feat_m, text_feat_m, image_ids,
                                     self.temp)
        loss_itc = self.loss_itc(
            image_feat, text_feat, temperature=self.temp,
            soft_targets=(i2t_targets, t2i_targets), image_keys=image_keys,
            text_keys=text_keys)
        self.distill.queue.enqueue(image_feat_m, text_feat_m, image_ids)

        image_idx, text_idx, labels = itm_pairs(
            (image_feat @ text_feat.t() / self.temp).detach(), image_ids)
        fused = self.fuse(image_embeds[image_idx], input_ids[text_idx],
                          attention_mask[text_idx], text_hidden[text_idx])
        loss_itm = self.itm_head.loss(fused[:, 0], labels)
        return (dict(loss_itc=loss_itc, loss_itm=loss_itm),
                dict(image_embeds=image_embeds, image_embeds_m=image_embeds_m,
                     text_hidden=text_hidden))
