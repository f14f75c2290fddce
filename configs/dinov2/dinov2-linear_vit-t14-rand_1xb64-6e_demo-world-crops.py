# DINOv2 linear probe on the demo world's object crops.
# No DINOv2 weights can be downloaded here: the frozen backbone is a tiny
# DINOv2-architecture ViT (192-d, 6 blocks, patch 14) with its official
# random initialisation, so the number it reaches measures the toolkit and
# the crops, not DINOv2. The ImageNet config is the real recipe.
_base_ = [
    '../_base_/models/dinov2-linear_vit-t14.py',
    '../_base_/datasets/demo_world_crops.py',
    '../_base_/schedules/probe_sgd_6e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    head=dict(num_classes=8))

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval={{_base_.max_epochs}}),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
