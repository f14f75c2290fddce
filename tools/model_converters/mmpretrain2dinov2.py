"""Convert an mmpretrain DINOv2 checkpoint to the official DINOv2 layout.

Usage::

    python tools/model_converters/mmpretrain2dinov2.py \\
        vit-small-p14_dinov2-pre_3rdparty.pth dinov2_vits14.pth

Accepts a ``VisionTransformer`` backbone state dict or a whole classifier
checkpoint (``state_dict`` with ``backbone.*`` keys; head/neck keys are not
part of the backbone and are left out). mmpretrain keeps no ``mask_token``;
it is written as zeros. See
``mmvision_plus/models/backbones/dinov2_convert.py`` for the key mapping.
"""
from mmvision_plus.models.backbones.dinov2_convert import \
    convert_checkpoint_cli

if __name__ == '__main__':
    convert_checkpoint_cli('mmpretrain', __doc__.splitlines()[0])
