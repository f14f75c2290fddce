# DINOv2 linear semantic segmentation ("linear" of the paper): a frozen
# ViT-S/14 (official architecture; no weights given here) and a BatchNorm +
# 1x1 conv head on the patch tokens of the last block after the final
# LayerNorm, upsampled to the image. 150 classes (ADE20k) by default; the
# data preprocessor comes from the dataset base.
_base_ = './backbones/dinov2_vit-s14_frozen.py'
model = dict(
    type='FrozenFeatureDenseModel',
    layers=1,
    norm_features=True,
    head=dict(type='DINOv2LinearSegHead', num_classes=150, in_channels=384,
              num_inputs=1))
