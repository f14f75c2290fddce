"""Extract the DINOv2ViT backbone of a trained model into the official layout.

``DINOv2ViT`` uses the official parameter names, so the backbone of any
mmvision_plus / mmdet / mmpretrain model built on it (a detector, a
classifier, a dense model) is an official-layout state dict once the module
prefix is stripped. The output loads, strictly checked, through
``init_cfg=dict(type='Pretrained', checkpoint=OUT)``.

Usage::

    python tools/model_converters/extract_dinov2_backbone.py \\
        work_dirs/retinanet_dinov2-t14_demo/epoch_10.pth \\
        checkpoints/vit-t14_retinanet-demo-world.pth
"""
import argparse

import torch

from mmvision_plus.utils.converter_cli import run_converter, save_converted


def extract(checkpoint: dict, prefix: str, source: str) -> dict:
    """Return the tensors under ``prefix`` with the prefix removed.

    Args:
        checkpoint (dict): A training checkpoint (``state_dict`` inside) or
            a flat state dict.
        prefix (str): Module prefix of the backbone, e.g. ``'backbone.'``.
        source (str): File name used in error messages.

    Returns:
        dict: The backbone state dict in the official DINOv2 layout.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    out = {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }
    if 'patch_embed.proj.weight' not in out:
        raise ValueError(f'{source}: no DINOv2 backbone under prefix '
                         f'{prefix!r} (looked for '
                         f"'{prefix}patch_embed.proj.weight')")
    return out


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of this converter."""
    parser.add_argument('--prefix', default='backbone.',
                        help="backbone module prefix (default 'backbone.')")


def convert_file(args: argparse.Namespace) -> str:
    """Extract from ``args.src`` into ``args.dst``; the summary to print."""
    ckpt = torch.load(args.src, map_location='cpu', weights_only=False)
    state_dict = extract(ckpt, args.prefix, args.src)
    save_converted(state_dict, args.dst)
    return f'{len(state_dict)} tensors'


if __name__ == '__main__':
    run_converter(convert_file, __doc__.splitlines()[0],
                  'training checkpoint (.pth)',
                  'output .pth in the official layout', add_options)
