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
from mmvision_plus.models.backbones.dinov2_convert import \
    convert_checkpoint_cli

if __name__ == '__main__':
    convert_checkpoint_cli('timm', __doc__.splitlines()[0])
