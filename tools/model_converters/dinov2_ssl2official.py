"""Export the backbone of a DINOv2 self-supervised run in the official layout.

The ``DINOv2`` model keeps the EMA teacher under ``teacher.module.`` and the
student under ``backbone.``; both use the official parameter names
(``cls_token``, ``pos_embed``, ``mask_token``, ``register_tokens``,
``patch_embed.proj.*``, ``blocks.N.*``, ``norm.*``), so the export strips
the prefix, checks the result with ``DINOv2ViT``'s strict loader (every key
present, none unused, shapes consistent) and writes a flat state dict, as
the published ``dinov2_*_pretrain.pth`` files are.

The position table is stored for the grid the run's backbone was built with
(``img_size``, e.g. 224 -> 16 x 16). ``--img-size 518`` resamples it to the
37 x 37 grid of the published checkpoints with the backbone's own
interpolation, so the exported model gives the same features at 518 px as
the trained one and loads into configs built with ``img_size=518``.

Usage::

    python tools/model_converters/dinov2_ssl2official.py \\
        work_dirs/dinov2-ssl_vit-t14_demo/epoch_40.pth \\
        work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth

``--part student`` exports the student instead (after a distillation run,
the student, EMA-averaged by the config's EMAHook, is the result).
"""
import argparse
import math
import os.path as osp
import sys
from collections import OrderedDict
from typing import Optional

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from extract_dinov2_backbone import extract  # noqa: E402

from mmvision_plus.models.backbones import DINOv2ViT  # noqa: E402
from mmvision_plus.utils.converter_cli import (  # noqa: E402
    run_converter, save_converted)

PREFIXES = {'teacher': 'teacher.module.backbone.', 'student': 'backbone.'}


def backbone_for(state_dict: dict) -> DINOv2ViT:
    """A ``DINOv2ViT`` whose parameters have the shapes of ``state_dict``.

    The number of attention heads does not show in the weights and does not
    change any shape; the model is built with one head (enough to check the
    keys and to resample the position table).
    """
    proj = state_dict['patch_embed.proj.weight']
    embed_dims, in_channels, patch_size = proj.shape[0], proj.shape[1], \
        proj.shape[2]
    num_layers = 1 + max(int(k.split('.')[1]) for k in state_dict
                         if k.startswith('blocks.'))
    if 'blocks.0.mlp.w12.weight' in state_dict:
        ffn = dict(ffn_type='swiglu',
                   ffn_hidden=state_dict['blocks.0.mlp.w3.weight'].shape[1])
    else:
        ffn = dict(ffn_type='mlp',
                   ffn_hidden=state_dict['blocks.0.mlp.fc1.weight'].shape[0])
    grid = math.isqrt(state_dict['pos_embed'].shape[1] - 1)
    registers = state_dict['register_tokens'].shape[1] \
        if 'register_tokens' in state_dict else 0
    return DINOv2ViT(
        arch=dict(embed_dims=embed_dims, num_layers=num_layers, num_heads=1,
                  **ffn),
        patch_size=patch_size, img_size=grid * patch_size,
        in_channels=in_channels, num_register_tokens=registers)


def export(checkpoint: dict,
           part: str = 'teacher',
           img_size: Optional[int] = None,
           source: str = 'checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """The ``part`` backbone of a DINOv2 checkpoint, official layout.

    Args:
        checkpoint: A training checkpoint (``state_dict`` inside) or a flat
            state dict of the ``DINOv2`` model.
        part: ``'teacher'`` (the EMA teacher) or ``'student'``.
        img_size: Resample ``pos_embed`` to the grid of this image size
            (None: keep the stored grid).
        source: Name used in error messages.

    Returns:
        OrderedDict: The backbone state dict, strictly checked.
    """
    if part not in PREFIXES:
        raise ValueError(f'part must be one of {sorted(PREFIXES)}, got '
                         f'{part!r}')
    state = checkpoint.get('state_dict', checkpoint)
    if part == 'teacher' and not any(k.startswith(PREFIXES['teacher'])
                                     for k in state):
        raise ValueError(
            f'{source}: no EMA teacher ({PREFIXES["teacher"]}*); a '
            'distillation checkpoint has a frozen teacher and the student is '
            'the result: use --part student')
    state_dict = OrderedDict(
        sorted(extract(checkpoint, PREFIXES[part], source).items()))
    model = backbone_for(state_dict)
    model.load_official_state_dict(state_dict, source=source)
    if img_size is not None:
        if img_size % model.patch_size:
            raise ValueError(f'--img-size {img_size} is not a multiple of '
                             f'the patch size {model.patch_size}')
        grid = img_size // model.patch_size
        with torch.no_grad():
            state_dict['pos_embed'] = model.interpolate_pos_encoding(
                grid, grid, torch.float32).clone()
    return state_dict


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of this converter."""
    parser.add_argument('--part', choices=sorted(PREFIXES), default='teacher',
                        help='which backbone to export (default: teacher)')
    parser.add_argument('--img-size', type=int, default=None,
                        help='resample pos_embed to this image size '
                        '(518 for the published grid)')


def convert_file(args: argparse.Namespace) -> str:
    """Export from ``args.src`` into ``args.dst``; the summary to print."""
    ckpt = torch.load(args.src, map_location='cpu', weights_only=False)
    state_dict = export(ckpt, args.part, args.img_size, args.src)
    save_converted(state_dict, args.dst)
    grid = math.isqrt(state_dict['pos_embed'].shape[1] - 1)
    return (f'{args.part} backbone, {len(state_dict)} tensors, position '
            f'grid {grid}x{grid}')


if __name__ == '__main__':
    run_converter(convert_file, __doc__.splitlines()[0],
                  'DINOv2 training checkpoint (.pth)',
                  'output .pth in the official layout', add_options)
