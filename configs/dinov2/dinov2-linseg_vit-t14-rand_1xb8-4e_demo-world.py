# Linear semantic segmentation on frozen DINOv2-architecture features, demo
# world (background + 8 shapes). As for the other demo-world frozen-feature
# configs, the backbone is a tiny ViT (192-d, 6 blocks, patch 14) with the
# official random initialisation (no DINOv2 weights are downloadable here):
# the result measures the pipeline, not DINOv2.
_base_ = [
    '../_base_/models/dinov2-linseg_vit-t14.py',
    '../_base_/datasets/demo_world_semseg.py',
    '../_base_/schedules/probe_adamw_4e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    head=dict(num_classes=9))  # background + 8 shapes

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval={{_base_.max_epochs}}),
    visualization=dict(draw=False))
