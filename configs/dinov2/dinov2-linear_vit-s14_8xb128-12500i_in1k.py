# DINOv2 ViT-S/14 linear probe on ImageNet-1k (frozen backbone, the official
# feature: cls token concatenated with the mean patch token of the last
# block), the official linear evaluation schedule. Needs the official
# checkpoint file as published:
#   checkpoints/dinov2_vits14_pretrain.pth
# Paper: 81.1 top-1 (its best over a learning-rate grid).
_base_ = [
    '../_base_/models/dinov2-linear_vit-s14.py',
    '../_base_/datasets/imagenet_dinov2_linear.py',
    '../_base_/schedules/dinov2-linear_sgd_12500i.py',
    '../_base_/default_runtime.py',
    '../_base_/models/backbones/dinov2_vit-s14_pretrained.py'
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(init_cfg=_base_.dinov2_vits14_pretrained))

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1250),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
log_processor = dict(by_epoch=False)
