"""Convert a timm DINOv2 checkpoint to the official DINOv2 layout.

Usage::

    python tools/model_converters/timm2dinov2.py \\
        vit_small_patch14_reg4_dinov2.safetensors dinov2_vits14_reg4.pth

The result loads into ``DINOv2ViT`` through
``init_cfg=dict(type='Pretrained', checkpoint='dinov2_vits14_reg4.pth')``
(build it with ``num_register_tokens=4`` for ``_reg4`` models). timm keeps no
``mask_token``; it is written as zeros. See
``mmvision_plus/models/backbones/dinov2_convert.py`` for the key mapping.
"""
import argparse

from mmvision_plus.models.backbones.dinov2_convert import \
    convert_checkpoint_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='timm checkpoint (.pth/.bin/.safetensors)')
    parser.add_argument('dst', help='output .pth in the official layout')
    args = parser.parse_args()
    info = convert_checkpoint_file(args.src, args.dst, 'timm')
    print(f'wrote {args.dst}: {info}')


if __name__ == '__main__':
    main()
