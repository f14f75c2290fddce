"""PCA visualisation of DINOv2 patch features.

Fits a 3-component PCA over the patch features of the images, thresholds the
first component for foreground (oriented so that border patches are
background), refits on the foreground and maps the components to RGB. Writes
a PNG grid, one row per image: input | PCA map.

Examples::

    # official checkpoint
    python tools/visualization/dinov2_pca.py a.jpg b.jpg --arch vits14 \\
        --checkpoint dinov2_vits14_pretrain.pth --out pca.png
    # register checkpoint
    python tools/visualization/dinov2_pca.py a.jpg --arch vitb14 \\
        --num-register-tokens 4 --checkpoint dinov2_vitb14_reg4_pretrain.pth
    # any config with a DINOv2ViT backbone (+ optional runner checkpoint)
    python tools/visualization/dinov2_pca.py a.jpg --config CFG.py \\
        --checkpoint work_dirs/x/epoch_12.pth

Without ``--out`` the grid is written next to the first image as
``dinov2_pca.png``.
"""
import argparse
import os.path as osp

from PIL import Image

from mmvision_plus.visualization.dinov2_pca import dinov2_pca_figure


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='DINOv2 PCA visualisation')
    parser.add_argument('images', nargs='+', help='input images')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--config', help='config whose model (or model.backbone)'
                     ' is a DINOv2ViT')
    src.add_argument('--arch', help='DINOv2ViT arch (small/vits14, ...)')
    parser.add_argument('--checkpoint', help='official checkpoint (with '
                        '--arch) or runner checkpoint (with --config)')
    parser.add_argument('--num-register-tokens', type=int, default=0,
                        help='with --arch: 4 for _reg4 checkpoints')
    parser.add_argument('--out', help='output PNG (default: next to the '
                        'first image)')
    parser.add_argument('--size', type=int, default=448,
                        help='input side in pixels, multiple of 14')
    parser.add_argument('--threshold', type=float, default=0.0,
                        help='foreground threshold on the first component')
    return parser.parse_args()


def build_backbone(args: argparse.Namespace):
    """DINOv2ViT from --arch/--checkpoint or --config[/--checkpoint]."""
    from mmvision_plus.models import DINOv2ViT
    if args.arch:
        init_cfg = dict(type='Pretrained', checkpoint=args.checkpoint) \
            if args.checkpoint else None
        model = DINOv2ViT(arch=args.arch,
                          num_register_tokens=args.num_register_tokens,
                          init_cfg=init_cfg)
        model.init_weights()
        return model
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint

    from mmvision_plus.registry import MODELS
    cfg = Config.fromfile(args.config)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmvision_plus')):
        model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu',
                        strict=True)
    else:
        model.init_weights()
    backbone = getattr(model, 'backbone', model)
    if not isinstance(backbone, DINOv2ViT):
        raise TypeError(f'{args.config}: model.backbone is '
                        f'{type(backbone).__name__}, not DINOv2ViT')
    return backbone


def main() -> None:
    args = parse_args()
    images = [Image.open(p).convert('RGB') for p in args.images]
    grid, masks = dinov2_pca_figure(build_backbone(args), images, args.size,
                                    args.threshold)
    out = args.out or osp.join(osp.dirname(osp.abspath(args.images[0])),
                               'dinov2_pca.png')
    Image.fromarray(grid).save(out)
    fg = ', '.join(f'{m.mean():.0%}' for m in masks)
    print(f'wrote {out} ({grid.shape[1]}x{grid.shape[0]}); foreground '
          f'fraction per image: {fg}')


if __name__ == '__main__':
    main()
