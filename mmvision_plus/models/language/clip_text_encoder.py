"""The CLIP text transformer as GLEE's prompt encoder.

A category name or a referring expression is tokenised with CLIP's byte-pair
encoding (the vocabulary file shipped inside ``open_clip_torch``), encoded by
the CLIP text transformer, projected to the detector's width by
``lang_projection`` and mean-pooled over its tokens into one embedding, as in
the official GLEE (``agg_lang_feat`` over ``last_hidden_state @
lang_projection``).

The transformer is Hugging Face's ``CLIPTextModel`` built from a
``CLIPTextConfig`` (no model hub involved): it is the module the official
GLEE uses, so GLEE's text weights load with the key layout unchanged. OpenAI
and open_clip state dicts are converted to that layout by
:func:`convert_openai_clip_text`.

Training modes (official names in brackets):

* ``'frozen'`` (``clip_frozen``): the transformer is fixed, only
  ``lang_projection`` learns;
* ``'trainable'`` (``clip_unfrozen``): everything learns;
* ``'distill'`` (``clip_teacher``): everything learns and a frozen copy taken
  after loading the pretrained weights (the teacher) pulls the student back:
  the official loss is the MSE between student and teacher token features
  (before the projection) over the valid tokens, weight 4. The paper calls
  it an L1 loss; ``loss_distill`` takes any mmdet regression loss.
"""
import os
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from transformers import CLIPTextConfig, CLIPTextModel

from mmvision_plus.registry import MODELS
from .tokenizers import CLIPBPETokenizer

TEXT_ENCODER_MODES = ('frozen', 'trainable', 'distill')


class CLIPCheckpointError(ValueError):
    """A CLIP text checkpoint that cannot be matched to the text encoder."""


def convert_openai_clip_text(state_dict: Dict[str, Tensor]) -> OrderedDict:
    """Map an OpenAI / open_clip CLIP state dict to ``CLIPTextModel`` keys.

    Only the text tower is kept; the image tower, ``text_projection`` and
    ``logit_scale`` (unused by GLEE, which reads token features) are
    dropped. The fused attention input projection is split into q, k, v.

    Args:
        state_dict (dict): Keys like ``token_embedding.weight``,
            ``positional_embedding``, ``transformer.resblocks.N.attn.
            in_proj_weight``, ``ln_final.weight``.

    Returns:
        OrderedDict: Keys like ``text_model.encoder.layers.N.self_attn.
        q_proj.weight``.
    """
    out = OrderedDict()
    out['text_model.embeddings.token_embedding.weight'] = \
        state_dict['token_embedding.weight']
    out['text_model.embeddings.position_embedding.weight'] = \
        state_dict['positional_embedding']
    out['text_model.final_layer_norm.weight'] = state_dict['ln_final.weight']
    out['text_model.final_layer_norm.bias'] = state_dict['ln_final.bias']
    block_names = {
        'ln_1': 'layer_norm1',
        'ln_2': 'layer_norm2',
        'mlp.c_fc': 'mlp.fc1',
        'mlp.c_proj': 'mlp.fc2',
        'attn.out_proj': 'self_attn.out_proj',
    }
    prefix = 'transformer.resblocks.'
    for key, value in state_dict.items():
        if not key.startswith(prefix):
            continue
        index, name = key[len(prefix):].split('.', 1)
        dst = f'text_model.encoder.layers.{index}.'
        if name.startswith('attn.in_proj_'):
            kind = name.rsplit('_', 1)[1]  # weight | bias
            for part, chunk in zip('qkv', value.chunk(3, dim=0)):
                out[dst + f'self_attn.{part}_proj.{kind}'] = chunk
            continue
        module, kind = name.rsplit('.', 1)
        if module not in block_names:
            raise CLIPCheckpointError(f'unknown CLIP text key {key!r}')
        out[dst + f'{block_names[module]}.{kind}'] = value
    return out


def _read_checkpoint(path: str) -> Dict[str, Tensor]:
    """Tensors of a checkpoint file or a Hugging Face model directory."""
    if os.path.isdir(path):
        for name in ('model.safetensors', 'pytorch_model.bin'):
            if os.path.isfile(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            raise CLIPCheckpointError(
                f'{path}: a directory without model.safetensors or '
                'pytorch_model.bin')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'CLIP checkpoint not found: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception:  # OpenAI's released .pt files are TorchScript
        try:
            ckpt = torch.jit.load(path, map_location='cpu').state_dict()
        except Exception as e:
            raise CLIPCheckpointError(
                f'{path}: neither a state dict nor a TorchScript CLIP '
                f'archive ({type(e).__name__}: {e})') from e
    for wrapper in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(wrapper), dict):
            ckpt = ckpt[wrapper]
    if not isinstance(ckpt, dict):
        raise CLIPCheckpointError(f'{path}: holds a {type(ckpt).__name__}, '
                                  'not a state dict')
    return ckpt


def clip_text_state_dict(state_dict: Dict[str, Tensor],
                         prefix: Optional[str] = None,
                         source: str = '') -> OrderedDict:
    """The ``CLIPTextModel`` weights inside any supported state dict.

    Supported: Hugging Face ``CLIPTextModel`` / ``CLIPModel`` layouts under
    any prefix (the official GLEE checkpoint holds ``glee.text_encoder.
    text_model.*`` and the teacher ``glee.text_encoder_teacher.text_model.
    *``), and OpenAI / open_clip state dicts.

    Args:
        state_dict (dict): The checkpoint's tensors.
        prefix (str, optional): Keep only keys starting with it (stripped),
            e.g. ``'glee.text_encoder.'``. Needed when a checkpoint holds
            several text models.
        source (str): Name of the checkpoint for error messages.

    Returns:
        OrderedDict: Keys ``text_model.*``.

    Raises:
        CLIPCheckpointError: No text model found, or several and no
            ``prefix`` to choose.
    """
    if prefix:
        state_dict = {
            k[len(prefix):]: v
            for k, v in state_dict.items() if k.startswith(prefix)
        }
        if not state_dict:
            raise CLIPCheckpointError(
                f'{source}: no key starts with prefix {prefix!r}')
    anchor = 'text_model.embeddings.token_embedding.weight'
    hf_prefixes = [k[:-len(anchor)] for k in state_dict if k.endswith(anchor)]
    if len(hf_prefixes) > 1:
        raise CLIPCheckpointError(
            f'{source}: holds several CLIP text models (key prefixes '
            f'{hf_prefixes}); pass `prefix` to choose one')
    if hf_prefixes:
        start = hf_prefixes[0] + 'text_model.'
        return OrderedDict(('text_model.' + k[len(start):], v)
                           for k, v in state_dict.items()
                           if k.startswith(start)
                           and not k.endswith('embeddings.position_ids'))
    if 'transformer.resblocks.0.attn.in_proj_weight' in state_dict:
        return convert_openai_clip_text(state_dict)
    raise CLIPCheckpointError(
        f'{source}: no CLIP text model found (expected Hugging Face keys '
        f'ending in {anchor!r} or OpenAI/open_clip keys '
        '"transformer.resblocks.*")')


@MODELS.register_module()
class CLIPTextEncoder(BaseModule):
    """CLIP text transformer + projection: prompts to embeddings.

    Args:
        embed_dims (int): Output width (GLEE: 256, ``DIM_PROJ``).
        width (int): Transformer width. Default 512 (CLIP ViT-B/32).
        num_layers (int): Transformer layers. Default 12.
        num_heads (int): Attention heads. Default 8.
        context_length (int): Maximum tokens per prompt. Default 77.
        vocab_size (int): Vocabulary size. Default 49408 (CLIP's BPE).
        mode (str): ``'frozen'``, ``'trainable'`` or ``'distill'`` (see the
            module docstring). Default ``'frozen'``.
        loss_distill (dict): Loss between student and teacher token
            features in ``'distill'`` mode. Default MSE, weight 4 (official).
        pretrained (str, optional): A CLIP text checkpoint (file or Hugging
            Face directory, any layout :func:`clip_text_state_dict` reads),
            loaded by :meth:`init_weights`. None keeps the random
            initialisation.
        pretrained_prefix (str, optional): Key prefix selecting one text
            model in ``pretrained``.
        truncate (bool): Truncate over-long prompts (with a warning) instead
            of raising :class:`PromptTooLongError`. Default False.
        cache_size (int): Remember the frozen transformer's token features
            of up to this many distinct prompts (class names are encoded
            once, not every iteration). Frozen mode only. Default 0.
        init_cfg (dict, optional): BaseModule init config.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 width: int = 512,
                 num_layers: int = 12,
                 num_heads: int = 8,
                 context_length: int = 77,
                 vocab_size: int = 49408,
                 mode: str = 'frozen',
                 loss_distill: dict = dict(type='mmdet.MSELoss',
                                           loss_weight=4.0),
                 pretrained: Optional[str] = None,
                 pretrained_prefix: Optional[str] = None,
                 truncate: bool = False,
                 cache_size: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in TEXT_ENCODER_MODES:
            raise ValueError(f'CLIPTextEncoder: mode must be one of '
                             f'{TEXT_ENCODER_MODES}, got {mode!r}')
        if cache_size > 0 and mode != 'frozen':
            raise ValueError('CLIPTextEncoder: cache_size > 0 needs '
                             "mode='frozen' (a trained encoder changes its "
                             'outputs)')
        self.mode = mode
        self.embed_dims = embed_dims
        self.pretrained = pretrained
        self.pretrained_prefix = pretrained_prefix
        self.cache_size = cache_size
        self._cache: Dict[str, Tensor] = {}
        self.tokenizer = CLIPBPETokenizer(context_length, truncate)
        if vocab_size < self.tokenizer.vocab_size:
            raise ValueError(
                f'CLIPTextEncoder: vocab_size {vocab_size} is smaller than '
                f'the BPE vocabulary ({self.tokenizer.vocab_size})')
        self.config = CLIPTextConfig(
            vocab_size=vocab_size,
            hidden_size=width,
            intermediate_size=4 * width,
            num_hidden_layers=num_layers,
            num_attention_heads=num_heads,
            max_position_embeddings=context_length,
            hidden_act='quick_gelu',
            pad_token_id=1,
            bos_token_id=self.tokenizer.bos_token_id,
            eos_token_id=self.tokenizer.eos_token_id)
        self.clip = CLIPTextModel(self.config)
        self.lang_projection = nn.Parameter(torch.empty(width, embed_dims))
        self._init_projection()
        if mode == 'distill':
            self.teacher = CLIPTextModel(self.config)
            self.teacher.requires_grad_(False)
            self.loss_distill = MODELS.build(loss_distill)
        if mode == 'frozen':
            self.clip.requires_grad_(False)

    def init_weights(self) -> None:
        """Initialise the projection, load ``pretrained``, copy the teacher.

        The official GLEE initialises ``lang_projection`` with
        ``torch.rand`` (uniform [0, 1)); a zero-mean normal of std
        ``width ** -0.5`` keeps the projected features at unit scale when
        training from scratch. Checkpoints overwrite it either way.
        """
        self._init_projection()
        if self.pretrained is not None:
            self.load_pretrained(self.pretrained, self.pretrained_prefix)
        if self.mode == 'distill':
            self.teacher.load_state_dict(self.clip.state_dict())
        self._is_init = True

    def _init_projection(self) -> None:
        nn.init.normal_(self.lang_projection,
                        std=self.config.hidden_size**-0.5)

    def load_pretrained(self, path: str, prefix: Optional[str] = None) -> None:
        """Load CLIP text weights into the student (strict).

        Args:
            path (str): Checkpoint file or Hugging Face directory.
            prefix (str, optional): See :func:`clip_text_state_dict`.
        """
        weights = clip_text_state_dict(_read_checkpoint(path), prefix, path)
        missing, unexpected = self.clip.load_state_dict(weights, strict=False)
        if missing or unexpected:
            raise CLIPCheckpointError(
                f'{path}: CLIP text weights do not match the encoder '
                f'(missing {missing[:5]}..., unexpected {unexpected[:5]}...)')
        self._cache.clear()

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        # Whatever loads new weights invalidates the cached features.
        self._cache.clear()
        super()._load_from_state_dict(*args, **kwargs)

    def train(self, mode: bool = True) -> 'CLIPTextEncoder':
        """Set train/eval mode; frozen parts stay in eval mode."""
        super().train(mode)
        if self.mode == 'frozen':
            self.clip.eval()
        if self.mode == 'distill':
            self.teacher.eval()
        return self

    def _run_clip(self, model: CLIPTextModel, input_ids: Tensor,
                  attention_mask: Tensor) -> Tensor:
        return model(
            input_ids=input_ids,
            attention_mask=attention_mask).last_hidden_state

    def _frozen_features(self, texts: Sequence[str], input_ids: Tensor,
                         attention_mask: Tensor) -> Tensor:
        """Token features of the frozen transformer, cached per prompt."""
        with torch.no_grad():
            if self.cache_size == 0:
                return self._run_clip(self.clip, input_ids, attention_mask)
            lengths = attention_mask.sum(1).tolist()
            missing = [i for i, t in enumerate(texts) if t not in self._cache]
            fresh = {}
            if missing:
                rows = torch.tensor(missing, device=input_ids.device)
                out = self._run_clip(self.clip, input_ids[rows],
                                     attention_mask[rows])
                for row, i in enumerate(missing):
                    # causal attention: a prompt's valid tokens do not
                    # depend on the padding, so they can be stored alone
                    fresh[i] = out[row, :lengths[i]]
                    if len(self._cache) < self.cache_size:
                        self._cache[texts[i]] = fresh[i]
            feats = input_ids.new_zeros(
                (*input_ids.shape, self.config.hidden_size),
                dtype=self.lang_projection.dtype)
            for i, text in enumerate(texts):
                feats[i, :lengths[i]] = fresh[i] if i in fresh \
                    else self._cache[text]
            return feats

    def forward(self, texts: Sequence[str]) -> Dict[str, Tensor]:
        """Encode N prompts.

        Args:
            texts (Sequence[str]): Category names or expressions.

        Returns:
            dict: ``token_feats`` (N, L, embed_dims): projected token
            features; ``token_mask`` (N, L) bool, True for the prompt's
            tokens (start and end included); ``pooled`` (N, embed_dims):
            the mean of the valid projected tokens, one embedding per
            prompt; ``loss_distill``: a scalar in ``'distill'`` mode while
            training, else absent.

        Raises:
            EmptyPromptError: ``texts`` is empty or holds an empty string.
            PromptTooLongError: A prompt exceeds the context length.
        """
        device = self.lang_projection.device
        input_ids, attention_mask = self.tokenizer(texts)
        input_ids = input_ids.to(device)
        attention_mask = attention_mask.to(device)
        if self.mode == 'frozen':
            feats = self._frozen_features(texts, input_ids, attention_mask)
        else:
            feats = self._run_clip(self.clip, input_ids, attention_mask)
        token_mask = attention_mask.bool()
        out = {}
        if self.mode == 'distill' and self.training:
            with torch.no_grad():
                target = self._run_clip(self.teacher, input_ids,
                                        attention_mask)
            out['loss_distill'] = self.loss_distill(feats[token_mask],
                                                    target[token_mask])
        token_feats = feats @ self.lang_projection
        weights = token_mask.unsqueeze(-1).to(token_feats.dtype)
        out['pooled'] = (token_feats * weights).sum(1) / weights.sum(1)
        out['token_feats'] = token_feats
        out['token_mask'] = token_mask
        return out
