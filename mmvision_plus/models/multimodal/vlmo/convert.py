"""Official VLMo checkpoints (unilm/vlmo, PyTorch Lightning or DeepSpeed
files) -> :class:`~.vlmo.VLMo`.

Our module names are the official ones, so the conversion only

* strips DeepSpeed's ``module.`` prefix;
* folds each block's ``attn.q_bias`` / ``attn.v_bias`` into
  ``attn.qkv.bias = [q_bias, 0, v_bias]`` (VLMo has no key bias; a key bias
  adds the same value to every logit of a query, which the softmax cancels,
  so the shared attention layer with a full ``qkv.bias`` computes the same
  function);
* drops the relative position index matrices and Hugging Face's
  ``position_ids`` (recomputed here, not parameters).
"""
import re
from collections import OrderedDict
from typing import Dict

import torch
from torch import Tensor

StateDict = Dict[str, Tensor]
_DROPPED = re.compile(r'(^|\.)((text_|text_imag_)?relative_position_index|'
                      r'position_ids)$')
_Q_BIAS = re.compile(r'^(.*\.attn\.)q_bias$')


def vlmo_to_mmvp(state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an official VLMo state dict.

    Args:
        state_dict (dict[str, Tensor]): ``checkpoint['state_dict']`` (or
            ``['module']``) of a VLMo checkpoint.

    Returns:
        OrderedDict: State dict of :class:`~.vlmo.VLMo` built with the
        same tasks (heads) as the checkpoint.

    Raises:
        KeyError: A ``q_bias`` without its ``v_bias`` or ``qkv.weight``.
    """
    state_dict = {(k[len('module.'):] if k.startswith('module.') else k): v
                  for k, v in state_dict.items()}
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    for key, value in state_dict.items():
        if _DROPPED.search(key) or key.endswith('.attn.v_bias'):
            continue
        match = _Q_BIAS.match(key)
        if match is None:
            out[key] = value
            continue
        prefix = match.group(1)
        for needed in ('v_bias', 'qkv.weight'):
            if prefix + needed not in state_dict:
                raise KeyError(f'VLMo checkpoint: {key} without '
                               f'{prefix}{needed}')
        v_bias = state_dict[prefix + 'v_bias']
        out[prefix + 'qkv.bias'] = torch.cat(
            [value, torch.zeros_like(value), v_bias])
    return out
