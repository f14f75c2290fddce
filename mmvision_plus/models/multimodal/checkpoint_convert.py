"""Official ALBEF / BLIP (and mmpretrain BLIP) checkpoints -> our layout.

Our ALBEF and BLIP keep the official module names (``visual_encoder``,
``text_encoder``, ``text_decoder``, ``vision_proj``, ``text_proj``,
``itm_head``, ``temp``, ``*_m``), so the conversion only

* moves momentum copies under mmengine's EMA wrapper: ``visual_encoder_m.X``
  -> ``visual_encoder_m.module.X`` (plus ``visual_encoder_m.steps = 1``, so
  the first training step keeps averaging instead of copying);
* moves the queue into :class:`~.momentum.ImageTextFeatureQueue`:
  ``image_queue`` / ``text_queue`` (D, K) -> ``distill.queue.image_feats``
  / ``text_feats`` (K, D), ``idx_queue`` (1, K) -> ``image_ids`` (K,)
  (-100 -> -1), ``queue_ptr`` / ``ptr_queue`` -> ``ptr``;
* renames ``itm_head.{weight,bias}`` -> ``itm_head.fc.*``;
* puts BERT models saved without their ``bert.`` level (ALBEF's retrieval
  model, BLIP's text encoder) under it, drops Hugging Face's
  ``position_ids`` buffers and gives BLIP's BERT (which has no token-type
  embedding) an all-zero one, which adds nothing.

mmpretrain's BLIP checkpoints (``BlipRetrieval``: ``vision_backbone``,
``text_backbone``, ``vision_neck``, ``text_neck``, ``head``,
``multimodal_head``; ``BlipCaption``: ``visual_encoder``,
``seq_gen_head.decoder``) are mapped to the same names, their ViT keys
back from mmpretrain's ``VisionTransformer`` names with the DINOv2
converter's table.
"""
import re
from collections import OrderedDict
from typing import Dict, Mapping

import torch
from torch import Tensor

from mmvision_plus.models.backbones.dinov2_convert import \
    mmpretrain_to_official
from mmvision_plus.utils.converter_cli import run_converter, save_converted

StateDict = Dict[str, Tensor]
MOMENTUM_MODULES = ('visual_encoder', 'vision_proj', 'text_encoder',
                    'text_proj')
_POSITION_IDS = re.compile(r'\.embeddings\.position_ids$')


def unwrap_state_dict(checkpoint: Mapping) -> StateDict:
    """The state dict of a checkpoint (``model`` / ``state_dict`` /
    ``module`` (DeepSpeed) entry or the mapping itself)."""
    for key in ('model', 'state_dict', 'module'):
        if key in checkpoint and isinstance(checkpoint[key], Mapping):
            return dict(checkpoint[key])
    return dict(checkpoint)


def _bert_level(key: str, modules) -> str:
    """``<module>.embeddings...`` -> ``<module>.bert.embeddings...``."""
    for module in modules:
        for part in ('embeddings.', 'encoder.'):
            if key.startswith(f'{module}.{part}'):
                return f'{module}.bert.{key[len(module) + 1:]}'
    return key


def _queue(state_dict: StateDict, out: StateDict, ptr_key: str) -> None:
    """Move the official queue buffers (popped from ``state_dict``)."""
    if 'image_queue' not in state_dict:
        return
    image = state_dict.pop('image_queue')
    out['distill.queue.image_feats'] = image.t().contiguous()
    out['distill.queue.text_feats'] = state_dict.pop(
        'text_queue').t().contiguous()
    ids = state_dict.pop('idx_queue', None)
    if ids is None:
        ids = torch.full((image.size(1), ), -1, dtype=torch.long)
    ids = ids.reshape(-1).long()
    out['distill.queue.image_ids'] = torch.where(ids < 0,
                                                 torch.full_like(ids, -1),
                                                 ids)
    ptr = state_dict.pop(ptr_key, None)
    out['distill.queue.ptr'] = torch.zeros((), dtype=torch.long) \
        if ptr is None else ptr.reshape(()).long()


def _finish(state_dict: StateDict, bert_modules) -> 'OrderedDict[str, Tensor]':
    """Momentum wrappers, ITM head, ``bert.`` level, position ids."""
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    momentum_seen = set()
    for key, value in state_dict.items():
        if _POSITION_IDS.search(key):
            continue
        key = _bert_level(key, bert_modules)
        if key.startswith('itm_head.') and not key.startswith('itm_head.fc.'):
            key = 'itm_head.fc.' + key[len('itm_head.'):]
        for name in MOMENTUM_MODULES:
            prefix = f'{name}_m.'
            if key.startswith(prefix) and not key.startswith(
                    prefix + 'module.'):
                key = f'{prefix}module.{key[len(prefix):]}'
                momentum_seen.add(name)
        out[key] = value
    for name in sorted(momentum_seen):
        out[f'{name}_m.steps'] = torch.tensor(1, dtype=torch.long)
    return out


def albef_to_mmvp(state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an official ALBEF state dict (pretraining, retrieval).

    Args:
        state_dict (dict[str, Tensor]): ``checkpoint['model']`` of ALBEF.

    Returns:
        OrderedDict: State dict of :class:`~.albef.ALBEF`.
    """
    state_dict = dict(state_dict)
    out: StateDict = {}
    _queue(state_dict, out, 'queue_ptr')
    converted = _finish(state_dict, ('text_encoder', 'text_encoder_m'))
    converted.update(out)
    return converted


_MMPRETRAIN_BLIP = (('vision_backbone', 'visual_encoder'),
                    ('text_backbone', 'text_encoder'),
                    ('vision_neck', 'vision_proj'),
                    ('text_neck', 'text_proj'),
                    ('multimodal_head', 'itm_head'),
                    ('seq_gen_head.decoder', 'text_decoder'))
_MMPRETRAIN_HEAD = {'head.image_queue': 'image_queue',
                    'head.text_queue': 'text_queue',
                    'head.idx_queue': 'idx_queue',
                    'head.queue_ptr': 'ptr_queue', 'head.temp': 'temp'}


def _from_mmpretrain_blip(state_dict: StateDict) -> StateDict:
    """mmpretrain's BLIP names -> official BLIP names."""
    renamed: StateDict = {}
    vit_groups: Dict[str, StateDict] = {}
    for key, value in state_dict.items():
        if key in _MMPRETRAIN_HEAD:
            renamed.setdefault(_MMPRETRAIN_HEAD[key], value)
            continue
        for old, new in _MMPRETRAIN_BLIP:
            for suffix in ('', '_m'):
                if key.startswith(f'{old}{suffix}.'):
                    key = f'{new}{suffix}.{key[len(old + suffix) + 1:]}'
                    break
            else:
                continue
            break
        if key.startswith(('visual_encoder.', 'visual_encoder_m.')):
            group, rest = key.split('.', 1)
            vit_groups.setdefault(group, {})[rest] = value
        else:
            renamed[key] = value
    for group, vit in vit_groups.items():
        if 'patch_embed.projection.weight' in vit:  # mmpretrain ViT names
            vit = dict(mmpretrain_to_official(vit))
            vit.pop('mask_token')
        renamed.update({f'{group}.{k}': v for k, v in vit.items()})
    return renamed


def blip_to_mmvp(state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an official or mmpretrain BLIP state dict (pretraining,
    retrieval, captioning).

    Args:
        state_dict (dict[str, Tensor]): ``checkpoint['model']`` of BLIP or
            ``checkpoint['state_dict']`` of mmpretrain's BLIP.

    Returns:
        OrderedDict: State dict of :class:`~.blip.BLIPMED` (a captioning
        checkpoint holds only the image encoder and the decoder; the
        decoder's shared layers are the encoder's).
    """
    state_dict = dict(state_dict)
    if any(k.startswith(('vision_backbone.', 'text_backbone.',
                         'seq_gen_head.')) for k in state_dict):
        state_dict = _from_mmpretrain_blip(state_dict)
    out: StateDict = {}
    _queue(state_dict, out, 'ptr_queue')
    converted = _finish(state_dict, ('text_encoder', 'text_encoder_m'))
    converted.update(out)
    for key in list(converted):
        match = re.match(r'^(.*\.bert\.embeddings\.)word_embeddings\.weight$',
                         key)
        type_key = match and match.group(1) + 'token_type_embeddings.weight'
        if match and type_key not in converted:
            width = converted[key].size(1)
            converted[type_key] = converted[key].new_zeros(1, width)
    return converted


def convert_checkpoint_file(src: str, dst: str, convert) -> int:
    """Load ``src``, convert its state dict, save ``{'state_dict': ...}``
    to ``dst`` atomically (its folder created if missing).

    Args:
        src (str): Source checkpoint (loaded with ``weights_only=True``).
        dst (str): Output path.
        convert (Callable): :func:`albef_to_mmvp` or :func:`blip_to_mmvp`.

    Returns:
        int: Number of tensors written.
    """
    checkpoint = torch.load(src, map_location='cpu', weights_only=True)
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'{src}: expected a checkpoint dict, got '
                         f'{type(checkpoint).__name__}')
    state_dict = convert(unwrap_state_dict(checkpoint))
    save_converted(
        dict(state_dict=state_dict, meta=dict(converted_from=str(src))), dst)
    return len(state_dict)


def converter_main(convert, description: str, source_help: str,
                   argv=None) -> None:
    """Command line of a converter (:func:`run_converter`): ``SRC DST``,
    then :func:`convert_checkpoint_file`; prints the tensor count."""
    run_converter(
        lambda args: f'{convert_checkpoint_file(args.src, args.dst, convert)}'
        ' tensors', description, source_help, argv=argv)
