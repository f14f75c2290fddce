"""Vocabulary prediction head of ViLT and VLMo (their ``MLMHead``)."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from transformers import BertConfig
from transformers.models.bert.modeling_bert import \
    BertPredictionHeadTransform

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class TokenPredictionHead(BaseModule):
    """``decoder(transform(x)) + bias``: BERT's prediction head.

    The module tree of ViLT's and VLMo's ``mlm_score`` (``transform.dense``,
    ``transform.LayerNorm``, ``decoder.weight`` without bias, a separate
    ``bias``); ``transform`` is Hugging Face's
    ``BertPredictionHeadTransform`` (dense, GELU, LayerNorm). Hugging Face's
    ``BertOnlyMLMHead`` nests the same under ``predictions.`` and keeps the
    bias inside the decoder.

    Args:
        in_channels (int): Token width C.
        vocab_size (int): Output classes V.
        layer_norm_eps (float): Epsilon of the transform's LayerNorm.
            Defaults to 1e-12 (BERT).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 vocab_size: int,
                 layer_norm_eps: float = 1e-12,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.transform = BertPredictionHeadTransform(
            BertConfig(hidden_size=in_channels, hidden_act='gelu',
                       layer_norm_eps=layer_norm_eps))
        self.decoder = nn.Linear(in_channels, vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, hidden: Tensor) -> Tensor:
        """Logits (..., V) of token states (..., C)."""
        return self.decoder(self.transform(hidden)) + self.bias
