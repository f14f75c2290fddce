# DINOv2 linear probe: a frozen ViT-S/14 (official architecture; no weights
# given here, a config adds its checkpoint) and a linear classifier on the
# official feature, the cls token concatenated with the mean patch token of
# the last block, each after the final LayerNorm (2 x 384 channels).
# mmpretrain's classifier and head, built from our scope with their prefix;
# the data preprocessor comes from the dataset base.
_base_ = './backbones/dinov2_vit-s14_frozen.py'
model = dict(
    type='mmpretrain.ImageClassifier',
    backbone=dict(out_indices=(-1, ), out_type='cls_patch_mean',
                  norm_out=True),
    neck=dict(type='DINOv2LinearNeck', use_avgpool=True),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=1000,
        in_channels=2 * 384,
        loss=dict(type='mmpretrain.CrossEntropyLoss'),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01)))
