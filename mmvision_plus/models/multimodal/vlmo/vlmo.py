"""VLMo: Unified Vision-Language Pre-Training with Mixture-of-Modality-
Experts (Bao et al., NeurIPS 2022).

One Multiway Transformer (:class:`~.multiway_transformer.VLMoTransformer`)
serves as

* a dual encoder: an image-only pass (every block's V-FFN) and a text-only
  pass (L-FFN), their [CLS] states projected for ITC; retrieval is a dot
  product of precomputed features;
* a fusion encoder: text and image tokens concatenated (text first), V-FFN
  / L-FFN per token below ``vl_ffn_start`` and the VL-FFN above; the
  pooled [CLS] feeds ITM (hard negatives from the ITC similarity) and the
  text tokens feed MLM.

Stage-wise pretraining is a choice of ``tasks`` and ``frozen`` parameters
(configs ``configs/vlmo/``):

1. ``('mim',)``: image-only masked image modelling (BEiT: block-wise
   masks, predict the visual tokens of :class:`~..visual_tokenizer.
   KMeansVisualTokenizer`) trains the attention and the V-FFN;
2. ``('textmlm',)``: text-only MLM trains the L-FFN (and the text
   embeddings) with attention and V-FFN frozen;
3. ``('itc', 'itm', 'mlm')``: image-text pairs train everything (the
   VL-FFN starting as a copy of the L-FFN, ``vl_ffn_init='text'``).

Frozen parameters get ``requires_grad=False`` and, with
:class:`~mmvision_plus.engine.optimizers.
TrainableParamsOptimWrapperConstructor`, are not in the optimizer at all.

Module names follow the official code (``transformer``,
``text_embeddings``, ``token_type_embeddings``, ``pooler``, ``itm_score``,
``mlm_score``, ``itc_{text,image}_proj``, ``itc_vl_{text,image}_proj``,
``logit_scale``, ``logit_vl_scale``, ``relative_position_bias_table``), so
official checkpoints load after ``tools/model_converters/vlmo2mmvp.py``.
``mim_head`` and ``mask_token`` (stage 1) are ours: the official stage 1
starts from BEiT's weights.
"""
import fnmatch
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmvision_plus.registry import MODELS
from ..base import cls_embedding
from ..itm_pairs import itm_pairs
from ..masked_modeling import masked_token_labels, patch_masks_of
from ..single_stream import SingleStreamModel, check_tasks
from .relative_position import VLMoRelativePosition, layer_biases

TASKS = ('mim', 'textmlm', 'itc', 'itm', 'mlm')


class ITCProjection(BaseModule):
    """VLMo's ``ITCHead``: a linear map without bias, key ``fc``.

    Args:
        in_channels (int): Width of the [CLS] state.
        out_channels (int): Width of the ITC space.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Projected features (..., out_channels) of (..., in_channels)."""
        return self.fc(x)


@MODELS.register_module()
class VLMo(SingleStreamModel):
    """VLMo (see the module docstring).

    Args:
        transformer (dict): :class:`VLMoTransformer` arguments (``img_size``,
            ``embed_dims``, ``num_layers``, ``vl_ffn_start`` ...).
        tokenizer (dict): Tokenizer config (needs ``[MASK]`` for MLM).
        max_text_length (int): Token length of texts (VLMo: 40).
        tasks (Sequence[str]): Objectives of this stage, a subset of
            :data:`TASKS` (``'itm'`` needs ``'itc'``). Heads are built for
            them only (as the official model does).
        relative_position (bool): VLMo-B/L's relative position bias (one
            table for all layers); False: absolute text positions (and
            ``transformer.use_abs_pos_emb`` for images). Defaults to True.
        text_range (int): Text rows of the relative position table
            (official: 196). Defaults to 196.
        vl_itc (bool): Pretraining ITC also on the VL-FFN features
            (``itc_vl_*``), averaged with the V/L-FFN one (official
            pretraining); retrieval fine-tuning uses only the latter.
            Defaults to True.
        visual_tokenizer (dict, optional): :class:`KMeansVisualTokenizer`
            config, needed by ``'mim'``.
        mlm_prob (float): Masking probability of MLM. Defaults to 0.15.
        whole_word_masking (bool): Mask whole words (VLMo's text and
            image-text stages). Defaults to True.
        loss_itc (dict): ITC loss config. Defaults to ``ITCLoss``.
        loss_mlm (dict): MLM loss of image-text pairs (official weight
            0.25). Defaults to ``dict(type='MLMLoss', loss_weight=0.25)``.
        loss_textmlm (dict): Text-only MLM loss. Defaults to ``MLMLoss``.
        loss_mim (dict): Masked image modelling loss (cross-entropy at the
            masked patches). Defaults to ``MLMLoss``.
        frozen (Sequence[str]): ``fnmatch`` patterns of parameter names
            frozen in this stage (each must match a parameter).
        vl_ffn_init (str, optional): ``'text'``: after loading the
            initial weights, copy every L-FFN (and its norm) into the
            VL-FFN of its block (stage 3). Defaults to None.
        temperature (float): Initial ITC temperature (``logit_scale =
            log(1 / T)``). Defaults to 0.07.
        rerank_topk (int, optional): Re-rank the top k of retrieval with
            ITM; VLMo retrieves as a dual encoder (None). Defaults to None.
        **kwargs: ``rerank_batch_size``, ``data_preprocessor``,
            ``init_cfg`` of :class:`~..base.BaseImageTextModel`.
    """

    def __init__(self,
                 transformer: dict,
                 tokenizer: dict,
                 max_text_length: int = 40,
                 tasks: Sequence[str] = ('itc', 'itm', 'mlm'),
                 relative_position: bool = True,
                 text_range: int = 196,
                 vl_itc: bool = True,
                 visual_tokenizer: Optional[dict] = None,
                 mlm_prob: float = 0.15,
                 whole_word_masking: bool = True,
                 loss_itc: Optional[dict] = None,
                 loss_mlm: Optional[dict] = None,
                 loss_textmlm: Optional[dict] = None,
                 loss_mim: Optional[dict] = None,
                 frozen: Sequence[str] = (),
                 vl_ffn_init: Optional[str] = None,
                 temperature: float = 0.07,
                 rerank_topk: Optional[int] = None,
                 **kwargs) -> None:
        tasks = check_tasks('VLMo', tasks, TASKS)
        if 'itm' in tasks and 'itc' not in tasks:
            raise ValueError('VLMo: "itm" samples its hard negatives from '
                             'the ITC similarity: give "itc" too')
        if vl_ffn_init not in (None, 'text'):
            raise ValueError(f"VLMo: vl_ffn_init must be None or 'text', got "
                             f'{vl_ffn_init!r}')
        transformer = MODELS.build(dict(transformer, type='VLMoTransformer'))
        width = transformer.embed_dims
        super().__init__(width=width, with_itm='itm' in tasks,
                         with_mlm=bool({'mlm', 'textmlm'} & set(tasks)),
                         relative_position=relative_position,
                         mlm_prob=mlm_prob,
                         whole_word_masking=whole_word_masking,
                         tokenizer=tokenizer,
                         max_text_length=max_text_length,
                         rerank_topk=rerank_topk, **kwargs)
        self.tasks = tasks
        self.transformer = transformer
        self.num_layers = transformer.num_layers
        self.vl_ffn_start = transformer.vl_ffn_start
        self.vl_itc = vl_itc and 'itc' in tasks and \
            self.vl_ffn_start < self.num_layers
        self.vl_ffn_init = vl_ffn_init
        self.position = None
        if relative_position:
            self.position = VLMoRelativePosition(
                transformer.grid, max_text_length, text_range)
            self.relative_position_bias_table = nn.Parameter(torch.zeros(
                self.position.num_rows,
                transformer.num_heads * self.num_layers))

        if 'itc' in tasks:
            self.itc_text_proj = ITCProjection(width, width)
            self.itc_image_proj = ITCProjection(width, width)
            self.logit_scale = nn.Parameter(
                torch.tensor(math.log(1 / temperature)))
            self.loss_itc = MODELS.build(loss_itc or dict(type='ITCLoss'))
        if self.vl_itc:
            self.itc_vl_text_proj = ITCProjection(width, width)
            self.itc_vl_image_proj = ITCProjection(width, width)
            self.logit_vl_scale = nn.Parameter(
                torch.tensor(math.log(1 / temperature)))
        if 'mlm' in tasks:
            self.loss_mlm = MODELS.build(
                loss_mlm or dict(type='MLMLoss', loss_weight=0.25))
        if 'textmlm' in tasks:
            self.loss_textmlm = MODELS.build(loss_textmlm
                                             or dict(type='MLMLoss'))
        if 'mim' in tasks:
            if visual_tokenizer is None:
                raise ValueError('VLMo: the "mim" stage needs a '
                                 'visual_tokenizer')
            self.visual_tokenizer = MODELS.build(visual_tokenizer)
            self.mask_token = nn.Parameter(torch.zeros(1, 1, width))
            self.mim_head = nn.Linear(width, self.visual_tokenizer.num_tokens)
            self.loss_mim = MODELS.build(loss_mim or dict(type='MLMLoss'))
        self._init_parameters()
        self.frozen = tuple(frozen)
        self.freeze(self.frozen)

    # -- set-up ---------------------------------------------------------------
    def _init_parameters(self) -> None:
        """The official initialisation: truncated normal 0.02 linears and
        tokens, normal 0.02 embeddings, unit LayerNorms."""
        for name, m in self.named_modules():
            if name.startswith('visual_tokenizer'):
                continue
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, std=0.02)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for token in (self.transformer.cls_token, self.transformer.pos_embed,
                      getattr(self, 'mask_token', None)):
            if token is not None:
                nn.init.trunc_normal_(token, std=0.02)

    def freeze(self, patterns: Sequence[str]) -> List[str]:
        """Freeze (``requires_grad=False``) the parameters whose names match
        any ``fnmatch`` pattern.

        Returns:
            list[str]: The frozen names.

        Raises:
            KeyError: A pattern that matches no parameter.
        """
        names = [n for n, _ in self.named_parameters()]
        frozen = []
        for pattern in patterns:
            matched = fnmatch.filter(names, pattern)
            if not matched:
                raise KeyError(f'VLMo frozen pattern {pattern!r} matches no '
                               'parameter')
            frozen += matched
        params = dict(self.named_parameters())
        for name in set(frozen):
            params[name].requires_grad_(False)
        return sorted(set(frozen))

    def init_weights(self) -> None:
        """Load the initial weights, then (``vl_ffn_init='text'``) copy each
        L-FFN into the VL-FFN of its block."""
        super().init_weights()
        if self.vl_ffn_init == 'text':
            with torch.no_grad():
                for block in self.transformer.blocks[self.vl_ffn_start:]:
                    block.mlp_vl.load_state_dict(block.mlp_text.state_dict())
                    block.norm2_vl.load_state_dict(
                        block.norm2_text.state_dict())

    # -- the three passes -----------------------------------------------------
    def _biases(self, modality: str,
                text_length: int = 0) -> Optional[Tuple[Tensor, ...]]:
        if self.position is None:
            return None
        return layer_biases(self.relative_position_bias_table,
                            self.position.index(modality, text_length),
                            self.num_layers)

    def embed_images(self, images: Tensor,
                     patch_mask: Optional[Tensor] = None) -> Tensor:
        """Image tokens with their type embedding (B, 1 + N, C)."""
        return self.type_image_tokens(self.transformer.visual_embed(
            images, patch_mask, getattr(self, 'mask_token', None)))

    def encode_modality(self, tokens: Tensor, modality: str,
                        padding: Optional[Tensor] = None,
                        vl_top: bool = False
                        ) -> Tuple[Tensor, Optional[Tensor]]:
        """Image-only or text-only pass.

        Args:
            tokens (Tensor): Embedded tokens (B, N, C).
            modality (str): ``'image'`` or ``'text'``.
            padding (Tensor, optional): (B, N), True = padding.
            vl_top (bool): Also run the top blocks again from the input of
                block ``vl_ffn_start`` with the VL-FFN (pretraining ITC).

        Returns:
            tuple[Tensor, Tensor | None]: Final-normed states of the modality
            experts (B, N, C) and, with ``vl_top``, of the VL-FFN top.
        """
        biases = self._biases(modality, tokens.size(1))
        below = self.transformer.run_blocks(tokens, modality,
                                            range(self.vl_ffn_start), biases,
                                            padding)
        top = range(self.vl_ffn_start, self.num_layers)
        x = self.transformer.run_blocks(below, modality, top, biases, padding)
        x_vl = None
        if vl_top:
            x_vl = self.transformer.norm(
                self.transformer.run_blocks(below, 'vl', top, biases,
                                            padding))
        return self.transformer.norm(x), x_vl

    def fuse_tokens(self, image_tokens: Tensor, input_ids: Tensor,
                    attention_mask: Tensor,
                    text_tokens: Optional[Tensor] = None) -> Tensor:
        """Fusion pass of (text, image) pairs: final-normed states (B, L + 1
        + N, C), text first.

        Args:
            image_tokens (Tensor): :meth:`embed_images` (B, 1 + N, C).
            input_ids (Tensor): (B, L).
            attention_mask (Tensor): (B, L), 1 = token.
            text_tokens (Tensor, optional): :meth:`embed_texts` of masked
                ids (MLM); default: of ``input_ids``.
        """
        if text_tokens is None:
            text_tokens = self.embed_texts(input_ids)
        length = input_ids.size(1)
        x, padding = self.concat_text_image(text_tokens, image_tokens,
                                            attention_mask)
        x = self.transformer.run_blocks(x, 'vl', range(self.num_layers),
                                        self._biases('vl', length), padding,
                                        num_text=length)
        return self.transformer.norm(x)

    # -- BaseImageTextModel ---------------------------------------------------
    def _check_itc(self) -> None:
        if 'itc' not in self.tasks:
            raise RuntimeError(f'VLMo built for tasks {self.tasks} has no ITC '
                               'heads: retrieval needs a model with "itc"')

    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        """``image_feat`` (dual encoder) and ``image_embeds``, the embedded
        image tokens a fusion pass (ITM re-ranking) starts from."""
        self._check_itc()
        tokens = self.embed_images(images)
        states, _ = self.encode_modality(tokens, 'image')
        return dict(image_feat=cls_embedding(self.itc_image_proj, states),
                    image_embeds=tokens)

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        self._check_itc()
        states, _ = self.encode_modality(self.embed_texts(input_ids), 'text',
                                         attention_mask == 0)
        return dict(text_feat=cls_embedding(self.itc_text_proj, states))

    # -- training -------------------------------------------------------------
    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """The objectives of this stage's ``tasks``."""
        losses: Dict[str, Tensor] = {}
        if 'mim' in self.tasks:
            losses['loss_mim'] = self.mim_loss(images, data_samples)
        text_tasks = {'textmlm', 'itc', 'itm', 'mlm'} & set(self.tasks)
        if not text_tasks:
            return losses
        input_ids, attention_mask = self.tokenize(
            self.texts_of(data_samples), pad_to_longest=True)
        if 'textmlm' in self.tasks:
            losses['loss_textmlm'] = self.text_mlm_loss(input_ids,
                                                        attention_mask)
        if {'itc', 'itm', 'mlm'} & set(self.tasks):
            image_tokens = self.embed_images(images)
            if 'itc' in self.tasks:
                image_ids = self.image_ids_of(data_samples, images.device)
                losses.update(self.itc_itm_losses(image_tokens, input_ids,
                                                  attention_mask, image_ids))
            if 'mlm' in self.tasks:
                losses['loss_mlm'] = self.fused_mlm_loss(
                    image_tokens, input_ids, attention_mask, self.loss_mlm)
        return losses

    def mim_loss(self, images: Tensor,
                 data_samples: List[DataSample]) -> Tensor:
        """Masked image modelling: block-masked patches (the samples'
        ``mask``) predict the visual tokens of the intact image."""
        grid = self.transformer.grid
        patch_mask = patch_masks_of(data_samples, grid, images.device)
        labels = masked_token_labels(self.visual_tokenizer(images),
                                     patch_mask)
        states, _ = self.encode_modality(
            self.embed_images(images, patch_mask), 'image')
        return self.loss_mim(self.mim_head(states[:, 1:]), labels)

    def text_mlm_loss(self, input_ids: Tensor,
                      attention_mask: Tensor) -> Tensor:
        """Text-only MLM (stage 2): the L-FFN pass."""
        masked_ids, labels = self.mask_texts(input_ids)
        states, _ = self.encode_modality(self.embed_texts(masked_ids), 'text',
                                         attention_mask == 0)
        return self.token_loss(states, labels, self.loss_textmlm)

    def itc_itm_losses(self, image_tokens: Tensor, input_ids: Tensor,
                       attention_mask: Tensor,
                       image_ids: Tensor) -> Dict[str, Tensor]:
        """ITC of the dual-encoder passes (averaged with the VL-FFN ITC in
        pretraining) and, with ``'itm'``, ITM on the positives plus hard
        negatives sampled from the ITC similarity."""
        image_states, image_vl = self.encode_modality(
            image_tokens, 'image', vl_top=self.vl_itc)
        text_states, text_vl = self.encode_modality(
            self.embed_texts(input_ids), 'text', attention_mask == 0,
            vl_top=self.vl_itc)
        image_feat = cls_embedding(self.itc_image_proj, image_states)
        text_feat = cls_embedding(self.itc_text_proj, text_states)
        scale = self.logit_scale.exp()
        loss_itc = self.loss_itc(image_feat, text_feat, image_ids,
                                 temperature=1.0 / scale)
        losses = dict(logit_scale=scale.detach())
        if self.vl_itc:
            vl_scale = self.logit_vl_scale.exp()
            loss_vl = self.loss_itc(
                cls_embedding(self.itc_vl_image_proj, image_vl),
                cls_embedding(self.itc_vl_text_proj, text_vl),
                image_ids, temperature=1.0 / vl_scale)
            loss_itc = (loss_itc + loss_vl) / 2
        losses['loss_itc'] = loss_itc
        if 'itm' in self.tasks:
            losses['loss_itm'] = self.itm_loss(
                image_tokens, input_ids, attention_mask,
                *itm_pairs((image_feat @ text_feat.t() * scale).detach(),
                           image_ids))
        return losses
