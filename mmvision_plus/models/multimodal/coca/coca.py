"""CoCa: Contrastive Captioners are Image-Text Foundation Models (Yu et
al., TMLR 2022), on open_clip's ``CoCa`` model class and ``CoCaLoss``.

* Image encoder: open_clip's ViT with an attentional pooler. With
  ``attentional_pool='parallel'`` (the paper) 256 queries give the tokens
  the decoder attends to and one more query the contrastive image
  embedding; ``attentional_pool=True`` is open_clip's published layout
  (one pooler whose first output is the contrastive embedding): its
  checkpoint files (``coca_ViT-B-32`` ...) load into that configuration as
  they are. open_clip's parallel pooling applies a LayerNorm of the
  embedding width to the ViT tokens, so it needs the ViT width to equal
  ``embed_dim``; the pooled tokens feed the decoder's cross-attention, so
  the multimodal width equals ``embed_dim`` too.
* Text decoder: the lower (unimodal) layers are open_clip's causal text
  transformer with a [CLS] embedding appended after the text
  (``embed_cls``), whose output is the contrastive text embedding; the
  upper (multimodal) layers (``MultimodalTransformer``) cross-attend to the
  pooled image tokens and predict the next token.
* ONE forward pass (``CoCa.forward``) yields the image and text embeddings
  and the captioning logits, and ``CoCaLoss`` gives both losses
  (contrastive weight 1.0, captioning 2.0 in open_clip).

Retrieval and zero-shot classification are CLIP's
(:class:`~..clip.ClipDualEncoder`, whose open_clip model here is a
``CoCa``); captions come from the part-1 decoder (:func:`~..generation.
generate`: beam, greedy or nucleus) over CoCa's step logits.
"""
from typing import Dict, List, Optional

import torch
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmvision_plus.registry import MODELS
from ..captioning import attach_captions
from ..clip import ClipDualEncoder
from ..generation import generate

#: Decoding settings (open_clip's generate: beam search, 5 to 30 tokens;
#: its 6 beams in 3 diverse groups become 6 plain beams here).
DEFAULT_GENERATION = dict(strategy='beam', num_beams=6, max_length=30,
                          min_length=5)


@torch.no_grad()
def init_multimodal_decoder(decoder: nn.Module) -> None:
    """Initialise open_clip's ``MultimodalTransformer`` (CoCa's upper text
    layers) as its ``init_parameters`` means to.

    open_clip 3.3.0 never calls that method (its ``text_projection`` stays
    ``torch.empty`` memory: captioning losses of 1e25 on a fresh model) and
    the method itself reads a ``self.transformer`` the class no longer
    has. Same distributions, on the class's real attributes.
    """
    width, layers = decoder.width, decoder.layers
    proj_std = width**-0.5 * (2 * layers)**-0.5
    for block in [*decoder.resblocks, *decoder.cross_attn]:
        nn.init.normal_(block.attn.in_proj_weight, std=width**-0.5)
        nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
        nn.init.normal_(block.mlp.c_fc.weight, std=(2 * width)**-0.5)
        nn.init.normal_(block.mlp.c_proj.weight, std=proj_std)
    nn.init.normal_(decoder.text_projection, std=width**-0.5)


@MODELS.register_module()
class CoCa(ClipDualEncoder):
    """CoCa (see the module docstring).

    Args:
        clip (dict): ``open_clip.CoCa`` arguments (``embed_dim``,
            ``vision_cfg`` with ``attentional_pool``, ``text_cfg`` with
            ``embed_cls=True``, ``multimodal_cfg``, ``pad_id``).
        tokenizer (dict): Tokenizer config. Defaults to open_clip's BPE.
        max_text_length (int): Text length, at most the text tower's
            context length (open_clip's CoCa: 76).
        pretrained (str, optional): open_clip CoCa checkpoint loaded
            strictly by :meth:`init_weights`.
        contrastive_loss_weight (float): ``CoCaLoss`` ``clip_loss_weight``.
            Defaults to 1.0.
        caption_loss_weight (float): ``CoCaLoss`` ``caption_loss_weight``.
            Defaults to 2.0.
        generation (dict): Decoding settings of :meth:`caption`, see
            :func:`~..generation.generate`.
        **kwargs: ``max_logit_scale``, ``data_preprocessor``, ``init_cfg``.
    """

    def __init__(self,
                 clip: dict,
                 tokenizer: Optional[dict] = None,
                 max_text_length: int = 76,
                 pretrained: Optional[str] = None,
                 contrastive_loss_weight: float = 1.0,
                 caption_loss_weight: float = 2.0,
                 generation: Optional[dict] = None,
                 **kwargs) -> None:
        from open_clip.loss import CoCaLoss
        if 'multimodal_cfg' not in clip:
            raise KeyError('CoCa: the open_clip config needs multimodal_cfg '
                           '(the text decoder)')
        vision = clip.get('vision_cfg', {})
        if vision.get('attentional_pool') == 'parallel' and \
                vision.get('width') != clip['embed_dim']:
            # open_clip normalises the ViT tokens with a LayerNorm of the
            # embedding width before its parallel poolers
            raise ValueError(f"CoCa: attentional_pool='parallel' needs "
                             f"vision_cfg.width == embed_dim, got "
                             f"{vision.get('width')} and {clip['embed_dim']}")
        super().__init__(clip, tokenizer, max_text_length, pretrained,
                         **kwargs)
        init_multimodal_decoder(self.clip.text_decoder)
        vocab = self.clip.text_decoder.text_projection.size(1)
        if vocab < self.tokenizer.vocab_size:
            raise ValueError(f'CoCa: the decoder predicts {vocab} tokens, the '
                             f'tokenizer has {self.tokenizer.vocab_size}')
        pad_id = self.clip.pad_id
        if pad_id != self.tokenizer.pad_token_id:
            raise ValueError(f'CoCa: open_clip pad_id {pad_id} differs from '
                             f'the tokenizer\'s {self.tokenizer.pad_token_id}')
        self.coca_loss = CoCaLoss(caption_loss_weight=caption_loss_weight,
                                  clip_loss_weight=contrastive_loss_weight,
                                  pad_id=pad_id)
        self.generation = dict(DEFAULT_GENERATION, **(generation or {}))

    def encode_images(self, images: Tensor) -> Dict[str, Tensor]:
        """``image_feat`` (N, D): the contrastive query's embedding."""
        feats = self.clip.encode_image(images, normalize=True)
        return dict(image_feat=feats.reshape(feats.size(0), -1))

    def forward_coca(self, images: Tensor, input_ids: Tensor
                     ) -> Dict[str, Tensor]:
        """open_clip's single CoCa forward: ``image_features`` (B, D),
        ``text_features`` (B, D), captioning ``logits`` (B, L - 1, V) of
        teacher forcing, their ``labels`` (B, L - 1) and ``logit_scale``."""
        out = self.clip(images, input_ids)
        out['image_features'] = out['image_features'].reshape(
            images.size(0), -1)
        out['logit_scale'] = self.logit_scale
        return out

    def loss(self, images: Tensor,
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """The contrastive and the captioning loss of one forward pass."""
        input_ids, _ = self.tokenize(self.texts_of(data_samples),
                                     pad_to_longest=True)
        out = self.forward_coca(images, input_ids)
        contrastive, caption = self.coca_loss(
            out['image_features'], out['text_features'], out['logits'],
            out['labels'], out['logit_scale'])
        return dict(loss_contrastive=contrastive, loss_caption=caption,
                    logit_scale=self.logit_scale.detach())

    @torch.no_grad()
    def caption(self, images: Tensor, **generation) -> List[str]:
        """Captions of a batch of images (decoding settings overridable:
        ``strategy``, ``num_beams``, ``max_length`` ...)."""
        settings = dict(self.generation, **generation)
        image_latent, image_embs = self.clip._encode_image(images)

        def step(tokens: Tensor, rows: Tensor) -> Tensor:
            return self.clip(None, tokens, image_latent=image_latent[rows],
                             image_embs=image_embs[rows],
                             output_labels=False)['logits'][:, -1]

        bos = torch.full((images.size(0), 1), self.tokenizer.bos_token_id,
                         dtype=torch.long, device=images.device)
        token_ids = generate(step, bos,
                             eos_token_id=self.tokenizer.eos_token_id,
                             pad_token_id=self.tokenizer.pad_token_id,
                             **settings)
        return self.tokenizer.decode(token_ids)

    def predict(self, images: Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Caption every image (``pred_caption``)."""
        return attach_captions(self.caption(images), data_samples)
