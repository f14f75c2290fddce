"""BEiT-3: Image as a Foreign Language (Wang et al., CVPR 2023), on
torchscale's ``BEiT3`` (the library the official code is built on).

The backbone is torchscale's Multiway Transformer (``torchscale.model.
BEiT3``): per modality its own copy (A = vision, B = language) of every
linear and norm of the block (``self_attn.q_proj.A`` / ``.B``, ``ffn.A`` /
``.B`` ...), while the attention itself mixes all tokens of an input
(image first, then text). It is wrapped under the official name ``beit3``
with the official heads, so official checkpoint files load as they are:

* ``tasks=('mdm',)``: pretraining with ONE objective, masked data
  modelling, on the three kinds of input of every batch: images (block-wise
  masked patches predict the visual tokens of
  :class:`~..visual_tokenizer.KMeansVisualTokenizer`, ``mim_head``), texts
  (15 % of the tokens, ``mlm_head``) and image-text pairs (50 % of the text
  tokens and the masked patches, predicted from the fused pass);
* ``'itc'``: the dual encoder of ``BEiT3ForRetrieval`` (``vision_head``,
  ``language_head``, ``logit_scale``): image-only and text-only passes,
  [CLS] states projected, retrieval by dot product;
* ``'itm'``: the fusion encoder as a classifier (``BEiT3ForVisual
  QuestionAnswering``'s ``pooler`` + ``head``) of image-text pairs, trained
  as matched / not matched on the positives and hard negatives; it scores
  pairs for ITM re-ranking.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmvision_plus.models.losses import IGNORE_INDEX
from mmvision_plus.registry import MODELS
from ..base import BaseImageTextModel, cls_embedding
from ..itm_pairs import itm_pairs
from ..masked_modeling import masked_token_labels, patch_masks_of
from ..token_masking import mask_tokens

TASKS = ('mdm', 'itc', 'itm')
#: ``torchscale.architecture.config.EncoderConfig`` of BEiT-3 base (the
#: official ``_get_base_config``; ``vocab_size`` comes from the tokenizer).
BEIT3_BASE = dict(img_size=224, patch_size=16, encoder_embed_dim=768,
                  encoder_attention_heads=12, encoder_ffn_embed_dim=3072,
                  encoder_layers=12, multiway=True,
                  layernorm_embedding=False, normalize_output=True,
                  no_output_layer=True, drop_path_rate=0.0)


def build_torchscale_beit3(arch: dict, vocab_size: int) -> nn.Module:
    """``torchscale.model.BEiT3`` from ``EncoderConfig`` arguments."""
    from torchscale.architecture.config import EncoderConfig
    from torchscale.model.BEiT3 import BEiT3
    return BEiT3(EncoderConfig(**dict(BEIT3_BASE, **arch),
                               vocab_size=vocab_size))


@MODELS.register_module()
class BEiT3(BaseImageTextModel):
    """BEiT-3 (see the module docstring).

    Args:
        arch (dict): ``EncoderConfig`` arguments over :data:`BEIT3_BASE`
            (``img_size``, ``encoder_embed_dim``, ``encoder_layers`` ...).
        tokenizer (dict): Tokenizer config (official: XLM-R's
            SentencePiece vocabulary, 64,010 ids; needs ``[MASK]`` for
            ``'mdm'``).
        max_text_length (int): Token length (official: 64).
        tasks (Sequence[str]): ``('mdm',)`` (pretraining) or a non-empty
            subset of ``('itc', 'itm')`` (``'itm'`` needs ``'itc'``).
        visual_tokenizer (dict, optional): Needed by ``'mdm'``.
        text_mask_prob (float): MDM masking of monomodal texts (0.15).
        pair_text_mask_prob (float): MDM masking of the texts of image-text
            pairs (0.5).
        loss_mdm (dict): Token cross-entropy at the masked positions.
            Defaults to ``MLMLoss``.
        loss_itc (dict): Defaults to ``ITCLoss``.
        loss_itm (dict): Defaults to ``ITMLoss``.
        temperature (float): Initial ITC temperature. Defaults to 0.07.
        rerank_topk (int, optional): ITM re-ranking depth of retrieval.
        **kwargs: ``rerank_batch_size``, ``rerank_add_similarity``,
            ``data_preprocessor``, ``init_cfg``.
    """

    def __init__(self,
                 arch: dict,
                 tokenizer: dict,
                 max_text_length: int = 64,
                 tasks: Sequence[str] = ('itc', ),
                 visual_tokenizer: Optional[dict] = None,
                 text_mask_prob: float = 0.15,
                 pair_text_mask_prob: float = 0.5,
                 loss_mdm: Optional[dict] = None,
                 loss_itc: Optional[dict] = None,
                 loss_itm: Optional[dict] = None,
                 temperature: float = 0.07,
                 rerank_topk: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(tokenizer=tokenizer, max_text_length=max_text_length,
                         rerank_topk=rerank_topk, **kwargs)
        tasks = tuple(tasks)
        if tasks != ('mdm', ) and (not tasks or set(tasks) - {'itc', 'itm'}
                                   or 'itc' not in tasks):
            raise ValueError(f"BEiT3: tasks must be ('mdm',) or itc with "
                             f'optional itm, got {tasks}')
        self.tasks = tasks
        self.beit3 = build_torchscale_beit3(arch, self.tokenizer.vocab_size)
        width = self.beit3.args.encoder_embed_dim
        self.grid = self.beit3.vision_embed.patch_shape
        if max_text_length > self.beit3.args.max_source_positions:
            raise ValueError(f'BEiT3: max_text_length {max_text_length} > '
                             'max_source_positions '
                             f'{self.beit3.args.max_source_positions}')
        if 'mdm' in tasks:
            if visual_tokenizer is None or \
                    self.tokenizer.mask_token_id is None:
                raise ValueError('BEiT3 pretraining (mdm) needs a '
                                 'visual_tokenizer and a tokenizer with '
                                 '[MASK]')
            self.visual_tokenizer = MODELS.build(visual_tokenizer)
            self.mim_head = nn.Linear(width, self.visual_tokenizer.num_tokens)
            self.mlm_head = nn.Linear(width, self.tokenizer.vocab_size)
            self.text_mask_prob = text_mask_prob
            self.pair_text_mask_prob = pair_text_mask_prob
            self.loss_mdm = MODELS.build(loss_mdm or dict(type='MLMLoss'))
        if 'itc' in tasks:
            self.vision_head = nn.Linear(width, width, bias=False)
            self.language_head = nn.Linear(width, width, bias=False)
            self.logit_scale = nn.Parameter(
                torch.tensor(math.log(1 / temperature)))
            self.loss_itc = MODELS.build(loss_itc or dict(type='ITCLoss'))
        if 'itm' in tasks:
            self.pooler = MODELS.build(dict(type='ClsPooler',
                                            in_channels=width,
                                            with_norm=True))
            self.head = nn.Sequential(nn.Linear(width, 2 * width),
                                      nn.LayerNorm(2 * width), nn.GELU(),
                                      nn.Linear(2 * width, 2))
            self.loss_itm = MODELS.build(loss_itm or dict(type='ITMLoss'))
        self._init_parameters()

    def _init_parameters(self) -> None:
        """``BEiT3Wrapper._init_weights`` (truncated normal 0.02 linears,
        cut at one std; unit LayerNorms), and BEiT's truncated normal 0.02
        for the embeddings and the [CLS] / mask tokens.

        The official wrapper leaves the embeddings at torchscale's
        defaults: ``nn.Embedding``'s N(0, 1) position tables, word
        embeddings of std C^-0.5 and zero tokens. That only matters when
        training from scratch (checkpoints overwrite all of them), and
        there it drowns the content: with C = 192 the positions have 14x
        the word embeddings' std and 4x the patch embeddings', every image
        and every caption starts with nearly the same [CLS] feature (mean
        cosine 0.98), and ITC collapses them to one point within ten steps
        (loss exactly ln B, gradients ~1e-4; measured on the demo world).
        """
        for name, m in self.named_modules():
            if name.startswith('visual_tokenizer'):
                continue
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02, a=-0.02, b=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
        vision_embed = self.beit3.vision_embed
        for token in (vision_embed.cls_token, vision_embed.mask_token):
            if token is not None:
                nn.init.trunc_normal_(token, std=0.02)

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Layer depth of a parameter for layer-wise lr decay (mmpretrain's
        ``LearningRateDecayOptimWrapperConstructor``), as the official
        fine-tuning assigns it: embeddings 0, ``beit3.encoder.layers.i``
        i + 1, everything else (final norm, heads) ``num_layers + 1``.

        Returns:
            tuple[int, int]: (depth, num_layers + 2).
        """
        num_layers = self.beit3.args.encoder_layers
        if param_name.startswith(('beit3.text_embed', 'beit3.vision_embed',
                                  'beit3.encoder.embed_positions')):
            return 0, num_layers + 2
        prefix = 'beit3.encoder.layers.'
        if param_name.startswith(prefix):
            return int(param_name[len(prefix):].split('.')[0]) + 1, \
                num_layers + 2
        return num_layers + 1, num_layers + 2

    # -- passes ---------------------------------------------------------------
    def run(self,
            images: Optional[Tensor] = None,
            input_ids: Optional[Tensor] = None,
            attention_mask: Optional[Tensor] = None,
            patch_mask: Optional[Tensor] = None) -> Tensor:
        """One pass of the Multiway Transformer: image-only, text-only or
        fused (image tokens first).

        Args:
            images (Tensor, optional): (B, 3, H, W).
            input_ids (Tensor, optional): (B, L).
            attention_mask (Tensor, optional): (B, L), 1 = token.
            patch_mask (Tensor, optional): Bool (B, N), patches replaced by
                the mask token.

        Returns:
            Tensor: Final states (B, [1 + N] + [L], C).
        """
        padding = None if attention_mask is None else attention_mask == 0
        return self.beit3(textual_tokens=input_ids, visual_tokens=images,
                          text_padding_position=padding,
                          vision_masked_position=patch_mask)['encoder_out']

    def _check(self, task: str) -> None:
        if task not in self.tasks:
            raise RuntimeError(f'BEiT3 built for tasks {self.tasks} has no '
                               f'{task!r} heads')

    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        """``image_feat`` and, with the fusion classifier, the images
        (``image_embeds``: a fused pass starts from the pixels)."""
        self._check('itc')
        feats = dict(image_feat=cls_embedding(self.vision_head,
                                               self.run(images=images)))
        if 'itm' in self.tasks:
            feats['image_embeds'] = images
        return feats

    def encode_texts(self, input_ids: Tensor,
                     attention_mask: Tensor) -> Dict[str, Tensor]:
        self._check('itc')
        states = self.run(input_ids=input_ids, attention_mask=attention_mask)
        return dict(text_feat=cls_embedding(self.language_head, states))

    def match_logits(self,
                     image_embeds: Tensor,
                     input_ids: Tensor,
                     attention_mask: Tensor,
                     text_embeds: Optional[Tensor] = None) -> Tensor:
        """Fusion classifier logits (P, 2) of image-text pairs."""
        if 'itm' not in self.tasks:
            return super().match_logits(image_embeds, input_ids,
                                        attention_mask, text_embeds)
        fused = self.run(image_embeds, input_ids, attention_mask)
        return self.head(self.pooler(fused))

    # -- training -------------------------------------------------------------
    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        input_ids, attention_mask = self.tokenize(
            self.texts_of(data_samples), pad_to_longest=True)
        if self.tasks == ('mdm', ):
            return self.mdm_losses(images, input_ids, attention_mask,
                                   data_samples)
        image_feat = cls_embedding(self.vision_head, self.run(images=images))
        text_feat = self.encode_texts(input_ids, attention_mask)['text_feat']
        image_ids = self.image_ids_of(data_samples, images.device)
        scale = self.logit_scale.exp()
        losses = dict(loss_itc=self.loss_itc(image_feat, text_feat,
                                             image_ids,
                                             temperature=1.0 / scale),
                      logit_scale=scale.detach())
        if 'itm' in self.tasks:
            image_idx, text_idx, labels = itm_pairs(
                (image_feat @ text_feat.t() * scale).detach(), image_ids)
            logits = self.match_logits(images[image_idx],
                                       input_ids[text_idx],
                                       attention_mask[text_idx])
            losses['loss_itm'] = self.loss_itm(logits, labels)
        return losses

    def _mask_text(self, input_ids: Tensor,
                   prob: float) -> Tuple[Tensor, Tensor]:
        tokenizer = self.tokenizer
        return mask_tokens(input_ids, tokenizer.mask_token_id,
                           tokenizer.vocab_size, tokenizer.special_token_ids,
                           prob)

    def _token_loss(self, states: Tensor, labels: Tensor,
                    head: nn.Module) -> Tensor:
        chosen = labels != IGNORE_INDEX
        return self.loss_mdm(head(states[chosen])[None], labels[chosen][None])

    def mdm_losses(self, images: Tensor, input_ids: Tensor,
                   attention_mask: Tensor,
                   data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """Masked data modelling on images, texts and image-text pairs.

        Returns:
            dict: ``loss_mim`` (image-only), ``loss_mlm`` (text-only) and
            ``loss_vl_mlm`` / ``loss_vl_mim`` (fused pairs: masked text
            tokens and masked patches), each the cross-entropy at the
            masked positions; their sum is the one MDM objective.
        """
        patch_mask = patch_masks_of(data_samples, self.grid, images.device)
        visual_labels = masked_token_labels(self.visual_tokenizer(images),
                                            patch_mask)
        num_image = 1 + patch_mask.size(1)
        image_states = self.run(images=images, patch_mask=patch_mask)
        losses = dict(loss_mim=self._token_loss(image_states[:, 1:],
                                                visual_labels,
                                                self.mim_head))
        text_ids, text_labels = self._mask_text(input_ids,
                                                self.text_mask_prob)
        text_states = self.run(input_ids=text_ids,
                               attention_mask=attention_mask)
        losses['loss_mlm'] = self._token_loss(text_states, text_labels,
                                              self.mlm_head)
        pair_ids, pair_labels = self._mask_text(input_ids,
                                                self.pair_text_mask_prob)
        fused = self.run(images, pair_ids, attention_mask, patch_mask)
        losses['loss_vl_mlm'] = self._token_loss(fused[:, num_image:],
                                                 pair_labels, self.mlm_head)
        losses['loss_vl_mim'] = self._token_loss(fused[:, 1:num_image],
                                                 visual_labels,
                                                 self.mim_head)
        return losses
