"""Key mapping between DINOv2 checkpoints of timm, mmpretrain and the
official layout used by :class:`~mmvision_plus.models.DINOv2ViT`.

Official layout: ``cls_token`` (1, 1, C), ``pos_embed`` (1, 1 + M*M, C),
``register_tokens`` (1, R, C) for register models, ``mask_token`` (1, C),
``patch_embed.proj``, ``blocks.N.{norm1, attn.qkv, attn.proj, ls1.gamma,
norm2, mlp.fc1, mlp.fc2 | mlp.w12, mlp.w3, ls2.gamma}``, ``norm``.

timm (``vit_*_patch14_dinov2`` / ``vit_*_patch14_reg4_dinov2``) uses the same
block names except that the packed SwiGLU of ViT-g is ``mlp.fc1``/``mlp.fc2``
and that the register models are built with ``no_embed_class=True``: timm's
``pos_embed`` has no cls slot and its ``cls_token`` already contains the
official ``pos_embed[:, 0]``. Going from timm to the official layout we
therefore store that sum in ``cls_token`` and a zero cls slot in
``pos_embed``; the features are identical.

mmpretrain's ``VisionTransformer`` (arch ``dinov2-*``) names the blocks
``layers.N.{ln1, attn.qkv, attn.proj, attn.gamma1.weight, ln2,
ffn.layers.0.0, ffn.layers.1 | ffn.w12, ffn.w3, ffn.gamma2.weight}``, the
final norm ``ln1`` and the patch projection ``patch_embed.projection``.

Neither timm nor mmpretrain keeps the iBOT ``mask_token``; it is set to zeros
(its initial value in the official code), which only matters for masked
forward passes.
"""
import math
import os.path as osp
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmvision_plus.utils.converter_cli import run_converter, save_converted

StateDict = Dict[str, Tensor]

# (mmpretrain name, official name). ``#`` stands for a block index; a name
# ending in ``.`` is a module prefix (its weight/bias follow), otherwise the
# whole key. The rules of both directions are derived from this one table.
_MMPRETRAIN_NAMES: List[Tuple[str, str]] = [
    ('patch_embed.projection.', 'patch_embed.proj.'),
    ('layers.#.ln1.', 'blocks.#.norm1.'),
    ('layers.#.ln2.', 'blocks.#.norm2.'),
    ('layers.#.attn.gamma1.weight', 'blocks.#.ls1.gamma'),
    ('layers.#.attn.qkv.', 'blocks.#.attn.qkv.'),
    ('layers.#.attn.proj.', 'blocks.#.attn.proj.'),
    ('layers.#.ffn.gamma2.weight', 'blocks.#.ls2.gamma'),
    ('layers.#.ffn.layers.0.0.', 'blocks.#.mlp.fc1.'),
    ('layers.#.ffn.layers.1.', 'blocks.#.mlp.fc2.'),
    ('layers.#.ffn.w12.', 'blocks.#.mlp.w12.'),
    ('layers.#.ffn.w3.', 'blocks.#.mlp.w3.'),
    ('ln1.', 'norm.'),
    ('cls_token', 'cls_token'),
    ('pos_embed', 'pos_embed'),
]


def _rename_rules(names: List[Tuple[str, str]],
                  to_official: bool) -> List[Tuple[str, str]]:
    """(regex, replacement) rules from a table of name pairs."""
    rules = []
    for mmpretrain, official in names:
        src, dst = (mmpretrain, official) if to_official else \
            (official, mmpretrain)
        pattern = '^' + r'(\d+)'.join(re.escape(p) for p in src.split('#'))
        rules.append((pattern if src.endswith('.') else pattern + '$',
                      dst.replace('#', r'\1')))
    return rules


_MMPRETRAIN_RULES = _rename_rules(_MMPRETRAIN_NAMES, to_official=True)
_OFFICIAL_TO_MMPRETRAIN_RULES = _rename_rules(_MMPRETRAIN_NAMES,
                                              to_official=False)
_TIMM_SAME = re.compile(
    r'^(cls_token|pos_embed|patch_embed\.proj\.(weight|bias)|norm\.'
    r'(weight|bias)|blocks\.\d+\.(norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|'
    r'mlp\.fc2|mlp\.w12|mlp\.w3)\.(weight|bias)|blocks\.\d+\.ls[12]\.gamma)$')
# Classifier parts of a timm model that are not part of the backbone.
_TIMM_HEAD = re.compile(r'^(head|fc_norm)\.')


def _rename(state_dict: StateDict, rules: List[Tuple[str, str]],
            source: str) -> 'OrderedDict[str, Tensor]':
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    unknown = []
    for key, value in state_dict.items():
        for pattern, repl in rules:
            if re.match(pattern, key):
                out[re.sub(pattern, repl, key)] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'{source}: keys without a DINOv2 mapping: '
                         f'{sorted(unknown)}')
    return out


def _is_swiglu_packed(state_dict: StateDict, block_key: str) -> bool:
    """True when ``fc1`` outputs twice the width ``fc2`` takes (SwiGLU)."""
    fc1 = state_dict[f'{block_key}.mlp.fc1.weight']
    fc2 = state_dict[f'{block_key}.mlp.fc2.weight']
    return fc1.shape[0] == 2 * fc2.shape[1]


def _add_mask_token(out: 'OrderedDict[str, Tensor]') -> None:
    dims = out['patch_embed.proj.weight'].shape[0]
    out['mask_token'] = out['cls_token'].new_zeros(1, dims)


def timm_to_official(state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert a timm DINOv2 state dict to the official layout.

    Args:
        state_dict: ``timm.create_model('vit_*_patch14[_reg4]_dinov2')``
            state dict. Classifier keys (``head.*``, ``fc_norm.*``) are
            dropped.

    Returns:
        OrderedDict: Official-layout state dict, ``mask_token`` zero.
    """
    src = OrderedDict((k, v) for k, v in state_dict.items()
                      if not _TIMM_HEAD.match(k))
    unknown = sorted(k for k in src
                     if k != 'reg_token' and not _TIMM_SAME.match(k))
    if unknown:
        raise ValueError(f'timm checkpoint: keys without a DINOv2 mapping: '
                         f'{unknown}')
    for key in ('cls_token', 'pos_embed', 'patch_embed.proj.weight'):
        if key not in src:
            raise ValueError(f'timm checkpoint: missing {key!r}; is this a '
                             'DINOv2 ViT with a class token?')
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    pos_embed = src['pos_embed']
    side = math.isqrt(pos_embed.shape[1])
    if side * side == pos_embed.shape[1]:
        # no_embed_class: timm's cls_token = cls_token + pos_embed[:, 0].
        pos_embed = torch.cat((pos_embed.new_zeros(1, 1, pos_embed.shape[2]),
                               pos_embed), dim=1)
    for key, value in src.items():
        if key == 'reg_token':
            out['register_tokens'] = value
        elif key == 'pos_embed':
            out[key] = pos_embed
        elif key.endswith(('mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight',
                           'mlp.fc2.bias')):
            block = key.split('.mlp.')[0]
            if _is_swiglu_packed(src, block):
                key = key.replace('mlp.fc1', 'mlp.w12').replace(
                    'mlp.fc2', 'mlp.w3')
            out[key] = value
        else:
            out[key] = value
    _add_mask_token(out)
    return out


def official_to_timm(state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an official DINOv2 state dict to timm's layout.

    Register models become timm's ``no_embed_class`` layout (cls position
    folded into ``cls_token``); ``mask_token`` is dropped.

    Args:
        state_dict: Official-layout state dict.

    Returns:
        OrderedDict: State dict for ``vit_*_patch14[_reg4]_dinov2``.
    """
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    with_reg = 'register_tokens' in state_dict
    for key, value in state_dict.items():
        if key == 'mask_token':
            continue
        if key == 'register_tokens':
            out['reg_token'] = value
        elif with_reg and key == 'cls_token':
            out[key] = value + state_dict['pos_embed'][:, :1]
        elif with_reg and key == 'pos_embed':
            out[key] = value[:, 1:]
        elif not _TIMM_SAME.match(key):
            raise ValueError(f'official checkpoint: unexpected key {key!r}')
        else:
            out[key.replace('mlp.w12', 'mlp.fc1').replace('mlp.w3',
                                                          'mlp.fc2')] = value
    return out


def mmpretrain_to_official(
        state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an mmpretrain DINOv2 ``VisionTransformer`` state dict.

    Args:
        state_dict: Backbone state dict, or a whole classifier state dict
            (then only the ``backbone.`` keys are converted; head/neck keys
            are not part of the backbone).

    Returns:
        OrderedDict: Official-layout state dict, ``mask_token`` zero.
    """
    if any(k.startswith('backbone.') for k in state_dict):
        state_dict = OrderedDict((k[len('backbone.'):], v)
                                 for k, v in state_dict.items()
                                 if k.startswith('backbone.'))
    out = _rename(state_dict, _MMPRETRAIN_RULES, 'mmpretrain checkpoint')
    _add_mask_token(out)
    return out


def official_to_mmpretrain(
        state_dict: StateDict) -> 'OrderedDict[str, Tensor]':
    """Convert an official non-register state dict to mmpretrain's
    ``VisionTransformer`` layout (which has no register or mask tokens).

    Args:
        state_dict: Official-layout state dict.

    Returns:
        OrderedDict: mmpretrain backbone state dict.
    """
    if 'register_tokens' in state_dict:
        raise ValueError('mmpretrain VisionTransformer has no register '
                         'tokens: a _reg checkpoint cannot be converted')
    src = OrderedDict(
        (k, v) for k, v in state_dict.items() if k != 'mask_token')
    return _rename(src, _OFFICIAL_TO_MMPRETRAIN_RULES,
                   'official checkpoint')


def load_state_dict_file(path: str) -> StateDict:
    """Read a state dict from ``.pth``/``.pt``/``.bin`` or ``.safetensors``.

    Training checkpoints nesting the weights under ``'state_dict'`` or
    ``'model'`` are unwrapped.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path, device='cpu')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            return ckpt[key]
    return ckpt


CONVERTERS: Dict[str, Callable[[StateDict], 'OrderedDict[str, Tensor]']] = {
    'timm': timm_to_official,
    'mmpretrain': mmpretrain_to_official,
}
#: The file types each source format comes in (help of the command line).
SOURCE_FILE_TYPES = {'timm': '.pth/.bin/.safetensors', 'mmpretrain': '.pth'}


def convert_checkpoint_file(src: str, dst: str, source_format: str) -> dict:
    """Convert a timm/mmpretrain DINOv2 file to an official-layout file.

    The output is a flat state dict, loadable like the published
    ``dinov2_*_pretrain.pth`` files with
    ``init_cfg=dict(type='Pretrained', checkpoint=dst)``.

    Args:
        src: Input checkpoint (``.pth``/``.safetensors``).
        dst: Output ``.pth`` path (folders are created).
        source_format: ``'timm'`` or ``'mmpretrain'``.

    Returns:
        dict: ``embed_dims``, ``num_layers``, ``num_register_tokens``,
        ``grid`` (pos_embed side) and ``num_keys`` of the written file.
    """
    if source_format not in CONVERTERS:
        raise ValueError(f'unknown source format {source_format!r}; choose '
                         f'from {sorted(CONVERTERS)}')
    out = CONVERTERS[source_format](load_state_dict_file(src))
    save_converted(out, dst)
    num_layers = 1 + max(int(k.split('.')[1]) for k in out
                         if k.startswith('blocks.'))
    reg = out.get('register_tokens')
    return dict(
        embed_dims=out['patch_embed.proj.weight'].shape[0],
        num_layers=num_layers,
        num_register_tokens=0 if reg is None else reg.shape[1],
        grid=math.isqrt(out['pos_embed'].shape[1] - 1),
        num_keys=len(out))


def convert_checkpoint_cli(source_format: str,
                           description: str,
                           argv: Optional[Sequence[str]] = None) -> None:
    """The command line of ``tools/model_converters/<format>2dinov2.py``.

    ``SRC DST``: converts ``SRC`` with :func:`convert_checkpoint_file` and
    prints what it wrote.

    Args:
        source_format (str): ``'timm'`` or ``'mmpretrain'``.
        description (str): The tool's one-line description.
        argv (Sequence[str], optional): Arguments; None reads
            ``sys.argv[1:]``.
    """
    run_converter(
        lambda args: convert_checkpoint_file(args.src, args.dst,
                                             source_format),
        description,
        f'{source_format} checkpoint ({SOURCE_FILE_TYPES[source_format]})',
        'output .pth in the official layout',
        argv=argv)
