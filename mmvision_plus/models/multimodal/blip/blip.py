"""BLIP: Bootstrapping Language-Image Pre-training (Li et al., ICML 2022).

MED, a multimodal mixture of encoder-decoder: a ViT image encoder; a text
encoder run without cross-attention (unimodal, ITC) or with it after an
``[ENC]`` token (image-grounded encoder, ITM with hard negatives); and an
image-grounded text decoder (causal self-attention, ``[DEC]`` as BOS, LM
with label smoothing 0.1) that shares every weight with the encoder except
the self-attention layers (the same module objects, see
:func:`~mmvision_plus.models.language.tie_decoder_to_encoder`). ITC uses a
momentum encoder, a queue and momentum distillation as ALBEF does.
The captioner decodes with beam search, greedy search or nucleus sampling
(:func:`~..generation.generate`).

Module names follow the official code (``visual_encoder``,
``text_encoder``, ``text_decoder.{bert,cls}``, ``vision_proj``,
``text_proj``, ``itm_head``, ``temp``, ``*_m``); official and mmpretrain
checkpoints load after ``tools/model_converters/blip2mmvp.py``.
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmpretrain.structures import DataSample
from torch import Tensor

from mmvision_plus.models.language import tie_decoder_to_encoder
from mmvision_plus.models.losses import IGNORE_INDEX
from mmvision_plus.registry import MODELS
from ..captioning import attach_captions
from ..fusion_base import BaseFusionModel
from ..generation import generate

TASKS = ('itc', 'itm', 'lm')
#: BLIP's decoding settings (beam search; nucleus sampling uses top_p 0.9
#: and repetition penalty 1.1 in CapFilt).
DEFAULT_GENERATION = dict(strategy='beam', num_beams=3, max_length=20,
                          min_length=5, repetition_penalty=1.0)


@MODELS.register_module()
class BLIPMED(BaseFusionModel):
    """BLIP's MED (see the module docstring).

    Args:
        visual_encoder (dict): Image encoder config.
        text_encoder (dict): ``CrossAttentionBert`` config
            with ``cross_attention_from=0`` (cross-attention in every
            layer) and no token head.
        text_decoder (dict): The same architecture with
            ``with_token_head=True``; its weights other than the
            self-attention are replaced by the encoder's.
        tokenizer (dict): Tokenizer config with ``bos_token='[DEC]'`` and
            ``extra_tokens=['[ENC]']``.
        max_text_length (int): Token length (BLIP: 35 for retrieval, 30
            for pretraining, 20 for captioning with the prompt).
        tasks (Sequence[str]): Objectives trained: ``'itc'``, ``'itm'``
            (always together) and ``'lm'``. Pretraining: all three; COCO
            retrieval fine-tuning: ITC + ITM; captioning: LM.
        prompt (str): Text the captions are trained and decoded after
            (BLIP's captioner: ``'a picture of '``). Defaults to ''.
        loss_lm (dict): LM loss config. Defaults to ``LMLoss`` (label
            smoothing 0.1).
        generation (dict): Decoding settings, see
            :func:`~..generation.generate`. Defaults to
            :data:`DEFAULT_GENERATION`.
        queue_size (int): Defaults to 57,600 (BLIP).
        rerank_topk (int, optional): ITM re-ranking depth. Defaults to 256.
        rerank_add_similarity (bool): BLIP adds the ITC similarity to the
            ITM logit of re-ranked pairs. Defaults to True.
        **kwargs: Other arguments of :class:`~..fusion_base.BaseFusionModel`.
    """

    def __init__(self,
                 visual_encoder: dict,
                 text_encoder: dict,
                 text_decoder: dict,
                 tokenizer: dict,
                 max_text_length: int = 35,
                 tasks: Sequence[str] = TASKS,
                 prompt: str = '',
                 loss_lm: Optional[dict] = None,
                 generation: Optional[dict] = None,
                 queue_size: int = 57600,
                 rerank_topk: Optional[int] = 256,
                 rerank_add_similarity: bool = True,
                 **kwargs) -> None:
        super().__init__(visual_encoder, text_encoder, tokenizer,
                         max_text_length, queue_size=queue_size,
                         rerank_topk=rerank_topk,
                         rerank_add_similarity=rerank_add_similarity,
                         **kwargs)
        tasks = tuple(tasks)
        if not tasks or set(tasks) - set(TASKS) or \
                ('itc' in tasks) != ('itm' in tasks):
            raise ValueError(f'BLIPMED: tasks must be a non-empty subset of '
                             f'{TASKS} with itc and itm together, got {tasks}')
        self.tasks = tasks
        enc_id = getattr(self.tokenizer, 'extra_token_ids', {}).get('[ENC]')
        if enc_id is None or self.tokenizer.bos_token_id == getattr(
                self.tokenizer, 'cls_token_id', None):
            raise ValueError("BLIPMED needs a tokenizer with bos_token='[DEC]'"
                             " and extra_tokens=['[ENC]']")
        self.enc_token_id = enc_id
        self.text_decoder = MODELS.build(self.complete_text_cfg(text_decoder))
        if self.text_decoder.cls is None:
            raise ValueError('BLIPMED: the text decoder needs '
                             'with_token_head=True')
        tie_decoder_to_encoder(self.text_encoder, self.text_decoder)
        self.prompt = prompt
        self.loss_lm = MODELS.build(loss_lm or dict(type='LMLoss'))
        self.generation = dict(DEFAULT_GENERATION, **(generation or {}))

    # -- encoder modes --------------------------------------------------------
    def text_hidden(self, text_encoder, input_ids: Tensor,
                    attention_mask: Tensor) -> Tensor:
        """Unimodal encoder: every layer, cross-attention skipped."""
        return text_encoder(input_ids, attention_mask)

    def fuse(self, image_embeds: Tensor, input_ids: Tensor,
             attention_mask: Tensor, text_hidden: Optional[Tensor]) -> Tensor:
        """Image-grounded encoder: ``[ENC]`` replaces ``[CLS]``."""
        ids = input_ids.clone()
        ids[:, 0] = self.enc_token_id
        return self.text_encoder(ids, attention_mask,
                                 image_embeds=image_embeds)

    def decoder_logits(self, image_embeds: Tensor, input_ids: Tensor,
                       attention_mask: Tensor) -> Tensor:
        """Image-grounded decoder logits (B, L, V) of ``[DEC] ...`` ids."""
        hidden = self.text_decoder(input_ids, attention_mask,
                                   image_embeds=image_embeds, causal=True)
        return self.text_decoder.token_logits(hidden)

    # -- training -------------------------------------------------------------
    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """The objectives of ``tasks`` on a batch of (image, caption)."""
        texts = self.texts_of(data_samples)
        losses: Dict[str, Tensor] = {}
        image_embeds = None
        if 'itc' in self.tasks:
            input_ids, attention_mask = self.tokenize(texts,
                                                      pad_to_longest=True)
            image_ids = self.image_ids_of(data_samples, images.device)
            itc_itm, states = self.itc_itm_losses(images, input_ids,
                                                  attention_mask, image_ids)
            losses.update(itc_itm)
            image_embeds = states['image_embeds']
        if 'lm' in self.tasks:
            if image_embeds is None:
                image_embeds = self.visual_encoder(images)
            losses['loss_lm'] = self.lm_loss(image_embeds, texts)
        return losses

    def prompt_length(self) -> int:
        """Tokens of ``[DEC] prompt`` (the prompt's ids carry no target)."""
        if not self.prompt:
            return 1
        ids, mask = self.tokenizer([self.prompt], self.max_text_length)
        return int(mask.sum()) - 1  # [CLS]/[DEC] + prompt, no [SEP]

    def lm_loss(self, image_embeds: Tensor, texts: Sequence[str]) -> Tensor:
        """LM loss of ``prompt + caption`` given the image."""
        input_ids, attention_mask = self.tokenize(
            [self.prompt + text for text in texts], pad_to_longest=True)
        input_ids = input_ids.clone()
        input_ids[:, 0] = self.tokenizer.bos_token_id
        labels = input_ids.masked_fill(attention_mask == 0, IGNORE_INDEX)
        labels[:, :self.prompt_length()] = IGNORE_INDEX
        logits = self.decoder_logits(image_embeds, input_ids, attention_mask)
        return self.loss_lm(logits, labels)

    # -- captioning -----------------------------------------------------------
    def prompt_ids(self, batch: int) -> Tensor:
        """``[DEC] prompt`` ids (batch, P) without the final ``[SEP]``."""
        if self.prompt:
            ids, mask = self.tokenizer([self.prompt], self.max_text_length)
            ids = ids[:, :int(mask.sum()) - 1].clone()
        else:
            ids = torch.zeros(1, 1, dtype=torch.long)
        ids[:, 0] = self.tokenizer.bos_token_id
        return ids.expand(batch, -1).to(self.device)

    @torch.no_grad()
    def caption(self, images: Tensor, **generation) -> List[str]:
        """Captions of a batch of images.

        Args:
            images (Tensor): Preprocessed images (B, 3, H, W).
            **generation: Overrides of the model's decoding settings
                (``strategy``, ``num_beams``, ``max_length``, ``top_p`` ...).

        Returns:
            list[str]: One caption per image, prompt removed.
        """
        settings = dict(self.generation, **generation)
        image_embeds = self.visual_encoder(images)

        def step(tokens: Tensor, rows: Tensor) -> Tensor:
            mask = torch.ones_like(tokens)
            return self.decoder_logits(image_embeds[rows], tokens,
                                       mask)[:, -1]

        token_ids = generate(step, self.prompt_ids(images.size(0)),
                             eos_token_id=self.tokenizer.eos_token_id,
                             pad_token_id=self.tokenizer.pad_token_id,
                             **settings)
        prompt = self.prompt.strip()
        captions = []
        for text in self.tokenizer.decode(token_ids):
            if prompt and text.startswith(prompt):
                text = text[len(prompt):]
            captions.append(text.strip())
        return captions

    def predict(self, images: Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Caption every image: ``pred_caption`` on each data sample (the
        caption metric compares it with ``gt_caption``)."""
        return attach_captions(self.caption(images), data_samples)
